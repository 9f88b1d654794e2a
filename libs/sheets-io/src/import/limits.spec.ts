import { cellBombXlsx, csvLinesBomb, sheetWithExtra, zipBombXlsx } from '../testing/bombs';
import { HUANGYUAN } from '../testing/fixtures';
import { parseAssignmentSheet } from './parse-assignment-sheet';
import type { SheetImportResult } from './types';

/** The refusal: which limit, and the one problem it lists. */
function refusal(result: SheetImportResult) {
  if (result.ok) throw new Error('expected a refusal, the sheet was accepted');
  return { tooLarge: result.tooLarge, errors: result.errors };
}

const HEADER = ['序号', '事项', '责任单位', '责任人', '完成时限'];
const GOOD_ROW = [1, '整顿软弱涣散村党组织', '城关镇党委', '张伟', '2026-12-31'];

describe('parseAssignmentSheet: files that expand far beyond their size are refused at the limit', () => {
  it('a 10 MB CSV of 5,000,000 short lines stops at the row limit (20,000 rows read), naming the row', async () => {
    const bytes = csvLinesBomb(5_000_000);
    expect(bytes.length).toBeLessThan(10 * 1024 * 1024);
    expect(refusal(await parseAssignmentSheet(bytes, HUANGYUAN))).toEqual({
      tooLarge: { limit: 'fileRows', max: 20_000 },
      // The header is line 1; line 20,001 is the 20,001st row holding anything.
      errors: [{ row: 20_001, column: null, message: expect.stringContaining('最多读取 20000 行') }],
    });
  });

  it('an .xlsx of 3,000,000 cells stops at the row limit; with a lower cell limit, at the cells', async () => {
    const bytes = await cellBombXlsx(300_000, 10);
    expect(bytes.length).toBeLessThan(10 * 1024 * 1024);
    expect(refusal(await parseAssignmentSheet(bytes, HUANGYUAN)).tooLarge).toEqual({ limit: 'fileRows', max: 20_000 });
    // 7 header cells, then 10 per row: the 1,001st cell is in the 100th data row, sheet row 101.
    expect(refusal(await parseAssignmentSheet(bytes, HUANGYUAN, { limits: { cells: 1000 } }))).toEqual({
      tooLarge: { limit: 'cells', max: 1000 },
      errors: [{ row: 101, column: null, message: expect.stringContaining('最多 1000 个有内容的单元格') }],
    });
  });

  it('a 200 KB zip bomb (a 200 MB sheet) is refused from its declared size, before any inflating', async () => {
    const bytes = await zipBombXlsx({ megabytes: 200 });
    expect(bytes.length).toBeLessThan(400 * 1024);
    expect(refusal(await parseAssignmentSheet(bytes, HUANGYUAN)).tooLarge).toEqual({ limit: 'entryBytes', max: 128 * 1024 * 1024 });
  });

  it('a bomb under the size limit is refused for its compression ratio', async () => {
    const bytes = await zipBombXlsx({ megabytes: 30 });
    expect(refusal(await parseAssignmentSheet(bytes, HUANGYUAN)).tooLarge).toEqual({ limit: 'compressionRatio', max: 200 });
  });

  it('a bomb that declares itself 4 KB is stopped when it inflates past 4 KB', async () => {
    const bytes = await zipBombXlsx({ megabytes: 200, lie: true });
    expect(refusal(await parseAssignmentSheet(bytes, HUANGYUAN)).tooLarge?.limit).toBe('entryBytes');
  });

  it('a merged range over a whole sheet is refused, not expanded cell by cell', async () => {
    const wide = sheetWithExtra([HEADER, GOOD_ROW], '<mergeCells count="1"><mergeCell ref="A2:XFD1048576"/></mergeCells>');
    expect(refusal(await parseAssignmentSheet(wide, HUANGYUAN)).tooLarge).toEqual({ limit: 'columns', max: 256 });
    const tall = sheetWithExtra([HEADER, GOOD_ROW], '<mergeCells count="1"><mergeCell ref="C2:C1048576"/></mergeCells>');
    expect(refusal(await parseAssignmentSheet(tall, HUANGYUAN)).tooLarge).toEqual({ limit: 'cells', max: 300_000 });
  });

  it('a data validation over whole columns costs nothing: the sheet imports', async () => {
    const bytes = sheetWithExtra(
      [HEADER, GOOD_ROW],
      '<dataValidations count="1"><dataValidation type="list" allowBlank="1" sqref="C2:C1048576 A1:XFD1048576"><formula1>"城关镇党委,大华镇党委"</formula1></dataValidation></dataValidations>',
    );
    const result = await parseAssignmentSheet(bytes, HUANGYUAN);
    expect(result.ok && result.rows.map((r) => [r.rowNumber, r.title, r.unitId, r.dueDate])).toEqual([[2, '整顿软弱涣散村党组织', 'u-cg', '2026-12-31']]);
  });

  it('a value right of column 256, or a cell longer than 32,767 characters, is refused', async () => {
    const csvWide = Buffer.from(`${HEADER.join(',')}\n${GOOD_ROW.join(',')}${','.repeat(300)}x\n`, 'utf8');
    expect(refusal(await parseAssignmentSheet(csvWide, HUANGYUAN))).toEqual({
      tooLarge: { limit: 'columns', max: 256 },
      errors: [{ row: 2, column: null, message: expect.stringContaining('最多 256 列') }],
    });
    const xlsxWide = sheetWithExtra([HEADER, [...GOOD_ROW, ...Array<string>(300).fill(''), 'x']], '');
    expect(refusal(await parseAssignmentSheet(xlsxWide, HUANGYUAN)).tooLarge).toEqual({ limit: 'columns', max: 256 });
    const csvLong = Buffer.from(`${HEADER.join(',')}\n1,${'长'.repeat(40_000)},城关镇党委,张伟,2026-12-31\n`, 'utf8');
    expect(refusal(await parseAssignmentSheet(csvLong, HUANGYUAN)).tooLarge).toEqual({ limit: 'cellChars', max: 32_767 });
    const xlsxLong = sheetWithExtra([HEADER, [1, '长'.repeat(40_000), '城关镇党委', '张伟', '2026-12-31']], '');
    expect(refusal(await parseAssignmentSheet(xlsxLong, HUANGYUAN)).tooLarge).toEqual({ limit: 'cellChars', max: 32_767 });
  });

  it('blank lines cost no rows; the time budget, on the caller’s clock, stops a long parse', async () => {
    const blanks = Buffer.from(`${HEADER.join(',')}\n${GOOD_ROW.join(',')}\n${',,,,\n'.repeat(30_000)}`, 'utf8');
    const ok = await parseAssignmentSheet(blanks, HUANGYUAN);
    expect(ok.ok && ok.rows.length).toBe(1);
    // A clock that moves a second per reading, read at the start (1000: the deadline is 2500) and every
    // 4,096 records after: 2000 at the 4,096th, 3000 at the 8,192nd, past the deadline.
    let now = 0;
    const clock = () => (now += 1000);
    expect(refusal(await parseAssignmentSheet(blanks, HUANGYUAN, { clock, limits: { timeMs: 1500 } })).tooLarge).toEqual({ limit: 'timeMs', max: 1500 });
    expect(now).toBe(3000);
  });

  it('too many data rows is a size refusal too (the rows after the header, blank ones not counted)', async () => {
    const bytes = Buffer.from([HEADER.join(','), ...Array.from({ length: 5 }, (_, i) => [i + 1, ...GOOD_ROW.slice(1)].join(','))].join('\n'), 'utf8');
    expect(refusal(await parseAssignmentSheet(bytes, HUANGYUAN, { maxRows: 4 })).tooLarge).toEqual({ limit: 'dataRows', max: 4 });
  });
});
