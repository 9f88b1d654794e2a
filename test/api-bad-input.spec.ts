import type { UserRole } from '@ledger/contracts/events';
import { PROBLEM_BASE } from '../apps/api/src/problem-details/problem-details.filter';
import { startTestApp, type TestApp } from '../apps/api/src/testing/harness';

/**
 * Bad input on every route of API.md. For every command route a missing field, a
 * wrong type, an unknown id, an illegal transition, a stale If-Match and a reused Idempotency-Key with
 * another body each get their status and code as RFC 9457 problem details — and the store's head
 * position is the same after the request as before it. For every query route a bad parameter, an
 * unknown id, a bad `asOf` and a `minPosition` beyond the head.
 *
 * Where the app answers something other than API.md, the assertion states what API.md requires.
 */

type Json = Record<string, unknown>;
type Who = 'admin' | 'org_dept' | 'inspector' | 'discipline' | 'unit';

// ---------------------------------------------------------------------------------------------
// The county, set up once through the API (beforeAll). Ids are the client's own so the tables read
// plainly; only accountability decision ids are the server's (kept in DECISIONS).
// ---------------------------------------------------------------------------------------------

const UNITS: Json[] = [
  { id: 'county', name: '中共和平县委员会', kind: 'county_committee' },
  { id: 'heping', name: '和平乡党委', kind: 'township_committee', parentId: 'county' },
  { id: 'dahua', name: '大华镇党委', kind: 'township_committee', parentId: 'county' },
  // heping's live child: heping cannot be dissolved.
  { id: 'heping-b1', name: '和平乡一村党支部', kind: 'branch', parentId: 'heping' },
  { id: 'u-rename', name: '大华镇二村党支部', kind: 'branch', parentId: 'dahua' },
  { id: 'u-move', name: '大华镇三村党支部', kind: 'branch', parentId: 'dahua' },
  { id: 'u-dissolve', name: '大华镇四村党支部', kind: 'branch', parentId: 'dahua' },
  // dissolved in beforeAll: the target of rules about dissolved units.
  { id: 'u-gone', name: '大华镇五村党支部', kind: 'branch', parentId: 'dahua' },
];
const CADRES: Json[] = [
  { id: 'zhang', name: '张三', unitId: 'heping', post: '书记' },
  { id: 'li', name: '李四', unitId: 'dahua', post: '书记' },
  { id: 'c-transfer', name: '王五', unitId: 'heping', post: '组织委员' },
];
const SHEET = { id: 's1', number: 'S-1', title: '2026年第一季度重点任务交办单', issuedOn: '2026-03-01' };
const DUE = '2026-04-30'; // today is 2026-03-02 (the harness's FixedClock)

/** How each item is brought to its stage after it is assigned and reminded once (so its revision is ≥ 1). */
type Stage = 'assigned' | 'in_progress' | 'reported' | 'concluded' | 'pending_extension' | 'withdrawn' | 'decided' | 'revoked';
const ITEMS: Record<string, Stage> = {
  // the valid targets, one per route, so that no route's success changes another route's fixture
  ack: 'assigned',
  prog: 'in_progress',
  comp: 'in_progress',
  ret: 'reported',
  concl: 'reported',
  strike: 'concluded',
  reopen: 'concluded',
  urge: 'assigned',
  reas: 'assigned',
  extreq: 'assigned',
  grant: 'pending_extension',
  refuse: 'pending_extension',
  withdraw: 'assigned',
  refer: 'assigned',
  decide: 'assigned',
  revoke: 'decided',
  // items in the wrong stage, only ever sent commands that are refused
  'x-assigned': 'assigned',
  'x-in-progress': 'in_progress',
  'x-reported': 'reported',
  'x-concluded': 'concluded',
  'x-pending': 'pending_extension',
  'x-withdrawn': 'withdrawn',
  'x-revoked': 'revoked',
};
/** itemId → the accountability decision recorded on it in beforeAll. */
const DECISIONS: Record<string, string> = {};

const DECISION = {
  target: { kind: 'cadre', id: 'zhang' },
  form: 'admonishment',
  dispositionForm: 2,
  decidedBy: '县纪委监委',
  decidedOn: '2026-03-01',
  documentNo: '和纪发〔2026〕3号',
  reason: '未按期完成整改',
};
const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// ---------------------------------------------------------------------------------------------
// The command table: one row per command route of API.md.
// ---------------------------------------------------------------------------------------------

interface Refusal {
  /** What is wrong, for the test name. */
  what: string;
  /** The :id to send it to (the row's target by default) and the :decisionId (revoke). */
  id?: string;
  decisionId?: string;
  /** The body (the row's valid body by default). */
  body?: Json;
  status: 404 | 409;
  code: string;
  /** Extra members of the problem besides type, title, status, detail, code (a function: read when the test runs). */
  extra?: Json | (() => Json);
}

interface CommandRow {
  /** As API.md writes it. */
  route: string;
  as: Who;
  /** The :id of the valid request; none on creation routes. */
  target?: string;
  /** A body that succeeds (proved by the Idempotency-Key case, which sends it first). */
  valid: Json;
  /** Another body, sent with the same Idempotency-Key after the valid one. */
  another: Json;
  /** A required field left out (none: the route has no required field). */
  missing?: string;
  /** A field sent with a value of the wrong type; `array-body`: the body is a JSON array, not an object. */
  wrongType: [field: string, value: unknown] | 'array-body';
  /** Unknown ids: in the path (404), and references in the body. */
  unknown: Refusal[];
  /** Domain rules the request breaks (409). */
  illegal: Refusal[];
  /** Item commands honour If-Match. */
  ifMatch?: boolean;
}

const itemNotFound = (path = 'no-such-item'): Refusal => ({ what: `an unknown item in the path (${path})`, id: path, status: 404, code: 'ITEM_NOT_FOUND' });
const stage = (id: string, code: string, status: string): Refusal => ({
  what: `an item that is ${status} (${id})`,
  id,
  status: 409,
  code,
  extra: { details: { itemId: id, status } },
});
const withdrawn = (id = 'x-withdrawn'): Refusal => ({
  what: `a withdrawn item (${id})`,
  id,
  status: 409,
  code: 'ITEM_WITHDRAWN',
  extra: { details: { itemId: id } },
});

/*
 * Unknown ids in the body. API.md gives 404 for an unknown id; the app answers 404 when the id in the
 * path names nothing, and 409 with the rule's code when the addressed record exists but the body names
 * a record that does not (the decider's verdict: PARENT_NOT_FOUND, UNIT_NOT_FOUND, …). That split is
 * what the existing suite documents (api-errors.spec: "409 for a reference that does not exist") and
 * what is asserted here.
 */
const COMMANDS: CommandRow[] = [
  // ---- organisation units ----
  {
    route: 'POST /units',
    as: 'admin',
    valid: { id: 'u-new', name: '大华镇六村党支部', kind: 'branch', parentId: 'dahua' },
    another: { id: 'u-new', name: '大华镇七村党支部', kind: 'branch', parentId: 'dahua' },
    missing: 'name',
    wrongType: ['name', 42],
    unknown: [
      {
        what: 'an unknown parentId in the body',
        body: { id: 'u-orphan', name: '孤儿支部', kind: 'branch', parentId: 'ghost' },
        status: 409,
        code: 'PARENT_NOT_FOUND',
        extra: { details: { parentId: 'ghost' } },
      },
    ],
    illegal: [
      {
        what: 'an id that is already registered',
        body: { id: 'heping', name: '和平乡党委', kind: 'township_committee', parentId: 'county' },
        status: 409,
        code: 'UNIT_ALREADY_EXISTS',
        extra: { details: { unitId: 'heping' } },
      },
      {
        what: 'a dissolved parent',
        body: { id: 'u-under-gone', name: '撤销组织下的支部', kind: 'party_group', parentId: 'u-gone' },
        status: 409,
        code: 'PARENT_DISSOLVED',
        extra: { details: { parentId: 'u-gone' } },
      },
    ],
  },
  {
    route: 'POST /units/:id/rename',
    as: 'org_dept',
    target: 'u-rename',
    valid: { name: '大华镇二村党总支' },
    another: { name: '大华镇二村联合党支部' },
    missing: 'name',
    wrongType: ['name', ['新名称']],
    unknown: [{ what: 'an unknown unit in the path', id: 'no-such-unit', status: 404, code: 'UNIT_NOT_FOUND' }],
    illegal: [{ what: 'a dissolved unit', id: 'u-gone', status: 409, code: 'UNIT_DISSOLVED', extra: { details: { unitId: 'u-gone' } } }],
  },
  {
    route: 'POST /units/:id/move',
    as: 'org_dept',
    target: 'u-move',
    valid: { parentId: 'county' },
    another: { parentId: 'heping' },
    missing: 'parentId',
    wrongType: ['parentId', 7],
    unknown: [
      { what: 'an unknown unit in the path', id: 'no-such-unit', status: 404, code: 'UNIT_NOT_FOUND' },
      {
        what: 'an unknown parentId in the body',
        body: { parentId: 'ghost' },
        status: 409,
        code: 'PARENT_NOT_FOUND',
        extra: { details: { parentId: 'ghost' } },
      },
    ],
    illegal: [
      {
        what: 'the county under its own child (a cycle)',
        id: 'county',
        body: { parentId: 'heping' },
        status: 409,
        code: 'MOVE_WOULD_CREATE_CYCLE',
        extra: { details: { parentId: 'heping' } },
      },
      {
        what: 'the parent it already has',
        id: 'heping-b1',
        body: { parentId: 'heping' },
        status: 409,
        code: 'UNIT_PARENT_UNCHANGED',
        extra: { details: { parentId: 'heping' } },
      },
    ],
  },
  {
    route: 'POST /units/:id/dissolve',
    as: 'org_dept',
    target: 'u-dissolve',
    valid: { reason: '村党支部合并' },
    another: { reason: '行政村撤并' },
    missing: 'reason',
    wrongType: ['reason', true],
    unknown: [{ what: 'an unknown unit in the path', id: 'no-such-unit', status: 404, code: 'UNIT_NOT_FOUND' }],
    illegal: [
      { what: 'a unit with a live child', id: 'heping', status: 409, code: 'UNIT_HAS_LIVE_CHILDREN', extra: { details: { liveChildren: 1 } } },
      { what: 'a unit already dissolved', id: 'u-gone', status: 409, code: 'UNIT_ALREADY_DISSOLVED', extra: { details: { unitId: 'u-gone' } } },
    ],
  },
  // ---- cadres ----
  {
    route: 'POST /cadres',
    as: 'org_dept',
    valid: { id: 'c-new', name: '赵六', unitId: 'dahua', post: '宣传委员' },
    another: { id: 'c-new', name: '赵六', unitId: 'dahua', post: '纪检委员' },
    missing: 'post',
    wrongType: ['unitId', 3],
    unknown: [
      {
        what: 'an unknown unitId in the body',
        body: { id: 'c-nowhere', name: '钱七', unitId: 'ghost', post: '书记' },
        status: 409,
        code: 'UNIT_NOT_FOUND',
        extra: { details: { unitId: 'ghost' } },
      },
    ],
    illegal: [
      {
        what: 'a dissolved unit',
        body: { id: 'c-gone', name: '孙八', unitId: 'u-gone', post: '书记' },
        status: 409,
        code: 'UNIT_DISSOLVED',
        extra: { details: { unitId: 'u-gone' } },
      },
      {
        what: 'an id that is already registered',
        body: { id: 'zhang', name: '张三', unitId: 'heping', post: '书记' },
        status: 409,
        code: 'CADRE_ALREADY_EXISTS',
        extra: { details: { cadreId: 'zhang' } },
      },
    ],
  },
  {
    route: 'POST /cadres/:id/transfer',
    as: 'org_dept',
    target: 'c-transfer',
    valid: { unitId: 'dahua', post: '副书记' },
    another: { unitId: 'dahua', post: '组织委员' },
    missing: 'unitId',
    wrongType: ['post', 5],
    unknown: [
      { what: 'an unknown cadre in the path', id: 'no-such-cadre', status: 404, code: 'CADRE_NOT_FOUND' },
      { what: 'an unknown unitId in the body', body: { unitId: 'ghost' }, status: 409, code: 'UNIT_NOT_FOUND', extra: { details: { unitId: 'ghost' } } },
    ],
    illegal: [
      { what: 'a transfer that changes nothing', id: 'zhang', body: { unitId: 'heping', post: '书记' }, status: 409, code: 'TRANSFER_CHANGES_NOTHING' },
      { what: 'a dissolved unit', id: 'zhang', body: { unitId: 'u-gone' }, status: 409, code: 'UNIT_DISSOLVED', extra: { details: { unitId: 'u-gone' } } },
    ],
  },
  // ---- sheets and items ----
  {
    route: 'POST /sheets',
    as: 'org_dept',
    valid: { id: 's-new', number: 'S-NEW', title: '第二季度重点任务交办单', source: '县委组织部', issuedOn: '2026-03-01' },
    another: { id: 's-new', number: 'S-NEW', title: '第二季度重点任务交办单（修订）', issuedOn: '2026-03-01' },
    missing: 'number',
    wrongType: ['issuedOn', 20260301],
    unknown: [],
    illegal: [
      {
        what: 'a number another sheet holds',
        body: { id: 's-other', number: SHEET.number, title: '重号', issuedOn: '2026-03-01' },
        status: 409,
        code: 'SHEET_NUMBER_TAKEN',
        extra: { details: { number: SHEET.number, sheetId: SHEET.id } },
      },
      // The claim on sheet_number-S-FRESH must not be written when the sheet itself is refused.
      {
        what: 'an id already issued, with a fresh number',
        body: { id: SHEET.id, number: 'S-FRESH', title: '重复下发', issuedOn: '2026-03-01' },
        status: 409,
        code: 'SHEET_ALREADY_ISSUED',
        extra: { details: { sheetId: SHEET.id } },
      },
    ],
  },
  {
    route: 'POST /items',
    as: 'org_dept',
    valid: {
      id: 'i-new',
      sheetId: SHEET.id,
      title: '规范村级组织活动场所',
      requirements: '4月底前完成',
      unitId: 'heping',
      cadreId: 'zhang',
      leaderId: 'li',
      supportUnitIds: ['heping-b1'],
      dueDate: DUE,
    },
    another: { id: 'i-new', sheetId: SHEET.id, title: '规范村级组织活动场所（修订）', unitId: 'heping', cadreId: 'zhang', dueDate: DUE },
    missing: 'cadreId',
    wrongType: ['dueDate', 20260430],
    unknown: [
      {
        what: 'an unknown sheetId in the body',
        body: { id: 'i-u1', sheetId: 'ghost', title: 't', unitId: 'heping', cadreId: 'zhang', dueDate: DUE },
        status: 409,
        code: 'SHEET_NOT_FOUND',
        extra: { details: { sheetId: 'ghost' } },
      },
      {
        what: 'an unknown unitId in the body',
        body: { id: 'i-u2', sheetId: SHEET.id, title: 't', unitId: 'ghost', cadreId: 'zhang', dueDate: DUE },
        status: 409,
        code: 'UNIT_NOT_FOUND',
        extra: { details: { unitId: 'ghost' } },
      },
      {
        what: 'an unknown cadreId in the body',
        body: { id: 'i-u3', sheetId: SHEET.id, title: 't', unitId: 'heping', cadreId: 'ghost', dueDate: DUE },
        status: 409,
        code: 'CADRE_NOT_FOUND',
        extra: { details: { cadreId: 'ghost' } },
      },
    ],
    illegal: [
      {
        what: 'a due date before today',
        body: { id: 'i-past', sheetId: SHEET.id, title: 't', unitId: 'heping', cadreId: 'zhang', dueDate: '2026-03-01' },
        status: 409,
        code: 'DUE_DATE_IN_PAST',
        extra: { details: { dueDate: '2026-03-01' } },
      },
      {
        what: 'an id already assigned',
        body: { id: 'x-assigned', sheetId: SHEET.id, title: 't', unitId: 'heping', cadreId: 'zhang', dueDate: DUE },
        status: 409,
        code: 'ITEM_ALREADY_EXISTS',
        extra: { details: { itemId: 'x-assigned' } },
      },
      {
        what: 'a dissolved unit',
        body: { id: 'i-gone', sheetId: SHEET.id, title: 't', unitId: 'u-gone', cadreId: 'zhang', dueDate: DUE },
        status: 409,
        code: 'UNIT_DISSOLVED',
        extra: { details: { unitId: 'u-gone' } },
      },
    ],
  },
  // ---- item commands (If-Match honoured) ----
  {
    route: 'POST /items/:id/acknowledge',
    as: 'unit',
    target: 'ack',
    valid: {},
    another: { note: '已签收' },
    wrongType: 'array-body',
    unknown: [itemNotFound()],
    illegal: [stage('x-in-progress', 'ITEM_ALREADY_ACKNOWLEDGED', 'in_progress'), stage('x-concluded', 'ITEM_CLOSED', 'concluded'), withdrawn()],
    ifMatch: true,
  },
  {
    route: 'POST /items/:id/progress',
    as: 'unit',
    target: 'prog',
    valid: { note: '已制定整改方案', evidence: [{ name: '整改方案.pdf', size: 204800, sha256: SHA }] },
    another: { note: '已召开专题会议' },
    missing: 'note',
    wrongType: ['evidence', '整改方案.pdf'],
    unknown: [itemNotFound()],
    illegal: [stage('x-reported', 'ITEM_AWAITING_REVIEW', 'reported'), stage('x-concluded', 'ITEM_CLOSED', 'concluded')],
    ifMatch: true,
  },
  {
    route: 'POST /items/:id/complete',
    as: 'unit',
    target: 'comp',
    valid: { summary: '已整改到位', evidence: [{ name: '整改报告.pdf', size: 1024, sha256: SHA }] },
    another: { summary: '已全部完成' },
    missing: 'summary',
    wrongType: ['summary', 1],
    unknown: [itemNotFound()],
    illegal: [stage('x-reported', 'ITEM_AWAITING_REVIEW', 'reported'), stage('x-concluded', 'ITEM_CLOSED', 'concluded')],
    ifMatch: true,
  },
  {
    route: 'POST /items/:id/return',
    as: 'inspector',
    target: 'ret',
    valid: { reason: '佐证材料不全' },
    another: { reason: '整改不到位' },
    missing: 'reason',
    wrongType: ['reason', {}],
    unknown: [itemNotFound()],
    illegal: [stage('x-assigned', 'ITEM_NOT_REPORTED', 'assigned'), stage('x-in-progress', 'ITEM_NOT_REPORTED', 'in_progress')],
    ifMatch: true,
  },
  {
    route: 'POST /items/:id/conclude',
    as: 'inspector',
    target: 'concl',
    valid: { note: '同意办结' },
    another: {},
    wrongType: ['note', 5],
    unknown: [itemNotFound()],
    illegal: [stage('x-assigned', 'ITEM_NOT_REPORTED', 'assigned'), stage('x-concluded', 'ITEM_CLOSED', 'concluded')],
    ifMatch: true,
  },
  {
    route: 'POST /items/:id/strike-off',
    as: 'org_dept',
    target: 'strike',
    valid: { note: '核实后销号' },
    another: {},
    wrongType: ['note', false],
    unknown: [itemNotFound()],
    illegal: [stage('x-reported', 'ITEM_NOT_CONCLUDED', 'reported')],
    ifMatch: true,
  },
  {
    route: 'POST /items/:id/reopen',
    as: 'org_dept',
    target: 'reopen',
    valid: { reason: '群众反映问题反弹' },
    another: { reason: '复查发现问题' },
    missing: 'reason',
    wrongType: ['reason', 0],
    unknown: [itemNotFound()],
    illegal: [stage('x-assigned', 'ITEM_NOT_CLOSED', 'assigned'), stage('x-reported', 'ITEM_NOT_CLOSED', 'reported')],
    ifMatch: true,
  },
  {
    route: 'POST /items/:id/urge',
    as: 'inspector',
    target: 'urge',
    valid: { level: 'urge', channel: '电话', note: '请抓紧办理' },
    another: { level: 'notice' },
    missing: 'level',
    wrongType: ['level', 2],
    unknown: [itemNotFound()],
    illegal: [stage('x-concluded', 'ITEM_CLOSED', 'concluded'), withdrawn()],
    ifMatch: true,
  },
  {
    route: 'POST /items/:id/reassign',
    as: 'org_dept',
    target: 'reas',
    valid: { unitId: 'dahua', cadreId: 'li', reason: '职责调整' },
    another: { cadreId: 'li', reason: '职责调整' },
    missing: 'reason',
    wrongType: ['cadreId', 9],
    unknown: [
      itemNotFound(),
      {
        what: 'an unknown unitId in the body',
        body: { unitId: 'ghost', reason: '职责调整' },
        status: 409,
        code: 'UNIT_NOT_FOUND',
        extra: { details: { unitId: 'ghost' } },
      },
      {
        what: 'an unknown cadreId in the body',
        body: { cadreId: 'ghost', reason: '职责调整' },
        status: 409,
        code: 'CADRE_NOT_FOUND',
        extra: { details: { cadreId: 'ghost' } },
      },
    ],
    illegal: [
      stage('x-concluded', 'ITEM_CLOSED', 'concluded'),
      {
        what: 'a reassignment that changes nothing',
        id: 'x-assigned',
        body: { unitId: 'heping', cadreId: 'zhang', reason: '职责调整' },
        status: 409,
        code: 'REASSIGNMENT_CHANGES_NOTHING',
      },
    ],
    ifMatch: true,
  },
  {
    route: 'POST /items/:id/extension/request',
    as: 'unit',
    target: 'extreq',
    valid: { newDueDate: '2026-05-31', reason: '汛期施工受阻' },
    another: { newDueDate: '2026-06-30', reason: '汛期施工受阻' },
    missing: 'newDueDate',
    wrongType: ['newDueDate', 20260531],
    unknown: [itemNotFound()],
    illegal: [
      {
        what: 'an item with a request pending (x-pending)',
        id: 'x-pending',
        status: 409,
        code: 'EXTENSION_ALREADY_PENDING',
        extra: { details: { newDueDate: '2026-05-31' } },
      },
      {
        what: 'a new due date not later than the one in force',
        id: 'x-assigned',
        body: { newDueDate: '2026-04-01', reason: '汛期施工受阻' },
        status: 409,
        code: 'EXTENSION_NOT_LATER',
        extra: { details: { dueDate: DUE, newDueDate: '2026-04-01' } },
      },
      stage('x-reported', 'ITEM_AWAITING_REVIEW', 'reported'),
    ],
    ifMatch: true,
  },
  {
    route: 'POST /items/:id/extension/grant',
    as: 'org_dept',
    target: 'grant',
    valid: { note: '同意延期' },
    another: {},
    wrongType: ['note', []],
    unknown: [itemNotFound()],
    illegal: [
      { what: 'an item with no pending request (x-assigned)', id: 'x-assigned', status: 409, code: 'NO_PENDING_EXTENSION' },
      stage('x-concluded', 'ITEM_CLOSED', 'concluded'),
    ],
    ifMatch: true,
  },
  {
    route: 'POST /items/:id/extension/refuse',
    as: 'org_dept',
    target: 'refuse',
    valid: { reason: '理由不充分' },
    another: { reason: '不符合延期条件' },
    missing: 'reason',
    wrongType: ['reason', null],
    unknown: [itemNotFound()],
    illegal: [{ what: 'an item with no pending request (x-assigned)', id: 'x-assigned', status: 409, code: 'NO_PENDING_EXTENSION' }],
    ifMatch: true,
  },
  {
    route: 'POST /items/:id/withdraw',
    as: 'org_dept',
    target: 'withdraw',
    valid: { reason: '交办有误' },
    another: { reason: '重复交办' },
    missing: 'reason',
    wrongType: ['reason', 123],
    unknown: [itemNotFound()],
    illegal: [stage('x-concluded', 'ITEM_CLOSED', 'concluded'), withdrawn()],
    ifMatch: true,
  },
  {
    route: 'POST /items/:id/accountability/refer',
    as: 'inspector',
    target: 'refer',
    valid: { target: { kind: 'cadre', id: 'zhang' }, to: 'discipline', note: '逾期未办结' },
    another: { target: { kind: 'unit', id: 'heping' }, to: 'organisation' },
    missing: 'to',
    wrongType: ['target', 'zhang'],
    unknown: [
      itemNotFound(),
      {
        what: 'an unknown target id in the body',
        body: { target: { kind: 'cadre', id: 'ghost' }, to: 'discipline' },
        status: 409,
        code: 'ACCOUNTABILITY_TARGET_NOT_FOUND',
        extra: { details: { target: { kind: 'cadre', id: 'ghost' } } },
      },
    ],
    illegal: [withdrawn()],
    ifMatch: true,
  },
  {
    route: 'POST /items/:id/accountability/decide',
    as: 'discipline',
    target: 'decide',
    valid: DECISION,
    another: { ...DECISION, form: 'circulated_criticism' },
    missing: 'form',
    wrongType: ['dispositionForm', '2'],
    unknown: [
      itemNotFound(),
      {
        what: 'an unknown target id in the body',
        body: { ...DECISION, target: { kind: 'unit', id: 'ghost' }, form: 'inspection' },
        status: 409,
        code: 'ACCOUNTABILITY_TARGET_NOT_FOUND',
        extra: { details: { target: { kind: 'unit', id: 'ghost' } } },
      },
    ],
    illegal: [
      withdrawn(),
      {
        what: 'a form that does not fit the target (改组 for a cadre)',
        id: 'x-assigned',
        body: { ...DECISION, form: 'reorganisation' },
        status: 409,
        code: 'INVALID_ACCOUNTABILITY_FORM',
        extra: {
          details: {
            targetKind: 'cadre',
            form: 'reorganisation',
            allowed: ['circulated_criticism', 'admonishment', 'organisational_measure', 'disciplinary_sanction'],
          },
        },
      },
      {
        what: 'a decision dated after today',
        id: 'x-assigned',
        body: { ...DECISION, decidedOn: '2026-03-03' },
        status: 409,
        code: 'DECISION_DATE_IN_FUTURE',
        extra: { details: { decidedOn: '2026-03-03', today: '2026-03-02' } },
      },
    ],
    ifMatch: true,
  },
  {
    route: 'POST /items/:id/accountability/:decisionId/revoke',
    as: 'discipline',
    target: 'revoke',
    valid: { reason: '申诉成立', appealOutcome: '撤销诫勉' },
    another: { reason: '申诉部分成立' },
    missing: 'reason',
    wrongType: ['reason', 1],
    unknown: [
      itemNotFound(),
      // API.md: 404 for an unknown id; the decision id is in the path.
      {
        what: 'an unknown decision in the path',
        decisionId: 'no-such-decision',
        status: 404,
        code: 'DECISION_NOT_FOUND',
        extra: { details: { decisionId: 'no-such-decision' } },
      },
    ],
    illegal: [
      {
        what: 'a decision already revoked (x-revoked)',
        id: 'x-revoked',
        status: 409,
        code: 'DECISION_ALREADY_REVOKED',
        extra: () => ({ details: { decisionId: DECISIONS['x-revoked'] } }),
      },
    ],
    ifMatch: true,
  },
];

// ---------------------------------------------------------------------------------------------

const PROBLEM = /^application\/problem\+json/;
const TITLES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  422: 'Unprocessable Content',
  503: 'Service Unavailable',
};
const typeOf = (code: string) => PROBLEM_BASE + code.toLowerCase().replace(/_/g, '-');

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Json;
  text: string;
}

/** The answer is exactly this problem: status, content type, and { type, title, status, detail, code, ...extra }. */
function expectProblem(res: Answer, status: number, code: string, extra: Json = {}): void {
  // One comparison, so that a failure shows the whole answer.
  expect({ status: res.status, contentType: res.headers['content-type'], body: res.body }).toEqual({
    status,
    contentType: expect.stringMatching(PROBLEM),
    body: { type: typeOf(code), title: TITLES[status], status, detail: expect.any(String), code, ...extra },
  });
}

/** 400 VALIDATION_FAILED naming exactly these fields, each with at least one message. */
function expectInvalid(res: Answer, fields: string[]): void {
  expectProblem(res, 400, 'VALIDATION_FAILED', { errors: expect.any(Array) });
  const errors = res.body.errors as Array<{ field: string; messages: string[] }>;
  expect(errors.map((e) => e.field).sort()).toEqual([...fields].sort());
  for (const e of errors) expect(e.messages).toEqual(expect.arrayContaining([expect.any(String)]));
}

const without = (body: Json, field: string): Json => Object.fromEntries(Object.entries(body).filter(([k]) => k !== field));

describe('bad input on every route: each gets its status and code, and the store holds no new event', () => {
  let t: TestApp;
  const tokens = {} as Record<Who, string>;

  const post = (path: string, body: unknown, who: Who, headers: Record<string, string> = {}) => {
    const req = t.http.post(`/api/v1${path}`).set('Authorization', `Bearer ${tokens[who]}`);
    for (const [k, v] of Object.entries(headers)) req.set(k, v);
    return req.send(body as object) as unknown as Promise<Answer>;
  };
  const get = (path: string, who: Who = 'org_dept') => t.http.get(`/api/v1${path}`).set('Authorization', `Bearer ${tokens[who]}`) as unknown as Promise<Answer>;

  /** Sends a request that must be refused, checks the answer, then checks that the store's head did not move. */
  const refused = async (send: () => Promise<Answer>, expectAnswer: (res: Answer) => void): Promise<void> => {
    const before = await t.store.headPosition();
    const res = await send();
    expectAnswer(res);
    expect(await t.store.headPosition()).toBe(before);
  };

  const ok = async (path: string, body: unknown, who: Who, status = 200): Promise<Answer> => {
    const res = await post(path, body, who);
    if (res.status !== status) throw new Error(`setup: POST ${path} answered ${res.status} ${res.text}`);
    return res;
  };

  const pathOf = (row: CommandRow, id = row.target, decisionId?: string): string =>
    row.route
      .replace(/^POST /, '')
      .replace(':id', id ?? '')
      .replace(':decisionId', decisionId ?? DECISIONS[id ?? ''] ?? DECISIONS[row.target ?? ''] ?? '');

  async function bringItemTo(id: string, to: Stage): Promise<void> {
    await ok('/items', { id, sheetId: SHEET.id, title: `事项 ${id}`, unitId: 'heping', cadreId: 'zhang', dueDate: DUE }, 'org_dept', 201);
    // A reminder first: every item is at revision ≥ 1, so the revision before the last is a stale one.
    await ok(`/items/${id}/urge`, { level: 'reminder' }, 'inspector');
    if (to === 'in_progress') await ok(`/items/${id}/acknowledge`, {}, 'unit');
    if (to === 'reported' || to === 'concluded') await ok(`/items/${id}/complete`, { summary: '已完成' }, 'unit');
    if (to === 'concluded') await ok(`/items/${id}/conclude`, {}, 'inspector');
    if (to === 'pending_extension') await ok(`/items/${id}/extension/request`, { newDueDate: '2026-05-31', reason: '施工受阻' }, 'unit');
    if (to === 'withdrawn') await ok(`/items/${id}/withdraw`, { reason: '交办有误' }, 'org_dept');
    if (to === 'decided' || to === 'revoked') {
      DECISIONS[id] = (await ok(`/items/${id}/accountability/decide`, DECISION, 'discipline')).body.id as string;
    }
    if (to === 'revoked') await ok(`/items/${id}/accountability/${DECISIONS[id]}/revoke`, { reason: '申诉成立' }, 'discipline');
  }

  beforeAll(async () => {
    // The deadline worker writes on its own schedule; off, so that the head moves only with the requests.
    t = await startTestApp({ env: { LEDGER_DEADLINE_WORKER: 'off' } });
    for (const role of ['admin', 'org_dept', 'inspector', 'discipline'] as const) tokens[role] = t.token(role as UserRole);
    tokens.unit = t.token('unit', 'heping');
    for (const u of UNITS) await ok('/units', u, 'admin', 201);
    await ok('/units/u-gone/dissolve', { reason: '撤并' }, 'org_dept');
    for (const c of CADRES) await ok('/cadres', c, 'org_dept', 201);
    await ok('/sheets', SHEET, 'org_dept', 201);
    for (const [id, to] of Object.entries(ITEMS)) await bringItemTo(id, to);
    // Dissolving reads live children and open items from the read models.
    await t.projected(await t.store.headPosition());
  }, 180_000);
  afterAll(() => t?.close());

  describe.each(COMMANDS)('$route', (row) => {
    if (row.missing) {
      const field = row.missing;
      it(`a missing required field (${field}) → 400 naming it`, async () => {
        await refused(
          () => post(pathOf(row), without(row.valid, field), row.as),
          (res) => expectInvalid(res, [field]),
        );
      });
    }

    if (row.wrongType === 'array-body') {
      it('a body of the wrong type (a JSON array) → 400 BODY_NOT_AN_OBJECT', async () => {
        await refused(
          () => post(pathOf(row), [row.valid], row.as),
          (res) => expectProblem(res, 400, 'BODY_NOT_AN_OBJECT'),
        );
      });
    } else {
      const [field, value] = row.wrongType;
      it(`a wrong type (${field}: ${JSON.stringify(value)}) → 400 naming it`, async () => {
        await refused(
          () => post(pathOf(row), { ...row.valid, [field]: value }, row.as),
          (res) => expectInvalid(res, [field]),
        );
      });
    }

    for (const r of [...row.unknown, ...row.illegal]) {
      it(`${r.what} → ${r.status} ${r.code}`, async () => {
        await refused(
          () => post(pathOf(row, r.id ?? row.target, r.decisionId), r.body ?? row.valid, row.as),
          (res) => expectProblem(res, r.status, r.code, typeof r.extra === 'function' ? r.extra() : r.extra),
        );
      });
    }

    if (row.ifMatch) {
      it('a stale If-Match → 412 STALE_REVISION with the current revision', async () => {
        const events = await t.store.readStream(`item-${row.target}`);
        const current = events[events.length - 1].revision;
        await refused(
          () => post(pathOf(row), row.valid, row.as, { 'If-Match': `"${current - 1}"` }),
          (res) => expectProblem(res, 412, 'STALE_REVISION', { currentRevision: current }),
        );
      });
    }

    it('the same Idempotency-Key with another body → 422 IDEMPOTENCY_KEY_REUSED (after the valid body succeeded)', async () => {
      const key = `bad-input:${row.route.replace(/ /g, '')}`;
      const first = await post(pathOf(row), row.valid, row.as, { 'Idempotency-Key': key });
      expect({ status: first.status, body: first.body }).toEqual({
        status: row.target ? 200 : 201,
        body: { id: expect.any(String), revision: expect.any(Number), position: expect.stringMatching(/^\d+$/) },
      });
      expect(BigInt(first.body.position as string)).toBe(await t.store.headPosition());
      await refused(
        () => post(pathOf(row), row.another, row.as, { 'Idempotency-Key': key }),
        (res) => expectProblem(res, 422, 'IDEMPOTENCY_KEY_REUSED'),
      );
    });
  });

  describe('POST /sheets/import (multipart)', () => {
    const HEADER = '序号,事项,办理要求,责任单位,配合单位,责任人,完成时间,责任领导';
    const csv = (...rows: string[]) => Buffer.from([HEADER, ...rows].join('\r\n'), 'utf8');
    const GOOD = csv('1,整理规范党员档案,逐人核对,和平乡党委,,张三,2026-04-30,', '2,壮大村集体经济,,大华镇党委,,李四,2026-05-31,');
    const OTHER = csv('1,整理规范党员档案,逐人核对,和平乡党委,,张三,2026-04-30,');
    const FIELDS = { number: 'IMP-1', title: '第二季度基层党建交办单', issuedOn: '2026-03-01', source: '县委组织部' };
    const upload = (file: Buffer | null, fields: Record<string, string>, headers: Record<string, string> = {}) => {
      const req = t.http.post('/api/v1/sheets/import').set('Authorization', `Bearer ${tokens.org_dept}`);
      for (const [k, v] of Object.entries(headers)) req.set(k, v);
      for (const [k, v] of Object.entries(fields)) req.field(k, v);
      if (file) req.attach('file', file, '交办单.csv');
      return req as unknown as Promise<Answer>;
    };

    it('a missing required field (title) → 400 naming it', async () => {
      await refused(
        () => upload(GOOD, without(FIELDS, 'title') as Record<string, string>),
        (res) => expectInvalid(res, ['title']),
      );
    });

    it('a missing file → 400 naming it', async () => {
      await refused(
        () => upload(null, FIELDS),
        (res) => expectInvalid(res, ['file']),
      );
    });

    it('a wrong type (issuedOn: "下周一") → 400 naming it', async () => {
      await refused(
        () => upload(GOOD, { ...FIELDS, issuedOn: '下周一' }),
        (res) => expectInvalid(res, ['issuedOn']),
      );
    });

    it('an unknown unit named in a row → 400 SHEET_ROWS_INVALID naming row and column, nothing written', async () => {
      await refused(
        () => upload(csv('1,整理规范党员档案,,无此乡党委,,张三,2026-04-30,'), { ...FIELDS, number: 'IMP-BAD' }),
        (res) => {
          expectProblem(res, 400, 'SHEET_ROWS_INVALID', { errors: expect.any(Array) });
          expect((res.body.errors as Array<{ row: number; column: string }>).map((e) => [e.row, e.column])).toEqual([[2, '责任单位']]);
        },
      );
      expect(await t.store.readStream('sheet_number-IMP-BAD')).toEqual([]);
    });

    it('a number another sheet holds → 409 SHEET_NUMBER_TAKEN', async () => {
      await refused(
        () => upload(GOOD, { ...FIELDS, number: SHEET.number }),
        (res) => expectProblem(res, 409, 'SHEET_NUMBER_TAKEN', { details: { number: SHEET.number, sheetId: SHEET.id } }),
      );
    });

    it('the same Idempotency-Key with another file → 422 IDEMPOTENCY_KEY_REUSED (after the first import succeeded)', async () => {
      const first = await upload(GOOD, FIELDS, { 'Idempotency-Key': 'bad-input:import' });
      expect({ status: first.status, itemCount: first.body.itemCount, written: first.body.written }).toEqual({ status: 201, itemCount: 2, written: 4 });
      await refused(
        () => upload(OTHER, FIELDS, { 'Idempotency-Key': 'bad-input:import' }),
        (res) => expectProblem(res, 422, 'IDEMPOTENCY_KEY_REUSED'),
      );
    });
  });

  // -------------------------------------------------------------------------------------------
  // Queries
  // -------------------------------------------------------------------------------------------

  interface QueryRow {
    route: string;
    /** A path that answers 200 (known ids). */
    path: string;
    /** Query strings that are refused, and the field each names. */
    bad: Array<[query: string, field: string]>;
    /** Unknown ids: in the path, or named by a parameter. */
    unknown?: Array<[path: string, code: string]>;
    asOf?: boolean;
  }

  const QUERIES: QueryRow[] = [
    {
      route: 'GET /units',
      path: '/units',
      bad: [
        ['minPosition=abc', 'minPosition'],
        ['colour=red', 'colour'],
      ],
    },
    {
      route: 'GET /cadres',
      path: '/cadres',
      bad: [
        ['subtree=maybe', 'subtree'],
        ['unitId=a.b', 'unitId'],
        ['minPosition=-1', 'minPosition'],
      ],
      unknown: [['/cadres?unitId=ghost', 'UNIT_NOT_FOUND']],
    },
    {
      route: 'GET /items',
      path: '/items',
      bad: [
        ['status=open', 'status'],
        ['light=blue', 'light'],
        ['sort=priority', 'sort'],
        ['page=0', 'page'],
        ['pageSize=500', 'pageSize'],
        ['dueFrom=2026-02-30', 'dueFrom'],
        ['subtree=yes', 'subtree'],
        ['format=pdf', 'format'],
      ],
      asOf: true,
    },
    {
      route: 'GET /items/:id',
      path: '/items/x-assigned',
      bad: [
        ['minPosition=1.5', 'minPosition'],
        ['foo=1', 'foo'],
      ],
      unknown: [['/items/no-such-item', 'ITEM_NOT_FOUND']],
      asOf: true,
    },
    {
      route: 'GET /items/:id/history',
      path: '/items/x-assigned/history',
      bad: [
        ['minPosition=abc', 'minPosition'],
        ['asOf=2026-03-01T00:00:00%2B08:00', 'asOf'],
      ],
      unknown: [['/items/no-such-item/history', 'ITEM_NOT_FOUND']],
    },
    {
      route: 'GET /units/:id/outstanding',
      path: '/units/heping/outstanding',
      bad: [
        ['subtree=yes', 'subtree'],
        ['minPosition=x', 'minPosition'],
      ],
      unknown: [['/units/no-such-unit/outstanding', 'UNIT_NOT_FOUND']],
      asOf: true,
    },
    {
      route: 'GET /units/:id/children/outstanding',
      path: '/units/heping/children/outstanding',
      bad: [
        ['minPosition=x', 'minPosition'],
        ['format=pdf', 'format'],
        ['sort=name', 'sort'],
      ],
      unknown: [['/units/no-such-unit/children/outstanding', 'UNIT_NOT_FOUND']],
      asOf: true,
    },
    {
      route: 'GET /cadres/:id/outstanding',
      path: '/cadres/zhang/outstanding',
      bad: [
        ['minPosition=x', 'minPosition'],
        ['subtree=false', 'subtree'],
      ],
      unknown: [['/cadres/no-such-cadre/outstanding', 'CADRE_NOT_FOUND']],
    },
    {
      route: 'GET /cadres/outstanding',
      path: '/cadres/outstanding',
      bad: [
        ['subtree=1', 'subtree'],
        ['unitId=a.b', 'unitId'],
        ['format=doc', 'format'],
      ],
      unknown: [['/cadres/outstanding?unitId=ghost', 'UNIT_NOT_FOUND']],
    },
    {
      route: 'GET /accountability',
      path: '/accountability',
      bad: [
        ['targetKind=person', 'targetKind'],
        ['form=scolding', 'form'],
        ['from=2026-13-01', 'from'],
        ['to=yesterday', 'to'],
        ['targetId=a.b', 'targetId'],
      ],
    },
    // API.md: every query accepts minPosition, and a bad query is a 400. (Were the proof answered, it would seal first: a write.)
    {
      route: 'GET /items/:id/proof',
      path: '/items/x-assigned/proof',
      bad: [['minPosition=abc', 'minPosition']],
      unknown: [['/items/no-such-item/proof', 'ITEM_NOT_FOUND']],
    },
  ];

  /** Not instants with their offset, or instants that do not exist. */
  const BAD_AS_OF = ['2026-03-01', '2026-03-01T09:00:00', '2026-02-30T09:00:00%2B08:00', 'yesterday'];

  describe.each(QUERIES)('$route', (q) => {
    const withQuery = (path: string, query: string) => `${path}${path.includes('?') ? '&' : '?'}${query}`;

    for (const [query, field] of q.bad) {
      it(`a bad parameter (${query}) → 400 naming ${field}`, async () => {
        expectInvalid(await get(withQuery(q.path, query)), [field]);
      });
    }
    for (const [path, code] of q.unknown ?? []) {
      it(`an unknown id (${path}) → 404 ${code}`, async () => {
        expectProblem(await get(path), 404, code);
      });
    }
    if (q.asOf) {
      for (const asOf of BAD_AS_OF) {
        it(`a bad asOf (${decodeURIComponent(asOf)}) → 400 naming asOf`, async () => {
          expectInvalid(await get(withQuery(q.path, `asOf=${asOf}`)), ['asOf']);
        });
      }
    }
  });

  it('minPosition beyond the head → 503 READ_MODELS_BEHIND with Retry-After, on every query route (one 5 s wait, all at once)', async () => {
    const head = await t.store.headPosition();
    await t.projected(head);
    const beyond = (head + 1000n).toString();
    // The proof is left out: it reads the store itself, never the read models, so it cannot be behind them.
    const answers = await Promise.all(QUERIES.filter((q) => q.route !== 'GET /items/:id/proof').map((q) => get(`${q.path}?minPosition=${beyond}`)));
    for (const res of answers) {
      expectProblem(res, 503, 'READ_MODELS_BEHIND', { checkpoint: head.toString(), requested: beyond });
      expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    }
    expect(await t.store.headPosition()).toBe(head);
  }, 30_000);
});
