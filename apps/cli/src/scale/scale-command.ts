import * as path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import type { LedgerConfig } from '@ledger/platform';
import { generateCounty } from './generate-county';

/** `ledger demo --scale N`: writes a county of about N events into the data folder, with progress. */
export async function scaleCommand(config: LedgerConfig, options: { scale: number; seed: number; project: boolean }): Promise<number> {
  const bar = new SingleBar(
    { format: '{phase} [{bar}] {percentage}% | {value}/{total} events | {rate} events/s | {commands} commands', stream: process.stderr },
    Presets.shades_classic,
  );
  let phase = '';
  const result = await generateCounty({
    dataDir: config.dataDir,
    targetEvents: options.scale,
    seed: options.seed,
    project: options.project,
    env: process.env,
    onProgress: (p) => {
      if (p.phase !== phase) {
        if (phase) bar.stop();
        phase = p.phase;
        bar.start(p.target, 0, { phase: p.phase === 'write' ? 'writing   ' : 'projecting', rate: 0, commands: p.commands });
      }
      bar.update(Math.min(p.events, p.target), { rate: Math.round(p.events / Math.max(0.001, p.elapsedMs / 1000)), commands: p.commands });
    },
  }).finally(() => bar.stop());
  process.stdout.write(
    `ledger: wrote ${result.events} events (${result.commands} commands) in ${result.writeSeconds.toFixed(1)} s — ${Math.round(result.eventsPerSecond)} events/s\n` +
      `        ${result.units} units, ${result.cadres} cadres, ${result.sheets} sheets, ${result.items} items in ${path.resolve(config.dataDir)}\n` +
      (result.projectSeconds !== null ? `        read models projected in ${result.projectSeconds.toFixed(1)} s\n` : ''),
  );
  return 0;
}
