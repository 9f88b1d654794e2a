import * as fs from 'node:fs';
import * as path from 'node:path';
import { BenchModule, writeReport } from './lib/report';

/**
 * Runs every bench module: each compiled `*.bench.js` under dist/bench exporting a BenchModule
 * ({ name, run }). Adding a benchmark is adding such a file; nothing to register here.
 *   node dist/bench/run.js            every module
 *   node dist/bench/run.js store      the modules whose name contains "store"
 */
function discover(dir: string): BenchModule[] {
  const found: BenchModule[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...discover(full));
    else if (entry.name.endsWith('.bench.js')) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a module found on disk at run time, loaded while the walk stays synchronous
      for (const value of Object.values(require(full) as Record<string, unknown>)) {
        const m = value as BenchModule;
        if (m && typeof m === 'object' && typeof m.name === 'string' && typeof m.run === 'function') found.push(m);
      }
    }
  }
  return found;
}

async function main(): Promise<void> {
  const modules = discover(__dirname).sort((a, b) => a.name.localeCompare(b.name));
  const filters = process.argv.slice(2);
  const selected = filters.length ? modules.filter((m) => filters.some((f) => m.name.includes(f))) : modules;
  if (!selected.length) {
    console.error(`no bench module matches ${filters.join(' ')}; known: ${modules.map((m) => m.name).join(', ')}`);
    process.exit(2);
  }
  // dist/bench/run.js → the repository root
  const root = path.resolve(__dirname, '..', '..');
  for (const m of selected) {
    console.log(`\n== ${m.name}`);
    if (m.skip) {
      console.log(`skipped: ${m.skip}`);
      continue;
    }
    const report = await m.run();
    writeReport(root, report);
    console.log(report.markdown);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
