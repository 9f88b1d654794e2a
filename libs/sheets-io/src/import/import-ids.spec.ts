import { validate, version } from 'uuid';
import { HUANGYUAN, excelDate, workbookBytes } from '../testing/fixtures';
import { importIds, sheetImportIds } from './import-ids';
import { parseAssignmentSheet } from './parse-assignment-sheet';

async function idsOf(bytes: Buffer, sheetNumber: string) {
  const result = await parseAssignmentSheet(bytes, HUANGYUAN);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return {
    sheet: sheetImportIds(sheetNumber, result.fingerprint),
    rows: result.rows.map((r) => importIds(sheetNumber, result.fingerprint, r.rowNumber)),
  };
}

describe('import ids', () => {
  const build = (title: string) =>
    workbookBytes((ws) => {
      ws.addRow(['序号', '事项', '责任单位', '责任人', '完成时限']);
      ws.addRow([1, title, '城关镇党委', '张伟', excelDate('2026-06-30')]);
      ws.addRow([2, '第二项', '东峡镇党委', '李娜', excelDate('2026-07-31')]);
    });

  it('re-importing the same file under the same number gives the same item and event ids', async () => {
    const bytes = await build('第一项');
    const first = await idsOf(bytes, '湟组交〔2026〕3号');
    const again = await idsOf(Buffer.from(bytes), '湟组交〔2026〕3号');
    expect(again).toEqual(first);

    const all = [first.sheet.sheetId, first.sheet.numberClaimedEventId, first.sheet.sheetIssuedEventId, ...first.rows.flatMap((r) => [r.itemId, r.eventId])];
    expect(new Set(all).size).toBe(all.length);
    for (const id of all) {
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(5);
    }
  });

  it('another number or another file gives other ids', async () => {
    const bytes = await build('第一项');
    const base = await idsOf(bytes, '3');
    const otherNumber = await idsOf(bytes, '4');
    const otherFile = await idsOf(await build('第一项（修改）'), '3');
    for (const other of [otherNumber, otherFile]) {
      expect(other.sheet.sheetId).not.toBe(base.sheet.sheetId);
      expect(other.rows[0].itemId).not.toBe(base.rows[0].itemId);
      expect(other.rows[1].eventId).not.toBe(base.rows[1].eventId);
    }
  });

  it('is a pure function of its inputs (pinned, so that a change of namespace or name scheme fails here)', () => {
    const fp = 'a'.repeat(64);
    expect(importIds(' 3 ', fp.toUpperCase(), 2)).toEqual(importIds('3', fp, 2));
    expect(importIds('3', fp, 2)).toEqual({
      itemId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      eventId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5/),
    });
    expect(importIds('3', fp, 2).itemId).toBe(PINNED_ITEM_ID);
  });
});

// Computed independently: Python uuid.uuid5(SHEET_IMPORT_NAMESPACE, '3\0<fingerprint>\0row:2\0item').
const PINNED_ITEM_ID = 'b6a0a7d8-1a86-5785-b475-e98279793820';
