import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, openEventStore } from '@ledger/platform';
import request from 'supertest';
import { tokenCommand } from '../apps/cli/src/token';
import { createApp } from '../apps/api/src/create-app';
import { startTestApp } from '../apps/api/src/testing/harness';

describe('CLI tokens and the server share the data dir secret', () => {
  it('a token minted by `ledger token` with the same LEDGER_DATA_DIR (no LEDGER_JWT_SECRET) is accepted', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-cli-'));
    const config = loadConfig({ LEDGER_DATA_DIR: dataDir });
    const token = tokenCommand(config, { role: 'admin', sub: 'cli-admin', name: '管理员' });
    const secretFile = path.join(dataDir, 'jwt-secret');
    expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
    const store = await openEventStore(config);
    const app = await createApp({ config, store, logger: false });
    try {
      await app.init();
      const res = await request(app.getHttpServer())
        .post('/api/v1/units')
        .set('Authorization', `Bearer ${token}`)
        .send({ id: 'county', name: '县委', kind: 'county_committee' })
        .expect(201);
      expect(res.body.id).toBe('county');
      const [event] = await store.readStream('unit-county');
      expect(event.metadata.actor).toEqual({ userId: 'cli-admin', role: 'admin', unitId: null, name: '管理员' });
      // The secret is kept, not regenerated: a second token from the same dir works too.
      expect(tokenCommand(config, { role: 'unit', unit: 'county', sub: 'u2' })).toEqual(expect.any(String));
      expect(fs.readFileSync(secretFile, 'utf8').length).toBeGreaterThanOrEqual(16);
    } finally {
      await app.close();
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses to mint a unit token without --unit', () => {
    const config = loadConfig({ LEDGER_JWT_SECRET: 'x'.repeat(32) });
    expect(() => tokenCommand(config, { role: 'unit', sub: 'u' })).toThrow(/--unit/);
    expect(() => tokenCommand(config, { role: 'king', sub: 'u' })).toThrow(/--role/);
  });
});

describe('concurrent commands on one item', () => {
  it('retries independent commands (urge) on a conflict; both land, in distinct revisions', async () => {
    const t = await startTestApp();
    try {
      const org = t.token('org_dept');
      const post = (p: string, body: object) => t.http.post(`/api/v1${p}`).set('Authorization', `Bearer ${org}`).send(body);
      await post('/units', { id: 'county', name: '县委', kind: 'county_committee' })
        .set('Authorization', `Bearer ${t.token('admin')}`)
        .expect(201);
      await post('/cadres', { id: 'c1', name: '张三', unitId: 'county', post: '书记' }).expect(201);
      await post('/sheets', { id: 's1', number: 'N-1', title: '清单', issuedOn: '2026-03-01' }).expect(201);
      const item = await post('/items', { id: 'i1', sheetId: 's1', title: '事项', unitId: 'county', cadreId: 'c1', dueDate: '2026-04-01' }).expect(201);
      const results = await Promise.all(Array.from({ length: 6 }, () => post('/items/i1/urge', { level: 'reminder' })));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(new Set(results.map((r) => r.body.revision)).size).toBe(6);
      expect((await t.store.readStream('item-i1')).length).toBe(7);
      expect(item.body.revision).toBe(0);
    } finally {
      await t.close();
    }
  });
});
