/** Every Chinese word the UI shows for a value of the API (API.md, DOMAIN.md); the codes' words are libs/contracts' (sheets-io writes the same). */
import {
  ACCOUNTABILITY_FORM_LABELS,
  CADRE_ACCOUNTABILITY_FORMS,
  DISPOSITION_FORM_LABELS,
  EVENT_LABELS as CATALOGUE_EVENT_LABELS,
  LIGHT_LABELS as CATALOGUE_LIGHT_LABELS,
  REFERRAL_LABELS as CATALOGUE_REFERRAL_LABELS,
  ROLE_LABELS as CATALOGUE_ROLE_LABELS,
  STATUS_LABELS as CATALOGUE_STATUS_LABELS,
  TARGET_KIND_LABELS as CATALOGUE_TARGET_KIND_LABELS,
  UNIT_ACCOUNTABILITY_FORMS,
  UNIT_KIND_LABELS as CATALOGUE_UNIT_KIND_LABELS,
  URGE_LEVEL_LABELS,
  type AccountabilityTargetKind,
  type ItemStatus,
  type UrgeLevel,
  type UserRole,
} from '@ledger/contracts/events';
import type { Light } from '@ledger/contracts/http/views';

export type { ItemStatus, Light, UrgeLevel };
export type Role = UserRole;

export const ROLE_LABELS: Readonly<Record<Role, string>> = CATALOGUE_ROLE_LABELS;
export const STATUS_LABELS: Readonly<Record<ItemStatus, string>> = CATALOGUE_STATUS_LABELS;
export const LIGHT_LABELS: Readonly<Record<Light, string>> = CATALOGUE_LIGHT_LABELS;
export const URGE_LABELS: Readonly<Record<UrgeLevel, string>> = URGE_LEVEL_LABELS;
export const UNIT_KIND_LABELS: Readonly<Record<string, string>> = CATALOGUE_UNIT_KIND_LABELS;

export type TargetKind = AccountabilityTargetKind;
/** 《中国共产党问责条例》: forms against a Party organisation and against a leading cadre. */
export const FORMS_BY_TARGET: Record<TargetKind, { value: string; label: string }[]> = {
  unit: UNIT_ACCOUNTABILITY_FORMS.map((value) => ({ value, label: ACCOUNTABILITY_FORM_LABELS[value] })),
  cadre: CADRE_ACCOUNTABILITY_FORMS.map((value) => ({ value, label: ACCOUNTABILITY_FORM_LABELS[value] })),
};
export const FORM_LABELS: Readonly<Record<string, string>> = ACCOUNTABILITY_FORM_LABELS;
export const DISPOSITION_LABELS: Readonly<Record<number, string>> = DISPOSITION_FORM_LABELS;
export const TARGET_KIND_LABELS: Readonly<Record<TargetKind, string>> = CATALOGUE_TARGET_KIND_LABELS;
export const REFERRAL_LABELS: Readonly<Record<string, string>> = CATALOGUE_REFERRAL_LABELS;

/** The event catalogue's labels (libs/contracts), looked up by the `type` of a history entry. */
export const EVENT_LABELS: Readonly<Record<string, string>> = CATALOGUE_EVENT_LABELS;

/** Problem `code`s the UI explains in Chinese; anything else falls back to the API's `detail`. */
export const ERROR_CODE_LABELS: Record<string, string> = {
  EVIDENCE_TYPE_NOT_ALLOWED: '佐证材料只能是图片（JPEG、PNG、GIF、WebP、HEIC）、PDF 或 Office 文档（Word、Excel、PowerPoint）',
  FILE_TOO_LARGE: '文件过大，超过系统允许的大小上限',
  EVIDENCE_NOT_FOUND: '该事项没有这份佐证材料',
  EVIDENCE_NOT_STORED: '该佐证材料当时只登记了文件摘要，原件未上传',
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
