import { bodyHash, globalLinkHash, streamLinkHash, type StoredEvent } from '@ledger/event-store';
import { ChainWalker, chainProfile } from './chain-walker';
import { MerkleTree } from './merkle';

/** A log over a few streams with valid links, and the heads as they stood after every position. */
function log(count: number): { events: StoredEvent[]; rootAt: string[] } {
  const events: StoredEvent[] = [];
  const rootAt: string[] = [''];
  const heads = new MerkleTree();
  const revisions = new Map<string, number>();
  const hashes = new Map<string, Buffer>();
  let global: Buffer | null = null;
  for (let p = 1; p <= count; p++) {
    // New streams keep being born, so that rewinding also drops leaves.
    const stream = p % 7 === 0 ? `item-${p}` : `item-${p % 13}`;
    const revision = (revisions.get(stream) ?? -1) + 1;
    const e = {
      id: `e${p}`,
      stream,
      type: 'ItemUrged',
      schemaVersion: 1,
      data: { p },
      metadata: { actor: { userId: 'u', role: 'inspector' } },
      revision,
      position: BigInt(p),
      recordedAt: '2026-11-28T00:00:00.000Z',
    } as StoredEvent;
    const sh = streamLinkHash(stream, revision, e.position, bodyHash(e), hashes.get(stream) ?? null);
    global = globalLinkHash(sh, global);
    events.push({ ...e, streamHash: sh.toString('hex'), globalHash: global.toString('hex') });
    revisions.set(stream, revision);
    hashes.set(stream, sh);
    heads.set({ stream, revision, streamHash: sh, position: e.position });
    rootAt.push(heads.root.toString('hex'));
  }
  return { events, rootAt };
}

describe('ChainWalker journal', () => {
  const { events, rootAt } = log(5000);

  it('rebuilds the heads at any position still in its window, after growing, sliding and dropping', () => {
    const walker = new ChainWalker(chainProfile('sqlite'), [], 300);
    for (let i = 0; i < events.length; i += 97) expect(walker.apply(events.slice(i, i + 97))).toBe(true);
    expect(walker.checked).toBe(5000);
    for (const p of [4701, 4800, 4999, 5000]) expect(walker.headsAt(BigInt(p))?.root.toString('hex')).toBe(rootAt[p]);
    // Beyond the window (between 300 and 450 entries are kept): no longer rebuildable, said so.
    expect(walker.headsAt(4000n)).toBeNull();
  });

  it('answers the same with a window that never drops', () => {
    const walker = new ChainWalker(chainProfile('sqlite'), [], 1_000_000);
    expect(walker.apply(events)).toBe(true);
    for (const p of [1, 2, 7, 1234, 4999]) expect(walker.headsAt(BigInt(p))?.root.toString('hex')).toBe(rootAt[p]);
    expect(walker.headsAt(0n)?.size).toBe(0);
  });
});

describe('ChainWalker.rewindHeadsTo', () => {
  const { events, rootAt } = log(3000);

  it('gives the heads headsAt gives, from its own tree, and the walker walks no further', () => {
    const walker = new ChainWalker(chainProfile('sqlite'), [], 500);
    expect(walker.apply(events.slice(0, 2900))).toBe(true);
    const expected = walker.headsAt(2700n)?.root.toString('hex');
    expect(expected).toBe(rootAt[2700]);
    expect(walker.rewindHeadsTo(2700n)?.root.toString('hex')).toBe(expected);
    expect(() => walker.apply(events.slice(2900))).toThrow(/walks no further/);
  });

  it('answers null beyond its window', () => {
    const walker = new ChainWalker(chainProfile('sqlite'), [], 500);
    expect(walker.apply(events)).toBe(true);
    expect(walker.rewindHeadsTo(1000n)).toBeNull();
  });
});
