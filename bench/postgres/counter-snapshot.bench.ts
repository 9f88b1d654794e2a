import { performance } from 'node:perf_hooks';
import { startTestPostgres, createTestDatabase } from '@ledger/platform/testing/postgres';
import { openReadModels } from '@ledger/read-models/data-source';
import type { CounterDelta } from '@ledger/read-models/figures/counters';
import { COUNTER_LAYOUT, CounterLog } from '@ledger/read-models/temporal/counters';
import { prng } from '@ledger/read-models/testing/random-county';
import { describeMachine, machine } from '../lib/machine';
import { fmt, median, size } from '../lib/measure';
import type { BenchModule, BenchReport } from '../lib/report';

/**
 * What a live projector's batch pays when it closes a counter snapshot (every 16 epochs of 4,096
 * events) on a province's owners, against the batches that close a plain epoch and the others. The
 * counters alone, through CounterLog as the temporal projection drives it, on a durable embedded
 * PostgreSQL: a province tree of counties × townships × villages, items' status changes counted for
 * the village and every subtree above it. The history spans touch every village; then one span
 * touches only `BENCH_SNAPSHOT_ACTIVE` villages (the few a quiet stretch or the lag bench's 2,000 items
 * reach), and a last span every village again (the busiest case).
 */
const STATUSES = ['assigned', 'in_progress', 'submitted', 'verified', 'closed', 'overdue'];
const BATCH = 512;

interface Span {
  label: string;
  villages: number;
  /** Per batch of the span: ms, and whether it closed an epoch or a snapshot. */
  snapshotMs: number;
  epochMs: number[];
  plainMs: number[];
  snapshotRows: number;
  snapshotBytes: number;
}

export const counterSnapshotBench: BenchModule = {
  name: 'counter-snapshot',
  async run(): Promise<BenchReport> {
    const startedAt = new Date().toISOString();
    const m = machine();
    const counties = size('BENCH_SNAPSHOT_COUNTIES', 100, 10);
    const townships = 20;
    const villagesPer = 17;
    const historySpans = size('BENCH_SNAPSHOT_HISTORY_SPANS', 3, 1);
    const active = size('BENCH_SNAPSHOT_ACTIVE', 2000, 200);
    const { epochSize: E, snapshotEpochs: S } = COUNTER_LAYOUT;
    const spanEvents = E * S;
    const villages: { id: string; chain: string[] }[] = [];
    for (let c = 0; c < counties; c++)
      for (let t = 0; t < townships; t++)
        for (let v = 0; v < villagesPer; v++) villages.push({ id: `C${c}T${t}V${v}`, chain: ['P', `C${c}`, `C${c}T${t}`, `C${c}T${t}V${v}`] });
    // A village's own counters and every unit's subtree: the bench counts items at villages only.
    const owners = villages.length + 1 + counties * (1 + townships * (1 + villagesPer));
    // Checklists share deadlines (month and quarter ends, campaign dates): 60 due dates in the year, about the
    // 350 (status, due date) counters a county's subtree held in the 100-county province.
    const days = Array.from({ length: 60 }, (_, i) => new Date(Date.UTC(2026, 0, 1 + Math.floor((i * 365) / 60))).toISOString().slice(0, 10));

    const pg = await startTestPostgres({ durable: true });
    const ds = await openReadModels({ dataDir: '', readDbUrl: await createTestDatabase(pg.serverUrl) });
    const rnd = prng(11);
    let position = 0;
    const spans: Span[] = [];
    const snapshotSize = async (epoch: number) =>
      (
        await ds.query(`SELECT COUNT(*) AS "n", COALESCE(SUM(octet_length("counts")), 0) AS "b" FROM "rm_t_counter_snapshot" WHERE "epoch" = $1`, [epoch])
      )[0] as {
        n: string;
        b: string;
      };
    try {
      const runSpan = async (label: string, pool: typeof villages): Promise<Span> => {
        const span: Span = { label, villages: pool.length, snapshotMs: 0, epochMs: [], plainMs: [], snapshotRows: 0, snapshotBytes: 0 };
        const end = position + spanEvents;
        while (position < end) {
          const from = position;
          const upTo = Math.min(end, position + BATCH);
          const t0 = performance.now();
          await ds.transaction(async (em) => {
            const log = new CounterLog((sql, params) => em.query(sql, params), true, from);
            for (let p = from + 1; p <= upTo; p++) {
              const village = pool[Math.floor(rnd() * pool.length)];
              const due = days[Math.floor(rnd() * days.length)];
              const was = STATUSES[Math.floor(rnd() * STATUSES.length)];
              const now = STATUSES[Math.floor(rnd() * STATUSES.length)];
              const deltas: CounterDelta[] = [];
              const owner = (ownerKind: 'unit' | 'subtree', ownerId: string) => {
                deltas.push({ ownerKind, ownerId, status: now, dueDate: due, count: 1, onTime: 0 });
                if (was !== now) deltas.push({ ownerKind, ownerId, status: was, dueDate: due, count: -1, onTime: 0 });
              };
              owner('unit', village.id);
              for (const id of village.chain) owner('subtree', id);
              log.event(p);
              log.add(p, deltas);
            }
            await log.flush(upTo);
          });
          const ms = performance.now() - t0;
          const closed = Math.floor(upTo / E) > Math.floor(from / E);
          if (closed && upTo % spanEvents === 0) span.snapshotMs = ms;
          else if (closed) span.epochMs.push(ms);
          else span.plainMs.push(ms);
          position = upTo;
        }
        const { n, b } = await snapshotSize(position / E);
        Object.assign(span, { snapshotRows: Number(n), snapshotBytes: Number(b) });
        console.log(JSON.stringify({ ...span, epochMs: median(span.epochMs), plainMs: median(span.plainMs) }));
        return span;
      };
      for (let h = 0; h < historySpans; h++) spans.push(await runSpan(`history ${h + 1}, every village`, villages));
      const few = [...villages].sort(() => rnd() - 0.5).slice(0, active);
      spans.push(await runSpan(`${active.toLocaleString('en-US')} villages`, few));
      spans.push(await runSpan('every village', villages));
      const total = (await ds.query(`SELECT pg_total_relation_size('rm_t_counter_snapshot') AS "b", COUNT(*) AS "n" FROM "rm_t_counter_snapshot"`))[0] as {
        b: string;
        n: string;
      };
      const markdown = [
        '## A live batch that closes a counter snapshot (counter-snapshot)',
        '',
        `Run ${startedAt} on ${describeMachine(m)}; durable embedded PostgreSQL; the temporal counters alone (CounterLog, batches of ${BATCH} events, each its own transaction) on a province of ${counties} counties × ${townships} townships × ${villagesPer} villages (${fmt(owners)} counter owners: each village's own and every unit's subtree); every event counts one item of a village +1 in one of ${STATUSES.length} statuses on one of 60 due dates and, five times in six, −1 in another (a move; the sixth adds an item). A snapshot every ${S} epochs of ${fmt(E)} events (${fmt(spanEvents)}). ${historySpans} span(s) of history touching every village, then one touching ${fmt(active)}, then one touching every village again.`,
        '',
        '| span | villages touched | batch closing the snapshot (ms) | batches closing an epoch, median (ms) | other batches, median (ms) | snapshot rows | snapshot MB |',
        '|---|---:|---:|---:|---:|---:|---:|',
        ...spans.map(
          (s) =>
            `| ${s.label} | ${fmt(s.villages)} | ${fmt(s.snapshotMs)} | ${fmt(median(s.epochMs))} | ${fmt(median(s.plainMs))} | ${fmt(s.snapshotRows)} | ${(s.snapshotBytes / 1e6).toFixed(1)} |`,
        ),
        '',
        `- rm_t_counter_snapshot at the end: ${fmt(Number(total.n))} rows, ${(Number(total.b) / 1e6).toFixed(1)} MB with its indexes.`,
      ].join('\n');
      return {
        name: 'counter-snapshot',
        title: 'A live batch that closes a counter snapshot',
        startedAt,
        machine: m,
        figures: {
          counties,
          owners,
          spanEvents,
          spans: spans.map((s) => ({ ...s, epochMsMedian: median(s.epochMs), plainMsMedian: median(s.plainMs) })),
          tableRows: Number(total.n),
          tableBytes: Number(total.b),
        },
        markdown,
      };
    } finally {
      await ds.destroy();
      void pg.stop().catch(() => undefined);
    }
  },
};
