import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Bytes in, rows out: no framework, no database, no clock, no store, so the API and the CLI can both use it.
 * Its imports are checked by the `sheets-io-*` rules of .dependency-cruiser.cjs (test/architecture.spec.ts); this checks the clock.
 */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('libs/sheets-io purity', () => {
  const files = sources(__dirname);

  it('reads no clock or randomness', () => {
    const offences: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      if (!file.endsWith('.spec.ts') && /Date\.now\(|new Date\(\)|Math\.random\(/.test(text))
        offences.push(`${path.relative(__dirname, file)} reads a clock or randomness`);
    }
    expect(files.length).toBeGreaterThan(10);
    expect(offences).toEqual([]);
  });
});
