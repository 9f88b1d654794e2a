import type { AccountabilityTarget, Actor, UnitMoved } from '@ledger/contracts/events';
import {
  cadreDecider,
  cadreStream,
  itemDecider,
  itemStream,
  sheetDecider,
  sheetStream,
  unitDecider,
  unitStream,
  type CadreFacts,
  type CadreState,
  type ItemCommand,
  type ItemState,
  type SheetState,
  type UnitCommand,
  type UnitFacts,
  type UnitState,
  UNIT_TREE_STREAM,
  moveClaim,
  reachesUnit,
  unitTreeFold,
  type CommandContext,
} from '@ledger/domain';
import type { NewEvent } from '@ledger/event-store';
import type { CommandLoop, CommandMeta, StreamCommand } from './handle-command';

/** Tree depth is small (county → township → branch → group); the cap only guards against a corrupt cycle. */
const MAX_TREE_DEPTH = 64;

/** How long a decision waits for the read models to include what was written before it (as queries' minPosition). */
const READ_MODELS_WAIT_MS = 5000;

/** What the facts read from the read models (ReadQueries answers it); the application does not import them. */
export interface ReadModelFacts {
  liveChildren(unitId: string): Promise<unknown[]>;
  openItemsOfUnit(unitId: string): Promise<unknown[]>;
  /** Resolves once the read models include `position`; throws (ReadModelsBehindError) after `timeoutMs`. */
  ensurePosition(position: bigint, timeoutMs: number): Promise<void>;
}

/** The organisation tree as a move decides on it: the claim stream's revision, and moves claimed but not yet appended. */
export interface UnitTree {
  revision: number | null;
  /** Unit → parents claimed for it whose UnitMoved is not (yet) in its stream. */
  pending: Map<string, string[]>;
}

/**
 * The facts deciders need about other records. Existence and status come from their streams
 * (authoritative); live children and open items from the read models.
 */
export class Facts {
  /** Claims whose UnitMoved was appended, or can no longer be (the unit's stream went on without it): settled for good. */
  private readonly settledClaims = new Set<string>();

  constructor(
    readonly loop: CommandLoop,
    private readonly readModels?: ReadModelFacts,
  ) {}

  async unitState(unitId: string): Promise<UnitState> {
    return (await this.loop.foldLatest(unitStream(unitId), unitDecider)).state;
  }

  async unit(unitId: string): Promise<UnitFacts> {
    const s = await this.unitState(unitId);
    return { exists: s.status !== 'unregistered', dissolved: s.status === 'dissolved' };
  }

  async cadre(cadreId: string): Promise<CadreFacts> {
    const s: CadreState = (await this.loop.foldLatest(cadreStream(cadreId), cadreDecider)).state;
    return { exists: s.status !== 'unregistered', left: (s.status as string) === 'left' };
  }

  async sheetExists(sheetId: string): Promise<boolean> {
    const s: SheetState = (await this.loop.foldLatest(sheetStream(sheetId), sheetDecider)).state;
    return s.status !== 'unissued';
  }

  /**
   * Who granted the item's latest extension: the actor of its last ExtensionGranted (the payload says
   * what, the metadata who). Null when none was granted.
   */
  async lastExtensionApprover(itemId: string): Promise<string | null> {
    const { events } = await this.loop.fold(itemStream(itemId), itemDecider);
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
    const folded = await this.loop.foldLatest(UNIT_TREE_STREAM, unitTreeFold);
    const pending = new Map<string, string[]>();
    for (const c of folded.state.claims) {
      if (this.settledClaims.has(c.eventId)) continue;
      // Whatever follows the revision the claim was made on settles it: its own UnitMoved, or another event (it lost).
      const [next] = await this.loop.store.readStream(unitStream(c.unitId), c.unitRevision + 1, 1);
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
    return reachesUnit(
      candidateId,
      unitId,
      async (id) => {
        const s = await this.unitState(id);
        const own = s.status !== 'unregistered' && s.parentId !== null ? [s.parentId] : [];
        return [...own, ...(tree?.pending.get(id) ?? [])];
      },
      MAX_TREE_DEPTH,
    );
  }

  /**
   * Claims a move on the tree it was decided on (expected revision): a move decided meanwhile on the
   * same tree makes this throw ConcurrencyError, and the loop decides again.
   */
  async claimMove(tree: UnitTree, moved: NewEvent, unitRevision: number, meta: CommandMeta, context: CommandContext): Promise<void> {
    const claim = moveClaim({ type: 'UnitMoved', data: moved.data as UnitMoved }, unitRevision, moved.id);
    // Ids of its own: a retry under the same Idempotency-Key claims again rather than collide with the first claim.
    await this.loop.append(UNIT_TREE_STREAM, [claim], tree.revision ?? 'no_stream', { ...meta, idempotencyKey: null }, context);
  }

  /** Children not dissolved, as the read models know them once they include every write before this call. */
  async liveChildren(unitId: string): Promise<number> {
    return (await (await this.readModelsCurrent()).liveChildren(unitId)).length;
  }

  /** Open items, as the read models know them once they include every write before this call. */
  async openItems(unitId: string): Promise<number> {
    return (await (await this.readModelsCurrent()).openItemsOfUnit(unitId)).length;
  }

  /**
   * A decision that reads the read models waits until they include the store's head as of now, as a
   * query with minPosition does: a dissolve right after an assignment sees the item.
   */
  private async readModelsCurrent(): Promise<ReadModelFacts> {
    if (!this.readModels) throw new Error('these facts need the read models, and none were given');
    await this.readModels.ensurePosition(await this.loop.store.headPosition(), READ_MODELS_WAIT_MS);
    return this.readModels;
  }
}

type ItemCommandOf<T extends ItemCommand['type']> = Extract<ItemCommand, { type: T }>;

export interface ItemCommandOptions<T extends ItemCommand['type']> {
  /** Facts besides scope, resolved from the folded item (e.g. the new unit of a reassignment). */
  facts?: (state: ItemState, context: CommandContext) => Promise<Omit<NonNullable<ItemCommandOf<T>['facts']>, 'inActorScope'>>;
  retryOnConflict?: boolean;
  /** The id answered to the client; the item id by default. */
  answerId?: string;
}

/**
 * A command on an existing item, for `handleCommand`: not found for an unknown item, If-Match
 * honoured, and the scope fact every item rule asks for resolved from the item's unit.
 */
export function itemCommand<T extends Exclude<ItemCommand['type'], 'AssignItem'>>(
  facts: Facts,
  type: T,
  itemId: string,
  data: Omit<ItemCommandOf<T>['data'], 'itemId'>,
  meta: CommandMeta,
  options: ItemCommandOptions<T> = {},
): StreamCommand<ItemCommand, ItemState> {
  return {
    name: type,
    stream: itemStream(itemId),
    decider: itemDecider,
    mode: 'existing',
    id: options.answerId ?? itemId,
    notFound: { code: 'ITEM_NOT_FOUND', message: `item ${itemId} does not exist` },
    honourIfMatch: true,
    retryOnConflict: options.retryOnConflict,
    build: async ({ state }, context) => {
      const unitId = state.status === 'unassigned' ? null : state.unitId;
      const inActorScope = unitId === null ? false : await facts.inActorScope(meta.actor, unitId);
      const extra = options.facts ? await options.facts(state, context) : {};
      return { type, context, data: { itemId, ...data }, facts: { ...extra, inActorScope } } as unknown as ItemCommand;
    },
  };
}

/** A unit's stream as every unit command addresses it (a new unit, or one that must exist). */
export function unitTarget(unitId: string, mode: 'create' | 'existing'): Omit<StreamCommand<UnitCommand, UnitState>, 'build'> {
  return {
    name: 'unit',
    stream: unitStream(unitId),
    decider: unitDecider,
    mode,
    id: unitId,
    notFound: { code: 'UNIT_NOT_FOUND', message: `unit ${unitId} does not exist` },
  };
}
