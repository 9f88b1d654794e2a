import type { LedgerEvent } from '@ledger/contracts/events';
import { accountDecider, accountLoginDecider, accountLoginStream, accountStream, type AccountCommand, type AccountLoginCommand } from './account';
import { cadreDecider, cadreStream, type CadreCommand } from './cadre';
import { itemDecider, itemStream, type ItemCommand } from './item';
import type { Decider, Decision } from './shared/decider';
import { sheetDecider, sheetNumberDecider, sheetNumberStream, sheetStream, type SheetCommand, type SheetNumberCommand } from './sheet';
import { unitDecider, unitStream, type UnitCommand } from './unit';

export type LedgerCommand = UnitCommand | CadreCommand | SheetCommand | SheetNumberCommand | ItemCommand | AccountCommand | AccountLoginCommand;
export type LedgerCommandType = LedgerCommand['type'];

/** What the generic command path needs of any aggregate; events are whatever the stream holds. */
export type AnyDecider = Decider<unknown, unknown, LedgerEvent>;

export interface AggregateDefinition {
  readonly streamName: (id: string) => string;
  readonly decider: AnyDecider;
}

export const AGGREGATES = {
  unit: { streamName: unitStream, decider: unitDecider as AnyDecider },
  cadre: { streamName: cadreStream, decider: cadreDecider as AnyDecider },
  sheet: { streamName: sheetStream, decider: sheetDecider as AnyDecider },
  sheetNumber: { streamName: sheetNumberStream, decider: sheetNumberDecider as AnyDecider },
  item: { streamName: itemStream, decider: itemDecider as AnyDecider },
  account: { streamName: accountStream, decider: accountDecider as AnyDecider },
  accountLogin: { streamName: accountLoginStream, decider: accountLoginDecider as AnyDecider },
} as const satisfies Record<string, AggregateDefinition>;
export type AggregateName = keyof typeof AGGREGATES;

/** The aggregate each command goes to, and the field of `command.data` naming its stream. */
const ROUTES: { readonly [K in LedgerCommandType]: readonly [AggregateName, string] } = {
  RegisterUnit: ['unit', 'unitId'],
  RenameUnit: ['unit', 'unitId'],
  MoveUnit: ['unit', 'unitId'],
  DissolveUnit: ['unit', 'unitId'],
  RegisterCadre: ['cadre', 'cadreId'],
  TransferCadre: ['cadre', 'cadreId'],
  LeaveCadre: ['cadre', 'cadreId'],
  IssueSheet: ['sheet', 'sheetId'],
  ClaimSheetNumber: ['sheetNumber', 'number'],
  AssignItem: ['item', 'itemId'],
  ReassignItem: ['item', 'itemId'],
  RequestExtension: ['item', 'itemId'],
  GrantExtension: ['item', 'itemId'],
  RefuseExtension: ['item', 'itemId'],
  WithdrawItem: ['item', 'itemId'],
  AcknowledgeItem: ['item', 'itemId'],
  ReportProgress: ['item', 'itemId'],
  ReportCompletion: ['item', 'itemId'],
  UrgeItem: ['item', 'itemId'],
  ReturnCompletion: ['item', 'itemId'],
  ConcludeItem: ['item', 'itemId'],
  StrikeOffItem: ['item', 'itemId'],
  ReopenItem: ['item', 'itemId'],
  RecordDeadlineMissed: ['item', 'itemId'],
  EscalateItem: ['item', 'itemId'],
  ReferAccountability: ['item', 'itemId'],
  DecideAccountability: ['item', 'itemId'],
  RevokeAccountability: ['item', 'itemId'],
  OpenAccount: ['account', 'accountId'],
  GrantAccountRole: ['account', 'accountId'],
  RevokeAccountRole: ['account', 'accountId'],
  ChangeAccountUnit: ['account', 'accountId'],
  LockAccount: ['account', 'accountId'],
  UnlockAccount: ['account', 'accountId'],
  ResetAccountPassword: ['account', 'accountId'],
  ChangeOwnPassword: ['account', 'accountId'],
  CloseAccount: ['account', 'accountId'],
  ClaimAccountLogin: ['accountLogin', 'login'],
};

export interface CommandRoute {
  aggregate: AggregateName;
  stream: string;
  decider: AnyDecider;
}

/** Where a command goes: `{ stream, decider }` for read → fold → decide → append. */
export function routeCommand(command: LedgerCommand): CommandRoute {
  const [aggregate, idField] = ROUTES[command.type];
  const id = (command.data as unknown as Record<string, string>)[idField];
  const { streamName, decider } = AGGREGATES[aggregate];
  return { aggregate, stream: streamName(id), decider };
}

/** The state after `events`, oldest first. */
export function fold<S>(decider: Decider<unknown, S, LedgerEvent>, events: readonly LedgerEvent[]): S {
  return events.reduce<S>((state, event) => decider.evolve(state, event), decider.initialState());
}

/** decide(command, fold(events)): the whole pure step of the command path. */
export function handle<C, S>(decider: Decider<C, S, LedgerEvent>, events: readonly LedgerEvent[], command: C): Decision {
  return decider.decide(command, fold(decider, events)) as Decision;
}
