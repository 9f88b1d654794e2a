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

describe('scale generator', () => {
  let dataDir: string;
  let result: ScaleResult;
  const progress: number[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-scale-'));
    result = await generateCounty({ dataDir, targetEvents: 6000, seed: 3, onProgress: (p) => p.phase === 'write' && progress.push(p.events) });
  }, 300_000);
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('writes about the target through the command path, with every kind of act', async () => {
    expect(result.events).toBeGreaterThanOrEqual(6000 * 0.95);
    expect(result.events).toBeLessThan(6000 * 1.1);
    expect(result.units).toBeGreaterThanOrEqual(900);
    expect(result.cadres).toBeGreaterThanOrEqual(500);
    for (const type of ['ItemAssigned', 'ItemAcknowledged', 'CompletionReported', 'CompletionReturned', 'ItemConcluded', 'ItemStruckOff', 'ItemWithdrawn', 'ItemUrged', 'ExtensionGranted', 'DeadlineMissed', 'AccountabilityDecided']) {
      expect({ type, seen: (result.eventTypes[type] ?? 0) > 0 }).toEqual({ type, seen: true });
    }
    expect(progress.length).toBeGreaterThan(1);
    const store = await openEventStore(loadConfig({ LEDGER_DATA_DIR: dataDir }));
    expect(Number(await store.headPosition())).toBe(result.events);
    await store.close();
  });

  it('projects the read models: items in every status', async () => {
    const config = loadConfig({ LEDGER_DATA_DIR: dataDir });
    const ds = await openReadModels(config);
    try {
      const q = new ReadQueries(ds, config);
      const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
      for (const status of ['assigned', 'in_progress', 'reported', 'concluded', 'struck_off', 'withdrawn'] as const) {
        expect({ status, n: (await q.listItems({ status: [status], pageSize: 1 }, today)).total > 0 }).toEqual({ status, n: true });
      }
      expect((await q.listItems({ pageSize: 1 }, today)).total).toBe(result.items);
    } finally {
      await ds.destroy();
    }
  });

  it('refuses a data folder that already holds events', async () => {
    await expect(generateCounty({ dataDir, targetEvents: 1000 })).rejects.toThrow(/already holds events/);
  });
});
