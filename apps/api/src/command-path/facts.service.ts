import { Injectable } from '@nestjs/common';
import type { Actor, AccountabilityTarget } from '@ledger/contracts/events';
import {
  cadreDecider, cadreStream, sheetDecider, sheetStream, unitDecider, unitStream,
  type CadreFacts, type CadreState, type SheetState, type UnitFacts, type UnitState,
} from '@ledger/domain';
import { ReadQueries } from '@ledger/read-models';
import { CommandPath } from './command-path.service';

/** Tree depth is small (county → township → branch → group); the cap only guards against a corrupt cycle. */
const MAX_TREE_DEPTH = 64;

/**
 * The facts deciders need about other records. Existence and status come from their streams
 * (authoritative); scope, live children and open items from the read models.
 */
@Injectable()
export class Facts {
  constructor(
    private readonly path: CommandPath,
    private readonly queries: ReadQueries,
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

  async targetExists(target: AccountabilityTarget): Promise<boolean> {
    return target.kind === 'cadre' ? (await this.cadre(target.id)).exists : (await this.unit(target.id)).exists;
  }

  /** Is `unitId` inside the subtree a unit user acts for? County-level roles act everywhere. */
  async inActorScope(actor: Actor, unitId: string): Promise<boolean> {
    if (actor.role !== 'unit') return true;
    if (!actor.unitId) return false;
    if (actor.unitId === unitId) return true;
    return this.queries.isInSubtree(unitId, actor.unitId);
  }

  /** Walks the parent chain through the unit streams: would moving `unitId` under `newParentId` make a cycle? */
  async isSelfOrDescendant(candidateId: string, unitId: string): Promise<boolean> {
    let current: string | null = candidateId;
    for (let depth = 0; current !== null && depth < MAX_TREE_DEPTH; depth++) {
      if (current === unitId) return true;
      const s = await this.unitState(current);
      current = s.status === 'unregistered' ? null : s.parentId;
    }
    return current !== null;
  }

  async liveChildren(unitId: string): Promise<number> {
    return (await this.queries.liveChildren(unitId)).length;
  }

  async openItems(unitId: string): Promise<number> {
    return (await this.queries.openItemsOfUnit(unitId)).length;
  }
}
