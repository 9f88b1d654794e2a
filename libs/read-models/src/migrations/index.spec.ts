import * as fs from 'node:fs';
import * as path from 'node:path';
import { READ_MODEL_MIGRATIONS } from './index';

describe('the read-model migrations list', () => {
  it('names the class of every <timestamp>-<name>.ts file of the folder, in timestamp order', () => {
    const files = fs
      .readdirSync(__dirname)
      .filter((f) => /^\d+-.+\.ts$/.test(f) && !f.endsWith('.spec.ts'))
      .sort();
    const declared = files.map((f) => /^export class (\w+)/m.exec(fs.readFileSync(path.join(__dirname, f), 'utf8'))?.[1]);
    expect(files.length).toBeGreaterThanOrEqual(11);
    expect(READ_MODEL_MIGRATIONS.map((m) => m.name)).toEqual(declared);
  });
});
