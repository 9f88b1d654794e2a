/**
 * The scale generator, interrupted in the middle of a simulated day and resumed, writes the same ledger
 * as a run that was never interrupted: every event the same (stream, revision, id, type, data, time),
 * none twice. The oracle is the uninterrupted run, which never takes the resume path.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, openEventStore } from '@ledger/platform';
import { generateCounty, type ScaleResult } from '../apps/cli/src/scale/generate-county';

const NOW = new Date('2026-06-15T01:00:00Z');
const SIZE = 4000;
const SEED = 5;

interface Row {
  position: string;
  key: string;
}

/**
 * The generated events, and apart from them the instants of the ledger's own seals (each data folder has
 * its own seal key, and a seal covers positions, which concurrent appends may take in another order).
 */
async function ledgerOf(dataDir: string): Promise<{ rows: Row[]; seals: string[]; head: bigint }> {
  const store = await openEventStore(loadConfig({ LEDGER_DATA_DIR: dataDir }));
  try {
    const rows: Row[] = [];
    const seals: string[] = [];
    for (let after = 0n; ;) {
      const batch = await store.readAll({ after, limit: 5000 });
      if (batch.length === 0) break;
      for (const e of batch)
        if (e.type === 'LedgerSealed') seals.push(e.recordedAt);
        else rows.push({ position: e.position.toString(), key: JSON.stringify([e.stream, e.revision, e.id, e.type, e.data, e.recordedAt]) });
      after = batch[batch.length - 1].position;
    }
    return { rows, seals, head: await store.headPosition() };
  } finally {
    await store.close();
  }
}

class Interrupted extends Error {}

describe('scale generator: resuming an interrupted run', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-resume-'));
    dirs.push(d);
    return d;
  };
  let whole: string;
  let wholeResult: ScaleResult;
  let resumed: string;
  let resumedResult: ScaleResult;
  let stoppedAt = { day: -1, events: 0 };

  beforeAll(async () => {
    whole = dir();
    wholeResult = await generateCounty({ dataDir: whole, targetEvents: SIZE, seed: SEED, now: NOW, concurrency: 16 });
    resumed = dir();
    // Stop after a wave in the middle of a day, well into the year: the day's later waves are not written.
    await expect(
      generateCounty({
        dataDir: resumed,
        targetEvents: SIZE,
        seed: SEED,
        now: NOW,
        concurrency: 16,
        onProgress: (p) => {
          if (p.phase === 'write' && (p.day ?? -1) >= 150 && p.events > stoppedAt.events && stoppedAt.day < 0) {
            stoppedAt = { day: p.day!, events: p.events };
            throw new Interrupted('stopped');
          }
        },
      }),
    ).rejects.toBeInstanceOf(Interrupted);
    resumedResult = await generateCounty({ dataDir: resumed, targetEvents: SIZE, seed: SEED, concurrency: 16, resume: true });
  }, 600_000);
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('was really interrupted part-way, and the resumed run sent the interrupted day again', async () => {
    expect(stoppedAt.day).toBeGreaterThanOrEqual(150);
    expect(stoppedAt.events).toBeLessThan(wholeResult.events);
    expect(resumedResult.runs).toBe(2);
    expect(resumedResult.replayed).toBeGreaterThan(0);
    const run = JSON.parse(fs.readFileSync(path.join(resumed, 'generator-run.json'), 'utf8'));
    expect(run.segments).toHaveLength(2);
    // The first run's figures were saved as it stopped; the store's head also counts the ledger's own seals.
    expect(run.segments[0].eventsAtEnd).toBeGreaterThan(0);
    expect(run.segments[0].eventsAtEnd).toBeLessThanOrEqual(run.segments[1].eventsAtStart);
    expect(run.segments[1].eventsAtStart).toBeLessThan(wholeResult.events);
  });

  it('holds exactly the events of the uninterrupted run, none twice', async () => {
    const a = await ledgerOf(whole);
    const b = await ledgerOf(resumed);
    expect(a.rows.length).toBeGreaterThan(SIZE * 0.9);
    expect(Number(b.head)).toBe(b.rows.length + b.seals.length);
    expect(b.rows.length).toBe(a.rows.length);
    expect(b.seals).toEqual(a.seals);
    expect(new Set(b.rows.map((r) => r.key)).size).toBe(b.rows.length);
    // The order of concurrent appends may differ between runs; the events may not.
    expect(b.rows.map((r) => r.key).sort()).toEqual(a.rows.map((r) => r.key).sort());
    expect(resumedResult.events).toBe(wholeResult.events);
    expect(resumedResult.items).toBe(wholeResult.items);
  });

  it('refuses to resume with other parameters, and writes nothing', async () => {
    const before = await ledgerOf(resumed);
    await expect(generateCounty({ dataDir: resumed, targetEvents: SIZE, seed: SEED + 1, resume: true })).rejects.toThrow(/another seed \(5\)/);
    await expect(generateCounty({ dataDir: resumed, targetEvents: SIZE * 2, seed: SEED, resume: true })).rejects.toThrow(/another size per county/);
    await expect(generateCounty({ dataDir: resumed, targetEvents: SIZE, seed: SEED })).rejects.toThrow(/already holds events.*resume/);
    const after = await ledgerOf(resumed);
    expect(after.rows.length).toBe(before.rows.length);
  });

  it('refuses to resume into events that no generator run wrote', async () => {
    const other = dir();
    const store = await openEventStore(loadConfig({ LEDGER_DATA_DIR: other }));
    await store.append(
      'note-1',
      [{ id: '00000000-0000-4000-8000-000000000001', type: 'UnitRegistered', schemaVersion: 1, data: {}, metadata: {} }],
      'no_stream',
    );
    await store.close();
    await expect(generateCounty({ dataDir: other, targetEvents: SIZE, seed: SEED, resume: true })).rejects.toThrow(/no generator-run\.json/);
  });
});
