import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { consistencyProof, inclusionPath, LogTreeStore, rfcLeafHash, rfcNodeHash, SHA256, verifyConsistency, verifyInclusion } from '@ledger/integrity';
import { describeMachine, machine } from '../lib/machine';
import { fmt, measure, median, quick, size, tempDir } from '../lib/measure';
import type { BenchModule, BenchReport } from '../lib/report';

/*
 * The verifiable log (RFC 9162) at a million events: what appending leaves costs (each adds its leaf
 * and the subtree it completes to the tree file), and what a proof costs once the complete subtrees
 * are stored — inclusion, consistency, a checkpoint's root — against the ceiling of the same number
 * of primary-key reads on the same file, and against the pass over every leaf a proof would take
 * without stored subtrees. Leaves are 32-byte hashes standing for the events' stored hashes: the tree
 * never looks further than that.
 */

/** A deterministic pseudo-random sequence (no Math.random: rounds compare). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export const logBench: BenchModule = {
  name: 'log',
  async run(): Promise<BenchReport> {
    const m = machine();
    const startedAt = new Date().toISOString();
    const sizes = {
      events: size('BENCH_LOG_EVENTS', 1_000_000, 50_000),
      proofs: size('BENCH_LOG_PROOFS', 2000, 500),
      batch: 2000,
      rounds: size('BENCH_ROUNDS', 3, 1),
    };
    const log = (s: string) => console.log(`  ${s}`);
    const tmp = tempDir('ledger-bench-log-');
    try {
      const file = path.join(tmp.dir, 'log-tree.sqlite');
      const tree = new LogTreeStore(file);
      const leafOf = (i: number) => createHash('sha256').update(`event ${i}`).digest();
      const n = sizes.events;
      const append = await measure(n, () => {
        for (let i = 0; i < n; i += sizes.batch) {
          const batch = [];
          for (let j = i; j < Math.min(n, i + sizes.batch); j++) batch.push({ position: BigInt(j + 1), leaf: leafOf(j) });
          tree.append(batch);
        }
      });
      log(`appended ${fmt(n)} leaves: ${fmt(append.perSecond)}/s`);

      // The pass a proof would need without stored subtrees: every leaf hash read and folded into the root.
      const db = new Database(file, { readonly: true });
      const leafRead = db.prepare('SELECT hash FROM leaves WHERE idx = ?').pluck();
      let passRoot: Buffer | null = null;
      const pass = await measure(n, () => {
        let level: Buffer[] = db.prepare('SELECT hash FROM leaves ORDER BY idx').pluck().all() as Buffer[];
        // RFC 9162's MTH equals the bottom-up pairing that carries an odd last node up unchanged.
        while (level.length > 1) {
          const up: Buffer[] = [];
          for (let i = 0; i + 1 < level.length; i += 2) up.push(rfcNodeHash(SHA256, level[i], level[i + 1]));
          if (level.length % 2) up.push(level[level.length - 1]);
          level = up;
        }
        passRoot = level[0];
      });
      const root = tree.root(n);
      if (!passRoot || !(passRoot as Buffer).equals(root)) throw new Error('the stored tree and the full pass disagree on the root');
      log(`full pass over the leaves: ${pass.seconds.toFixed(2)} s`);

      const rounds: { inclusionUs: number[]; consistencyUs: number[]; rootUs: number; ceilingUs: number; verifyUs: number; pathLength: number }[] = [];
      for (let r = 0; r < sizes.rounds; r++) {
        const rand = lcg(7 + r);
        const inclusionUs: number[] = [];
        const consistencyUs: number[] = [];
        const paths: { i: number; path: Buffer[] }[] = [];
        for (let k = 0; k < sizes.proofs; k++) {
          const i = Math.floor(rand() * n);
          const t0 = process.hrtime.bigint();
          const path = inclusionPath(tree, i, n);
          inclusionUs.push(Number(process.hrtime.bigint() - t0) / 1000);
          paths.push({ i, path });
          const from = 1 + Math.floor(rand() * (n - 1));
          const t1 = process.hrtime.bigint();
          consistencyProof(tree, from, n);
          consistencyUs.push(Number(process.hrtime.bigint() - t1) / 1000);
        }
        const rootRate = await measure(sizes.proofs, () => {
          for (let k = 0; k < sizes.proofs; k++) tree.root(n - (k % 1000));
        });
        // Ceiling: as many primary-key reads on the same file as an inclusion path has hashes.
        const pathLength = Math.ceil(Math.log2(n));
        const ceiling = await measure(sizes.proofs, () => {
          for (let k = 0; k < sizes.proofs; k++) for (let d = 0; d < pathLength; d++) leafRead.get(Math.floor(rand() * n));
        });
        const verify = await measure(paths.length, () => {
          for (const { i, path } of paths)
            if (!verifyInclusion(SHA256, i, n, rfcLeafHash(SHA256, leafOf(i)), path, root)) throw new Error(`inclusion of ${i} does not verify`);
        });
        const from = Math.floor(n / 3);
        if (!verifyConsistency(SHA256, from, n, consistencyProof(tree, from, n), tree.root(from), root)) throw new Error('consistency does not verify');
        rounds.push({
          inclusionUs,
          consistencyUs,
          rootUs: (rootRate.seconds / sizes.proofs) * 1e6,
          ceilingUs: (ceiling.seconds / sizes.proofs) * 1e6,
          verifyUs: (verify.seconds / paths.length) * 1e6,
          pathLength,
        });
        log(`round ${r + 1}: inclusion p50 ${percentile(inclusionUs, 50).toFixed(0)} µs, consistency p50 ${percentile(consistencyUs, 50).toFixed(0)} µs`);
      }
      db.close();
      tree.close();

      const med = (f: (r: (typeof rounds)[number]) => number) => median(rounds.map(f));
      const inclusionP50 = med((r) => percentile(r.inclusionUs, 50));
      const inclusionP99 = med((r) => percentile(r.inclusionUs, 99));
      const consistencyP50 = med((r) => percentile(r.consistencyUs, 50));
      const consistencyP99 = med((r) => percentile(r.consistencyUs, 99));
      const rootUs = med((r) => r.rootUs);
      const ceilingUs = med((r) => r.ceilingUs);
      const verifyUs = med((r) => r.verifyUs);
      const figures = {
        sizes,
        appendPerSecond: append.perSecond,
        fullPassSeconds: pass.seconds,
        inclusionP50,
        inclusionP99,
        consistencyP50,
        consistencyP99,
        rootUs,
        ceilingUs,
        verifyUs,
        rounds: rounds.map(({ inclusionUs: _i, consistencyUs: _c, ...rest }) => rest),
      };
      const lines = [
        '## Verifiable log: RFC 9162 proofs at a million events (SQLite tree file)',
        '',
        `Run ${startedAt}${quick ? ' (BENCH_QUICK)' : ''} on ${describeMachine(m)}. Median of ${sizes.rounds} round(s), ${fmt(sizes.proofs)} proofs of random leaves each.`,
        `Tree: ${fmt(n)} leaves (32-byte event hashes) appended in batches of ${fmt(sizes.batch)}, as the follower does; every complete subtree stored.`,
        '',
        '| figure | value |',
        '|---|---:|',
        `| appending leaves to the tree file (leaves/s) | ${fmt(append.perSecond)} |`,
        `| **inclusion proof at ${fmt(n)} events, p50 / p99 (µs)** | **${inclusionP50.toFixed(0)} / ${inclusionP99.toFixed(0)}** |`,
        `| **consistency proof to ${fmt(n)} events, p50 / p99 (µs)** | **${consistencyP50.toFixed(0)} / ${consistencyP99.toFixed(0)}** |`,
        `| a checkpoint's root at ~${fmt(n)} events (µs) | ${rootUs.toFixed(0)} |`,
        `| ceiling: ${rounds[0].pathLength} primary-key reads on the same file (µs) | ${ceilingUs.toFixed(0)} |`,
        `| inclusion p50 / ceiling | ${(inclusionP50 / ceilingUs).toFixed(2)} × |`,
        `| verifying one inclusion proof (µs) | ${verifyUs.toFixed(0)} |`,
        `| without stored subtrees: one pass over every leaf (s) | ${pass.seconds.toFixed(2)} |`,
      ];
      return { name: 'log', title: 'Verifiable log', startedAt, machine: m, figures, markdown: lines.join('\n') };
    } finally {
      tmp.remove();
    }
  },
};
