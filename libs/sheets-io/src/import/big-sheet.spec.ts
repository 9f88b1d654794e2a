import { bigCounty, bigCsv, bigRow, bigXlsx } from '../testing/big-sheet';
import { parseAssignmentSheet } from './parse-assignment-sheet';

/** 5,000 rows: the size a county's yearly list reaches. Timings go to bench/sheets-io.bench.ts. */
describe('a 5,000-row sheet', () => {
  const lookup = bigCounty();

  it('parses and validates as .xlsx, GBK CSV and UTF-8 CSV, to the same rows', async () => {
    const xlsx = await parseAssignmentSheet(await bigXlsx(lookup, 5000), lookup);
    const gbk = await parseAssignmentSheet(bigCsv(lookup, 5000, 'gbk'), lookup);
    const utf8 = await parseAssignmentSheet(bigCsv(lookup, 5000, 'utf-8'), lookup);
    for (const result of [xlsx, gbk, utf8]) {
      if (!result.ok) throw new Error(JSON.stringify(result.errors.slice(0, 5)));
      expect(result.rows).toHaveLength(5000);
    }
    if (!xlsx.ok || !gbk.ok || !utf8.ok) return;
    expect(gbk.encoding).toBe('gb18030');
    expect(xlsx.rows[0].rowNumber).toBe(3);
    expect(utf8.rows[4999].rowNumber).toBe(5001);
    const strip = (rows: typeof xlsx.rows) => rows.map(({ rowNumber: _, ...rest }) => rest);
    expect(strip(gbk.rows)).toEqual(strip(utf8.rows));
    expect(strip(xlsx.rows)).toEqual(strip(utf8.rows));
    // Spot check one row against the generator: names became the ids they stand for.
    const r = bigRow(lookup, 1234);
    const unit = lookup.units.find((u) => u.name === r[3])!;
    expect(utf8.rows[1234]).toMatchObject({ serial: '1235', title: r[1], unitId: unit.id, dueDate: r[5] });
    expect(lookup.cadres.find((c) => c.id === utf8.rows[1234].cadreId)).toMatchObject({ name: r[4], unitId: unit.id });
  });

  it('reports a problem in the last row of 5,000', async () => {
    const bytes = bigCsv(lookup, 5000, 'utf-8');
    const broken = Buffer.from(bytes.toString('utf8').replace(/,2026-(\d\d)-(\d\d),(县领导\d+)\r\n$/, ',2025-$1-$2,$3\r\n'), 'utf8');
    expect(broken.equals(bytes)).toBe(false);
    const result = await parseAssignmentSheet(broken, lookup);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors).toEqual([{ row: 5001, column: '完成时限', field: 'dueDate', message: expect.stringMatching(/^完成时限 2025-\d\d-\d\d 早于今天/) }]);
  });
});
