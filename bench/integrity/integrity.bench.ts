import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { bodyHashOfText, globalLinkHash, openSqliteEventStore, streamLinkHash, type NewEvent } from '@ledger/event-store';
import { LedgerSealer, loadOrCreateSealKey, verifyLedger } from '@ledger/integrity';
import { describeMachine, machine } from '../lib/machine';
import { fmt, measure, median, quick, size, tempDir } from '../lib/measure';
import type { BenchModule, BenchReport } from '../lib/report';

/*
 * Tamper evidence: what the hash chains cost on the append path (hashing alone, against the JSON
 * encoding the store does anyway), the verification rate over a sealed SQLite ledger of a million
 * events, and what one seal costs (Merkle tree over every stream head, Ed25519 signature, append).
 */

function itemEvent(i: number): NewEvent {
  return {
    id: randomUUID(),
    type: 'ProgressReported',
    schemaVersion: 1,
    data: {
      itemId: randomUUID(),
      note: `关于大华镇黄茂村党支部落实“三会一课”制度的整改进展（第${i}次）：已建立整改台账，按期报送佐证材料。`,
      evidence: [{ name: '整改台账.xlsx', size: 20480 + (i % 1000), sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }],
    },
    metadata: {
      actor: { userId: randomUUID(), role: 'unit', unitId: randomUUID(), name: '李支书' },
      correlationId: randomUUID(),
      causationId: randomUUID(),
      recordedAt: '2026-03-01T09:30:00.000+08:00',
    },
  };
}

export const integrityBench: BenchModule = {
  name: 'integrity',
  async run(): Promise<BenchReport> {
    const m = machine();
    const startedAt = new Date().toISOString();
    const sizes = {
      events: size('BENCH_INTEGRITY_EVENTS', 1_000_000, 50_000),
      perStream: 10,
      sealEvery: 1000,
      hashSample: size('BENCH_INTEGRITY_HASH', 100_000, 20_000),
      rounds: size('BENCH_ROUNDS', 3, 1),
    };
    const log = (s: string) => console.log(`  ${s}`);
    const tmp = tempDir('ledger-bench-integrity-');
    try {
      // 1. hashing per event, as the append path does it, against the JSON encoding it does anyway
      const sample = Array.from({ length: sizes.hashSample }, (_, i) => itemEvent(i));
      const hashRounds: { stringifyUs: number; hashUs: number }[] = [];
      for (let r = 0; r < Math.max(3, sizes.rounds); r++) {
        let texts: [string, string][] = [];
        const enc = await measure(sample.length, () => {
          texts = sample.map((e) => [JSON.stringify(e.data), JSON.stringify(e.metadata)]);
        });
        let prev: Buffer | null = null;
        let g: Buffer | null = null;
        const hash = await measure(sample.length, () => {
          for (let i = 0; i < sample.length; i++) {
            const e = sample[i];
            const body = bodyHashOfText(e.id, e.type, e.schemaVersion, texts[i][0], texts[i][1]);
            prev = streamLinkHash(`item-${i % 1000}`, i, i + 1, body, prev);
            g = globalLinkHash(prev, g);
          }
        });
        hashRounds.push({ stringifyUs: 1e6 / enc.perSecond, hashUs: 1e6 / hash.perSecond });
      }
      const hashUs = median(hashRounds.map((r) => r.hashUs));
      const stringifyUs = median(hashRounds.map((r) => r.stringifyUs));
      log(`hashing ${hashUs.toFixed(2)} µs/event (JSON encoding of data + metadata: ${stringifyUs.toFixed(2)} µs)`);

      // 2. a ledger of `events` events, sealed every 1,000 by a sealer following it
      const file = path.join(tmp.dir, 'events.sqlite');
      const key = loadOrCreateSealKey(path.join(tmp.dir, 'seal-key.pem'));
      const store = await openSqliteEventStore({ file, synchronous: 'NORMAL' });
      const sealer = new LedgerSealer(store, key, { every: sizes.sealEvery });
      sealer.start();
      let next = 0;
      const template = Array.from({ length: 1000 }, (_, i) => itemEvent(i));
      const load = await measure(sizes.events, () =>
        Promise.all(
          Array.from({ length: 64 }, async () => {
            while (next < sizes.events) {
              const start = next;
              next += sizes.perStream;
              const batch: NewEvent[] = [];
              for (let i = start; i < Math.min(sizes.events, start + sizes.perStream); i++) batch.push({ ...template[i % template.length], id: randomUUID() });
              await store.append(`item-${start / sizes.perStream}`, batch, 'no_stream');
            }
          }),
        ),
      );
      await sealer.caughtUp();
      const head = await store.headPosition();
      log(`loaded ${fmt(sizes.events)} events (+ seals, head ${head}) at ${fmt(load.perSecond)}/s with the sealer following`);

      // 3. one seal on demand over every stream head (what a proof request past the newest seal pays)
      const sealRounds: number[] = [];
      for (let r = 0; r < sizes.rounds; r++) {
        await store.append(`item-extra-${r}`, [itemEvent(r)], 'no_stream');
        const t0 = process.hrtime.bigint();
        const sealed = await sealer.seal();
        sealRounds.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (!sealed) throw new Error('no seal');
      }
      const streams = sealer.latestSeal?.seal.streams ?? 0;
      const sealMs = median(sealRounds);
      log(`one seal over ${fmt(streams)} stream heads: ${sealMs.toFixed(0)} ms`);
      const proofT0 = process.hrtime.bigint();
      const proof = await sealer.proof('item-4242');
      const proofMs = Number(process.hrtime.bigint() - proofT0) / 1e6;
      log(`one proof (Merkle path of ${proof?.merklePath.length} steps): ${proofMs.toFixed(1)} ms`);
      await sealer.stop();

      // 4. verification from position 0
      const verifyRounds: { perSecond: number; seals: number; checked: number }[] = [];
      for (let r = 0; r < sizes.rounds; r++) {
        let report: Awaited<ReturnType<typeof verifyLedger>> | null = null;
        const rate = await measure(Number(head), async () => {
          report = await verifyLedger(store, key.publicKey);
        });
        const rep = report as unknown as Awaited<ReturnType<typeof verifyLedger>>;
        if (!rep.ok) throw new Error(`the untouched ledger did not verify: ${JSON.stringify(rep.firstBreak)}`);
        verifyRounds.push({ perSecond: rate.perSecond, seals: rep.seals, checked: rep.checked });
        log(`verify: ${fmt(rate.perSecond)} events/s (${fmt(rep.checked)} events, ${rep.seals} seals, ${rate.seconds.toFixed(1)} s)`);
      }
      // For orientation: reading alone (the store's readAll with payloads decoded).
      const read = await measure(Number(head), async () => {
        let after = 0n;
        for (;;) {
          const events = await store.readAll({ after, limit: 2000 });
          if (!events.length) break;
          after = events[events.length - 1].position;
        }
      });
      log(`readAll alone: ${fmt(read.perSecond)} events/s`);
      await store.close();

      const verifyRate = median(verifyRounds.map((r) => r.perSecond));
      const figures = {
        sizes,
        hashUs,
        stringifyUs,
        loadPerSecond: load.perSecond,
        head: head.toString(),
        streams,
        sealMs,
        sealRounds,
        proofMs,
        verifyRate,
        verifyRounds,
        readPerSecond: read.perSecond,
      };
      const lines = [
        '## Tamper evidence: hash chains, seals, verification (SQLite)',
        '',
        `Run ${startedAt}${quick ? ' (BENCH_QUICK)' : ''} on ${describeMachine(m)}. Median of ${sizes.rounds} round(s).`,
        `Ledger: ${fmt(sizes.events)} ProgressReported events with Chinese text, ${sizes.perStream} per stream (${fmt(sizes.events / sizes.perStream)} streams), sealed every ${fmt(sizes.sealEvery)} events by a sealer following the log.`,
        '',
        '| figure | value |',
        '|---|---:|',
        `| hashing on the append path (body hash + stream link + global link), µs/event | ${hashUs.toFixed(2)} |`,
        `| for scale: JSON encoding of data + metadata the store does anyway, µs/event | ${stringifyUs.toFixed(2)} |`,
        `| loading with the sealer following (events/s) | ${fmt(load.perSecond)} |`,
        `| **verification from position 0 (events/s)** | **${fmt(verifyRate)}** |`,
        `| readAll alone, payloads decoded (events/s) | ${fmt(read.perSecond)} |`,
        `| **one seal on demand over ${fmt(streams)} stream heads (ms)** | **${sealMs.toFixed(0)}** |`,
        `| one proof of an item (ms) | ${proofMs.toFixed(1)} |`,
      ];
      return { name: 'integrity', title: 'Tamper evidence', startedAt, machine: m, figures, markdown: lines.join('\n') };
    } finally {
      tmp.remove();
    }
  },
};
