/**
 * Hardening, the attacks on the HTTP surface: each one here answered 500 or wrote twice
 * before the fix. Real app, real SQLite files, supertest.
 */
import * as zlib from 'node:zlib';
import type { LoggerService } from '@nestjs/common';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FixedClock, loadConfig, openEventStore, signToken } from '@ledger/platform';
import request from 'supertest';
import { createApp } from '../apps/api/src/create-app';
import { writeDemoUsers } from '../apps/api/src/web/demo-users.controller';
import { startTestApp, type TestApp } from '../apps/api/src/testing/harness';

describe('malformed requests get 4xx, never 500 (issue 15.3)', () => {
  let t: TestApp;
  let org: string;
  beforeAll(async () => {
    t = await startTestApp();
    org = t.token('org_dept');
    const post = (p: string, body: object) => t.http.post(`/api/v1${p}`).set('Authorization', `Bearer ${org}`).send(body);
    await post('/units', { id: 'county', name: '县委', kind: 'county_committee' })
      .set('Authorization', `Bearer ${t.token('admin')}`)
      .expect(201);
    await post('/cadres', { id: 'c1', name: '张三', unitId: 'county', post: '书记' }).expect(201);
    await post('/sheets', { id: 's1', number: 'N-1', title: '清单', issuedOn: '2026-03-01' }).expect(201);
    await post('/items', { id: 'i1', sheetId: 's1', title: '事项', unitId: 'county', cadreId: 'c1', dueDate: '2026-04-01' }).expect(201);
  });
  afterAll(() => t.close());

  const raw = (p: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    const r = t.http.post(`/api/v1${p}`).set('Authorization', `Bearer ${org}`).set('Content-Type', 'application/json');
    for (const [k, v] of Object.entries(headers)) r.set(k, v);
    return r.send(body);
  };

  it('JSON nested 1,500 levels (3 KB) → 400 JSON_TOO_DEEP, nothing written', async () => {
    const head = await t.store.headPosition();
    const deepObject = '{"name":' + '{"a":'.repeat(1500) + '1' + '}'.repeat(1500) + ',"kind":"branch","parentId":"county"}';
    const deepArray = '{"name":' + '['.repeat(1500) + ']'.repeat(1500) + ',"kind":"branch","parentId":"county"}';
    // Before the bound the array answered 500 (the validator recursed off its stack).
    for (const body of [deepArray, deepObject]) {
      const res = await raw('/units', body);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'JSON_TOO_DEEP' });
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect(await t.store.headPosition()).toBe(head);
  });

  it('the bound is 32 levels, the body itself counted; brackets inside strings do not count', async () => {
    const nest = (levels: number) => `{"x":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)},"name":"支部","kind":"branch","parentId":"county"}`;
    expect((await raw('/units', nest(33))).body.code).toBe('JSON_TOO_DEEP');
    // 32 levels pass the bound and reach validation, which names the unknown field.
    const at32 = await raw('/units', nest(32));
    expect({ status: at32.status, code: at32.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    const res = await raw('/units', JSON.stringify({ name: '[[{{' + '['.repeat(10) + '\\"[', kind: 'branch', parentId: 'county' }));
    expect(res.status).toBe(201);
  });

  it.each(['gzip', 'deflate', 'br', 'x-unknown'])(
    'Content-Encoding: %s on a plain body → 415 UNSUPPORTED_CONTENT_ENCODING, nothing written',
    async (encoding) => {
      const head = await t.store.headPosition();
      const res = await raw('/items/i1/urge', JSON.stringify({ level: 'reminder' }), { 'Content-Encoding': encoding });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 415, code: 'UNSUPPORTED_CONTENT_ENCODING' });
      expect(res.headers['accept-encoding']).toBe('identity');
      expect(await t.store.headPosition()).toBe(head);
    },
  );

  it('Content-Encoding: gzip on a gzipped body → 415 as well (one rule: bodies come unencoded)', async () => {
    const res = await raw('/items/i1/urge', zlib.gzipSync(JSON.stringify({ level: 'reminder' })), { 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(415);
  });

  it('Content-Encoding: identity is a plain body', async () => {
    const res = await raw('/items/i1/urge', JSON.stringify({ level: 'reminder' }), { 'Content-Encoding': 'identity' });
    expect(res.status).toBe(200);
  });

  // "\ud800" in JSON text is a lone surrogate once parsed: the history would keep it while every
  // UTF-8 view shows U+FFFD. Refused wherever a JSON body enters, in values and in keys.
  it.each([
    ['an item title', '/items', '{"id":"i-s","sheetId":"s1","title":"事项\\ud800","unitId":"county","cadreId":"c1","dueDate":"2026-04-01"}'],
    ['a unit name', '/units', '{"name":"支部\\udc00","kind":"branch","parentId":"county"}'],
    ['an urge note', '/items/i1/urge', '{"level":"reminder","note":"催办\\udbff"}'],
    ['an object key', '/items/i1/urge', '{"level":"reminder","\\ud800":1}'],
  ])('a lone surrogate in %s → 400 INVALID_UNICODE, nothing written', async (_what, route, body) => {
    const head = await t.store.headPosition();
    const res = await raw(route, body);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'INVALID_UNICODE' });
    expect(await t.store.headPosition()).toBe(head);
  });

  it('a lone surrogate in an uploaded sheet (a UTF-16 CSV carries one as it is) → 400 SHEET_ROWS_INVALID naming row and column, nothing written', async () => {
    const head = await t.store.headPosition();
    const text = [
      '序号\t事项\t办理要求\t责任单位\t责任人\t完成时限',
      '1\t事项\ud800\t要求\t县委\t张三\t2026-08-01',
      '2\t事项二\t要求\udc00\t县委\t张三\t2026-08-01',
    ].join('\r\n');
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const res = await t.http
      .post('/api/v1/sheets/import')
      .set('Authorization', `Bearer ${org}`)
      .field('number', 'SUR-1')
      .field('title', '交办单')
      .field('issuedOn', '2026-03-01')
      .attach('file', bytes, '交办单.txt');
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'SHEET_ROWS_INVALID' });
    expect(res.body.errors.map((e: { row: number; column: string; field: string }) => [e.row, e.column, e.field])).toEqual([
      [2, '事项', 'title'],
      [3, '办理要求', 'requirements'],
    ]);
    expect(await t.store.headPosition()).toBe(head);
  });

  it('a lone surrogate in a multipart field (a part may declare charset=utf-16le) → 400 INVALID_UNICODE, nothing written', async () => {
    const head = await t.store.headPosition();
    const B = 'hardening-boundary';
    const part = (name: string, value: Buffer, type?: string) =>
      Buffer.concat([
        Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="${name}"\r\n${type ? `Content-Type: ${type}\r\n` : ''}\r\n`),
        value,
        Buffer.from('\r\n'),
      ]);
    const csv = Buffer.from('序号,事项,责任单位,责任人,完成时限\r\n1,事项,县委,张三,2026-08-01\r\n', 'utf8');
    const body = Buffer.concat([
      part('number', Buffer.from('SUR-2')),
      part('title', Buffer.from('交办单\ud800', 'utf16le'), 'text/plain; charset=utf-16le'),
      part('issuedOn', Buffer.from('2026-03-01')),
      Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="file"; filename="s.csv"\r\nContent-Type: text/csv\r\n\r\n`),
      csv,
      Buffer.from(`\r\n--${B}--\r\n`),
    ]);
    const res = await t.http
      .post('/api/v1/sheets/import')
      .set('Authorization', `Bearer ${org}`)
      .set('Content-Type', `multipart/form-data; boundary=${B}`)
      .send(body);
    expect({ status: res.status, code: res.body.code, field: res.body.field }).toEqual({ status: 400, code: 'INVALID_UNICODE', field: 'title' });
    expect(await t.store.headPosition()).toBe(head);
  });

  it('a well-formed surrogate pair (an emoji, escaped or not) is kept exactly, in the view as in the history', async () => {
    const res = await raw('/items', '{"id":"i-emoji","sheetId":"s1","title":"事项\\ud83d\\ude00😀","unitId":"county","cadreId":"c1","dueDate":"2026-04-01"}');
    expect(res.status).toBe(201);
    await t.projected(res.body.position);
    const view = await t.http.get('/api/v1/items/i-emoji').set('Authorization', `Bearer ${org}`).expect(200);
    expect(view.body.title).toBe('事项\u{1F600}\u{1F600}');
    const [created] = await t.store.readStream('item-i-emoji');
    expect((created.data as { title: string }).title).toBe('事项\u{1F600}\u{1F600}');
  });
});

describe('every 5xx is logged with its request id (issue 15.3)', () => {
  it('an unexpected error answers 500 with the request id, and the log line names it', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-5xx-'));
    const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_JWT_SECRET: 'x'.repeat(32), LEDGER_DEADLINE_WORKER: 'off' });
    const store = await openEventStore(config, { clock: new FixedClock(new Date('2026-03-02T01:00:00Z')) });
    const lines: string[] = [];
    const logger: LoggerService = {
      log: () => undefined,
      warn: () => undefined,
      error: (...parts: unknown[]) => void lines.push(parts.map(String).join(' ')),
    };
    const app = await createApp({ config, store, logger });
    try {
      await app.init();
      const admin = signToken({ sub: 'a', role: 'admin' }, 'x'.repeat(32));
      // The store goes away under the app: the next command fails in a way no rule foresaw.
      await store.close();
      const res = await request(app.getHttpServer())
        .post('/api/v1/units')
        .set('Authorization', `Bearer ${admin}`)
        .set('X-Request-Id', 'req-5xx-1')
        .send({ id: 'county', name: '县委', kind: 'county_committee' });
      expect(res.status).toBe(500);
      expect(res.body.requestId).toBe('req-5xx-1');
      expect(res.headers['x-request-id']).toBe('req-5xx-1');
      expect(lines.some((l) => l.includes('req-5xx-1') && l.includes('POST /api/v1/units'))).toBe(true);

      // Without an X-Request-Id the server makes one, answers it and logs it.
      lines.length = 0;
      const anon = await request(app.getHttpServer())
        .post('/api/v1/units')
        .set('Authorization', `Bearer ${admin}`)
        .send({ id: 'c2', name: '县委', kind: 'county_committee' });
      expect(anon.status).toBe(500);
      const id = anon.headers['x-request-id'];
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(anon.body.requestId).toBe(id);
      expect(lines.some((l) => l.includes(id))).toBe(true);
    } finally {
      await app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('one Idempotency-Key, one effect, whatever the spelling of the path (issue 15.4)', () => {
  let t: TestApp;
  let org: string;
  beforeAll(async () => {
    t = await startTestApp();
    org = t.token('org_dept');
    const post = (p: string, body: object) => t.http.post(`/api/v1${p}`).set('Authorization', `Bearer ${org}`).send(body);
    await post('/units', { id: 'county', name: '县委', kind: 'county_committee' })
      .set('Authorization', `Bearer ${t.token('admin')}`)
      .expect(201);
    await post('/cadres', { id: 'c1', name: '张三', unitId: 'county', post: '书记' }).expect(201);
    await post('/sheets', { id: 's1', number: 'N-1', title: '清单', issuedOn: '2026-03-01' }).expect(201);
    await post('/items', { id: 'i1', sheetId: 's1', title: '事项', unitId: 'county', cadreId: 'c1', dueDate: '2026-04-01' }).expect(201);
  });
  afterAll(() => t.close());

  it('the canonical path, a trailing slash, upper case and an escaped id write one event', async () => {
    const before = (await t.store.readStream('item-i1')).length;
    const answers = [];
    for (const p of ['/api/v1/items/i1/urge', '/api/v1/items/i1/urge/', '/API/V1/items/i1/urge', '/api/v1/ITEMS/%69%31/Urge']) {
      const res = await t.http.post(p).set('Authorization', `Bearer ${org}`).set('Idempotency-Key', 'one-key').send({ level: 'reminder' });
      expect({ p, status: res.status }).toEqual({ p, status: 200 });
      answers.push(res.body);
    }
    expect((await t.store.readStream('item-i1')).length).toBe(before + 1);
    for (const a of answers) expect(a).toEqual(answers[0]);
  });

  it('the same key on another item is another command', async () => {
    await t.http
      .post('/api/v1/items')
      .set('Authorization', `Bearer ${org}`)
      .send({ id: 'i2', sheetId: 's1', title: '事项二', unitId: 'county', cadreId: 'c1', dueDate: '2026-04-01' })
      .expect(201);
    const res = await t.http.post('/api/v1/items/i2/urge').set('Authorization', `Bearer ${org}`).set('Idempotency-Key', 'one-key').send({ level: 'reminder' });
    expect(res.status).toBe(200);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect((await t.store.readStream('item-i2')).length).toBe(2);
  });
});

describe('security headers (issue 15.5)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const common = (res: request.Response) => {
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
  };

  it('API answers (data, problems, 401) are not stored by any cache and carry the headers', async () => {
    const ok = await t.http
      .get('/api/v1/units')
      .set('Authorization', `Bearer ${t.token('org_dept')}`)
      .expect(200);
    const unauthenticated = await t.http.get('/api/v1/units').expect(401);
    const missing = await t.http
      .get('/api/v1/no-such-route')
      .set('Authorization', `Bearer ${t.token('org_dept')}`)
      .expect(404);
    const command = await t.http
      .post('/api/v1/units')
      .set('Authorization', `Bearer ${t.token('admin')}`)
      .send({ id: 'county', name: '县委', kind: 'county_committee' })
      .expect(201);
    for (const res of [ok, unauthenticated, missing, command]) {
      common(res);
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('the web app, health and metrics answers carry them too', async () => {
    for (const p of ['/', '/dashboard', '/health/live', '/metrics']) common(await t.http.get(p).expect(200));
  });
});

describe('the demo sign-in list is served only by a process started with --demo (issue 15.2)', () => {
  it('a folder the demo loader wrote: 404 without demo, the list with it', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-demo-flag-'));
    const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_JWT_SECRET: 'x'.repeat(32), LEDGER_DEADLINE_WORKER: 'off' });
    const admin = { role: 'admin', name: '管理员', unitId: null, token: 'admin.token.x', label: '系统管理员' };
    await writeDemoUsers(dataDir, [admin]);
    try {
      for (const [demo, status] of [
        [false, 404],
        [true, 200],
        [false, 404],
      ] as const) {
        const app = await createApp({ config, logger: false, demo });
        try {
          await app.init();
          const res = await request(app.getHttpServer()).get('/api/v1/demo/users');
          expect({ demo, status: res.status }).toEqual({ demo, status });
          if (status === 200) expect(res.body).toEqual([admin]);
          else expect(JSON.stringify(res.body)).not.toContain('admin.token.x');
        } finally {
          await app.close();
        }
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
