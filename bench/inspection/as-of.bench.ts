import * as path from 'node:path';
import { openSqliteEventStore } from '@ledger/event-store';
import {
  applyTemporal,
  beginTemporalRebuild,
  countyDateOf,
  finishTemporalRebuild,
  openReadModels,
  rebuildReadModels,
  TemporalQueries,
  toProjected,
  type LedgerCut,
  type ProjectedEvent,
} from '@ledger/read-models';
import { prng } from '@ledger/read-models/testing/random-county';
import { describeMachine, machine } from '../lib/machine';
import { median, quick, size, tempDir } from '../lib/measure';
import type { BenchModule, BenchReport } from '../lib/report';
import { generateAsOfCounty } from './county';

/*
 * asOf on a big ledger: a county of a million events over a year, projected into the
 * temporal read models (SQLite), then the asOf answers at random instants of its history — one item,
 * a township's list (subtree of that day), figures of the county and of a township, the county's
 * children — each including the instant → position lookup. Target: p95 ≤ 100 ms.
 */

interface Latency {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

function latency(ms: number[]): Latency {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { n: s.length, p50: round(median(s)), p95: round(at(0.95)), max: round(s[s.length - 1]) };
}
const round = (x: number) => Math.round(x * 10) / 10;

export const asOfBench: BenchModule = {
  name: 'inspection-as-of',
  async run(): Promise<BenchReport> {
    const m = machine();
    const startedAt = new Date().toISOString();
    const sizes = {
      events: size('BENCH_ASOF_EVENTS', 1_020_000, 50_000),
      units: size('BENCH_ASOF_UNITS', 1000, 200),
      days: 365,
      samples: size('BENCH_ASOF_SAMPLES', 200, 50),
    };
    const items = Math.round(sizes.events / 10);
    const log = (s: string) => console.log(`  ${s}`);
    const tmp = tempDir('ledger-bench-asof-');
    try {
      const store = await openSqliteEventStore({ file: path.join(tmp.dir, 'events.sqlite'), synchronous: 'NORMAL' });
      let t = Date.now();
      const county = await generateAsOfCounty(store, {
        units: sizes.units,
        items,
        targetEvents: sizes.events,
        days: sizes.days,
        onProgress: (n) => n % 100_000 < 4000 && log(`generated ${n.toLocaleString('en-US')} events`),
      });
      const generateSeconds = (Date.now() - t) / 1000;
      log(`${county.events.toLocaleString('en-US')} events generated in ${generateSeconds.toFixed(0)} s`);

      const ds = await openReadModels({ dataDir: tmp.dir, readDbUrl: null });
      t = Date.now();
      await rebuildReadModels(ds, store, {
        onProgress: (p) => p.events % 100_000 < 5000 && log(`projected ${p.events.toLocaleString('en-US')} / ${p.head}`),
      });
      const projectSeconds = (Date.now() - t) / 1000;

      // The temporal read models alone, replayed over the same log (what a rebuild of them costs on its own).
      t = Date.now();
      await ds.transaction((em) => beginTemporalRebuild(em));
      for (let after = 0n; ;) {
        const batch = await store.readAll({ after, limit: 5000 });
        if (batch.length === 0) break;
        const events = batch.map(toProjected).filter((e): e is ProjectedEvent => e !== null);
        await ds.transaction((em) => applyTemporal(em, events));
        after = batch[batch.length - 1].position;
      }
      await ds.transaction((em) => finishTemporalRebuild(em));
      const temporalSeconds = (Date.now() - t) / 1000;
      const temporalRate = Math.round(county.events / temporalSeconds);
      log(`temporal read models alone in ${temporalSeconds.toFixed(0)} s (${temporalRate} events/s)`);

      const count = async (table: string) => Number((await ds.query(`SELECT COUNT(*) AS n FROM "${table}"`))[0].n);
      const rows = {
        itemVersions: await count('rm_t_item'),
        unitVersions: await count('rm_t_unit'),
        cadreVersions: await count('rm_t_cadre'),
        counterChanges: await count('rm_t_counter_change'),
        counterEpochs: await count('rm_t_counter_epoch'),
        counterSnapshots: await count('rm_t_counter_snapshot'),
        facts: await count('rm_t_item_fact'),
        marks: await count('rm_t_mark'),
      };
      const rowsPerEvent = Math.round((Object.values(rows).reduce((a, b) => a + b, 0) / county.events) * 100) / 100;
      log(`projected in ${projectSeconds.toFixed(0)} s: ${JSON.stringify(rows)}, ${rowsPerEvent} temporal rows per event`);

      const temporal = new TemporalQueries(ds, { dueSoonDays: 3 });
      const rnd = prng(5);
      const instant = () => county.firstMs + Math.floor(rnd() * (county.lastMs - county.firstMs));
      const cutAt = async (ms: number): Promise<LedgerCut> => ({ position: await temporal.positionAt(ms), day: countyDateOf(new Date(ms).toISOString()) });
      const cases: Record<string, () => Promise<unknown>> = {
        item: async () => temporal.item(county.items[Math.floor(rnd() * county.items.length)], await cutAt(instant())),
        townshipList: async () =>
          temporal.listItems(
            { unitId: county.townships[Math.floor(rnd() * county.townships.length)], subtree: true, sort: 'dueDate', pageSize: 20 },
            await cutAt(instant()),
          ),
        townshipRedList: async () =>
          temporal.listItems(
            { unitId: county.townships[Math.floor(rnd() * county.townships.length)], subtree: true, light: 'red', pageSize: 20 },
            await cutAt(instant()),
          ),
        countyFigures: async () => temporal.unitFigures(county.countyId, true, await cutAt(instant())),
        townshipFigures: async () => temporal.unitFigures(county.townships[Math.floor(rnd() * county.townships.length)], true, await cutAt(instant())),
        countyChildren: async () => temporal.childrenFigures(county.countyId, await cutAt(instant())),
        countyList: async () => temporal.listItems({ sort: 'dueDate', pageSize: 20 }, await cutAt(instant())),
      };
      const figures: Record<string, Latency> = {};
      for (const [name, run] of Object.entries(cases)) {
        for (let i = 0; i < 5; i++) await run();
        const ms: number[] = [];
        for (let i = 0; i < sizes.samples; i++) {
          const s = process.hrtime.bigint();
          await run();
          ms.push(Number(process.hrtime.bigint() - s) / 1e6);
        }
        figures[name] = latency(ms);
        log(`${name}: ${JSON.stringify(figures[name])}`);
      }
      await ds.destroy();
      await store.close();

      const table = Object.entries(figures)
        .map(
          ([name, l]) =>
            `| ${name} | ${l.n} | ${l.p50} | ${l.p95} | ${l.max} | ${name === 'countyList' ? '(reported, no target)' : l.p95 <= 100 ? 'yes' : '**no**'} |`,
        )
        .join('\n');
      const markdown = `## asOf on a big ledger (inspection-as-of)

${describeMachine(m)}. ${county.events.toLocaleString('en-US')} events over ${sizes.days} days (${sizes.units} units, ${items.toLocaleString('en-US')} items; renames and moves along the way), SQLite read models${quick ? ' (BENCH_QUICK)' : ''}.
Generated in ${generateSeconds.toFixed(0)} s; projected (rebuild, temporal read models included) in ${projectSeconds.toFixed(0)} s.
The temporal read models alone (emptied, replayed in batches of 5,000, indexes built at the end): ${temporalSeconds.toFixed(0)} s, **${temporalRate.toLocaleString('en-US')} events/s**.
Temporal rows: ${Object.entries(rows)
        .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
        .join(', ')}: **${rowsPerEvent} rows per event** (each inserted once; a closed version also gets one update of its end).

Each sample is one asOf answer at a random instant of the history, instant → position lookup included
(in-process, over TemporalQueries; HTTP adds its usual few ms). Target p95 ≤ 100 ms.

| answer | samples | p50 ms | p95 ms | max ms | p95 ≤ 100 ms |
|---|---|---|---|---|---|
${table}
`;
      return {
        name: 'inspection-as-of',
        title: 'asOf on a big ledger',
        startedAt,
        machine: m,
        figures: { sizes, events: county.events, generateSeconds, projectSeconds, temporalSeconds, temporalRate, rows, rowsPerEvent, latency: figures },
        markdown,
      };
    } finally {
      // BENCH_ASOF_KEEP=1 leaves the ledger and its read models for a closer look at the queries.
      if (process.env.BENCH_ASOF_KEEP === '1') log(`kept ${tmp.dir}`);
      else tmp.remove();
    }
  },
};
