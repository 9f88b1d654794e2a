import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { FixedClock, loadConfig, openEventStore, signToken, type Clock, type LedgerConfig } from '@ledger/platform';
import * as ExcelJS from 'exceljs';
import request from 'supertest';
import { createApp } from '../apps/api/src/create-app';
import type { CliIo } from '../apps/cli/src/sheets/cli-io';
import { exportMain } from '../apps/cli/src/sheets/export';
import { importSheetMain } from '../apps/cli/src/sheets/import-sheet';

const SECRET = 'cli-import-secret-0123456789';
/** The county's clock for the whole suite, not the wall clock: 09:00 on 2026-03-02 (UTC+8). */
const NOW = '2026-03-02T01:00:00.000Z';
const ROWS = [
  ['序号', '事项', '办理要求', '责任单位', '责任人', '完成时限'],
  [1, '完成软弱涣散村党组织整顿', '召开专题组织生活会', '大华镇党委', '王志刚', new Date('2026-03-20T00:00:00Z')],
  [2, '整理规范党员档案', '', '大华镇黄茂村党支部', '张永福', new Date('2026-04-30T00:00:00Z')],
];

function captureIo(clock: Clock = new FixedClock(new Date(NOW))): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    progress: new PassThrough().resume(),
    clock,
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
  };
  return io;
}

async function xlsx(rows: unknown[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('交办单');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('ledger import-sheet and ledger export (in-process, on a temp data dir)', () => {
  let dataDir: string;
  let config: LedgerConfig;
  let file: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-cli-import-'));
    config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_JWT_SECRET: SECRET, LEDGER_DEADLINE_WORKER: 'off' });
    // The organisation is registered through the API, whose read models the CLI then reads.
    const clock = new FixedClock(new Date(NOW));
    const store = await openEventStore(config, { clock });
    const app = await createApp({ config, store, clock, logger: false });
    await app.init();
    const admin = signToken({ sub: 'admin', role: 'admin', unitId: null, name: '管理员' }, SECRET);
    const post = (route: string, body: object) =>
      request(app.getHttpServer()).post(`/api/v1${route}`).set('Authorization', `Bearer ${admin}`).send(body).expect(201);
    await post('/units', { id: 'county', name: '中共湟源县委员会', kind: 'county_committee' });
    await post('/units', { id: 'dahua', name: '大华镇党委', kind: 'township_committee', parentId: 'county' });
    await post('/units', { id: 'huangmao', name: '大华镇黄茂村党支部', kind: 'branch', parentId: 'dahua' });
    await post('/cadres', { id: 'c-dahua', name: '王志刚', unitId: 'dahua', post: '党委书记' });
    await post('/cadres', { id: 'c-hm', name: '张永福', unitId: 'huangmao', post: '村党支部书记' });
    await app.close();
    await store.close();
    file = path.join(dataDir, '交办单.xlsx');
    fs.writeFileSync(file, await xlsx(ROWS));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const args = (f: string, number: string) => [
    f,
    '--number',
    number,
    '--title',
    '基层党建重点任务',
    '--issued-on',
    '2026-03-02',
    '--sub',
    'zzb-01',
    '--name',
    '组织部干部',
  ];
  const headOf = async () => {
    const store = await openEventStore(config);
    try {
      return await store.headPosition();
    } finally {
      await store.close();
    }
  };

  it('imports a sheet, then a re-import writes nothing', async () => {
    const io = captureIo();
    expect(await importSheetMain(config, args(file, '湟组交〔2026〕40号'), io)).toBe(0);
    const answer = JSON.parse(io.stdout);
    expect(answer).toEqual(expect.objectContaining({ itemCount: 2, written: 4, alreadyImported: false }));
    expect(io.stderr).toContain('2 items imported');
    const store = await openEventStore(config);
    try {
      const [issued] = await store.readStream(`sheet-${answer.id}`);
      expect(issued.metadata.actor).toEqual({ userId: 'zzb-01', role: 'org_dept', unitId: null, name: '组织部干部' });
      expect(new Date(issued.recordedAt).toISOString()).toBe(NOW);
    } finally {
      await store.close();
    }

    const head = await headOf();
    const again = captureIo();
    expect(await importSheetMain(config, args(file, '湟组交〔2026〕40号'), again)).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ ...answer, alreadyImported: true, written: 0 });
    expect(again.stderr).toContain('already imported');
    expect(await headOf()).toBe(head);
  });

  it('prints every problem with its row and column, exits 1 and writes nothing', async () => {
    const bad = path.join(dataDir, 'bad.xlsx');
    fs.writeFileSync(
      bad,
      await xlsx([ROWS[0], [1, '事项一', '', '东峡镇党委', '王志刚', new Date('2026-12-31T00:00:00Z')], [2, '', '', '大华镇党委', '李四', '明年']]),
    );
    const head = await headOf();
    const io = captureIo();
    expect(await importSheetMain(config, args(bad, '湟组交〔2026〕41号'), io)).toBe(1);
    expect(io.stdout).toBe('');
    expect(io.stderr.split('\n').filter((l) => l.startsWith('  第'))).toEqual([
      '  第 2 行「责任单位」：未找到责任单位「东峡镇党委」',
      '  第 3 行「事项」：事项不能为空',
      '  第 3 行「责任人」：未找到责任人「李四」',
      expect.stringMatching(/^ {2}第 3 行「完成时限」：无法识别的日期「明年」/),
    ]);
    expect(await headOf()).toBe(head);
  });

  it('refuses bad options with exit 2 and a missing file with exit 1', async () => {
    const io = captureIo();
    expect(await importSheetMain(config, [file, '--number', 'X-1', '--title', 't', '--issued-on', '2026/3/2'], io)).toBe(2);
    expect(io.stderr).toContain('--issued-on');
    const missing = captureIo();
    expect(await importSheetMain(config, args(path.join(dataDir, 'none.xlsx'), 'X-2'), missing)).toBe(1);
    await expect(importSheetMain(config, ['a.xlsx', 'b.xlsx'], captureIo())).rejects.toThrow(/one file/);
  });

  it('exports the items it imported as a workbook, and the unit figures as CSV', async () => {
    const out = path.join(dataDir, 'items.xlsx');
    // On 2026-03-18 the item due 03-20 is due soon (临期), the one due 04-30 not (正常).
    const io = captureIo(new FixedClock(new Date('2026-03-18T01:00:00Z')));
    expect(await exportMain(config, ['items', '--out', out, '--unit', 'dahua', '--sort', 'dueDate'], io)).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    const ws = wb.worksheets[0];
    expect(ws.rowCount).toBe(3);
    expect((ws.getRow(2).values as unknown[]).slice(3, 8)).toEqual(['完成软弱涣散村党组织整顿', '召开专题组织生活会', '大华镇党委', undefined, '王志刚']);
    expect((ws.getRow(3).values as unknown[])[5]).toBe('大华镇黄茂村党支部');
    expect([ws.getRow(1).getCell(10).value, ws.getRow(2).getCell(10).value, ws.getRow(3).getCell(10).value]).toEqual(['亮灯', '临期', '正常']);

    const csv = path.join(dataDir, 'units.csv');
    expect(await exportMain(config, ['units', '--out', csv], captureIo())).toBe(0);
    const lines = fs
      .readFileSync(csv, 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0].split(',').slice(0, 3)).toEqual(['单位', '总数', '未办结']);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3))).toEqual([['大华镇党委', '2', '2']]);

    const badFilter = captureIo();
    expect(await exportMain(config, ['items', '--out', out, '--light', 'purple'], badFilter)).toBe(2);
    expect(badFilter.stderr).toContain('light');
    await expect(exportMain(config, ['items', '--out', path.join(dataDir, 'x.pdf')], captureIo())).rejects.toThrow(/--format/);
  });
});
