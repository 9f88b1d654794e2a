import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestApp, type TestApp } from '../apps/api/src/testing/harness';
import { witnessMain } from '../apps/cli/src/witness';

describe('ledger witness on an LEDGER_CRYPTO=sm ledger', () => {
  let t: TestApp;
  let dir: string;
  let n = 0;
  const progress = async (k: number) => {
    for (let i = 0; i < k; i++, n++) {
      await t.store.append(
        'item-w-1',
        [{ id: randomUUID(), type: 'ProgressReported', schemaVersion: 1, data: { itemId: 'w-1', note: `进展${n}` }, metadata: {} }],
        n === 0 ? 'no_stream' : n - 1,
      );
    }
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'witness-sm-'));
    t = await startTestApp({ env: { LEDGER_SEAL_EVERY: '0', LEDGER_CRYPTO: 'sm' } });
    await t.app.listen(0, '127.0.0.1');
    await progress(3);
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('follows an sm3-sm2 log (SM3 consistency proofs, the SM2 log key given as hex) and refuses a checkpoint of another key', async () => {
    const url = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    const key = JSON.parse(fs.readFileSync(path.join(t.config.dataDir, 'log-key-sm2.json'), 'utf8')) as { publicKey: string };
    const logKey = path.join(dir, 'log-key.hex');
    fs.writeFileSync(logKey, `${key.publicKey}\n`);
    const args = [
      '--url',
      url,
      '--token',
      t.token('discipline'),
      '--state',
      path.join(dir, 'state.json'),
      '--key',
      path.join(dir, 'witness-key.pem'),
      '--log-key',
      logKey,
    ];
    const out: string[] = [];
    const sink = { write: (c: string) => (out.push(c), true) } as unknown as NodeJS.WritableStream;
    expect(await witnessMain(args, sink, sink)).toBe(0);
    await progress(3);
    expect(await witnessMain(args, sink, sink)).toBe(0);
    expect(out.join('')).toMatch(/countersigned the checkpoint of 6 events .*, consistent with the one of 3 events/);

    // The SM2 key of somebody else: the checkpoint is not signed by it.
    const stranger = path.join(dir, 'stranger.hex');
    fs.writeFileSync(stranger, `04${'1'.repeat(128)}\n`);
    expect(await witnessMain([...args.slice(0, -1), stranger], sink, sink)).toBe(1);
    expect(out.join('')).toMatch(/REFUSED.*not signed by the ledger key given in --log-key/);
  });
});
