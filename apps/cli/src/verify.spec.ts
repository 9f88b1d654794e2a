import Database from 'better-sqlite3';
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, openEventStore, sqliteEventStoreFile, type LedgerConfig } from '@ledger/platform';
import { FsEvidenceStore, SEAL_STREAM } from '@ledger/integrity';
import { mountTmpfs, type Tmpfs } from '@ledger/platform/testing/tmpfs';
import { VERIFY_EXIT, sealCommand, verifyCommand } from './verify';
import { captureOutput } from '@ledger/platform/testing/capture-output';

describe('ledger verify / ledger seal', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-cli-verify-'));
  const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL' });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('seals, verifies (exit 0), then names the break after an edit (exit 1)', async () => {
    const store = await openEventStore(config);
    for (let i = 0; i < 5; i++)
      await store.append(`item-${i}`, [{ id: randomUUID(), type: 'ItemUrged', schemaVersion: 1, data: { level: 'urge', i }, metadata: {} }], 'no_stream');
    await store.close();
    const c = captureOutput();
    try {
      expect(await sealCommand(config)).toBe(0);
      expect(JSON.parse(c.out())).toMatchObject({ format: 'ledger-seal/1', position: '5', sealEventPosition: '6' });
      expect(await verifyCommand(config, {})).toBe(0);
      expect(c.err()).toContain('verified 6 events and 1 seals');
      const db = new Database(sqliteEventStoreFile(config));
      db.prepare('UPDATE events SET data = ? WHERE position = 3').run('{"level":"urge","i":9}');
      db.close();
      expect(await verifyCommand(config, {})).toBe(1);
      expect(c.err()).toContain('NOT verified: first break at position 3 (item-2#0): stream_hash_mismatch');
    } finally {
      c.restore();
    }
  });
});

describe("ledger verify on an inspector's copy, ledger seal over a break", () => {
  const dirs: string[] = [];
  const mounts: Tmpfs[] = [];
  afterAll(() => {
    for (const m of mounts) m.unmount();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const configFor = (dir: string): LedgerConfig => loadConfig({ LEDGER_DATA_DIR: dir, LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL' });

  /** Positions 1–4 on four items, the seal at 5, then 6–7 (unsealed). */
  async function ledger(): Promise<LedgerConfig> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-cli-copy-'));
    dirs.push(dir);
    const config = configFor(dir);
    const store = await openEventStore(config);
    const add = (i: number) =>
      store.append(`item-${i}`, [{ id: randomUUID(), type: 'ItemUrged', schemaVersion: 1, data: { level: 'urge', i }, metadata: {} }], 'no_stream');
    for (let i = 0; i < 4; i++) await add(i);
    await store.close();
    const c = captureOutput();
    try {
      expect(await sealCommand(config)).toBe(0);
    } finally {
      c.restore();
    }
    const again = await openEventStore(config);
    for (const i of [4, 5])
      await again.append(`item-${i}`, [{ id: randomUUID(), type: 'ItemUrged', schemaVersion: 1, data: { level: 'urge', i }, metadata: {} }], 'no_stream');
    await again.close();
    return config;
  }

  function edit(config: LedgerConfig, position: number): void {
    const db = new Database(sqliteEventStoreFile(config));
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run('{"level":"urge","i":9}', position);
    db.close();
  }

  /** The files an inspector is handed (the store and the public key), on a file system mounted read-only. */
  function readOnlyCopy(config: LedgerConfig): LedgerConfig {
    const m = mountTmpfs(16 * 1024);
    mounts.push(m);
    for (const f of ['events.sqlite', 'events.sqlite-wal', 'seal-key.pub.pem']) {
      const from = path.join(config.dataDir, f);
      if (fs.existsSync(from)) fs.copyFileSync(from, path.join(m.dir, f));
    }
    m.readOnly();
    expect(() => fs.writeFileSync(path.join(m.dir, 'probe'), 'x')).toThrow(/EROFS/);
    return configFor(m.dir);
  }

  it('ledger seal refuses to sign over a break after the newest seal: exit 1, the break named, nothing appended', async () => {
    const config = await ledger();
    edit(config, 6);
    const c = captureOutput();
    try {
      expect(await sealCommand(config)).toBe(1);
      expect(c.err()).toMatch(/ledger seal: refused, nothing sealed: the hash chain is broken at position 6 \(item-4#0\): stream_hash_mismatch/);
    } finally {
      c.restore();
    }
    const db = new Database(sqliteEventStoreFile(config), { readonly: true });
    expect(db.prepare('SELECT max(position) AS head FROM events').get()).toEqual({ head: 7 });
    expect(db.prepare('SELECT count(*) AS seals FROM events WHERE stream = ?').get(SEAL_STREAM)).toEqual({ seals: 1 });
    db.close();
  });

  it('verifies a copy on a read-only file system (exit 0) and names a break in one (exit 1), writing nothing', async () => {
    const config = await ledger();
    const good = readOnlyCopy(config);
    const before = fs.readdirSync(good.dataDir).sort();
    const c = captureOutput();
    try {
      expect(await verifyCommand(good, {})).toBe(VERIFY_EXIT.verified);
      expect(c.err()).toContain('verified 7 events and 1 seals');
      expect(c.err()).toMatch(/is read-only: verifying a copy of events\.sqlite made in /);
      edit(config, 3);
      const bad = readOnlyCopy(config);
      expect(await verifyCommand(bad, {})).toBe(VERIFY_EXIT.broken);
      expect(c.err()).toContain('NOT verified: first break at position 3 (item-2#0): stream_hash_mismatch');
    } finally {
      c.restore();
    }
    expect(fs.readdirSync(good.dataDir).sort()).toEqual(before);
  });

  it('exit 2 when nothing could be checked: no store, no key, a file that is no database', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-cli-empty-'));
    dirs.push(empty);
    const config = configFor(empty);
    fs.copyFileSync(path.join((await ledger()).dataDir, 'seal-key.pub.pem'), path.join(empty, 'seal-key.pub.pem'));
    const c = captureOutput();
    try {
      expect(await verifyCommand(config, {})).toBe(VERIFY_EXIT.couldNotCheck);
      expect(c.err()).toMatch(/ledger verify: could not check: no event store at .*events\.sqlite/);
      expect(fs.existsSync(sqliteEventStoreFile(config))).toBe(false);

      fs.writeFileSync(sqliteEventStoreFile(config), "not a database, but an inspector's note\n".repeat(200));
      expect(await verifyCommand(config, {})).toBe(VERIFY_EXIT.couldNotCheck);
      expect(c.err()).toMatch(/could not check: file is not a database/);

      expect(await verifyCommand(config, { key: path.join(empty, 'missing.pem') })).toBe(VERIFY_EXIT.couldNotCheck);
      expect(c.err()).toMatch(/could not check: no public key at .*missing\.pem/);
    } finally {
      c.restore();
    }
  });
});

describe('ledger verify checks the evidence files the reports name (issue 18.5)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-cli-evidence-'));
  const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL' });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('an untouched file verifies (exit 0); its bytes replaced on disk, verify fails naming the item and the hash (exit 1)', async () => {
    const pdf = Buffer.from('%PDF-1.4\n整改报告：活动场所制度上墙\n%%EOF', 'utf8');
    const hash = createHash('sha256').update(pdf).digest('hex');
    // Where the API stores it: <data dir>/evidence/ab/cd/<hash>.
    const file = path.join(dataDir, 'evidence', hash.slice(0, 2), hash.slice(2, 4), hash);
    await new FsEvidenceStore(path.join(dataDir, 'evidence')).put(pdf, 'application/pdf');
    const store = await openEventStore(config);
    await store.append(
      'item-i7',
      [
        {
          id: randomUUID(),
          type: 'CompletionReported',
          schemaVersion: 1,
          data: { itemId: 'i7', summary: '已整改', evidence: [{ name: '整改报告.pdf', size: pdf.length, sha256: hash, stored: true }] },
          metadata: {},
        },
      ],
      'no_stream',
    );
    await store.close();
    const c = captureOutput();
    try {
      expect(await sealCommand(config)).toBe(0);
      expect(await verifyCommand(config, {})).toBe(0);
      expect(c.err()).toContain('verified 1 evidence files');
      fs.chmodSync(file, 0o644);
      const forged = Buffer.from('%PDF-1.4\n整改报告：（伪造）\n%%EOF', 'utf8');
      fs.writeFileSync(file, forged);
      expect(await verifyCommand(config, {})).toBe(1);
      expect(c.err()).toContain(
        `NOT verified: evidence file ${hash} (整改报告.pdf) of item i7, named at position 1 (item-i7#0): its bytes hash to ${createHash('sha256').update(forged).digest('hex')}`,
      );
      fs.rmSync(file);
      expect(await verifyCommand(config, {})).toBe(1);
      expect(c.err()).toContain(
        `NOT verified: evidence file ${hash} (整改报告.pdf) of item i7, named at position 1 (item-i7#0): missing from ${path.join(dataDir, 'evidence')}`,
      );
    } finally {
      c.restore();
    }
  });
});
