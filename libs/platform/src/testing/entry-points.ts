import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');

/**
 * Compiles only the given entry points (e.g. `apps/projector/src/main.ts`) and what they import into a
 * scratch folder under dist/, with the path aliases rewritten as in the real build, so that a test can
 * run them as real processes without building the whole repository. Returns the compiled files, in order.
 */
export function buildEntryPoints(scratchName: string, entries: string[]): string[] {
  const outDir = path.join(ROOT, 'dist', scratchName);
  const tsconfig = path.join(outDir, 'tsconfig.json');
  const up = path.relative(outDir, ROOT) || '.';
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(
    tsconfig,
    // Relative paths: tsc-alias misreads an absolute outDir.
    JSON.stringify({
      extends: `${up}/tsconfig.base.json`,
      compilerOptions: { baseUrl: up, outDir: '.', rootDir: up, types: ['node'], sourceMap: false },
      files: entries.map((e) => `${up}/${e}`),
    }),
  );
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], { cwd: ROOT, stdio: 'pipe' });
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/tsc-alias/dist/bin/index.js'), '-p', tsconfig], { cwd: ROOT, stdio: 'pipe' });
  return entries.map((e) => path.join(outDir, e.replace(/\.ts$/, '.js')));
}
