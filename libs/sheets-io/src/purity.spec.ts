import * as fs from 'node:fs';
import * as path from 'node:path';

/** Bytes in, rows out: no framework, no database, no clock, no store, so the API and the CLI can both use it. */
// node:stream: an in-memory PassThrough that collects the streamed workbook's bytes.
// node:zlib, node:string_decoder: the import inflates and decodes the workbook's parts itself, a chunk at a time.
const ALLOWED = new Set(['exceljs', 'iconv-lite', 'uuid', 'node:crypto', 'node:stream', 'node:zlib', 'node:string_decoder', '@ledger/contracts/events', '@ledger/contracts/county-time']);
const TEST_ONLY = new Set(['node:fs', 'node:path']);
/** The pure API.md response shapes: their types only, never a value. */
const TYPES_ONLY = new Set(['@ledger/contracts/http/views']);

function typeOnlyTargets(text: string): Set<string> {
  const statements = (typeOnly: boolean) =>
    [...text.matchAll(/^\s*(?:import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)].filter((m) => Boolean(m[1]) === typeOnly).map((m) => m[2]);
  const values = new Set(statements(false));
  return new Set(statements(true).filter((t) => !values.has(t)));
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('libs/sheets-io purity', () => {
  const files = sources(__dirname);

  it('imports only its own files and the few packages it needs, and reads no clock', () => {
    const offences: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      const spec = file.endsWith('.spec.ts');
      const typesOnly = typeOnlyTargets(text);
      for (const m of text.matchAll(/(?:from|import|require\()\s*['"]([^'"]+)['"]/g)) {
        const target = m[1];
        if (target.startsWith('.') || ALLOWED.has(target) || (spec && TEST_ONLY.has(target))) continue;
        if (TYPES_ONLY.has(target) && typesOnly.has(target)) continue;
        offences.push(`${path.relative(__dirname, file)} imports ${target}`);
      }
      if (!spec && /Date\.now\(|new Date\(\)|Math\.random\(/.test(text)) offences.push(`${path.relative(__dirname, file)} reads a clock or randomness`);
    }
    expect(files.length).toBeGreaterThan(10);
    expect(offences).toEqual([]);
  });
});
