import { createHash } from 'node:crypto';
import type { StoredEvent } from '../port';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest();

/**
 * The hash links of `events`, recomputed from their definition (libs/integrity/README.md) with
 * node:crypto alone, not with the store's hash-chain.ts: what a spec compares the stored links with.
 * Each stream's chain starts from the first of its events given (its revision 0); the global chain from
 * the first event given, so it is meaningful for the log read from its start. `positionInLink: false`:
 * position 0 in the stream link, as EventStoreDB's adapter writes it (the server assigns the position after the write).
 */
export function linksFromDefinition(events: StoredEvent[], positionInLink = true): Array<{ streamHash: string; globalHash: string }> {
  const streams = new Map<string, Buffer>();
  let global = Buffer.alloc(32);
  return events.map((e) => {
    const body = sha(
      `[${JSON.stringify(e.id)},${JSON.stringify(e.type)},${JSON.stringify(e.schemaVersion)},${JSON.stringify(e.data)},${JSON.stringify(e.metadata)}]`,
    );
    const name = Buffer.from(e.stream, 'utf8');
    const fixed = Buffer.alloc(7 + 4 + name.length + 4 + 8);
    fixed.write('LEDGER1', 0, 'ascii');
    fixed.writeUInt32BE(name.length, 7);
    name.copy(fixed, 11);
    fixed.writeUInt32BE(e.revision, 11 + name.length);
    fixed.writeBigUInt64BE(positionInLink ? e.position : 0n, 15 + name.length);
    const link = sha(Buffer.concat([fixed, body, streams.get(e.stream) ?? Buffer.alloc(32)]));
    streams.set(e.stream, link);
    global = sha(Buffer.concat([link, global]));
    return { streamHash: link.toString('hex'), globalHash: global.toString('hex') };
  });
}
