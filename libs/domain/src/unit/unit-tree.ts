import { STREAM_PREFIX, type EventOf, type LedgerEvent, type UnitMoveClaimed } from '@ledger/contracts/events';

export type UnitTreeEvent = EventOf<'UnitMoveClaimed'>;

/**
 * The one claim stream of the organisation tree. A move's cycle check reads the parent chains of
 * other units' streams, so two moves (A under B, B under A) would each pass against a tree without
 * the other. Each move appends its claim here with the expected revision of the tree it decided on,
 * before its UnitMoved: of two moves deciding on the same tree one conflicts and decides again.
 */
export const UNIT_TREE_STREAM = STREAM_PREFIX.unitTree + 'county';

export interface UnitTreeState {
  /** Every move claimed, oldest first (moves are rare: tens a year). */
  claims: readonly UnitMoveClaimed[];
}

export const unitTreeFold = {
  initialState: (): UnitTreeState => ({ claims: [] }),
  evolve: (state: UnitTreeState, event: LedgerEvent): UnitTreeState => (event.type === 'UnitMoveClaimed' ? { claims: [...state.claims, event.data] } : state),
};

/** The claim a move's UnitMoved is preceded by: it follows the unit's `unitRevision`, with id `eventId`. */
export function moveClaim(moved: EventOf<'UnitMoved'>, unitRevision: number, eventId: string): UnitTreeEvent {
  return { type: 'UnitMoveClaimed', data: { ...moved.data, unitRevision, eventId } };
}

/**
 * Would `unitId` under `candidateId` make a cycle? `parentsOf` gives every parent a unit may have:
 * the one in its stream and those of moves claimed but not yet appended (either may be the truth by
 * the time this move lands). Unknown ancestry beyond `maxDepth` levels fails closed (a cycle).
 */
export async function reachesUnit(candidateId: string, unitId: string, parentsOf: (id: string) => Promise<readonly string[]>, maxDepth = 64): Promise<boolean> {
  const seen = new Set<string>();
  let level = [candidateId];
  for (let depth = 0; level.length > 0; depth++) {
    if (depth >= maxDepth) return true;
    const next: string[] = [];
    for (const id of level) {
      if (id === unitId) return true;
      if (seen.has(id)) continue;
      seen.add(id);
      next.push(...(await parentsOf(id)));
    }
    level = next;
  }
  return false;
}
