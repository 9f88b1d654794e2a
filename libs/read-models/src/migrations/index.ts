import * as path from 'node:path';

/**
 * Every read-model migration: each file of this folder named `<timestamp>-<name>`, loaded by TypeORM,
 * which runs the pending ones in timestamp order on open. A new migration is one new file.
 */
export const READ_MODEL_MIGRATIONS = [path.join(__dirname, '[0-9]*-*.{ts,js}')];
