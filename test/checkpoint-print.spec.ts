import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { startTestApp, type TestApp } from '../apps/api/src/testing/harness';
import { checkpointMain } from '../apps/cli/src/checkpoint';

describe('ledger checkpoint --print [--qr]', () => {
  let t: TestApp;
  let url: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-cp-print-'));
  const sink = () => {
    let text = '';
    return { stream: new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) }), text: () => text };
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { LEDGER_SEAL_EVERY: '0' } });
    for (let i = 0; i < 4; i++)
      await t.store.append(
        'item-i-1',
        [{ id: randomUUID(), type: 'ProgressReported', schemaVersion: 1, data: { i }, metadata: {} }],
        i === 0 ? 'no_stream' : i - 1,
      );
    await t.app.listen(0, '127.0.0.1');
    url = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints the lines and writes a QR code (png) whose payload is the 校验码 line', async () => {
    const out = sink();
    const err = sink();
    const png = path.join(dir, 'cp.png');
    expect(await checkpointMain(['--print', '--url', url, '--token', t.token('inspector'), '--qr', png], out.stream, err.stream)).toBe(0);
    const { body: cp } = await t.http
      .get('/api/v1/log/checkpoint')
      .set({ Authorization: `Bearer ${t.token('inspector')}` })
      .expect(200);
    expect(out.text()).toContain(`事件总数：${cp.treeSize}\n`);
    const payload = /校验码：(\S+)/.exec(out.text())![1];
    expect(payload).toBe(
      `LCP1;sha256-ed25519;${cp.treeSize};${cp.root};${cp.issuedAt};${cp.keyId};${Buffer.from(cp.signature, 'base64').toString('base64url')};`,
    );
    const img = PNG.sync.read(fs.readFileSync(png));
    expect(jsQR(new Uint8ClampedArray(img.data), img.width, img.height)?.data).toBe(payload);

    const svg = path.join(dir, 'cp.svg');
    expect(await checkpointMain(['--print', '--url', url, '--token', t.token('inspector'), '--qr', svg], sink().stream, sink().stream)).toBe(0);
    expect(fs.readFileSync(svg, 'utf8')).toMatch(/^<svg/);
  });

  it('says why when it cannot: a refused token, a bad --qr name', async () => {
    const err = sink();
    expect(await checkpointMain(['--print', '--url', url, '--token', 'nonsense'], sink().stream, err.stream)).toBe(2);
    expect(err.text()).toContain('HTTP 401');
    await expect(checkpointMain(['--print', '--url', url, '--token', 'x', '--qr', path.join(dir, 'cp.pdf')])).rejects.toThrow(
      '--qr must name a .svg or .png file',
    );
    expect(fs.existsSync(path.join(dir, 'cp.pdf'))).toBe(false);
  });
});
