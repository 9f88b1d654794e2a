import * as iconv from 'iconv-lite';
import { createHash } from 'node:crypto';
import { CSV_HEADER, HUANGYUAN, excelDate, workbookBytes } from '../testing/fixtures';
import { parseAssignmentSheet } from './parse-assignment-sheet';
import type { ImportRow, SheetImportResult, SheetProblem } from './types';

function rowsOf(result: SheetImportResult): ImportRow[] {
  if (!result.ok) throw new Error(`expected a good sheet, got ${JSON.stringify(result.errors, null, 1)}`);
  return result.rows;
}
function errorsOf(result: SheetImportResult): SheetProblem[] {
  if (result.ok) throw new Error('expected problems, the sheet was accepted');
  return result.errors;
}
const csv = (...lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');

describe('parseAssignmentSheet: .xlsx', () => {
  it('finds the header under a merged title row, in any column order, and reads dates, formulas, rich text and merged cells', async () => {
    const bytes = await workbookBytes((ws) => {
      ws.getCell('A1').value = '湟源县2026年第一批基层党建重点任务交办单';
      ws.mergeCells('A1:G1');
      ws.addRow(['责任单位', '序号', '事项', '完成时限', '责任人', '办理要求', '责任领导']);
      ws.addRow(['城关镇党委', { formula: 'ROW()-2', result: 1 }, '整顿软弱涣散村党组织', excelDate('2026-06-30'), '张伟', '年底前完成整顿', '王强']);
      // 城关镇党委 is merged down over the next row, as county sheets group items by unit.
      ws.addRow([null, 2, { richText: [{ text: '落实' }, { font: { bold: true }, text: '“三会一课”' }, { text: '制度' }] }, 46387, '张伟', null, null]);
      ws.mergeCells('A3:A4');
      ws.addRow(['东峡镇党委', 3, '  开展主题党日  ', '2026年12月31日', '李娜', '每月一次\n留存影像资料', '']);
    });
    const result = await parseAssignmentSheet(bytes, HUANGYUAN);
    expect(result.format).toBe('xlsx');
    expect(result.fingerprint).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(rowsOf(result)).toEqual([
      {
        rowNumber: 3,
        serial: '1',
        title: '整顿软弱涣散村党组织',
        requirements: '年底前完成整顿',
        unitId: 'u-cg',
        supportUnitIds: [],
        cadreId: 'c-zw-cg',
        leaderId: 'c-wq',
        dueDate: '2026-06-30',
      },
      {
        rowNumber: 4,
        serial: '2',
        title: '落实“三会一课”制度',
        requirements: '',
        unitId: 'u-cg',
        supportUnitIds: [],
        cadreId: 'c-zw-cg',
        leaderId: null,
        dueDate: '2026-12-31', // serial 46387
      },
      {
        rowNumber: 5,
        serial: '3',
        title: '开展主题党日',
        requirements: '每月一次\n留存影像资料',
        unitId: 'u-dx',
        supportUnitIds: [],
        cadreId: 'c-ln',
        leaderId: null,
        dueDate: '2026-12-31',
      },
    ]);
  });

  it('takes the sheet that holds the table when a notes sheet comes first, and skips empty and pre-numbered rows', async () => {
    const bytes = await workbookBytes((ws, wb) => {
      ws.name = '填表说明';
      ws.addRow(['请按模板填写，日期格式 2026-12-31']);
      const table = wb.addWorksheet('任务清单');
      table.addRow(['序号', '任务名称', '牵头单位', '配合单位', '责任人', '完成时间']);
      table.addRow([1, '村级活动场所提升', '和平乡茶曲村党支部', '城关镇党委、东峡镇党委', '赵敏', '2026/9/1']);
      table.addRow([]);
      table.addRow([2, '选派第一书记', '大华镇党委', null, 'c-zw-dh', '2026.10.8']);
      table.addRow([3]);
      table.addRow([4]);
    });
    const rows = rowsOf(await parseAssignmentSheet(bytes, HUANGYUAN));
    expect(rows.map((r) => [r.rowNumber, r.unitId, r.supportUnitIds, r.cadreId, r.dueDate])).toEqual([
      [2, 'u-cq', ['u-cg', 'u-dx'], 'c-zm', '2026-09-01'],
      [4, 'u-dh', [], 'c-zw-dh', '2026-10-08'],
    ]);
  });

  it('reads a two-level header whose upper cells are merged over both header rows', async () => {
    const bytes = await workbookBytes((ws) => {
      ws.addRow(['序号', '事项', '责任主体', null, null, '完成时限']);
      ws.addRow([null, null, '责任单位', '责任人', '责任领导', null]);
      for (const range of ['A1:A2', 'B1:B2', 'C1:E1', 'F1:F2']) ws.mergeCells(range);
      ws.addRow([1, '软弱涣散党组织整顿', '申中乡前沟村党支部', '王强', '王强', excelDate('2026-11-30')]);
    });
    expect(rowsOf(await parseAssignmentSheet(bytes, HUANGYUAN))).toEqual([
      {
        rowNumber: 3,
        serial: '1',
        title: '软弱涣散党组织整顿',
        requirements: '',
        unitId: 'u-qg',
        supportUnitIds: [],
        cadreId: 'c-wq',
        leaderId: 'c-wq',
        dueDate: '2026-11-30',
      },
    ]);
  });

  it('reports formula and error cells, and refuses legacy .xls and broken workbooks', async () => {
    const bytes = await workbookBytes((ws) => {
      ws.addRow(['序号', '事项', '责任单位', '责任人', '完成时限']);
      ws.addRow([1, { formula: 'VLOOKUP(1,Z:Z,2,0)', result: { error: '#N/A' } }, '城关镇党委', '张伟', '2026-05-01']);
      ws.addRow([2, '建强村级组织', '城关镇党委', '张伟', { formula: 'TODAY()+30' }]);
    });
    expect(errorsOf(await parseAssignmentSheet(bytes, HUANGYUAN))).toEqual([
      { row: 2, column: '事项', field: 'title', message: '单元格为错误值 #N/A' },
      { row: 3, column: '完成时限', field: 'dueDate', message: expect.stringContaining('公式没有计算结果') },
    ]);

    const xls = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]);
    expect(errorsOf(await parseAssignmentSheet(xls, HUANGYUAN))).toEqual([{ row: null, column: null, message: expect.stringContaining('.xls') }]);
    const broken = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(64, 7)]);
    expect(errorsOf(await parseAssignmentSheet(broken, HUANGYUAN))).toEqual([{ row: null, column: null, message: '文件无法读取：不是有效的 Excel 工作簿' }]);
  });
});

describe('parseAssignmentSheet: CSV', () => {
  it('reads UTF-8 without a BOM: quoted commas, embedded CRLF newlines, doubled quotes, header variants', async () => {
    const bytes = csv(
      '序号,事项名称,具体要求,牵头单位,责任人,完成时间,分管领导',
      '1,"规范村务公开,接受群众监督","每季度公开一次\r\n重大事项随时公开","城关镇党委",张  伟,2026-04-30,王强',
      '2,"落实""四议两公开""",,大华镇党委,张伟,2026/5/31,',
    );
    const result = await parseAssignmentSheet(bytes, HUANGYUAN);
    expect(result.encoding).toBe('utf-8');
    expect(result.format).toBe('csv');
    expect(rowsOf(result)).toEqual([
      {
        rowNumber: 2,
        serial: '1',
        title: '规范村务公开,接受群众监督',
        requirements: '每季度公开一次\r\n重大事项随时公开',
        unitId: 'u-cg',
        supportUnitIds: [],
        cadreId: 'c-zw-cg',
        leaderId: 'c-wq',
        dueDate: '2026-04-30',
      },
      {
        rowNumber: 3,
        serial: '2',
        title: '落实"四议两公开"',
        requirements: '',
        unitId: 'u-dh',
        supportUnitIds: [],
        cadreId: 'c-zw-dh',
        leaderId: null,
        dueDate: '2026-05-31',
      },
    ]);
  });

  it('reads UTF-8 with a BOM, with a title line above the header', async () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      csv('湟源县委组织部交办单（第3号）,,,,,,', CSV_HEADER, '1,党员冬训,,东峡镇党委,李娜,2026年3月1日,'),
    ]);
    const rows = rowsOf(await parseAssignmentSheet(bytes, HUANGYUAN));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ rowNumber: 3, serial: '1', title: '党员冬训', unitId: 'u-dx', cadreId: 'c-ln', dueDate: '2026-03-01' });
  });

  it('reads GBK as Chinese Excel saves "CSV (逗号分隔)"', async () => {
    const text = [CSV_HEADER, '1,申中乡前沟村党支部换届,"按期换届,选优配强",申中乡前沟村党支部,王强,2026-07-01,王强'].join('\r\n');
    const bytes = iconv.encode(text, 'gbk');
    expect(bytes.equals(Buffer.from(text, 'utf8'))).toBe(false);
    const result = await parseAssignmentSheet(bytes, HUANGYUAN);
    expect(result.encoding).toBe('gb18030');
    expect(rowsOf(result)).toEqual([
      {
        rowNumber: 2,
        serial: '1',
        title: '申中乡前沟村党支部换届',
        requirements: '按期换届,选优配强',
        unitId: 'u-qg',
        supportUnitIds: [],
        cadreId: 'c-wq',
        leaderId: 'c-wq',
        dueDate: '2026-07-01',
      },
    ]);
  });

  it('reads UTF-16 tab-separated "Unicode 文本"', async () => {
    const text = ['序号\t事项\t责任单位\t责任人\t完成时限', '1\t发展党员\t城关镇党委\t张伟\t2026-08-01'].join('\r\n');
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const result = await parseAssignmentSheet(bytes, HUANGYUAN);
    expect(result.encoding).toBe('utf-16le');
    expect(rowsOf(result).map((r) => [r.title, r.cadreId])).toEqual([['发展党员', 'c-zw-cg']]);
  });
});

describe('parseAssignmentSheet: every problem, with its row and column', () => {
  it('lists all problems of all rows and returns no rows', async () => {
    const bytes = csv(
      CSV_HEADER, //                                                              row 1
      '1,合格事项,,城关镇党委,张伟,2026-06-30,', //                               row 2: good
      '2,,,城关镇党委,张伟,2026-06-30,', //                                       row 3: missing title
      `3,${'长'.repeat(201)},${'要'.repeat(4001)},城关镇党委,张伟,2026-06-30,`, // row 4: too long twice
      '4,未知单位,,湟源县不存在的党委,李娜,2026-06-30,', //                        row 5: unknown unit
      '5,撤销单位,,巴燕乡党委,李娜,2026-06-30,', //                               row 6: dissolved unit
      '6,查无此人,,东峡镇党委,刘某某,2026-06-30,', //                              row 7: unknown cadre
      '7,已离任,,申中乡前沟村党支部,马小军,2026-06-30,', //                        row 8: cadre who left
      '8,二月三十日,,东峡镇党委,李娜,2026-02-30,', //                              row 9: no such date
      '9,已过期,,东峡镇党委,李娜,2026-02-28,', //                                 row 10: in the past
      '10,看不懂的日期,,东峡镇党委,李娜,下个月,', //                               row 11: unrecognised
      ',,,,,,', //                                                                row 12: empty, skipped
      '2,重复序号,,东峡镇党委,李娜,2026-06-30,', //                               row 13: duplicate 序号
      '11,多处错误,,,,,查无领导', //                                               row 14: four problems
    );
    expect(errorsOf(await parseAssignmentSheet(bytes, HUANGYUAN))).toEqual([
      { row: 3, column: '事项', field: 'title', message: '事项不能为空' },
      { row: 4, column: '事项', field: 'title', message: '事项不能超过 200 字（现有 201 字）' },
      { row: 4, column: '办理要求', field: 'requirements', message: '办理要求不能超过 4000 字（现有 4001 字）' },
      { row: 5, column: '责任单位', field: 'unit', message: '未找到责任单位「湟源县不存在的党委」' },
      { row: 6, column: '责任单位', field: 'unit', message: '责任单位「巴燕乡党委」已撤销' },
      { row: 7, column: '责任人', field: 'cadre', message: '未找到责任人「刘某某」' },
      { row: 8, column: '责任人', field: 'cadre', message: '责任人「马小军」已离任' },
      { row: 9, column: '完成时限', field: 'dueDate', message: '日期「2026-02-30」不存在' },
      { row: 10, column: '完成时限', field: 'dueDate', message: '完成时限 2026-02-28 早于今天（2026-03-01）' },
      { row: 11, column: '完成时限', field: 'dueDate', message: '无法识别的日期「下个月」，请按 2026-12-31 的格式填写' },
      { row: 13, column: '序号', field: 'serial', message: '序号「2」与第 3 行重复' },
      { row: 14, column: '责任单位', field: 'unit', message: '责任单位不能为空' },
      { row: 14, column: '责任人', field: 'cadre', message: '责任人不能为空' },
      { row: 14, column: '责任领导', field: 'leader', message: '未找到责任领导「查无领导」' },
      { row: 14, column: '完成时限', field: 'dueDate', message: '完成时限不能为空' },
    ]);
  });

  it('names columns as the file names them, and counts rows as Excel shows them under a title row', async () => {
    const bytes = await workbookBytes((ws) => {
      ws.addRow(['第5号交办单']);
      ws.addRow(['*序号', '任务', '承办单位', '具体责任人', '完成时间（年月日）']);
      ws.addRow([1, '好的事项', '城关镇党委', '张伟', excelDate('2026-04-01')]);
      ws.addRow([2, '坏的事项', '城关镇党委', '张伟', excelDate('2025-12-31')]);
    });
    expect(errorsOf(await parseAssignmentSheet(bytes, HUANGYUAN))).toEqual([
      { row: 4, column: '完成时间', field: 'dueDate', message: '完成时限 2025-12-31 早于今天（2026-03-01）' },
    ]);
  });

  it("resolves a shared name by the row's unit, and calls it ambiguous when the unit does not decide", async () => {
    const bytes = csv(
      CSV_HEADER,
      '1,城关镇的张伟,,城关镇党委,张伟,2026-06-30,',
      '2,大华镇的张伟,,大华镇党委,张伟,2026-06-30,',
      '3,东峡镇没有张伟,,东峡镇党委,张伟,2026-06-30,',
      '4,按编号指定,,东峡镇党委,c-zw-dh,2026-06-30,',
      '5,单位不明,,不存在的单位,张伟,2026-06-30,',
    );
    expect(errorsOf(await parseAssignmentSheet(bytes, HUANGYUAN))).toEqual([
      { row: 4, column: '责任人', field: 'cadre', message: '责任人「张伟」有 2 人重名，按责任单位仍无法确定，请填写干部编号' },
      { row: 6, column: '责任单位', field: 'unit', message: '未找到责任单位「不存在的单位」' },
      { row: 6, column: '责任人', field: 'cadre', message: '责任人「张伟」有 2 人重名，请填写干部编号或正确的责任单位' },
    ]);
    const good = csv(
      CSV_HEADER,
      '1,城关镇的张伟,,城关镇党委,张伟,2026-06-30,',
      '2,大华镇的张伟,,大华镇党委,张伟,2026-06-30,',
      '4,按编号指定,,东峡镇党委,c-zw-dh,2026-06-30,',
    );
    expect(rowsOf(await parseAssignmentSheet(good, HUANGYUAN)).map((r) => r.cadreId)).toEqual(['c-zw-cg', 'c-zw-dh', 'c-zw-dh']);
  });

  it('refuses a header without a required column, a file without a header, and an empty table', async () => {
    expect(errorsOf(await parseAssignmentSheet(csv('序号,事项,责任单位,责任领导', '1,甲,城关镇党委,王强'), HUANGYUAN))).toEqual([
      { row: 1, column: '责任人', field: 'cadre', message: '缺少「责任人」列' },
      { row: 1, column: '完成时限', field: 'dueDate', message: '缺少「完成时限」列' },
    ]);
    expect(errorsOf(await parseAssignmentSheet(csv('a,b,c', '1,2,3'), HUANGYUAN))).toEqual([
      { row: null, column: null, message: '未找到表头行：表头须包含 事项、责任单位、责任人、完成时限' },
    ]);
    expect(errorsOf(await parseAssignmentSheet(csv(CSV_HEADER, ',,,,,,', '7,,,,,,'), HUANGYUAN))).toEqual([
      { row: null, column: null, message: '表格中没有可导入的事项' },
    ]);
    expect(errorsOf(await parseAssignmentSheet(csv('序号,事项,责任单位,责任人,完成时限,责任单位'), HUANGYUAN))).toEqual([
      { row: 1, column: '责任单位', field: 'unit', message: '「责任单位」列出现了不止一次' },
    ]);
  });

  it("refuses to run without a proper today (a caller's mistake, not the sheet's)", async () => {
    await expect(parseAssignmentSheet(csv(CSV_HEADER), { ...HUANGYUAN, today: '2026-3-1' })).rejects.toThrow(RangeError);
  });

  it('refuses more rows than the limit, naming the first row over it', async () => {
    const line = (i: number) => `${i},事项${i},,城关镇党委,张伟,2026-06-30,`;
    const bytes = csv(CSV_HEADER, line(1), line(2), '', line(3), line(4));
    expect(errorsOf(await parseAssignmentSheet(bytes, HUANGYUAN, { maxRows: 3 }))).toEqual([
      { row: 6, column: null, message: '事项行数超过上限：最多 3 行，本文件有 4 行' },
    ]);
    expect(rowsOf(await parseAssignmentSheet(bytes, HUANGYUAN, { maxRows: 4 }))).toHaveLength(4);
  });
});
