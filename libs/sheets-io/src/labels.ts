import {
  ACCOUNTABILITY_FORM_LABELS,
  DISPOSITION_FORM_LABELS,
  LIGHT_LABELS,
  STATUS_LABELS,
  TARGET_KIND_LABELS,
  URGE_LEVEL_LABELS,
  type AccountabilityForm,
  type AccountabilityTargetKind,
  type ItemStatus,
  type UrgeLevel,
} from '@ledger/contracts/events';
import type { Light } from '@ledger/contracts/http/views';

export type { Light };
/** The county's words, declared once in libs/contracts (the web app shows the same). */
export { ACCOUNTABILITY_FORM_LABELS, DISPOSITION_FORM_LABELS, LIGHT_LABELS, STATUS_LABELS, TARGET_KIND_LABELS, URGE_LEVEL_LABELS };

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
