import * as P from './payloads';

/**
 * Every event type the ledger stores: its stable name (never a class name) and the schema version
 * new events are written with. A stored name is forever; a changed payload gets a new version and an
 * upcaster in ./upcasting.ts.
 */
export interface EventPayloads {
  UnitRegistered: P.UnitRegistered;
  UnitRenamed: P.UnitRenamed;
  UnitMoved: P.UnitMoved;
  UnitDissolved: P.UnitDissolved;
  UnitMoveClaimed: P.UnitMoveClaimed;
  CadreRegistered: P.CadreRegistered;
  CadreTransferred: P.CadreTransferred;
  CadreLeft: P.CadreLeft;
  SheetIssued: P.SheetIssued;
  SheetNumberClaimed: P.SheetNumberClaimed;
  ItemAssigned: P.ItemAssigned;
  ItemReassigned: P.ItemReassigned;
  ExtensionRequested: P.ExtensionRequested;
  ExtensionGranted: P.ExtensionGranted;
  ExtensionRefused: P.ExtensionRefused;
  ItemWithdrawn: P.ItemWithdrawn;
  ItemAcknowledged: P.ItemAcknowledged;
  ProgressReported: P.ProgressReported;
  CompletionReported: P.CompletionReported;
  ItemUrged: P.ItemUrged;
  CompletionReturned: P.CompletionReturned;
  ItemConcluded: P.ItemConcluded;
  ItemStruckOff: P.ItemStruckOff;
  ItemReopened: P.ItemReopened;
  DeadlineMissed: P.DeadlineMissed;
  ItemEscalated: P.ItemEscalated;
  AccountabilityReferred: P.AccountabilityReferred;
  AccountabilityDecided: P.AccountabilityDecided;
  AccountabilityRevoked: P.AccountabilityRevoked;
  AccountOpened: P.AccountOpened;
  AccountLoginClaimed: P.AccountLoginClaimed;
  AccountRoleGranted: P.AccountRoleGranted;
  AccountRoleRevoked: P.AccountRoleRevoked;
  AccountUnitChanged: P.AccountUnitChanged;
  AccountLocked: P.AccountLocked;
  AccountUnlocked: P.AccountUnlocked;
  AccountPasswordSet: P.AccountPasswordSet;
  AccountClosed: P.AccountClosed;
}

export type EventType = keyof EventPayloads;

export const SCHEMA_VERSIONS: { readonly [K in EventType]: number } = {
  UnitRegistered: 1,
  UnitRenamed: 1,
  UnitMoved: 1,
  UnitDissolved: 1,
  UnitMoveClaimed: 1,
  CadreRegistered: 1,
  CadreTransferred: 1,
  CadreLeft: 1,
  SheetIssued: 1,
  SheetNumberClaimed: 1,
  ItemAssigned: 1,
  ItemReassigned: 1,
  ExtensionRequested: 1,
  ExtensionGranted: 1,
  ExtensionRefused: 1,
  ItemWithdrawn: 1,
  ItemAcknowledged: 1,
  ProgressReported: 1,
  CompletionReported: 1,
  ItemUrged: 1,
  CompletionReturned: 1,
  ItemConcluded: 1,
  ItemStruckOff: 1,
  ItemReopened: 1,
  DeadlineMissed: 1,
  ItemEscalated: 1,
  AccountabilityReferred: 1,
  AccountabilityDecided: 1,
  AccountabilityRevoked: 1,
  AccountOpened: 1,
  AccountLoginClaimed: 1,
  AccountRoleGranted: 1,
  AccountRoleRevoked: 1,
  AccountUnitChanged: 1,
  AccountLocked: 1,
  AccountUnlocked: 1,
  AccountPasswordSet: 1,
  AccountClosed: 1,
};

export const EVENT_TYPES = Object.keys(SCHEMA_VERSIONS) as EventType[];

/** A domain event as deciders produce and evolvers consume it: a plain, serialisable record. */
export type LedgerEvent = { [K in EventType]: { type: K; data: EventPayloads[K] } }[EventType];
export type EventOf<K extends EventType> = Extract<LedgerEvent, { type: K }>;

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(SCHEMA_VERSIONS, type);
}

/** Chinese labels for timelines and exports. */
export const EVENT_LABELS: { readonly [K in EventType]: string } = {
  UnitRegistered: '组织设立',
  UnitRenamed: '组织更名',
  UnitMoved: '隶属关系调整',
  UnitDissolved: '组织撤销',
  UnitMoveClaimed: '隶属关系调整登记',
  CadreRegistered: '干部登记',
  CadreTransferred: '干部调动',
  CadreLeft: '干部离任',
  SheetIssued: '交办单下发',
  SheetNumberClaimed: '交办单编号登记',
  ItemAssigned: '交办',
  ItemReassigned: '调整承办',
  ExtensionRequested: '申请延期',
  ExtensionGranted: '批准延期',
  ExtensionRefused: '不予延期',
  ItemWithdrawn: '撤销',
  ItemAcknowledged: '签收',
  ProgressReported: '进展报告',
  CompletionReported: '办结反馈',
  ItemUrged: '督促',
  CompletionReturned: '退回',
  ItemConcluded: '办结',
  ItemStruckOff: '销号',
  ItemReopened: '重新挂账',
  DeadlineMissed: '逾期',
  ItemEscalated: '督办升级',
  AccountabilityReferred: '移送问责',
  AccountabilityDecided: '问责决定',
  AccountabilityRevoked: '撤销问责',
  AccountOpened: '开设账号',
  AccountLoginClaimed: '登录名登记',
  AccountRoleGranted: '授予角色',
  AccountRoleRevoked: '撤销角色',
  AccountUnitChanged: '账号所属单位调整',
  AccountLocked: '锁定账号',
  AccountUnlocked: '解锁账号',
  AccountPasswordSet: '设置密码',
  AccountClosed: '注销账号',
};

export const STREAM_PREFIX = {
  unit: 'unit-',
  cadre: 'cadre-',
  sheet: 'sheet-',
  sheetNumber: 'sheet_number-',
  unitTree: 'unit_tree-',
  item: 'item-',
  account: 'account-',
  accountLogin: 'account_login-',
} as const;
