import type { UserRole } from './actor';
import type { AccountabilityForm, AccountabilityTargetKind, ItemStatus, ReferralBody, UnitKind, UrgeLevel } from './payloads';

/**
 * The Chinese words the county's screens and papers use for the codes of the API (DOMAIN.md), declared
 * once: the web app shows them, sheets-io writes them into exports. The event types' are EVENT_LABELS
 * (catalogue.ts).
 */
export const ROLE_LABELS: { readonly [K in UserRole]: string } = {
  org_dept: '县委组织部',
  discipline: '县纪委监委',
  inspector: '督查室',
  unit: '承办单位',
  admin: '系统管理员',
  sysadmin: '系统管理员',
  secadmin: '安全管理员',
  auditadmin: '审计管理员',
};

export const STATUS_LABELS: { readonly [K in ItemStatus]: string } = {
  assigned: '已交办',
  in_progress: '办理中',
  reported: '已反馈',
  concluded: '已办结',
  struck_off: '已销号',
  withdrawn: '已撤销',
};

/** Keyed by http/views' Light; spelled out here so that the event catalogue needs nothing of the HTTP shapes. */
export const LIGHT_LABELS: { readonly [K in 'green' | 'yellow' | 'red']: string } = { green: '正常', yellow: '临期', red: '逾期' };

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

/** 监督执纪"四种形态". */
export const DISPOSITION_FORM_LABELS: { readonly [n: number]: string } = {
  1: '第一种形态',
  2: '第二种形态',
  3: '第三种形态',
  4: '第四种形态',
};

export const REFERRAL_LABELS: { readonly [K in ReferralBody]: string } = { discipline: '县纪委监委', organisation: '县委组织部' };

export const UNIT_KIND_LABELS: { readonly [K in UnitKind]: string } = {
  province_committee: '省委',
  county_committee: '县委',
  township_committee: '乡镇党委',
  working_committee: '机关党工委',
  general_branch: '党总支',
  branch: '党支部',
  party_group: '党小组',
};
