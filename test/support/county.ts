/**
 * The story's county: a small slice of Huangyuan (湟源县) with real township and village names, the
 * secretaries of its units, one assignment sheet (交办单) and its items. Ids are the client's own,
 * so that paths and expectations read like the story.
 */
export const UNITS = {
  county: { id: 'county', name: '中共湟源县委员会', kind: 'county_committee', parentId: null },
  dahua: { id: 'dahua', name: '大华镇党委', kind: 'township_committee', parentId: 'county' },
  shenzhong: { id: 'shenzhong', name: '申中乡党委', kind: 'township_committee', parentId: 'county' },
  huangmao: { id: 'huangmao', name: '大华镇黄茂村党支部', kind: 'branch', parentId: 'dahua' },
  mobula: { id: 'mobula', name: '申中乡莫布拉村党支部', kind: 'branch', parentId: 'shenzhong' },
  qiangou: { id: 'qiangou', name: '申中乡前沟村党支部', kind: 'branch', parentId: 'shenzhong' },
} as const;
export type UnitKey = keyof typeof UNITS;

/** A secretary (书记) for every unit. */
export const CADRES = {
  county: { id: 'c-county', name: '李建国', unitId: 'county', post: '县委书记' },
  dahua: { id: 'c-dahua', name: '王志刚', unitId: 'dahua', post: '党委书记' },
  shenzhong: { id: 'c-shenzhong', name: '马德福', unitId: 'shenzhong', post: '党委书记' },
  huangmao: { id: 'c-huangmao', name: '张永福', unitId: 'huangmao', post: '村党支部书记' },
  mobula: { id: 'c-mobula', name: '才让多杰', unitId: 'mobula', post: '村党支部书记' },
  qiangou: { id: 'c-qiangou', name: '韩玉兰', unitId: 'qiangou', post: '村党支部书记' },
} as const;

export const SHEET = {
  id: 'sheet-12',
  number: '湟组交〔2026〕12号',
  title: '2026年第一季度基层党建重点任务交办单',
  source: '县委组织部',
  issuedOn: '2026-03-02',
} as const;

/** The sheet's items: one per township, one per village. */
export const ITEMS = {
  /** 大华镇: the full closed loop, concluded on time. */
  dahua: {
    id: 'dh-1',
    sheetId: SHEET.id,
    title: '完成软弱涣散村党组织整顿',
    requirements: '制定整顿方案，召开专题组织生活会，3月20日前报送整改报告',
    unitId: 'dahua',
    cadreId: 'c-dahua',
    leaderId: 'c-county',
    dueDate: '2026-03-20',
  },
  /** 申中乡: misses its deadline, is urged up the ladder, its secretary is admonished. */
  shenzhong: {
    id: 'sz-1',
    sheetId: SHEET.id,
    title: '落实“三会一课”制度并报送会议记录',
    requirements: '3月10日前报送第一季度会议记录',
    unitId: 'shenzhong',
    cadreId: 'c-shenzhong',
    leaderId: 'c-county',
    dueDate: '2026-03-10',
  },
  huangmao: {
    id: 'hm-1',
    sheetId: SHEET.id,
    title: '规范村级组织活动场所',
    requirements: '4月底前完成标识标牌和制度上墙',
    unitId: 'huangmao',
    cadreId: 'c-huangmao',
    leaderId: 'c-dahua',
    dueDate: '2026-04-30',
  },
  mobula: {
    id: 'mb-1',
    sheetId: SHEET.id,
    title: '壮大村集体经济',
    requirements: '制定村集体经济发展计划',
    unitId: 'mobula',
    cadreId: 'c-mobula',
    leaderId: 'c-shenzhong',
    dueDate: '2026-04-30',
  },
  qiangou: {
    id: 'qg-1',
    sheetId: SHEET.id,
    title: '整理规范党员档案',
    requirements: '逐人核对党员档案并建立台账',
    unitId: 'qiangou',
    cadreId: 'c-qiangou',
    leaderId: 'c-shenzhong',
    dueDate: '2026-04-30',
  },
} as const;

export const EVIDENCE = {
  plan: { name: '大华镇整顿方案.pdf', size: 182_044, sha256: '5f'.repeat(32) },
  minutes: { name: '专题组织生活会会议记录.docx', size: 40_960, sha256: 'a3'.repeat(32) },
  report: { name: '整改报告.pdf', size: 301_230, sha256: '0c'.repeat(32) },
};
