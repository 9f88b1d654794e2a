import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * libs/domain stays pure: no framework, no driver, no I/O, no clock, no randomness (STYLE.md habit 1).
 * Its imports are checked by the `domain-is-pure` rule of .dependency-cruiser.cjs (test/architecture.spec.ts); this checks the calls.
 */
const FORBIDDEN_CALLS: readonly [RegExp, string][] = [
  [/\bDate\.now\s*\(/, 'Date.now()'],
  [/\bnew\s+Date\s*\(\s*\)/, 'new Date() without argument'],
  [/\bnew\s+Date\b(?!\s*\()/, 'new Date without argument'],
  [/\bMath\.random\s*\(/, 'Math.random()'],
  [/\bcrypto\b/, 'crypto'],
  [/\bperformance\.now\s*\(/, 'performance.now()'],
  [/\bprocess\./, 'process.*'],
];

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

export function impurities(source: string): string[] {
  const code = stripComments(source);
  const problems: string[] = [];
  for (const [pattern, what] of FORBIDDEN_CALLS) if (pattern.test(code)) problems.push(`uses ${what}`);
  return problems;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('libs/domain is pure', () => {
  const files = sourceFiles(__dirname);

  it('finds the deciders to check', () => {
    const names = files.map((f) => relative(__dirname, f).split('\\').join('/'));
    expect(names).toEqual(expect.arrayContaining(['item/decide.ts', 'unit/unit.ts', 'shared/decider.ts', 'index.ts']));
  });

  it('would flag a clock, randomness or crypto, and lets pure date handling through', () => {
    expect(impurities('const t = Date.now();')).toEqual(['uses Date.now()']);
    expect(impurities('const t = new Date();')).toEqual(['uses new Date() without argument']);
    expect(impurities('const r = Math.random();')).toEqual(['uses Math.random()']);
    expect(impurities('const id = crypto.randomUUID();')).toEqual(['uses crypto']);
    expect(impurities("import { x } from '../shared/decider';\nconst d = new Date('2026-01-01');")).toEqual([]);
    expect(impurities("import type { LedgerEvent } from '@ledger/contracts/events';")).toEqual([]);
  });

  it('has no impure source file', () => {
    const report = files
      .map((file) => ({ file: relative(__dirname, file), problems: impurities(readFileSync(file, 'utf8')) }))
      .filter((r) => r.problems.length > 0);
    expect(report).toEqual([]);
  });
});
