import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, openEventStore, sqliteEventStoreFile } from '@ledger/platform';
import { sealCommand, verifyCommand } from './verify';

describe('ledger verify / ledger seal', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-cli-verify-'));
  const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL' });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  function capture(): { out: () => string; err: () => string; restore(): void } {
    let out = '';
    let err = '';
    const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    return { out: () => out, err: () => err, restore: () => (o.mockRestore(), e.mockRestore()) };
  }

  it('seals, verifies (exit 0), then names the break after an edit (exit 1)', async () => {
    const store = await openEventStore(config);
    for (let i = 0; i < 5; i++) await store.append(`item-${i}`, [{ id: randomUUID(), type: 'ItemUrged', schemaVersion: 1, data: { level: 'urge', i }, metadata: {} }], 'no_stream');
    await store.close();
    const c = capture();
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
