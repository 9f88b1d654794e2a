import { moveClaim, reachesUnit, unitTreeFold } from './unit-tree';

/** A tree by hand: county ← town1 ← branchA, county ← town2 ← branchB. */
const streamParents: Record<string, string | null> = { county: null, town1: 'county', town2: 'county', branchA: 'town1', branchB: 'town2' };
const parents =
  (pending: Record<string, string[]> = {}) =>
  async (id: string) => [...(streamParents[id] ? [streamParents[id] as string] : []), ...(pending[id] ?? [])];

describe('unit tree claims', () => {
  it('folds the claims in order', () => {
    const a = moveClaim({ type: 'UnitMoved', data: { unitId: 'town1', parentId: 'town2', previousParentId: 'county' } }, 3, 'e1');
    const b = moveClaim({ type: 'UnitMoved', data: { unitId: 'branchA', parentId: 'town2', previousParentId: 'town1' } }, 0, 'e2');
    const state = [a, b].reduce(unitTreeFold.evolve, unitTreeFold.initialState());
    expect(state.claims).toEqual([
      { unitId: 'town1', parentId: 'town2', previousParentId: 'county', unitRevision: 3, eventId: 'e1' },
      { unitId: 'branchA', parentId: 'town2', previousParentId: 'town1', unitRevision: 0, eventId: 'e2' },
    ]);
  });

  it('a unit under its own descendant, or itself, reaches it', async () => {
    expect(await reachesUnit('branchA', 'town1', parents())).toBe(true);
    expect(await reachesUnit('town1', 'town1', parents())).toBe(true);
    expect(await reachesUnit('branchA', 'county', parents())).toBe(true);
  });

  it('a unit under another subtree does not', async () => {
    expect(await reachesUnit('branchB', 'town1', parents())).toBe(false);
    expect(await reachesUnit('town2', 'branchA', parents())).toBe(false);
  });

  it('a move claimed but not yet appended counts: town1 claimed under town2, so town2 under branchA is a cycle', async () => {
    // Without the claim: branchA → town1 → county, no town2.
    expect(await reachesUnit('branchA', 'town2', parents())).toBe(false);
    expect(await reachesUnit('branchA', 'town2', parents({ town1: ['town2'] }))).toBe(true);
  });

  it('a cycle already in the data, or a chain deeper than the cap, fails closed only past the cap', async () => {
    const loop = async (id: string) => [id === 'x' ? 'y' : 'x'];
    expect(await reachesUnit('x', 'z', loop)).toBe(false);
    const deep = async (id: string) => [`n${Number(id.slice(1)) + 1}`];
    expect(await reachesUnit('n0', 'nowhere', deep, 10)).toBe(true);
  });
});
