import * as path from 'node:path';

/** LEDGER_LOG_TREE_FILE (default `<dataDir>/log-tree.sqlite`): the verifiable log's stored subtrees, checkpoints and countersignatures. */
export function logTreeFile(config: { dataDir: string }, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.LEDGER_LOG_TREE_FILE || path.join(config.dataDir, 'log-tree.sqlite'));
}
