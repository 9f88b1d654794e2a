import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AccessAudit, SqliteAccessAuditStore } from '@ledger/integrity';
import { FixedClock } from '@ledger/platform';
import express from 'express';
import request from 'supertest';
import { accessAuditMiddleware, expectAccess, noteAccess, recordAccessAhead } from './access-audit.middleware';
import { classifyAccess, outcomeOf } from './classify';

const q = (s = '') => new URLSearchParams(s);

describe('which answers the access audit records (route templates)', () => {
  it.each([
    ['POST', '/api/v1/auth/sign-in', '', 200, 'sign-in'],
    ['POST', '/api/v1/auth/sign-in', '', 401, 'sign-in-failed'],
    ['POST', '/api/v1/auth/sign-in', '', 423, 'sign-in-failed'],
    ['POST', '/api/v1/auth/sign-out', '', 204, 'session-end'],
    ['POST', '/api/v1/auth/password', '', 422, 'password-change'],
    ['POST', '/api/v1/accounts/:id/grant', '', 200, 'account-change'],
    ['POST', '/api/v1/accounts', '', 403, 'refused'],
    ['GET', '/api/v1/accounts', '', 200, 'account-read'],
    ['GET', '/api/v1/star-rating', 'from=2026-01-01&to=2026-06-30&format=csv', 200, 'export'],
    ['GET', '/api/v1/items', 'format=xlsx&cadreId=c-1', 200, 'export'],
    ['GET', '/api/v1/items', 'format=json', 200, null],
    ['GET', '/api/v1/audit/access', 'format=xlsx', 200, 'export'],
    ['GET', '/api/v1/audit/access', '', 400, 'audit-read'],
    ['GET', '/api/v1/audit/verify', '', 200, 'audit-verify'],
    ['GET', '/api/v1/items/:id/proof', '', 404, 'proof'],
    ['GET', '/api/v1/items/:id', 'asOf=2026-03-01T00:00:00Z', 200, 'as-of'],
    ['GET', '/api/v1/accountability', 'targetKind=cadre', 200, 'register-read'],
    ['GET', '/api/v1/cadres/:id/outstanding', '', 200, 'cadre-read'],
    ['GET', '/api/v1/cadres/outstanding', '', 200, null],
    ['GET', '/api/v1/items', 'cadreId=c-1', 200, 'cadre-read'],
    ['GET', '/api/v1/items', '', 200, null],
    ['GET', '/api/v1/units', '', 401, 'refused'],
    ['GET', '/api/v1/items/:id/evidence/:sha256', '', 200, 'evidence-download'],
    ['GET', '/api/v1/bulletins/:period', '', 200, 'bulletin'],
    ['GET', '/api/v1/bulletins/:period', 'format=xlsx', 200, 'bulletin'],
    ['GET', '/api/v1/notifications/dead-letters', '', 200, 'dead-letter-read'],
    ['POST', '/api/v1/notifications/:id/replay', '', 202, 'dead-letter-replay'],
    ['POST', '/api/v1/notifications/:id/replay', '', 403, 'refused'],
    ['GET', '/api/v1/items/:id/history', '', 200, null],
    ['GET', '/api/v1/log/inclusion', 'position=3', 200, null],
    ['POST', '/api/v1/items/:id/urge', '', 200, null],
    ['GET', undefined, '', 404, null],
  ] as const)('%s %s?%s answered %i: %s', (method, route, query, status, action) => {
    expect(classifyAccess(method, route, q(query), status)).toBe(action);
  });

  it('calls 401, 403 and 423 refusals, other errors failures', () => {
    expect([200, 204, 304, 400, 401, 403, 404, 423, 500, 503].map(outcomeOf)).toEqual([
      'ok',
      'ok',
      'ok',
      'failed',
      'refused',
      'refused',
      'failed',
      'refused',
      'failed',
      'failed',
    ]);
  });
});

describe('the middleware, on a real express app and a real trail', () => {
  let dir: string;
  let audit: AccessAudit;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'access-mw-'));
    audit = new AccessAudit(
      SqliteAccessAuditStore.open(path.join(dir, 'access-audit.sqlite'), { synchronous: 'NORMAL' }),
      new FixedClock(new Date('2026-03-02T01:00:00Z')),
    );
  });
  afterEach(async () => {
    await audit.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes the person a route names (a sign-in has no token yet) and never the body', async () => {
    const app = express();
    app.use(accessAuditMiddleware(audit));
    app.use(express.json());
    app.post('/api/v1/auth/sign-in', (req, res) => {
      noteAccess(res, { actor: String(req.body.login), detail: { reason: 'wrong password' } });
      res
        .status(401)
        .type('application/problem+json')
        .send(JSON.stringify({ status: 401, code: 'SIGN_IN_FAILED' }));
    });
    const res = await request(app).post('/api/v1/auth/sign-in').send({ login: 'wangzg', password: 'secret-1' });
    expect(res.status).toBe(401);
    const [entry] = await audit.store.entriesAfter(0, 10);
    expect(entry).toMatchObject({
      seq: 1,
      at: '2026-03-02T01:00:00.000Z',
      actor: 'wangzg',
      role: null,
      address: '127.0.0.1',
      action: 'sign-in-failed',
      target: 'POST /api/v1/auth/sign-in',
      outcome: 'refused',
      status: 401,
    });
    expect(JSON.parse(entry.detail as string)).toEqual({ code: 'SIGN_IN_FAILED', reason: 'wrong password' });
    expect(JSON.stringify(entry)).not.toContain('secret-1');
  });

  it('an entry written before the act is not written again; an answer that turned out otherwise is recorded too', async () => {
    const app = express();
    app.use(accessAuditMiddleware(audit));
    const outcomes = ['replayed', 'taken by another'];
    app.post('/api/v1/notifications/:id/replay', (req, res) => {
      expectAccess(req, res, 202);
      void (async () => {
        await recordAccessAhead(res);
        // Between the look and the act, another administrator replayed it: 409, after the entry was written.
        if (outcomes.shift() === 'replayed') res.status(202).json({ id: req.params.id });
        else
          res
            .status(409)
            .type('application/problem+json')
            .send(JSON.stringify({ status: 409, code: 'NOT_A_DEAD_LETTER' }));
      })();
    });
    await request(app).post('/api/v1/notifications/m-1/replay').expect(202);
    await request(app).post('/api/v1/notifications/m-2/replay').expect(409);
    expect((await audit.store.entriesAfter(0, 10)).map((e) => [e.action, e.target, e.outcome, e.status, e.detail])).toEqual([
      ['dead-letter-replay', 'POST /api/v1/notifications/m-1/replay', 'ok', 202, null],
      ['dead-letter-replay', 'POST /api/v1/notifications/m-2/replay', 'ok', 202, null],
      ['dead-letter-replay', 'POST /api/v1/notifications/m-2/replay', 'failed', 409, JSON.stringify({ code: 'NOT_A_DEAD_LETTER' })],
    ]);
  });

  it('holds a streamed answer until its entry is written, and records nothing for routes it does not audit', async () => {
    const app = express();
    app.use(accessAuditMiddleware(audit));
    app.get('/api/v1/accountability', (_req, res) => {
      res.write('part one,');
      res.end('part two');
    });
    app.get('/api/v1/units', (_req, res) => void res.json([]));
    expect((await request(app).get('/api/v1/accountability?format=csv')).text).toBe('part one,part two');
    await request(app).get('/api/v1/units').expect(200);
    expect((await audit.store.entriesAfter(0, 10)).map((e) => [e.action, e.target, e.status])).toEqual([
      ['export', 'GET /api/v1/accountability?format=csv', 200],
    ]);
  });
});
