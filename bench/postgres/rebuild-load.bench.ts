import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { openSqliteEventStore } from '@ledger/event-store';
import { startTestPostgres, createTestDatabase } from '@ledger/platform/testing/postgres';
import { openReadModels, rebuildReadModels } from '@ledger/read-models';
import { EventScript } from '@ledger/read-models/testing/county-script';
import { RandomCounty } from '@ledger/read-models/testing/random-county';
import { describeMachine, machine } from '../lib/machine';
import { fmt, median, quick, size, tempDir } from '../lib/measure';
import type { BenchModule, BenchReport } from '../lib/report';

/*
 * Issue 20: how fast a PostgreSQL rebuild loads the read models, against the fastest way PostgreSQL
 * has to load the same rows: `COPY … FROM` a file into tables without indexes, measured in the same run
 * on the same server. Ours: the rows of every read-model table after `rebuildReadModels` (both passes:
 * the store read, the fold, COPY FROM STDIN, the indexes built at the end), per second of the whole
 * rebuild. Ceiling: the same rows, dumped to server-side files beforehand (untimed), copied into
 * `LIKE` copies of the tables (columns only: no key, no index), a transaction per table, per second.
 * Both counted alike: the rows the tables hold at the end. Also per CPU second (this process's and
 * the server's processes', from /proc), which a crowded machine's run queue does not stretch.
 */

const ROUNDS = quick ? 1 : 3;

interface Round {
  rows: number;
  rebuildMs: number;
  currentMs: number;
  temporalMs: number;
  /** CPU time of this process (every thread) during the rebuild: the store read, the folds, the COPY text. */
  cpuMs: number;
  /** CPU time of the server's processes (postmaster and its children, from /proc) during the rebuild, and during the ceiling's COPY. */
  serverCpuMs: number;
  copyServerCpuMs: number;
  copyMs: number;
  ours: number;
  ceiling: number;
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on Linux). */
const USER_HZ = 100;

/** The postmaster of the server `url` is on: the parent of this connection's backend. */
async function postmasterOf(url: string): Promise<number | null> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    return Number(statFields(pid)?.[1] ?? NaN) || null;
  } finally {
    await client.end();
  }
}

/** /proc/<pid>/stat's fields after the command (state is [0], ppid [1], utime [11], stime [12]). */
function statFields(pid: number | string): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/**
 * CPU ms the server's processes have used so far: the postmaster and its live children (backends,
 * WAL writer, checkpointer…); a child that has exited no longer counts. NaN off Linux.
 */
function serverCpuMs(postmaster: number | null): number {
  if (postmaster === null || !fs.existsSync('/proc')) return NaN;
  let ticks = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(entry);
    if (f && (Number(entry) === postmaster || Number(f[1]) === postmaster)) ticks += Number(f[11]) + Number(f[12]);
  }
  return (ticks * 1000) / USER_HZ;
}

async function oneRound(serverUrl: string, store: Parameters<typeof rebuildReadModels>[1], dumpDir: string, r: number): Promise<Round> {
  const url = await createTestDatabase(serverUrl);
  const ds = await openReadModels({ dataDir: dumpDir, readDbUrl: url });
  const postmaster = await postmasterOf(url);
  let rebuildMs: number;
  let cpuMs: number;
  let serverCpu: number;
  let result: Awaited<ReturnType<typeof rebuildReadModels>>;
  try {
    const server = serverCpuMs(postmaster);
    const started = performance.now();
    const cpu = process.cpuUsage();
    result = await rebuildReadModels(ds, store);
    rebuildMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    cpuMs = (used.user + used.system) / 1000;
    serverCpu = serverCpuMs(postmaster) - server;
  } finally {
    await ds.destroy();
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const tables = (
      await client.query(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'rm\\_%' AND tablename NOT IN ('rm_migrations', 'rm_projector_lease', 'rm_active_set') ORDER BY tablename`,
      )
    ).rows.map((t: { tablename: string }) => t.tablename);
    let rows = 0;
    await client.query('CREATE SCHEMA plain');
    for (const t of tables) {
      rows += Number((await client.query(`SELECT count(*) AS n FROM public."${t}"`)).rows[0].n);
      await client.query(`CREATE TABLE plain."${t}" (LIKE public."${t}")`);
      // The server writes and reads the file itself: COPY's own speed, no client in the way.
      await client.query(`COPY public."${t}" TO '${path.join(dumpDir, `${r}-${t}.copy`)}'`);
    }
    const copyServer = serverCpuMs(postmaster);
    const started = performance.now();
    for (const t of tables) await client.query(`COPY plain."${t}" FROM '${path.join(dumpDir, `${r}-${t}.copy`)}'`);
    const copyMs = performance.now() - started;
    const copyServerCpuMs = serverCpuMs(postmaster) - copyServer;
    return {
      rows,
      rebuildMs,
      currentMs: result.currentMs,
      temporalMs: result.temporalMs,
      cpuMs,
      serverCpuMs: serverCpu,
      copyServerCpuMs,
      copyMs,
      ours: rows / (rebuildMs / 1000),
      ceiling: rows / (copyMs / 1000),
    };
  } finally {
    await client.end();
  }
}

export const rebuildLoadBench: BenchModule = {
  name: 'rebuild-load',
  async run(): Promise<BenchReport> {
    const startedAt = new Date().toISOString();
    const m = machine();
    const events = size('BENCH_REBUILD_LOAD_EVENTS', 20_000, 2000);
    const work = tempDir('rebuild-load-');
    // The server (another OS process of this user) reads and writes the dump files there.
    fs.chmodSync(work.dir, 0o777);
    const pg = await startTestPostgres({ durable: true });
    const store = await openSqliteEventStore({ file: path.join(work.dir, 'county.sqlite'), synchronous: 'NORMAL' });
    const rounds: Round[] = [];
    try {
      const county = new RandomCounty(new EventScript(store), 5);
      while ((await store.headPosition()) < BigInt(events)) await county.step();
      for (let r = 0; r < ROUNDS; r++) rounds.push(await oneRound(pg.serverUrl, store, work.dir, r));
    } finally {
      await store.close();
      // Not awaited: outside Jest its promise waits on the launcher's exit, an unref'd child, and Node
      // would end here with the report unwritten; the launcher stops the server when this process ends.
      void pg.stop().catch(() => undefined);
      work.remove();
    }
    const ratio = median(rounds.map((x) => x.ours / x.ceiling));
    const ours = median(rounds.map((x) => x.ours));
    const ceiling = median(rounds.map((x) => x.ceiling));
    const rows = rounds[0].rows;
    // Per CPU second as well: on a crowded machine wall time mostly measures the run queue, and the
    // rebuild (two processes, many steps) waits in it more often than one COPY does.
    const oursCpu = median(rounds.map((x) => x.rows / ((x.cpuMs + x.serverCpuMs) / 1000)));
    const ceilingCpu = median(rounds.map((x) => x.rows / (x.copyServerCpuMs / 1000)));
    const cpuRatio = median(rounds.map((x) => x.copyServerCpuMs / (x.cpuMs + x.serverCpuMs)));
    const endLoad = machine()
      .loadAverage.map((l) => l.toFixed(1))
      .join(' / ');
    const markdown = [
      '## PostgreSQL rebuild load against a plain COPY',
      '',
      `Run ${startedAt} on ${describeMachine(m)}; durable embedded PostgreSQL; a county log of ${fmt(events)} events (SQLite store) rebuilt into PostgreSQL read models, ${ROUNDS} round(s), medians.`,
      '',
      '| figure | ours | ceiling | ratio | target |',
      '|---|---:|---:|---:|---:|',
      `| read-model rows loaded per second: \`rebuildReadModels\` (read, fold, COPY FROM STDIN, indexes at the end) vs \`COPY … FROM\` a server-side file into unindexed copies of the same tables | ${fmt(ours)} | ${fmt(ceiling)} | ${ratio.toFixed(3)} | ≥ 0.5 |`,
      `| the same rows per CPU second: this process's and the server's during the rebuild vs the server's during the COPY | ${fmt(oursCpu)} | ${fmt(ceilingCpu)} | ${cpuRatio.toFixed(3)} | |`,
      '',
      `- ${fmt(rows)} rows in the read-model tables (${(rows / events).toFixed(1)} per event); the rebuild's current-state pass ${fmt(median(rounds.map((x) => x.currentMs)))} ms, its temporal pass ${fmt(median(rounds.map((x) => x.temporalMs)))} ms (${Math.round((100 * median(rounds.map((x) => x.temporalMs))) / median(rounds.map((x) => x.rebuildMs)))}% of the rebuild), CPU during the rebuild: this process ${fmt(median(rounds.map((x) => x.cpuMs)))} ms, the server ${fmt(median(rounds.map((x) => x.serverCpuMs)))} ms; the COPY ${fmt(median(rounds.map((x) => x.copyMs)))} ms, the server's CPU during it ${fmt(median(rounds.map((x) => x.copyServerCpuMs)))} ms; load ${endLoad} at the end.`,
      `- Figures per round: ${JSON.stringify(rounds.map((x) => ({ ours: Math.round(x.ours), ceiling: Math.round(x.ceiling), rebuildMs: Math.round(x.rebuildMs), cpuMs: Math.round(x.cpuMs), serverCpuMs: Math.round(x.serverCpuMs), copyMs: Math.round(x.copyMs), copyServerCpuMs: Math.round(x.copyServerCpuMs) })))}`,
    ].join('\n');
    return {
      name: 'rebuild-load',
      title: 'PostgreSQL rebuild load against a plain COPY',
      startedAt,
      machine: m,
      figures: { events, rows, ours, ceiling, ratio, oursCpu, ceilingCpu, cpuRatio, rounds },
      markdown,
    };
  },
};
