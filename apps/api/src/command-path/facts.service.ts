import { Inject, Injectable } from '@nestjs/common';
import type { Actor, AccountabilityTarget, UnitMoved } from '@ledger/contracts/events';
import {
  cadreDecider, cadreStream, itemDecider, itemStream, sheetDecider, sheetStream, unitDecider, unitStream,
  type CadreFacts, type CadreState, type SheetState, type UnitFacts, type UnitState,
  UNIT_TREE_STREAM, moveClaim, reachesUnit, unitTreeFold, type CommandContext,
} from '@ledger/domain';
import type { EventStore, NewEvent } from '@ledger/event-store';
import { ReadQueries } from '@ledger/read-models';
import { EVENT_STORE } from '../platform/tokens';
import type { CommandMeta } from './command-meta';
import { CommandPath } from './command-path.service';

/** Tree depth is small (county → township → branch → group); the cap only guards against a corrupt cycle. */
const MAX_TREE_DEPTH = 64;

/** How long a decision waits for the read models to include what was written before it (as queries' minPosition). */
const READ_MODELS_WAIT_MS = 5000;

/** The organisation tree as a move decides on it: the claim stream's revision, and moves claimed but not yet appended. */
export interface UnitTree {
  revision: number | null;
  /** Unit → parents claimed for it whose UnitMoved is not (yet) in its stream. */
  pending: Map<string, string[]>;
}

/**
 * The facts deciders need about other records. Existence and status come from their streams
 * (authoritative); scope, live children and open items from the read models.
 */
@Injectable()
export class Facts {
  /** Claims whose UnitMoved was appended, or can no longer be (the unit's stream went on without it): settled for good. */
  private readonly settledClaims = new Set<string>();

  constructor(
    private readonly path: CommandPath,
    private readonly queries: ReadQueries,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async unitState(unitId: string): Promise<UnitState> {
    return (await this.path.foldLatest(unitStream(unitId), unitDecider)).state;
  }

  async unit(unitId: string): Promise<UnitFacts> {
    const s = await this.unitState(unitId);
    return { exists: s.status !== 'unregistered', dissolved: s.status === 'dissolved' };
  }

  async cadre(cadreId: string): Promise<CadreFacts> {
    const s: CadreState = (await this.path.foldLatest(cadreStream(cadreId), cadreDecider)).state;
    return { exists: s.status !== 'unregistered', left: (s.status as string) === 'left' };
  }

  async sheetExists(sheetId: string): Promise<boolean> {
    const s: SheetState = (await this.path.foldLatest(sheetStream(sheetId), sheetDecider)).state;
    return s.status !== 'unissued';
  }

  /**
   * Who granted the item's latest extension: the actor of its last ExtensionGranted (the payload says
   * what, the metadata who). Null when none was granted.
   */
  async lastExtensionApprover(itemId: string): Promise<string | null> {
    const { events } = await this.path.fold(itemStream(itemId), itemDecider);
    for (let i = events.length - 1; i >= 0; i--) {
      if (events[i].type !== 'ExtensionGranted') continue;
      const actor = events[i].metadata.actor as Partial<Actor> | undefined;
      return typeof actor?.userId === 'string' ? actor.userId : null;
    }
    return null;
  }

  async targetExists(target: AccountabilityTarget): Promise<boolean> {
    return target.kind === 'cadre' ? (await this.cadre(target.id)).exists : (await this.unit(target.id)).exists;
  }

  /**
   * Is `unitId` inside the subtree a unit user acts for? County-level roles act everywhere. Walks the
   * parent chain through the unit streams, not the read models: a township moved out of the user's
   * subtree is out of it from the move's append on, not once the projector has caught up.
   */
  async inActorScope(actor: Actor, unitId: string): Promise<boolean> {
    if (actor.role !== 'unit') return true;
    if (!actor.unitId) return false;
    let current: string | null = unitId;
    for (let depth = 0; current !== null && depth < MAX_TREE_DEPTH; depth++) {
      const s = await this.unitState(current);
      if (s.status === 'unregistered') return false;
      if (current === actor.unitId) return true;
      current = s.parentId;
    }
    return false;
  }

  /** The tree claim stream as of now, with the claims whose UnitMoved is still to come. */
  async unitTree(): Promise<UnitTree> {
    const folded = await this.path.foldLatest(UNIT_TREE_STREAM, unitTreeFold);
    const pending = new Map<string, string[]>();
    for (const c of folded.state.claims) {
      if (this.settledClaims.has(c.eventId)) continue;
      // Whatever follows the revision the claim was made on settles it: its own UnitMoved, or another event (it lost).
      const [next] = await this.store.readStream(unitStream(c.unitId), c.unitRevision + 1, 1);
      if (next) this.settledClaims.add(c.eventId);
      else pending.set(c.unitId, [...(pending.get(c.unitId) ?? []), c.parentId]);
    }
    return { revision: folded.revision, pending };
  }

  /**
   * Would `unitId` under `candidateId` make a cycle? Walks the parents from the unit streams and the
   * moves claimed on `tree` but not yet appended (either may hold when this move lands).
   */
  async isSelfOrDescendant(candidateId: string, unitId: string, tree?: UnitTree): Promise<boolean> {
    return reachesUnit(candidateId, unitId, async (id) => {
      const s = await this.unitState(id);
      const own = s.status !== 'unregistered' && s.parentId !== null ? [s.parentId] : [];
      return [...own, ...(tree?.pending.get(id) ?? [])];
    }, MAX_TREE_DEPTH);
  }

  /**
   * Claims a move on the tree it was decided on (expected revision): a move decided meanwhile on the
   * same tree makes this throw ConcurrencyError, and the command path decides again.
   */
  async claimMove(tree: UnitTree, moved: NewEvent, unitRevision: number, meta: CommandMeta, context: CommandContext): Promise<void> {
    const claim = moveClaim({ type: 'UnitMoved', data: moved.data as UnitMoved }, unitRevision, moved.id);
    // Ids of its own: a retry under the same Idempotency-Key claims again rather than collide with the first claim.
    await this.path.append(UNIT_TREE_STREAM, [claim], tree.revision ?? 'no_stream', { ...meta, idempotencyKey: null }, context);
  }

  /** Children not dissolved, as the read models know them once they include every write before this call. */
  async liveChildren(unitId: string): Promise<number> {
    await this.readModelsCurrent();
    return (await this.queries.liveChildren(unitId)).length;
  }

  /** Open items, as the read models know them once they include every write before this call. */
  async openItems(unitId: string): Promise<number> {
    await this.readModelsCurrent();
    return (await this.queries.openItemsOfUnit(unitId)).length;
  }

  /**
   * A decision that reads the read models waits until they include the store's head as of now, as a
   * query with minPosition does: a dissolve right after an assignment sees the item. 503 after 5 s.
   */
  private async readModelsCurrent(): Promise<void> {
    await this.queries.ensurePosition(await this.store.headPosition(), READ_MODELS_WAIT_MS);
  }
}
