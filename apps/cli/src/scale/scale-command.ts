import * as path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import type { LedgerConfig } from '@ledger/platform';
import { generateCounty, generateProvince, type ScaleProgress, type ScaleResult } from './generate-county';

/** `ledger demo --scale N`: writes a county of about N events into the data folder, with progress. */
export async function scaleCommand(config: LedgerConfig, options: { scale: number; seed: number; project: boolean; resume: boolean }): Promise<number> {
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
    resume: options.resume,
    env: process.env,
    onProgress: (p) => {
      if (p.phase !== phase) {
        if (phase) bar.stop();
        phase = p.phase;
        bar.start(p.target, 0, { phase: p.phase === 'write' ? 'writing   ' : 'projecting', rate: 0, commands: p.commands });
      }
      bar.update(Math.min(p.events, p.target), { rate: rate(p), commands: p.commands });
    },
  }).finally(() => bar.stop());
  process.stdout.write(
    `ledger: wrote ${result.events} events (${result.commands} commands) in ${result.writeSeconds.toFixed(1)} s — ${Math.round(result.eventsPerSecond)} events/s${runs(result)}\n` +
      `        ${result.units} units, ${result.cadres} cadres, ${result.sheets} sheets, ${result.items} items in ${path.resolve(config.dataDir)}\n` +
      (result.projectSeconds !== null ? `        read models projected in ${result.projectSeconds.toFixed(1)} s\n` : ''),
  );
  return 0;
}

/**
 * `ledger demo --province N [--scale M]`: a province of N counties of about M events each. Progress goes
 * to stderr one line a minute (a log file, not a terminal, is where a run of hours is watched).
 */
export async function provinceCommand(
  config: LedgerConfig,
  options: { counties: number; perCounty: number; seed: number; project: boolean; resume: boolean },
): Promise<number> {
  let lastLine = 0;
  const line = (p: ScaleProgress) => {
    const s = p.elapsedMs / 1000;
    process.stderr.write(
      `${new Date().toISOString()} ${p.phase} day ${p.day ?? '-'} ${p.events}/${p.target} events, ${p.commands} commands, ${s.toFixed(0)} s, ${rate(p)} events/s\n`,
    );
  };
  const result = await generateProvince({
    dataDir: config.dataDir,
    counties: options.counties,
    eventsPerCounty: options.perCounty,
    seed: options.seed,
    project: options.project,
    resume: options.resume,
    env: process.env,
    onProgress: (p) => {
      if (Date.now() - lastLine < 60_000) return;
      lastLine = Date.now();
      line(p);
    },
  });
  process.stdout.write(
    `ledger: wrote a province of ${result.counties.length} counties: ${result.events} events (${result.commands} commands) in ${result.writeSeconds.toFixed(1)} s — ${Math.round(result.eventsPerSecond)} events/s${runs(result)}\n` +
      `        ${result.units} units, ${result.cadres} cadres, ${result.sheets} sheets, ${result.items} items; province root ${result.provinceId}\n` +
      `        planned commands turned down (skipped): ${JSON.stringify(result.refused)}\n` +
      (result.projectSeconds !== null ? `        read models projected in ${result.projectSeconds.toFixed(1)} s\n` : ''),
  );
  return 0;
}

/** Events per second of this run (a resumed run's earlier events are not its own). */
function rate(p: ScaleProgress): number {
  return Math.round((p.events - (p.eventsAtStart ?? 0)) / Math.max(1, p.elapsedMs / 1000));
}

function runs(result: ScaleResult): string {
  return result.runs > 1 ? ` over ${result.runs} runs (this one sent ${result.replayed} commands again that were already written)` : '';
}
