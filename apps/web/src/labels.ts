/** Every Chinese word the UI shows for a value of the API (API.md, DOMAIN.md). */
import { EVENT_LABELS as CATALOGUE_EVENT_LABELS, type AccountabilityTargetKind, type ItemStatus, type UrgeLevel, type UserRole } from '@ledger/contracts/events';
import type { Light } from '@ledger/contracts/http/views';

export type { ItemStatus, Light, UrgeLevel };
export type Role = UserRole;

export const ROLE_LABELS: Record<Role, string> = {
  org_dept: '县委组织部',
  discipline: '县纪委监委',
  inspector: '督查室',
  unit: '承办单位',
  admin: '系统管理员',
  sysadmin: '系统管理员',
  secadmin: '安全管理员',
  auditadmin: '审计管理员',
};

export const STATUS_LABELS: Record<ItemStatus, string> = {
  assigned: '已交办',
  in_progress: '办理中',
  reported: '已反馈',
  concluded: '已办结',
  struck_off: '已销号',
  withdrawn: '已撤销',
};

export const LIGHT_LABELS: Record<Light, string> = { green: '正常', yellow: '临期', red: '逾期' };

export const URGE_LABELS: Record<UrgeLevel, string> = {
  reminder: '提醒',
  urge: '催办',
  notice: '督办',
  listed: '挂牌督办',
};

export const UNIT_KIND_LABELS: Record<string, string> = {
  county_committee: '县委',
  township_committee: '乡镇党委',
  working_committee: '机关党工委',
  general_branch: '党总支',
  branch: '党支部',
  party_group: '党小组',
};

export type TargetKind = AccountabilityTargetKind;
/** 《中国共产党问责条例》: forms against a Party organisation and against a leading cadre. */
export const FORMS_BY_TARGET: Record<TargetKind, { value: string; label: string }[]> = {
  unit: [
    { value: 'inspection', label: '检查' },
    { value: 'circulated_criticism', label: '通报' },
    { value: 'reorganisation', label: '改组' },
  ],
  cadre: [
    { value: 'circulated_criticism', label: '通报' },
    { value: 'admonishment', label: '诫勉' },
    { value: 'organisational_measure', label: '组织调整或者组织处理' },
    { value: 'disciplinary_sanction', label: '纪律处分' },
  ],
};
export const FORM_LABELS: Record<string, string> = Object.fromEntries(
  [...FORMS_BY_TARGET.unit, ...FORMS_BY_TARGET.cadre].map((f) => [f.value, f.label]),
);
export const DISPOSITION_LABELS: Record<number, string> = {
  1: '第一种形态',
  2: '第二种形态',
  3: '第三种形态',
  4: '第四种形态',
};
export const TARGET_KIND_LABELS: Record<TargetKind, string> = { unit: '党组织', cadre: '领导干部' };
export const REFERRAL_LABELS: Record<string, string> = { discipline: '县纪委监委', organisation: '县委组织部' };

/** The event catalogue's labels (libs/contracts), looked up by the `type` of a history entry. */
export const EVENT_LABELS: Readonly<Record<string, string>> = CATALOGUE_EVENT_LABELS;

/** Problem `code`s the UI explains in Chinese; anything else falls back to the API's `detail`. */
export const ERROR_CODE_LABELS: Record<string, string> = {
  CONCURRENCY_CONFLICT: '该事项刚被他人更新，请刷新后重试',
  STALE_REVISION: '该事项已被他人更新，页面已刷新，请核对后重试',
  INVALID_IF_MATCH: '版本号无效，请刷新后重试',
  UNAUTHENTICATED: '登录已失效或令牌无效，请重新登录',
  INVALID_CREDENTIALS: '登录名或密码错误',
  PASSWORD_CHANGE_REQUIRED: '请先修改初始密码再使用系统',
  CSRF_REFUSED: '请求来源不可信，已拒绝',
  ACCOUNT_LOGIN_TAKEN: '该登录名已被使用',
  ROLE_FORBIDDEN: '您的角色无权执行此操作',
  ROLE_NOT_ALLOWED: '您的角色无权执行此操作',
  OUT_OF_SCOPE: '无权查看或办理其他单位的事项',
  NOT_FOUND: '未找到请求的内容',
  ITEM_NOT_FOUND: '事项不存在',
  UNIT_NOT_FOUND: '组织不存在',
  PARENT_NOT_FOUND: '上级组织不存在',
  CADRE_NOT_FOUND: '干部不存在',
  SHEET_NOT_FOUND: '交办单不存在',
  DECISION_NOT_FOUND: '问责决定不存在',
  ACCOUNTABILITY_TARGET_NOT_FOUND: '问责对象不存在',
  ITEM_NOT_REPORTED: '该事项尚未反馈办结，不能审核',
  ITEM_NOT_CONCLUDED: '该事项尚未办结，不能销号',
  ITEM_NOT_CLOSED: '该事项尚未办结或销号，不能重新挂账',
  ITEM_CLOSED: '该事项已办结、销号或撤销，不能再办理',
  ITEM_AWAITING_REVIEW: '该事项已反馈，正在等待审核',
  ITEM_WITHDRAWN: '该事项已撤销',
  ITEM_ALREADY_STRUCK_OFF: '该事项已销号',
  ITEM_ALREADY_ACKNOWLEDGED: '该事项已签收',
  ITEM_ALREADY_EXISTS: '事项已存在',
  ITEM_CONCLUDED_ON_TIME: '该事项已按时办结',
  REASON_REQUIRED: '请填写理由',
  NOTE_REQUIRED: '请填写进展情况',
  SUMMARY_REQUIRED: '请填写办结情况',
  TITLE_REQUIRED: '请填写标题',
  NAME_REQUIRED: '请填写名称',
  DECIDING_BODY_REQUIRED: '请填写决定机关',
  INVALID_EVIDENCE: '佐证材料信息不完整（文件名、大小、SHA-256）',
  INVALID_DATE: '日期格式不正确',
  DUE_DATE_IN_PAST: '完成时限不能早于今天',
  INVALID_URGE_LEVEL: '督促方式不正确',
  URGE_LEVEL_NOT_ALLOWED: '不能使用该督促方式',
  EXTENSION_ALREADY_PENDING: '已有延期申请待批复',
  NO_PENDING_EXTENSION: '没有待批复的延期申请',
  EXTENSION_AFTER_DUE_DATE: '已过完成时限，不能再申请延期',
  EXTENSION_NOT_LATER: '新的完成时限须晚于现行时限',
  EXTENSION_NEEDS_COUNTY_APPROVER: '第二次及以后的延期须由部领导审批',
  EXTENSION_SAME_APPROVER: '延期不能由批准上一次延期的人再次审批',
  INVALID_ACCOUNTABILITY_TARGET: '问责对象不正确',
  INVALID_ACCOUNTABILITY_FORM: '问责方式与问责对象不符',
  INVALID_DISPOSITION_FORM: '四种形态须为第一至第四种',
  INVALID_EFFECT_PERIOD: '影响期不正确',
  INVALID_REFERRAL_BODY: '移送机关不正确',
  DECISION_DATE_IN_FUTURE: '决定日期不能晚于今天',
  DECISION_ALREADY_REVOKED: '该问责决定已撤销',
  DECISION_ALREADY_RECORDED: '该问责决定已记录',
  REASSIGNMENT_CHANGES_NOTHING: '调整前后的承办单位和责任人相同',
  IDEMPOTENCY_KEY_REUSED: '重复提交的内容与首次不同',
  READ_MODELS_BEHIND: '数据正在同步，请稍后刷新',
  NOT_READY: '服务正在启动，请稍后重试',
  VALIDATION_FAILED: '填写的内容有误',
  BODY_TOO_LARGE: '提交的内容过大',
  MALFORMED_JSON: '提交的内容格式不正确',
  BAD_REQUEST_BODY: '提交的内容格式不正确',
};

export const STATUS_TEXT_BY_HTTP: Record<number, string> = {
  400: '填写的内容有误',
  401: '登录已失效或令牌无效，请重新登录',
  403: '无权执行此操作',
  404: '未找到请求的内容',
  409: '当前状态下不能执行此操作',
  412: '该事项已被他人更新，请刷新后重试',
  422: '重复提交的内容与首次不同',
  429: '请求过于频繁，请稍后重试',
  503: '数据正在同步，请稍后重试',
};

/** Body fields named in a 400's `errors`, in Chinese. */
export const FIELD_LABELS: Record<string, string> = {
  summary: '办结情况',
  note: '说明',
  reason: '理由',
  newDueDate: '延期至',
  level: '督促方式',
  channel: '渠道',
  evidence: '佐证材料',
  name: '文件名',
  size: '文件大小',
  sha256: 'SHA-256',
  target: '问责对象',
  form: '问责方式',
  dispositionForm: '四种形态',
  decidedBy: '决定机关',
  decidedOn: '决定日期',
  documentNo: '文号',
  effectMonths: '影响期',
  to: '移送机关',
  title: '标题',
  dueDate: '完成时限',
};
