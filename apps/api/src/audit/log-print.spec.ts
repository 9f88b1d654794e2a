import { createHash } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { startTestApp, type TestApp } from '../testing/harness';

describe('the printed checkpoint: GET /log/checkpoint?format=text|svg|png, GET /log/key', () => {
  let t: TestApp;
  const auth = (role: Parameters<TestApp['token']>[0]) => ({ Authorization: `Bearer ${t.token(role, role === 'unit' ? 'u-1' : undefined)}` });

  beforeAll(async () => {
    t = await startTestApp({ env: { LEDGER_SEAL_EVERY: '0' } });
    for (let i = 0; i < 3; i++)
      await t.store.append(
        'item-i-1',
        [{ id: randomUUID(), type: 'ProgressReported', schemaVersion: 1, data: { note: `进展${i}` }, metadata: {} }],
        i === 0 ? 'no_stream' : i - 1,
      );
  });
  afterAll(() => t.close());

  it('text: readable lines whose 校验码 carries the signed checkpoint; png: the same payload as a QR code', async () => {
    const { body: cp } = await t.http.get('/api/v1/log/checkpoint').set(auth('inspector')).expect(200);
    const sig = Buffer.from(cp.signature, 'base64').toString('base64url');
    const payload = `LCP1;sha256-ed25519;${cp.treeSize};${cp.root};${cp.issuedAt};${cp.keyId};${sig};`;
    const text = await t.http
      .get('/api/v1/log/checkpoint?format=text')
      .set(auth('discipline'))
      .expect(200)
      .expect('content-type', /text\/plain/);
    expect(text.text).toContain(`事件总数：${cp.treeSize}\n`);
    expect(text.text).toContain(`校验码：${payload}\n`);

    const png = await t.http
      .get('/api/v1/log/checkpoint?format=png')
      .set(auth('auditadmin'))
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200)
      .expect('content-type', 'image/png');
    const img = PNG.sync.read(png.body as Buffer);
    expect(jsQR(new Uint8ClampedArray(img.data), img.width, img.height)?.data).toBe(payload);

    const svg = await t.http
      .get('/api/v1/log/checkpoint?format=svg')
      .set(auth('org_dept'))
      .buffer(true)
      .expect(200)
      .expect('content-type', /image\/svg\+xml/);
    expect(String(svg.body instanceof Buffer ? svg.body.toString('utf8') : svg.text)).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  });

  it('refuses an unknown format and other roles', async () => {
    await t.http.get('/api/v1/log/checkpoint?format=pdf').set(auth('inspector')).expect(400);
    await t.http.get('/api/v1/log/checkpoint?format=text').set(auth('unit')).expect(403);
    await t.http.get('/api/v1/log/key').set(auth('sysadmin')).expect(403);
  });

  it('key: the seal public key the checkpoints are signed with, and its key id (SHA-256 of the SPKI DER)', async () => {
    const { body } = await t.http.get('/api/v1/log/key').set(auth('inspector')).expect(200);
    const pem = fs.readFileSync(path.join(t.config.dataDir, 'seal-key.pub.pem'), 'utf8');
    expect(body.publicKey.trim()).toBe(pem.trim());
    const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s+/g, ''), 'base64');
    expect(body).toEqual({ algorithm: 'sha256-ed25519', keyId: createHash('sha256').update(der).digest('hex'), publicKey: expect.any(String) });
    const { body: cp } = await t.http.get('/api/v1/log/checkpoint').set(auth('inspector')).expect(200);
    expect(cp.keyId).toBe(body.keyId);
  });
});
