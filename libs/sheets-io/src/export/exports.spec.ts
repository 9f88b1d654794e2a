import type * as ExcelJS from 'exceljs';
import { parseCsv } from '../csv/csv';
import { chineseLabel } from '../labels';
import { openWorkbook } from '../testing/fixtures';
import {
  AccountabilityExportRow,
  CadreFiguresExportRow,
  ExportNames,
  ItemExportRow,
  UnitFiguresExportRow,
  exportAccountabilityRegister,
  exportCadreFigures,
  exportItems,
  exportUnitFigures,
} from './exports';
import { ExportFile } from './table';

const NAMES: ExportNames = {
  units: [
    { id: 'u-cg', name: '城关镇党委' },
    { id: 'u-dx', name: '东峡镇党委' },
    { id: 'u-cq', name: '和平乡茶曲村党支部' },
  ],
  cadres: [
    { id: 'c-zw', name: '张伟', unitId: 'u-cg' },
    { id: 'c-ln', name: '李娜', unitId: 'u-dx' },
    { id: 'c-wq', name: '王强' },
  ],
  sheets: [{ id: 's-3', number: '湟组交〔2026〕3号', title: '基层党建重点任务' }],
  items: [{ id: 'i-1', title: '整顿软弱涣散村党组织' }],
};

const ITEMS: ItemExportRow[] = [
  {
    id: 'i-1',
    sheetId: 's-3',
    title: '整顿软弱涣散村党组织',
    requirements: '年底前完成,逐村验收',
    unitId: 'u-cg',
    supportUnitIds: ['u-dx', 'u-cq'],
    cadreId: 'c-zw',
    leaderId: 'c-wq',
    status: 'in_progress',
    light: 'red',
    overdue: true,
    dueDate: '2026-02-28',
    originalDueDate: '2026-01-31',
    createdAt: '2026-01-05T09:00:00+08:00',
    updatedAt: '2026-03-01T17:45:30+08:00',
    urgeLevel: 'listed',
    accountabilityCount: 2,
  },
  {
    id: 'i-2',
    sheetId: 's-unknown',
    title: '=HYPERLINK("http://x")',
    unitId: 'u-gone',
    cadreId: 'c-ln',
    leaderId: null,
    status: 'withdrawn',
    light: null,
    dueDate: '2026-12-31',
    originalDueDate: '2026-12-31',
    updatedAt: '2026-03-02T01:00:00Z',
    urgeLevel: null,
    accountabilityCount: 0,
  },
];

const figures = {
  total: 10,
  open: 4,
  overdue: 2,
  dueSoon: 1,
  awaitingReview: 1,
  concluded: 3,
  struckOff: 2,
  withdrawn: 1,
  closureRate: 5 / 9,
  onTimeRate: 0.8,
};

function csvRows(file: ExportFile): string[][] {
  expect([...file.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = file.body.subarray(3).toString('utf8');
  expect(text.endsWith('\r\n')).toBe(true);
  expect(
    text
      .replace(/"[^"]*"/g, '')
      .split('\n')
      .every((line, i, all) => i === all.length - 1 || line.endsWith('\r')),
  ).toBe(true);
  return parseCsv(text).map((r) => r.fields);
}

function values(ws: ExcelJS.Worksheet, row: number): unknown[] {
  return (ws.getRow(row).values as unknown[]).slice(1);
}

describe('exportItems', () => {
  it('writes an .xlsx with a bold, frozen Chinese header, names for ids, Chinese labels and real dates', async () => {
    const file = await exportItems(ITEMS, NAMES, { format: 'xlsx' });
    expect(file.contentType).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(file.fileName).toBe('事项清单.xlsx');
    expect(file.contentDisposition).toBe(`attachment; filename="items.xlsx"; filename*=UTF-8''${encodeURIComponent('事项清单.xlsx')}`);
    const ws = (await openWorkbook(file.body)).getWorksheet('事项清单')!;
    expect(values(ws, 1)).toEqual([
      '序号',
      '交办单',
      '事项',
      '办理要求',
      '责任单位',
      '配合单位',
      '责任人',
      '责任领导',
      '状态',
      '亮灯',
      '完成时限',
      '原定时限',
      '督办等级',
      '问责次数',
      '更新时间',
      '事项编号',
    ]);
    expect(ws.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.rowCount).toBe(3);

    const first = ws.getRow(2);
    expect(values(ws, 2)).toEqual([
      1,
      '湟组交〔2026〕3号',
      '整顿软弱涣散村党组织',
      '年底前完成,逐村验收',
      '城关镇党委',
      '东峡镇党委、和平乡茶曲村党支部',
      '张伟',
      '王强',
      '办理中',
      '逾期',
      new Date('2026-02-28T00:00:00Z'),
      new Date('2026-01-31T00:00:00Z'),
      '挂牌督办',
      2,
      new Date('2026-03-01T17:45:30Z'), // county wall-clock time, as Excel shows it
      'i-1',
    ]);
    expect(first.getCell(11).numFmt).toBe('yyyy-mm-dd');
    expect(first.getCell(15).numFmt).toBe('yyyy-mm-dd hh:mm:ss');

    // Unknown ids show as themselves; absent values leave the cell empty; text stays text.
    expect(values(ws, 3)).toEqual([
      2,
      's-unknown',
      '=HYPERLINK("http://x")',
      undefined,
      'u-gone',
      undefined,
      '李娜',
      undefined,
      '已撤销',
      undefined,
      new Date('2026-12-31T00:00:00Z'),
      new Date('2026-12-31T00:00:00Z'),
      undefined,
      0,
      new Date('2026-03-02T09:00:00Z'),
      'i-2',
    ]);
    expect(ws.getRow(3).getCell(3).type).toBe(3 /* ValueType.String, not a formula */);

    // Widths follow the longest content plus 2: CJK counts double (责任单位 10 characters → 20 + 2),
    // the title column has the 22-character formula-looking text; a date column keeps its minimum.
    expect(ws.getColumn(3).width).toBe(24);
    // 东峡镇党委、和平乡茶曲村党支部: 15 full-width characters → 30 + 2.
    expect(ws.getColumn(6).width).toBe(32);
    expect(ws.getColumn(11).width).toBe(12);
  });

  it('writes a CSV (BOM, CRLF) that reads back to the same table', async () => {
    const file = await exportItems(ITEMS, NAMES, { format: 'csv', fileName: '城关镇逾期事项' });
    expect(file.contentType).toBe('text/csv; charset=utf-8');
    expect(file.fileName).toBe('城关镇逾期事项.csv');
    const rows = csvRows(file);
    expect(rows).toHaveLength(3);
    expect(rows[0][2]).toBe('事项');
    expect(rows[1]).toEqual([
      '1',
      '湟组交〔2026〕3号',
      '整顿软弱涣散村党组织',
      '年底前完成,逐村验收',
      '城关镇党委',
      '东峡镇党委、和平乡茶曲村党支部',
      '张伟',
      '王强',
      '办理中',
      '逾期',
      '2026-02-28',
      '2026-01-31',
      '挂牌督办',
      '2',
      '2026-03-01 17:45:30',
      'i-1',
    ]);
    // A title that Excel would run as a formula is neutralised in CSV.
    expect(rows[2][2]).toBe(`'=HYPERLINK("http://x")`);
    expect(rows[2][14]).toBe('2026-03-02 09:00:00');
  });
});

describe('figure exports', () => {
  const units: UnitFiguresExportRow[] = [
    { unitId: 'u-cg', name: '城关镇党委', ...figures },
    {
      unitId: 'u-dx',
      name: '东峡镇党委',
      ...figures,
      total: 0,
      open: 0,
      overdue: 0,
      dueSoon: 0,
      awaitingReview: 0,
      concluded: 0,
      struckOff: 0,
      withdrawn: 0,
      closureRate: 0,
      onTimeRate: 0,
    },
  ];
  const header = ['总数', '未办结', '逾期', '临期', '待审核', '已办结', '已销号', '已撤销', '办结率', '按期办结率'];

  it('per unit: numbers as numbers, rates as percentages', async () => {
    const xlsx = await exportUnitFigures(units, { format: 'xlsx' });
    expect(xlsx.fileName).toBe('单位办理情况统计.xlsx');
    const ws = (await openWorkbook(xlsx.body)).worksheets[0];
    expect(values(ws, 1)).toEqual(['单位', ...header]);
    expect(values(ws, 2)).toEqual(['城关镇党委', 10, 4, 2, 1, 1, 3, 2, 1, 5 / 9, 0.8]);
    expect(ws.getRow(2).getCell(10).numFmt).toBe('0.0%');
    expect(ws.getRow(2).getCell(11).numFmt).toBe('0.0%');

    const csv = csvRows(await exportUnitFigures(units, { format: 'csv' }));
    expect(csv).toEqual([
      ['单位', ...header],
      ['城关镇党委', '10', '4', '2', '1', '1', '3', '2', '1', '55.6%', '80.0%'],
      ['东峡镇党委', '0', '0', '0', '0', '0', '0', '0', '0', '0.0%', '0.0%'],
    ]);
  });

  it("per cadre, with the cadre's unit", async () => {
    const cadres: CadreFiguresExportRow[] = [
      { cadreId: 'c-zw', name: '张伟', ...figures },
      { cadreId: 'c-wq', name: '王强', ...figures },
    ];
    const csv = csvRows(await exportCadreFigures(cadres, NAMES, { format: 'csv' }));
    expect(csv[0]).toEqual(['责任人', '所在单位', ...header]);
    expect(csv.slice(1).map((r) => r.slice(0, 3))).toEqual([
      ['张伟', '城关镇党委', '10'],
      ['王强', '', '10'],
    ]);
    const ws = (await openWorkbook((await exportCadreFigures(cadres, NAMES, { format: 'xlsx' })).body)).worksheets[0];
    expect(ws.name).toBe('责任人办理情况');
    expect(values(ws, 2).slice(0, 3)).toEqual(['张伟', '城关镇党委', 10]);
  });
});

describe('exportAccountabilityRegister', () => {
  const register: AccountabilityExportRow[] = [
    {
      itemId: 'i-1',
      decisionId: 'd-1',
      target: { kind: 'cadre', id: 'c-zw' },
      form: 'admonishment',
      dispositionForm: 2,
      decidedBy: '县纪委监委',
      decidedOn: '2026-03-10',
      documentNo: '湟纪发〔2026〕12号',
      effectMonths: 6,
      revoked: false,
    },
    {
      itemId: 'i-9',
      decisionId: 'd-2',
      target: { kind: 'unit', id: 'u-cq' },
      form: 'inspection',
      dispositionForm: null,
      decidedBy: '县委组织部',
      decidedOn: '2026-03-11',
      documentNo: null,
      revoked: true,
    },
  ];
  const header = ['序号', '问责对象', '对象类型', '问责方式', '四种形态', '决定机关', '决定日期', '文号', '影响期（月）', '是否撤销', '事项', '决定编号'];

  it('in Chinese, as CSV and as .xlsx', async () => {
    expect(csvRows(await exportAccountabilityRegister(register, NAMES, { format: 'csv' }))).toEqual([
      header,
      ['1', '张伟', '领导干部', '诫勉', '第二种形态', '县纪委监委', '2026-03-10', '湟纪发〔2026〕12号', '6', '否', '整顿软弱涣散村党组织', 'd-1'],
      ['2', '和平乡茶曲村党支部', '党组织', '检查', '', '县委组织部', '2026-03-11', '', '', '是', 'i-9', 'd-2'],
    ]);
    const file = await exportAccountabilityRegister(register, NAMES, { format: 'xlsx' });
    expect(file.fileName).toBe('问责台账.xlsx');
    const ws = (await openWorkbook(file.body)).getWorksheet('问责台账')!;
    expect(values(ws, 1)).toEqual(header);
    expect(values(ws, 2)).toEqual([
      1,
      '张伟',
      '领导干部',
      '诫勉',
      '第二种形态',
      '县纪委监委',
      new Date('2026-03-10T00:00:00Z'),
      '湟纪发〔2026〕12号',
      6,
      '否',
      '整顿软弱涣散村党组织',
      'd-1',
    ]);
  });
});

describe('chineseLabel', () => {
  it('names every code the way the county does', () => {
    expect(['assigned', 'in_progress', 'reported', 'concluded', 'struck_off', 'withdrawn'].map((s) => chineseLabel.status(s as never))).toEqual([
      '已交办',
      '办理中',
      '已反馈',
      '已办结',
      '已销号',
      '已撤销',
    ]);
    expect((['green', 'yellow', 'red', null] as const).map(chineseLabel.light)).toEqual(['正常', '临期', '逾期', '']);
    expect((['reminder', 'urge', 'notice', 'listed'] as const).map(chineseLabel.urgeLevel)).toEqual(['提醒', '催办', '督办', '挂牌督办']);
    expect(
      (['inspection', 'circulated_criticism', 'reorganisation', 'admonishment', 'organisational_measure', 'disciplinary_sanction'] as const).map(
        chineseLabel.accountabilityForm,
      ),
    ).toEqual(['检查', '通报', '改组', '诫勉', '组织调整或者组织处理', '纪律处分']);
    expect([1, 4, null].map(chineseLabel.dispositionForm)).toEqual(['第一种形态', '第四种形态', '']);
    expect(chineseLabel.status('archived' as never)).toBe('archived');
  });
});
