import * as ExcelJS from 'exceljs';
import * as iconv from 'iconv-lite';
import { exportItems, parseAssignmentSheet, type ItemExportRow } from '@ledger/sheets-io';
import { bigCounty, bigCsv, bigXlsx } from '@ledger/sheets-io/testing/big-sheet';
import { BenchModule, BenchReport } from './lib/report';
import { describeMachine, machine } from './lib/machine';
import { median, size } from './lib/measure';

/**
 * 交办单 import and export. Ceiling: exceljs loading (or writing) the same workbook with nothing else,
 * and for CSV decoding plus a naive split; ours: parse + validate every row against the lookup.
 */
async function seconds(fn: () => Promise<unknown> | unknown, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return median(times);
}

export async function run(): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const m = machine();
  const rows = size('BENCH_SHEET_ROWS', 5000, 1000);
  const runs = size('BENCH_SHEET_RUNS', 5, 2);
  const lookup = bigCounty();
  const files = {
    xlsx: await bigXlsx(lookup, rows),
    csvUtf8: bigCsv(lookup, rows, 'utf-8'),
    csvGbk: bigCsv(lookup, rows, 'gbk'),
  };
  const checked = async (bytes: Buffer) => {
    const r = await parseAssignmentSheet(bytes, lookup);
    if (!r.ok || r.rows.length !== rows) throw new Error('bench sheet did not validate');
  };
  const imports = {
    xlsx: {
      ours: await seconds(() => checked(files.xlsx), runs),
      ceiling: await seconds(() => new ExcelJS.Workbook().xlsx.load(files.xlsx as unknown as ExcelJS.Buffer), runs),
    },
    csvUtf8: {
      ours: await seconds(() => checked(files.csvUtf8), runs),
      ceiling: await seconds(
        () =>
          files.csvUtf8
            .toString('utf8')
            .split('\r\n')
            .map((l) => l.split(',')),
        runs,
      ),
    },
    csvGbk: {
      ours: await seconds(() => checked(files.csvGbk), runs),
      ceiling: await seconds(
        () =>
          iconv
            .decode(files.csvGbk, 'gb18030')
            .split('\r\n')
            .map((l) => l.split(',')),
        runs,
      ),
    },
  };

  const items: ItemExportRow[] = Array.from({ length: rows }, (_, i) => ({
    id: `i-${i}`,
    sheetId: 's-1',
    title: `第${i + 1}项：推进标准化规范化建设`,
    requirements: '对照标准逐项整改，形成台账。',
    unitId: lookup.units[1 + (i % 100)].id,
    cadreId: lookup.cadres[20 + (i % 300)].id,
    leaderId: lookup.cadres[i % 20].id,
    status: 'in_progress',
    light: 'yellow',
    dueDate: '2026-06-30',
    originalDueDate: '2026-06-30',
    updatedAt: '2026-03-01T09:30:00+08:00',
    urgeLevel: 'urge',
    accountabilityCount: 0,
  }));
  const names = { units: lookup.units, cadres: lookup.cadres };
  const rawXlsx = async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('x');
    ws.addRows(
      items.map((r) => [r.id, r.title, r.requirements, r.unitId, r.cadreId, r.leaderId, r.status, r.light, new Date(r.dueDate), new Date(r.updatedAt)]),
    );
    return wb.xlsx.writeBuffer();
  };
  const exports = {
    xlsx: { ours: await seconds(() => exportItems(items, names, { format: 'xlsx' }), runs), ceiling: await seconds(rawXlsx, runs) },
    csv: {
      ours: await seconds(() => exportItems(items, names, { format: 'csv' }), runs),
      ceiling: await seconds(() => Buffer.from(items.map((r) => Object.values(r).join(',')).join('\r\n')), runs),
    },
  };

  const figures = { rows, runs, fileBytes: Object.fromEntries(Object.entries(files).map(([k, b]) => [k, b.length])), imports, exports };
  const line = (what: string, f: { ours: number; ceiling: number }) =>
    `| ${what} | ${(f.ours * 1000).toFixed(0)} ms | ${Math.round(rows / f.ours).toLocaleString('en')} | ${(f.ceiling * 1000).toFixed(0)} ms | ${(f.ours / f.ceiling).toFixed(1)}× |`;
  const markdown = [
    `## 交办单 import and exports (libs/sheets-io), ${rows.toLocaleString('en')} rows`,
    '',
    `${describeMachine(m)}. Median of ${runs} runs. Import = read + validate every row against a county of ${lookup.units.length} units and ${lookup.cadres.length} cadres.`,
    '',
    '| what | ours | rows/s | ceiling | ours ÷ ceiling |',
    '|---|---|---|---|---|',
    line('import .xlsx (ceiling: exceljs load alone)', imports.xlsx),
    line('import CSV UTF-8 (ceiling: decode + split)', imports.csvUtf8),
    line('import CSV GBK (ceiling: decode + split)', imports.csvGbk),
    line('export items .xlsx (ceiling: exceljs addRows + write)', exports.xlsx),
    line('export items CSV (ceiling: join)', exports.csv),
  ].join('\n');
  return { name: 'sheets-io', title: '交办单 import and exports', startedAt, machine: m, figures, markdown };
}

export const sheetsIoBench: BenchModule = { name: 'sheets-io', run };
