/**
 * The scale generator on a small county: every command through the command path, the target reached,
 * the read models projected with items in every status, and a second run into the same folder refused.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, openEventStore } from '@ledger/platform';
import { openReadModels, ReadQueries } from '@ledger/read-models';
import { generateCounty, type ScaleResult } from '../apps/cli/src/scale/generate-county';

/** The generator's "now", fixed: the county's year of history ends here, whatever day the suite runs. */
const NOW = new Date('2026-06-15T01:00:00Z');
/** NOW's county date (09:00 in Asia/Shanghai, UTC+8). */
const TODAY = '2026-06-15';

describe('scale generator', () => {
  let dataDir: string;
  let result: ScaleResult;
  const progress: number[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-scale-'));
    result = await generateCounty({ dataDir, targetEvents: 6000, seed: 3, now: NOW, onProgress: (p) => p.phase === 'write' && progress.push(p.events) });
  }, 300_000);
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('writes about the target through the command path, with every kind of act', async () => {
    expect(result.events).toBeGreaterThanOrEqual(6000 * 0.95);
    expect(result.events).toBeLessThan(6000 * 1.1);
    expect(result.units).toBeGreaterThanOrEqual(900);
    expect(result.cadres).toBeGreaterThanOrEqual(500);
    for (const type of [
      'ItemAssigned',
      'ItemAcknowledged',
      'CompletionReported',
      'CompletionReturned',
      'ItemConcluded',
      'ItemStruckOff',
      'ItemWithdrawn',
      'ItemUrged',
      'ExtensionGranted',
      'DeadlineMissed',
      'AccountabilityDecided',
    ]) {
      expect({ type, seen: (result.eventTypes[type] ?? 0) > 0 }).toEqual({ type, seen: true });
    }
    expect(progress.length).toBeGreaterThan(1);
    const store = await openEventStore(loadConfig({ LEDGER_DATA_DIR: dataDir }));
    const head = await store.headPosition();
    expect(Number(head)).toBe(result.events);
    // The year of history ends at NOW, on the generator's simulated clock (2025-06-14 08:30 county time onwards).
    const [first] = await store.readAll({ after: 0n, limit: 1 });
    const [last] = await store.readAll({ after: head - 1n, limit: 1 });
    await store.close();
    expect(Date.parse(first.recordedAt)).toBeGreaterThanOrEqual(Date.parse('2025-06-14T08:30:00+08:00'));
    expect(Date.parse(last.recordedAt)).toBeLessThanOrEqual(NOW.getTime());
    expect(Date.parse(last.recordedAt)).toBeGreaterThan(Date.parse('2026-06-01T00:00:00+08:00'));
  });

  it('projects the read models: items in every status', async () => {
    const config = loadConfig({ LEDGER_DATA_DIR: dataDir });
    const ds = await openReadModels(config);
    try {
      const q = new ReadQueries(ds, config);
      for (const status of ['assigned', 'in_progress', 'reported', 'concluded', 'struck_off', 'withdrawn'] as const) {
        expect({ status, n: (await q.listItems({ status: [status], pageSize: 1 }, TODAY)).total > 0 }).toEqual({ status, n: true });
      }
      expect((await q.listItems({ pageSize: 1 }, TODAY)).total).toBe(result.items);
    } finally {
      await ds.destroy();
    }
  });

  it('refuses a data folder that already holds events', async () => {
    await expect(generateCounty({ dataDir, targetEvents: 1000, now: NOW })).rejects.toThrow(/already holds events/);
  });
});
