import { createHash } from 'node:crypto';

/*
 * The hash chains every engine stores beside its events (libs/integrity/README.md defines them for
 * third parties; packages/ledger-verify re-implements them without this repository):
 *
 *   body       = JCS([id, type, schemaVersion, data, metadata])            RFC 8785 canonical JSON, UTF-8
 *   bodyHash   = SHA-256(body)
 *   streamHash = SHA-256("LEDGER1" ‖ u32(len(stream)) ‖ stream ‖ u32(revision) ‖ u64(position) ‖ bodyHash ‖ prevStreamHash)
 *   globalHash = SHA-256(streamHash ‖ prevGlobalHash)
 *
 * u32/u64 are big-endian, stream is UTF-8, the previous hash of a first link is 32 zero bytes.
 * The body hash is a pure function of the event, computed before the writer lane; the links need
 * the revision, the position and the previous hashes, so they are computed inside it.
 * Relative imports only: the cross-process SQLite test loads the adapter without alias mapping.
 */

export const HASH_BYTES = 32;
export const ZERO_HASH: Buffer = Buffer.alloc(HASH_BYTES);
const MAGIC = Buffer.from('LEDGER1', 'ascii');

/**
 * RFC 8785 (JCS) serialisation of a value as JSON.stringify would see it: toJSON is applied,
 * undefined / functions / symbols are dropped from objects and become null in arrays, non-finite
 * numbers become null, object keys are sorted by UTF-16 code units. Strings and numbers are
 * serialised by ECMAScript's JSON.stringify, which is what JCS prescribes.
 */
export function canonicalJson(value: unknown): string {
  const out = write(value);
  return out === undefined ? 'null' : out;
}

function write(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('a bigint cannot be serialised as JSON');
    case 'object': {
      if (v === null) return 'null';
      const toJson = (v as { toJSON?: unknown }).toJSON;
      if (typeof toJson === 'function') return write((toJson as () => unknown).call(v));
      if (Array.isArray(v)) {
        let s = '[';
        for (let i = 0; i < v.length; i++) {
          if (i) s += ',';
          s += write(v[i]) ?? 'null';
        }
        return s + ']';
      }
      const keys = Object.keys(v).sort();
      let s = '{';
      let first = true;
      for (const k of keys) {
        const x = write((v as Record<string, unknown>)[k]);
        if (x === undefined) continue;
        if (!first) s += ',';
        first = false;
        s += JSON.stringify(k) + ':' + x;
      }
      return s + '}';
    }
    default:
      return undefined;
  }
}

export interface HashableEvent {
  id: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: unknown;
}

export function bodyHash(e: HashableEvent): Buffer {
  const body = '[' + JSON.stringify(e.id) + ',' + JSON.stringify(e.type) + ',' + canonicalJson(e.schemaVersion) + ',' + canonicalJson(e.data ?? null) + ',' + canonicalJson(e.metadata ?? null) + ']';
  return createHash('sha256').update(body, 'utf8').digest();
}

export function streamLinkHash(stream: string, revision: number, position: bigint | number, body: Buffer, prevStreamHash: Buffer | null): Buffer {
  const len = Buffer.byteLength(stream, 'utf8');
  const buf = Buffer.allocUnsafe(MAGIC.length + 4 + len + 4 + 8 + HASH_BYTES * 2);
  let o = MAGIC.copy(buf, 0);
  o = buf.writeUInt32BE(len, o);
  o += buf.write(stream, o, 'utf8');
  o = buf.writeUInt32BE(revision, o);
  o = buf.writeBigUInt64BE(BigInt(position), o);
  o += body.copy(buf, o);
  (prevStreamHash ?? ZERO_HASH).copy(buf, o);
  return createHash('sha256').update(buf).digest();
}

export function globalLinkHash(streamHash: Buffer, prevGlobalHash: Buffer | null): Buffer {
  return createHash('sha256').update(streamHash).update(prevGlobalHash ?? ZERO_HASH).digest();
}
