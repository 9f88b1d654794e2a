import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The layer rules of .dependency-cruiser.cjs, run on the tree, and shown to bite on a tree that breaks each of them. */
const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

type Violation = { rule: { name: string }; from: string; to: string };

function cruise(cwd: string): Violation[] {
  const run = spawnSync(process.execPath, [CLI, '--config', '.dependency-cruiser.cjs', '--output-type', 'json', 'apps', 'libs'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (!run.stdout) throw new Error(`dependency-cruiser printed nothing (exit ${run.status}): ${run.stderr}`);
  return (JSON.parse(run.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('architecture: the dependency-cruiser layer rules', () => {
  let fixture: string;

  beforeAll(() => {
    fixture = mkdtempSync(join(tmpdir(), 'ledger-layers-'));
    const files: Record<string, string> = {
      'tsconfig.json': JSON.stringify({
        compilerOptions: { baseUrl: '.', paths: { '@ledger/contracts/*': ['libs/contracts/src/*'], '@ledger/platform': ['libs/platform/src'] } },
      }),
      // installed packages, resolved like the real ones: an import of one must reach the rules
      'node_modules/typeorm/package.json': '{"name":"typeorm","main":"index.js"}',
      'node_modules/typeorm/index.js': 'exports.DataSource = 1;\n',
      'node_modules/class-validator/package.json': '{"name":"class-validator","main":"index.js"}',
      'node_modules/class-validator/index.js': 'exports.IsString = 1;\n',
      'node_modules/exceljs/package.json': '{"name":"exceljs","main":"index.js"}',
      'node_modules/exceljs/index.js': 'module.exports = {};\n',
      'libs/contracts/src/events/index.ts': 'export type LedgerEvent = { type: string };\n',
      'libs/contracts/src/http/views.ts': 'export type ItemView = { id: string };\nexport const VIEW = 1;\n',
      'libs/contracts/src/http/items.ts': 'export const ITEMS = 1;\n',
      'libs/contracts/src/events/deep.ts': 'export const DEEP = 1;\n',
      // allowed: own files, the event catalogue; forbidden: a Node module and the HTTP contracts
      'libs/domain/src/ok.ts': "import type { LedgerEvent } from '@ledger/contracts/events';\nexport const ok = (e: LedgerEvent) => e;\n",
      'libs/domain/src/bad.ts':
        "import { readFileSync } from 'node:fs';\nimport { ITEMS } from '@ledger/contracts/http/items';\nimport { ok } from './ok';\nimport { Injectable } from '@nestjs/common';\nimport { DataSource } from 'typeorm';\nconst { DEEP } = require('@ledger/contracts/events/deep');\nexport const bad = [readFileSync, ITEMS, ok, DEEP, Injectable, DataSource];\n",
      'libs/domain/src/bad.spec.ts': "import { readFileSync } from 'node:fs';\nexport const t = readFileSync;\n",
      // a lib reaching into an app, and a cycle between two libs
      'libs/platform/src/index.ts': "import { a } from '../../../apps/api/src/a';\nimport { rm } from '../../read-models/src/rm';\nexport const p = [a, rm];\n",
      'libs/read-models/src/rm.ts':
        "import { p } from '@ledger/platform';\nimport type { ItemView } from '@ledger/contracts/http/views';\nimport { VIEW } from '@ledger/contracts/http/views';\nexport const rm = [p, VIEW];\nexport type V = ItemView;\n",
      'libs/read-models/src/http.ts':
        "import { Injectable } from '@nestjs/common';\nimport { IsString } from 'class-validator';\nimport { ITEMS } from '@ledger/contracts/http/items';\nimport type { LedgerEvent } from '@ledger/contracts/events';\nexport const h = [Injectable, IsString, ITEMS];\nexport type E = LedgerEvent;\n",
      'libs/sheets-io/src/write.ts': "import ExcelJS from 'exceljs';\nimport { v4 } from 'uuid';\nexport const w = [ExcelJS, v4];\n",
      'libs/sheets-io/src/read.ts':
        "import { Pool } from 'pg';\nimport type { ItemView } from '@ledger/contracts/http/views';\nexport const r = Pool;\nexport type V = ItemView;\n",
      // the application layer: no framework, nothing above it (read models), the domain below it
      'libs/application/src/loop.ts':
        "import { Injectable } from '@nestjs/common';\nimport { rm } from '../../read-models/src/rm';\nimport { ok } from '../../domain/src/ok';\nexport const l = [Injectable, rm, ok];\n",
      // apps: the projector may not take the API's code; the CLI (the launcher) only its create-app
      'apps/api/src/a.ts': 'export const a = 1;\n',
      'apps/api/src/create-app.ts': 'export const createApp = 1;\n',
      'apps/projector/src/b.ts': "import { a } from '../../api/src/a';\nexport const b = a;\n",
      'apps/cli/src/c.ts': "import { a } from '../../api/src/a';\nimport { createApp } from '../../api/src/create-app';\nexport const c = [a, createApp];\n",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(fixture, path)), { recursive: true });
      writeFileSync(join(fixture, path), text);
    }
    copyFileSync(join(ROOT, '.dependency-cruiser.cjs'), join(fixture, '.dependency-cruiser.cjs'));
  });

  afterAll(() => rmSync(fixture, { recursive: true, force: true }));

  it('flags each broken rule in a tree made to break them, and nothing that keeps them', () => {
    const found = cruise(fixture)
      .map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)
      .sort();
    expect(found).toEqual(
      [
        'domain-is-pure: libs/domain/src/bad.ts -> fs',
        'domain-is-pure: libs/domain/src/bad.ts -> libs/contracts/src/http/items.ts',
        'domain-is-pure: libs/domain/src/bad.ts -> libs/contracts/src/events/deep.ts',
        'domain-is-pure: libs/domain/src/bad.ts -> @nestjs/common',
        'read-models-no-http: libs/read-models/src/http.ts -> @nestjs/common',
        'read-models-no-http: libs/read-models/src/http.ts -> node_modules/class-validator/index.js',
        'domain-is-pure: libs/domain/src/bad.ts -> node_modules/typeorm/index.js',
        'read-models-no-http-contracts: libs/read-models/src/http.ts -> libs/contracts/src/http/items.ts',
        'libs-never-import-apps: libs/platform/src/index.ts -> apps/api/src/a.ts',
        'no-circular-libs: libs/platform/src/index.ts -> libs/read-models/src/rm.ts',
        'read-models-platform-types-only: libs/read-models/src/rm.ts -> libs/platform/src/index.ts',
        'read-models-views-types-only: libs/read-models/src/rm.ts -> libs/contracts/src/http/views.ts',
        'sheets-io-few-packages: libs/sheets-io/src/read.ts -> pg',
        'apps-never-import-each-other: apps/projector/src/b.ts -> apps/api/src/a.ts',
        'apps-never-import-each-other: apps/cli/src/c.ts -> apps/api/src/a.ts',
        'application-no-http: libs/application/src/loop.ts -> @nestjs/common',
        'application-few-layers: libs/application/src/loop.ts -> libs/read-models/src/rm.ts',
      ].sort(),
    );
  }, 180_000);

  it('holds on the tree', () => {
    expect(cruise(ROOT).map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  }, 180_000);
});
