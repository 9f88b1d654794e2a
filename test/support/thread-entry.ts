import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as ts from 'typescript';

/**
 * libs/event-store's thread-entry under ts-jest (jest.config.js maps it here; the cross-process peer,
 * sqlite-peer.js, swaps it the same way). There is no compiled `<name>.js`: the library's TypeScript is
 * transpiled here, once per library and process, and the thread compiles that text when it requires a
 * .ts file, so that no thread loads TypeScript itself.
 */
const BOOT = `
const { workerData } = require('node:worker_threads');
require.extensions['.ts'] = (module, filename) => module._compile(workerData.sources[filename], filename);
require(workerData.entry);
`;

const transpiled = new Map<string, Record<string, string>>();

/** Every non-spec .ts file of the library whose src/ holds `dir` (thread code imports relatively, within its library). */
function librarySources(dir: string): Record<string, string> {
  let root = dir;
  while (path.basename(root) !== 'src') {
    if (path.dirname(root) === root) throw new Error(`${dir} is not inside a library's src folder`);
    root = path.dirname(root);
  }
  const cached = transpiled.get(root);
  if (cached) return cached;
  const sources: Record<string, string> = {};
  const walk = (folder: string): void => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
        sources[full] = ts.transpileModule(fs.readFileSync(full, 'utf8'), {
          fileName: full,
          compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        }).outputText;
      }
    }
  };
  walk(root);
  transpiled.set(root, sources);
  return sources;
}

export function startThread(dir: string, name: string, workerData: object): Worker {
  return new Worker(BOOT, { eval: true, workerData: { ...workerData, entry: path.join(dir, `${name}.ts`), sources: librarySources(dir) } });
}
