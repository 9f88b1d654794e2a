import { forbid, reject, type Rejection } from './decider';

/**
 * Every code a decider may answer with, and the Chinese text the API shows for it. The codes are a
 * public contract (clients branch on them): add, never rename.
 */
export const REJECTION_MESSAGES = {
  // who may act (403)
  ROLE_NOT_ALLOWED: '当前角色无权执行此操作',
  OUT_OF_SCOPE: '该事项不在本单位管辖范围内',
  URGE_LEVEL_NOT_ALLOWED: '系统只能发出提醒',
  // a second or later extension: an org_dept user of leader rank (部领导), not the previous approver
  EXTENSION_NEEDS_COUNTY_APPROVER: '第二次及以后的延期须由部领导批准',
  EXTENSION_SAME_APPROVER: '延期不能由批准上一次延期的人再次批准',
  // input the API should already have refused
  INVALID_DATE: '日期格式应为 YYYY-MM-DD',
  NAME_REQUIRED: '名称不能为空',
  REASON_REQUIRED: '须说明理由',
  TITLE_REQUIRED: '须填写标题',
  NOTE_REQUIRED: '须填写进展情况',
  SUMMARY_REQUIRED: '须填写办结情况',
  INVALID_EVIDENCE: '佐证材料应有文件名、大小和 SHA-256',
  INVALID_URGE_LEVEL: '督促等级无效',
  // organisation units
  UNIT_NOT_FOUND: '组织不存在',
  UNIT_ALREADY_EXISTS: '组织已存在',
  UNIT_DISSOLVED: '组织已撤销',
  UNIT_ALREADY_DISSOLVED: '组织已撤销，不能重复撤销',
  INVALID_UNIT_KIND: '组织类型无效',
  PARENT_REQUIRED: '除省委、县委外，组织须有上级组织',
  PARENT_NOT_FOUND: '上级组织不存在',
  PARENT_DISSOLVED: '上级组织已撤销',
  UNIT_PARENT_UNCHANGED: '上级组织未变化',
  UNIT_NAME_UNCHANGED: '名称未变化',
  MOVE_WOULD_CREATE_CYCLE: '不能将组织调整到其自身或下级组织之下',
  UNIT_HAS_LIVE_CHILDREN: '组织仍有未撤销的下级组织',
  UNIT_HAS_OPEN_ITEMS: '组织仍有未办结的事项',
  // cadres
  CADRE_NOT_FOUND: '干部不存在',
  CADRE_ALREADY_EXISTS: '干部已登记',
  CADRE_HAS_LEFT: '干部已离任',
  LEADER_NOT_FOUND: '责任领导不存在',
  LEADER_HAS_LEFT: '责任领导已离任',
  SUPPORT_UNIT_NOT_FOUND: '配合单位不存在',
  SUPPORT_UNIT_DISSOLVED: '配合单位已撤销',
  POST_REQUIRED: '须填写职务',
  TRANSFER_CHANGES_NOTHING: '调动前后单位和职务相同',
  // sheets
  SHEET_NOT_FOUND: '交办单不存在',
  SHEET_ALREADY_ISSUED: '交办单已下发',
  SHEET_NUMBER_REQUIRED: '须填写交办单编号',
  SHEET_NUMBER_TAKEN: '交办单编号已被使用',
  // items: existence and status
  ITEM_NOT_FOUND: '事项不存在',
  ITEM_ALREADY_EXISTS: '事项已存在',
  ITEM_WITHDRAWN: '事项已撤销',
  ITEM_CLOSED: '事项已办结或销号',
  ITEM_ALREADY_ACKNOWLEDGED: '事项已签收',
  ITEM_AWAITING_REVIEW: '事项已反馈，等待审核',
  ITEM_NOT_REPORTED: '事项尚未反馈办结情况',
  ITEM_NOT_CONCLUDED: '事项尚未办结',
  ITEM_ALREADY_STRUCK_OFF: '事项已销号',
  ITEM_NOT_CLOSED: '只有已办结或已销号的事项才能重新挂账',
  // items: assignment
  DUE_DATE_IN_PAST: '完成时限不能早于今天',
  REASSIGNMENT_CHANGES_NOTHING: '承办单位和责任人均未变化',
  // items: extensions
  EXTENSION_AFTER_DUE_DATE: '延期须在完成时限之前申请',
  EXTENSION_NOT_LATER: '新的完成时限须晚于现行时限',
  EXTENSION_ALREADY_PENDING: '已有待审批的延期申请',
  NO_PENDING_EXTENSION: '没有待审批的延期申请',
  // items: deadlines
  DEADLINE_NOT_PASSED: '完成时限尚未届满',
  DEADLINE_ALREADY_RECORDED: '该完成时限的逾期已记录',
  ITEM_CONCLUDED_ON_TIME: '事项已按期办结',
  // items: escalation
  INVALID_ESCALATION_STEP: '升级督办的天数无效',
  ESCALATION_NOT_DUE: '尚未到该级升级督办的时间',
  ESCALATION_ALREADY_RECORDED: '该完成时限已升级至此级或更高级别',
  // items: accountability
  INVALID_ACCOUNTABILITY_TARGET: '问责对象无效',
  ACCOUNTABILITY_TARGET_NOT_FOUND: '问责对象不存在',
  INVALID_REFERRAL_BODY: '移送机关无效',
  INVALID_ACCOUNTABILITY_FORM: '问责方式与问责对象不符',
  INVALID_DISPOSITION_FORM: '四种形态应为 1 至 4',
  INVALID_EFFECT_PERIOD: '影响期应为正整数（月）',
  DECIDING_BODY_REQUIRED: '须填写决定机关',
  DECISION_DATE_IN_FUTURE: '决定日期不能晚于今天',
  DECISION_ALREADY_RECORDED: '该问责决定已记录',
  DECISION_NOT_FOUND: '问责决定不存在',
  DECISION_ALREADY_REVOKED: '问责决定已撤销',
  // accounts (三员: who may act is ROLE_NOT_ALLOWED above)
  ACCOUNT_SELF_ADMINISTRATION: '安全管理员不能管理本人账号',
  ACCOUNT_NOT_FOUND: '账号不存在',
  ACCOUNT_ALREADY_EXISTS: '账号已存在',
  ACCOUNT_LOGIN_TAKEN: '登录名已被使用',
  ACCOUNT_CLOSED: '账号已注销',
  ACCOUNT_LOCKED: '账号已锁定',
  ACCOUNT_ALREADY_LOCKED: '账号已锁定，不能重复锁定',
  ACCOUNT_NOT_LOCKED: '账号未锁定',
  ACCOUNT_ROLES_REQUIRED: '账号须至少有一个角色',
  ACCOUNT_UNIT_UNCHANGED: '所属单位未变化',
  LOGIN_INVALID: '登录名应为 2 至 64 位字母、数字或 . _ - @',
  PHONE_INVALID: '电话号码格式无效',
  ROLE_INVALID: '角色无效',
  ROLE_ALREADY_HELD: '账号已有该角色',
  ROLE_NOT_HELD: '账号没有该角色',
  ADMIN_ROLES_EXCLUSIVE: '系统管理员、安全管理员、审计管理员不能兼任，也不能兼任业务角色',
  UNIT_ROLE_NEEDS_UNIT: '单位用户须指定所属单位',
  RANK_INVALID: '职级无效',
  RANK_NEEDS_ORG_DEPT: '部领导职级只适用于组织部用户',
} as const;

export type RejectionCode = keyof typeof REJECTION_MESSAGES;
export const REJECTION_CODES = Object.keys(REJECTION_MESSAGES) as RejectionCode[];

/** A 409-class rejection: the state does not allow it. */
export function deny(code: RejectionCode, details?: Record<string, unknown>): Rejection {
  return reject(code, REJECTION_MESSAGES[code], details);
}

/** A 403-class rejection: this actor may not do it. */
export function refuse(code: RejectionCode, details?: Record<string, unknown>): Rejection {
  return forbid(code, REJECTION_MESSAGES[code], details);
}
