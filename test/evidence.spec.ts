import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestApp, type TestApp } from '../apps/api/src/testing/harness';

/**
 * Evidence files over HTTP: a unit uploads, names the upload in its report, and
 * whoever may read the item downloads the very bytes; bad uploads change nothing on disk.
 */
describe('evidence files: POST /evidence, GET /items/:id/evidence/:sha256', () => {
  let t: TestApp;
  let tokens: { admin: string; org: string; inspector: string; dahua: string; shenzhong: string };
  const LIMIT = 64 * 1024;
  const previousLimit = process.env.LEDGER_EVIDENCE_MAX_BYTES;
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  // A PNG's signature and a little more: enough for the type, independent of the code that judges it.
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('黄茂村党员活动室照片', 'utf8')]);
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n整改报告\n%%EOF\n', 'utf8');
  const ole = Buffer.concat([
    Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
    Buffer.alloc(504),
    Buffer.from('Root Entry', 'utf16le'),
    Buffer.alloc(44),
    Buffer.from('WordDocument', 'utf16le'),
    Buffer.alloc(64),
  ]);
  const evidenceDir = () => path.join(t.config.dataDir, 'evidence');
  /** Every stored file (content and type), tmp included: what an upload may have left on disk. */
  const onDisk = (): string[] => {
    const out: string[] = [];
    const walk = (d: string) => {
      if (!fs.existsSync(d)) return;
      for (const e of fs.readdirSync(d, { withFileTypes: true }))
        (e.isDirectory() ? walk : (p: string) => out.push(path.relative(evidenceDir(), p)))(path.join(d, e.name));
    };
    walk(evidenceDir());
    return out.sort();
  };
  const upload = (token: string, bytes: Buffer, filename: string, contentType = 'application/octet-stream') =>
    t.http.post('/api/v1/evidence').set('Authorization', `Bearer ${token}`).attach('file', bytes, { filename, contentType });
  const download = (token: string, itemId: string, hash: string) =>
    t.http
      .get(`/api/v1/items/${itemId}/evidence/${hash}`)
      .set('Authorization', `Bearer ${token}`)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
  const post = (token: string, route: string, body: object, status: number) =>
    t.http
      .post(`/api/v1${route}`)
      .set('Authorization', `Bearer ${token}`)
      .send(body)
      .expect((r) => {
        if (r.status !== status) throw new Error(`${route}: ${r.status} ${JSON.stringify(r.body)}`);
      });

  beforeAll(async () => {
    process.env.LEDGER_EVIDENCE_MAX_BYTES = String(LIMIT);
    t = await startTestApp();
    tokens = {
      admin: t.token('admin'),
      org: t.token('org_dept'),
      inspector: t.token('inspector'),
      dahua: t.token('unit', 'dahua', 'unit-dahua'),
      shenzhong: t.token('unit', 'shenzhong', 'unit-shenzhong'),
    };
    await post(tokens.admin, '/units', { id: 'county', name: '中共湟源县委员会', kind: 'county_committee' }, 201);
    await post(tokens.admin, '/units', { id: 'dahua', name: '大华镇党委', kind: 'township_committee', parentId: 'county' }, 201);
    await post(tokens.admin, '/units', { id: 'shenzhong', name: '申中乡党委', kind: 'township_committee', parentId: 'county' }, 201);
    await post(tokens.admin, '/cadres', { id: 'c-zw', name: '张伟', unitId: 'dahua', post: '党委书记' }, 201);
    await post(tokens.org, '/sheets', { id: 's1', number: '源组交〔2026〕1号', title: '基层党建重点任务交办单', issuedOn: '2026-03-02' }, 201);
    await post(tokens.org, '/items', { id: 'i1', sheetId: 's1', title: '规范村级组织活动场所', unitId: 'dahua', cadreId: 'c-zw', dueDate: '2026-04-30' }, 201);
    await post(tokens.org, '/items', { id: 'i2', sheetId: 's1', title: '落实“三会一课”制度', unitId: 'dahua', cadreId: 'c-zw', dueDate: '2026-04-30' }, 201);
  });
  afterAll(async () => {
    if (previousLimit === undefined) delete process.env.LEDGER_EVIDENCE_MAX_BYTES;
    else process.env.LEDGER_EVIDENCE_MAX_BYTES = previousLimit;
    await t?.close();
  });

  it('a unit uploads a file: 201 with its hash, size, name and the type its bytes show; the same bytes again: the same answer, one copy', async () => {
    const first = await upload(tokens.dahua, png, '活动室.png', 'image/png');
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ sha256: sha(png), size: png.length, name: '活动室.png', type: 'image/png' });
    const again = await upload(tokens.dahua, png, '活动室.png', 'image/png');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const h = sha(png);
    expect(onDisk().filter((f) => !f.startsWith('tmp'))).toEqual([`${h.slice(0, 2)}/${h.slice(2, 4)}/${h}`, `${h.slice(0, 2)}/${h.slice(2, 4)}/${h}.json`]);
    // The declared type is not believed: a PDF sent as image/jpeg is stored as a PDF.
    expect((await upload(tokens.dahua, pdf, '整改报告.pdf', 'image/jpeg').expect(201)).body.type).toBe('application/pdf');
  });

  it('refuses a type off the list by its bytes (415) and a file over the limit (413), storing nothing', async () => {
    const before = onDisk();
    const html = Buffer.from('<!DOCTYPE html><html><script>fetch("/api/v1/items")</script></html>');
    const asHtml = await upload(tokens.dahua, html, '照片.png', 'image/png');
    expect([asHtml.status, asHtml.headers['content-type'], asHtml.body.code]).toEqual([
      415,
      'application/problem+json; charset=utf-8',
      'EVIDENCE_TYPE_NOT_ALLOWED',
    ]);
    expect((await upload(tokens.dahua, Buffer.from('MZ\x90\x00', 'latin1'), '报告.pdf')).status).toBe(415);
    const big = Buffer.concat([pdf, Buffer.alloc(LIMIT)]);
    const tooBig = await upload(tokens.dahua, big, '大文件.pdf', 'application/pdf');
    expect([tooBig.status, tooBig.body.code]).toEqual([413, 'FILE_TOO_LARGE']);
    expect(onDisk().filter((f) => !f.startsWith('tmp/'))).toEqual(before.filter((f) => !f.startsWith('tmp/')));
    expect(onDisk().filter((f) => f.startsWith('tmp/'))).toEqual([]);
  });

  it('only users who may report may upload; no file is a 400, no multipart a 415', async () => {
    expect((await upload(tokens.inspector, png, 'a.png')).status).toBe(403);
    expect((await t.http.post('/api/v1/evidence').attach('file', png, 'a.png')).status).toBe(401);
    expect((await t.http.post('/api/v1/evidence').set('Authorization', `Bearer ${tokens.dahua}`).field('x', 'y')).status).toBe(400);
    expect((await t.http.post('/api/v1/evidence').set('Authorization', `Bearer ${tokens.dahua}`).send({ file: 'x' })).status).toBe(415);
  });

  it('a completion naming an upload links it; a hash without an upload still works (version 1); whoever may read the item downloads the same bytes', async () => {
    await upload(tokens.dahua, ole, '会议记录.doc').expect((r) => expect(r.status === 200 || r.status === 201).toBe(true));
    const legacy = 'c'.repeat(64);
    await post(
      tokens.dahua,
      '/items/i1/complete',
      {
        summary: '活动场所标识标牌和制度已上墙。',
        evidence: [
          { name: '活动室.png', size: png.length, sha256: sha(png) },
          { name: '会议记录.doc', size: ole.length, sha256: sha(ole) },
          { name: '旧系统材料.docx', size: 1234, sha256: legacy },
        ],
      },
      200,
    );
    const history = await t.http.get('/api/v1/items/i1/history').set('Authorization', `Bearer ${tokens.org}`).expect(200);
    const reported = history.body.find((e: { type: string }) => e.type === 'CompletionReported');
    expect(reported.data.evidence).toEqual([
      { name: '活动室.png', size: png.length, sha256: sha(png), stored: true },
      { name: '会议记录.doc', size: ole.length, sha256: sha(ole), stored: true },
      { name: '旧系统材料.docx', size: 1234, sha256: legacy },
    ]);

    for (const who of [tokens.inspector, tokens.org, tokens.dahua]) {
      const res = await download(who, 'i1', sha(png)).expect(200);
      expect(Buffer.compare(res.body as Buffer, png)).toBe(0);
      expect(res.headers['content-type']).toBe('image/png');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-disposition']).toBe(`inline; filename="___.png"; filename*=UTF-8''${encodeURIComponent('活动室.png')}`);
    }
    const doc = await download(tokens.inspector, 'i1', sha(ole)).expect(200);
    expect(Buffer.compare(doc.body as Buffer, ole)).toBe(0);
    expect([doc.headers['content-type'], doc.headers['content-disposition'].split(';')[0]]).toEqual(['application/msword', 'attachment']);

    // Another township may not; a hash the item does not name is not found, even if stored (the PDF); a never-uploaded one neither.
    expect((await download(tokens.shenzhong, 'i1', sha(png))).status).toBe(403);
    expect((await download(tokens.inspector, 'i1', sha(pdf))).body.toString()).toContain('EVIDENCE_NOT_FOUND');
    expect((await download(tokens.inspector, 'i2', sha(png))).status).toBe(404);
    const never = await download(tokens.inspector, 'i1', legacy);
    expect([never.status, JSON.parse(never.body.toString()).code]).toEqual([404, 'EVIDENCE_NOT_STORED']);
    expect((await download(tokens.inspector, 'nope', sha(png))).status).toBe(404);
  });

  it('a hash that is no hash is a 400, whatever it tries to reach', async () => {
    for (const bad of ['..%2F..%2F..%2Fetc%2Fpasswd', '..', `${sha(png).slice(0, 62)}%2F.`, sha(png).toUpperCase(), `${sha(png)}.json`, '%2e%2e']) {
      const res = await download(tokens.inspector, 'i1', bad);
      expect([bad, res.status]).toEqual([bad, 400]);
    }
  });

  it('GET /audit/verify rehashes the files the reports name: untouched ok; bytes replaced on disk, not ok, naming the item and the hash', async () => {
    const ok = await t.http.get('/api/v1/audit/verify').set('Authorization', `Bearer ${tokens.inspector}`).expect(200);
    expect([ok.body.ok, ok.body.evidence]).toEqual([true, { ok: true, checked: 2, notUploaded: 1, problems: [] }]);
    const h = sha(png);
    const file = path.join(evidenceDir(), h.slice(0, 2), h.slice(2, 4), h);
    fs.chmodSync(file, 0o644);
    const forged = Buffer.concat([png.subarray(0, 8), Buffer.from('另一张照片', 'utf8')]);
    fs.writeFileSync(file, forged);
    const broken = await t.http.get('/api/v1/audit/verify').set('Authorization', `Bearer ${tokens.inspector}`).expect(200);
    expect(broken.body.ok).toBe(false);
    expect(broken.body.firstBreak).toBeUndefined();
    expect(broken.body.evidence.problems).toEqual([
      expect.objectContaining({ problem: 'mismatch', sha256: h, actual: sha(forged), itemId: 'i1', stream: 'item-i1', name: '活动室.png' }),
    ]);
    // Put back: the rest of the suite downloads it.
    fs.writeFileSync(file, png);
  });

  it('a report naming an uploaded file with another size is refused, and nothing is appended', async () => {
    const head = await t.store.headPosition();
    const res = await t.http
      .post('/api/v1/items/i2/progress')
      .set('Authorization', `Bearer ${tokens.dahua}`)
      .send({ note: '进展', evidence: [{ name: '活动室.png', size: png.length + 1, sha256: sha(png) }] });
    expect([res.status, res.body.errors]).toEqual([
      400,
      [{ field: 'evidence.0.size', messages: [`the uploaded file with this SHA-256 has ${png.length} bytes, not ${png.length + 1}`] }],
    ]);
    expect(await t.store.headPosition()).toBe(head);
  });
});
