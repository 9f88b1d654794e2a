import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * A worker thread running `<name>.js`, compiled beside its caller in `dir` (dist/). Under ts-jest there
 * is no compiled file: jest.config.js maps this module to test/support/thread-entry.ts.
 */
export function startThread(dir: string, name: string, workerData: object): Worker {
  return new Worker(path.join(dir, `${name}.js`), { workerData });
}
