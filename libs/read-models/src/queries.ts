import type { DataSource } from 'typeorm';
import type { LedgerConfig } from '@ledger/platform';
import { currentStateCheckpoint, ensureCurrentPosition, pollUntil } from './checkpoint/checkpoints';
import { readsOf, type Reads } from './db/select';
import { findUnit, isInSubtree, listUnits, liveChildren, unitsUnder } from './units/queries';
import { findCadre, listCadres } from './cadres/queries';
import { findSheet, listSheets } from './sheets/queries';
import { findItem, listItems, openItemsOfUnit, type OpenItemRef } from './items/queries';
import { cadreFigures, cadresFigures, childrenFigures, unitFigures } from './figures/queries';
import { registerEntries } from './register/queries';
import type {
  AccountabilityEntry,
  CadreFilter,
  CadreFiguresRow,
  CadreView,
  Figures,
  ItemFilter,
  ItemPage,
  ItemView,
  RegisterFilter,
  SheetView,
  UnitFiguresRow,
  UnitView,
} from './views';

export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, itemFieldConditions, whereItemFields, lightOf, toItemView, type OpenItemRef } from './items/queries';
export type { SqlCondition } from './db/select';

/**
 * The answers of API.md's current-state queries, one object to inject: each read model answers in
 * its own queries.ts (units/, cadres/, sheets/, items/, figures/, register/); this only binds them to
 * the database and the configuration. Lights, overdue and due-soon are worked out from `today`, so
 * they are right on any day without re-projecting.
 */
export class ReadQueries {
  private readonly reads: Reads;

  constructor(
    /** Public for the temporal queries (issue 5), which read the same database. */
    readonly dataSource: DataSource,
    config: Pick<LedgerConfig, 'dueSoonDays'>,
  ) {
    this.reads = readsOf(dataSource, config);
  }

  units(): Promise<UnitView[]> {
    return listUnits(this.reads);
  }
  /** The unit and all its descendants (empty when the unit is unknown). */
  unitsOf(subtreeRootId: string): Promise<UnitView[]> {
    return unitsUnder(this.reads, subtreeRootId);
  }
  /** True when `unitId` is `ancestorId` or below it. Unknown ids: false. */
  isInSubtree(unitId: string, ancestorId: string): Promise<boolean> {
    return isInSubtree(this.reads, unitId, ancestorId);
  }
  unit(id: string): Promise<UnitView | null> {
    return findUnit(this.reads, id);
  }
  liveChildren(unitId: string): Promise<UnitView[]> {
    return liveChildren(this.reads, unitId);
  }

  cadres(filter: CadreFilter = {}): Promise<CadreView[]> {
    return listCadres(this.reads, filter);
  }
  cadre(id: string): Promise<CadreView | null> {
    return findCadre(this.reads, id);
  }
  sheets(): Promise<SheetView[]> {
    return listSheets(this.reads);
  }
  sheet(id: string): Promise<SheetView | null> {
    return findSheet(this.reads, id);
  }

  item(id: string, today: string): Promise<ItemView | null> {
    return findItem(this.reads, id, today);
  }
  listItems(filter: ItemFilter, today: string): Promise<ItemPage> {
    return listItems(this.reads, filter, today);
  }
  /** Open items a unit itself handles (a unit with open items may not be dissolved). */
  openItemsOfUnit(unitId: string): Promise<OpenItemRef[]> {
    return openItemsOfUnit(this.reads, unitId);
  }

  unitFigures(unitId: string, subtree: boolean, today: string): Promise<Figures | null> {
    return unitFigures(this.reads, unitId, subtree, today);
  }
  childrenFigures(unitId: string, today: string): Promise<UnitFiguresRow[] | null> {
    return childrenFigures(this.reads, unitId, today);
  }
  cadreFigures(cadreId: string, today: string): Promise<Figures | null> {
    return cadreFigures(this.reads, cadreId, today);
  }
  cadresFigures(filter: CadreFilter, today: string): Promise<CadreFiguresRow[]> {
    return cadresFigures(this.reads, filter, today);
  }

  register(filter: RegisterFilter = {}): Promise<AccountabilityEntry[]> {
    return registerEntries(this.reads, filter);
  }

  /** The last event position the read models include (0n: none). */
  checkpoint(): Promise<bigint> {
    return currentStateCheckpoint(this.dataSource);
  }
  /** Resolves true once the read models include `position`, false after `timeoutMs`. */
  waitForPosition(position: bigint, timeoutMs: number): Promise<boolean> {
    return pollUntil(async () => (await this.checkpoint()) >= position, timeoutMs);
  }
  /** `minPosition` of every query: waits, then throws ReadModelsBehindError (503 + Retry-After). */
  ensurePosition(position: bigint | null | undefined, timeoutMs = 5000): Promise<void> {
    return ensureCurrentPosition(this.dataSource, position, timeoutMs);
  }
}
