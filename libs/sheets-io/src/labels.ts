import type { AccountabilityForm, AccountabilityTargetKind, ItemStatus, UrgeLevel } from '@ledger/contracts/events';
import type { Light } from '@ledger/contracts/http/views';

export type { Light };

/** The words the county's screens and papers use (DOMAIN.md). */
export const STATUS_LABELS: { readonly [K in ItemStatus]: string } = {
  assigned: '已交办',
  in_progress: '办理中',
  reported: '已反馈',
  concluded: '已办结',
  struck_off: '已销号',
  withdrawn: '已撤销',
};

export const LIGHT_LABELS: { readonly [K in Light]: string } = { green: '正常', yellow: '临期', red: '逾期' };

export const URGE_LEVEL_LABELS: { readonly [K in UrgeLevel]: string } = {
  reminder: '提醒',
  urge: '催办',
  notice: '督办',
  listed: '挂牌督办',
};

/** 《中国共产党问责条例》: 通报 applies to a Party organisation and to a cadre alike. */
export const ACCOUNTABILITY_FORM_LABELS: { readonly [K in AccountabilityForm]: string } = {
  inspection: '检查',
  circulated_criticism: '通报',
  reorganisation: '改组',
  admonishment: '诫勉',
  organisational_measure: '组织调整或者组织处理',
  disciplinary_sanction: '纪律处分',
};

export const TARGET_KIND_LABELS: { readonly [K in AccountabilityTargetKind]: string } = { unit: '党组织', cadre: '领导干部' };

export const DISPOSITION_FORM_LABELS: { readonly [n: number]: string } = {
  1: '第一种形态',
  2: '第二种形态',
  3: '第三种形态',
  4: '第四种形态',
};

function lookup<T extends string>(table: { readonly [K in T]: string }, value: T | null | undefined): string {
  if (value === null || value === undefined) return '';
  return Object.prototype.hasOwnProperty.call(table, value) ? table[value] : String(value);
}

/** Chinese label of a code; '' for null, the code itself for one this version does not know. */
export const chineseLabel = {
  status: (s: ItemStatus | null | undefined) => lookup(STATUS_LABELS, s),
  light: (l: Light | null | undefined) => lookup(LIGHT_LABELS, l),
  urgeLevel: (u: UrgeLevel | null | undefined) => lookup(URGE_LEVEL_LABELS, u),
  accountabilityForm: (f: AccountabilityForm | null | undefined) => lookup(ACCOUNTABILITY_FORM_LABELS, f),
  targetKind: (k: AccountabilityTargetKind | null | undefined) => lookup(TARGET_KIND_LABELS, k),
  dispositionForm: (n: number | null | undefined) => (n === null || n === undefined ? '' : (DISPOSITION_FORM_LABELS[n] ?? String(n))),
  yesNo: (b: boolean | null | undefined) => (b === null || b === undefined ? '' : b ? '是' : '否'),
};
