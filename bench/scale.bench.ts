import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateCounty } from '../apps/cli/src/scale/generate-county';
import { describeMachine, machine } from './lib/machine';
import type { BenchModule, BenchReport } from './lib/report';

/**
 * The scale generator (`ledger demo --scale N`): a county of BENCH_SCALE_EVENTS events (default
 * 1,000,000; BENCH_QUICK=1: 50,000) written through the command path into a fresh SQLite data folder,
 * then projected. Target: 1,000,000 events well under 30 minutes.
 */
export const scaleBench: BenchModule = {
  name: 'scale',
  async run(): Promise<BenchReport> {
    const target = Number(process.env.BENCH_SCALE_EVENTS ?? (process.env.BENCH_QUICK ? 50_000 : 1_000_000));
    const m = machine();
    const startedAt = new Date().toISOString();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-scale-bench-'));
    try {
      const r = await generateCounty({ dataDir, targetEvents: target, seed: 7, project: true });
      const bytes = fs.readdirSync(dataDir).reduce((sum, f) => sum + fs.statSync(path.join(dataDir, f)).size, 0);
      const figures = { target, ...r, dataFolderMb: Math.round(bytes / 2 ** 20), machine: m };
      const minutes = (r.writeSeconds / 60).toFixed(1);
      const markdown = `## Scale generator

\`ledger demo --scale N\` / \`generateCounty({ dataDir, targetEvents, seed, onProgress })\` writes a county
through the command path (read → fold → decide → append with the expected revision), in-process, on a
simulated clock over a year; embedded SQLite store (synchronous NORMAL).
${describeMachine(m)}.

| figure | value |
|---|---|
| events written | ${r.events.toLocaleString('en')} (target ${target.toLocaleString('en')}) |
| commands | ${r.commands.toLocaleString('en')} |
| county | ${r.units} units, ${r.cadres} cadres, ${r.sheets} sheets, ${r.items.toLocaleString('en')} items |
| write time | **${r.writeSeconds.toFixed(0)} s (${minutes} min)**, ${Math.round(r.eventsPerSecond).toLocaleString('en')} events/s (target: 1,000,000 well under 30 min) |
| read models projected (rebuild) | ${r.projectSeconds === null ? '—' : `${r.projectSeconds.toFixed(0)} s`} |
| data folder | ${figures.dataFolderMb} MB |

Events by type: ${Object.entries(r.eventTypes)
        .sort((a, b) => b[1] - a[1])
        .map(([t, n]) => `${t} ${n.toLocaleString('en')}`)
        .join(', ')}.
`;
      return { name: 'scale', title: 'Scale generator', startedAt, machine: m, figures, markdown };
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
