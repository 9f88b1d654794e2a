import * as fs from 'node:fs';
import * as path from 'node:path';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [p] : [];
  });
}

/** libs/read-models is plain TypeScript + TypeORM, shared by the projector process and the API. */
describe('read-models imports', () => {
  const files = sources(__dirname);
  const imports = files.flatMap((f) =>
    [...fs.readFileSync(f, 'utf8').matchAll(/^\s*import\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)].map((m) => ({
      file: path.relative(__dirname, f),
      typeOnly: Boolean(m[1]),
      from: m[2],
    })),
  );

  it('reads its own sources', () => {
    expect(imports.length).toBeGreaterThan(20);
  });

  it('never imports NestJS, HTTP validation or the API', () => {
    expect(imports.filter((i) => /^@nestjs\/|^class-validator|^class-transformer|apps\//.test(i.from))).toEqual([]);
  });

  it('takes only types from @ledger/platform (which may open read models itself: no cycle at run time)', () => {
    expect(imports.filter((i) => i.from.startsWith('@ledger/platform') && !i.typeOnly && !i.file.startsWith('testing'))).toEqual([]);
  });

  it('uses the pure event catalogue, not the HTTP contracts (only the types of the pure response shapes)', () => {
    const pureResponseTypes = (i: { typeOnly: boolean; from: string }) => i.typeOnly && i.from === '@ledger/contracts/http/views';
    expect(imports.filter((i) => (i.from === '@ledger/contracts' || i.from.startsWith('@ledger/contracts/http')) && !pureResponseTypes(i))).toEqual([]);
  });
});
