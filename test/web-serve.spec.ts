import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureWebBuilt, startLedger, type Ledger } from './web/harness';

/** The API serves the web app at `/` without ever shadowing its own routes (apps/api/src/web). */
describe('web app served by the API', () => {
  let ledger: Ledger;
  beforeAll(async () => {
    ensureWebBuilt();
    ledger = await startLedger();
  });
  afterAll(() => ledger?.close());

  it('serves index.html at / and for any client-side route', async () => {
    for (const p of ['/', '/dashboard', '/items/some-id', '/workbench']) {
      const res = await fetch(ledger.url + p);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      const html = await res.text();
      expect(html).toContain('<div id="app"></div>');
      expect(html).toContain('lang="zh-CN"');
    }
  });

  it('serves the hashed assets with a long cache', async () => {
    const html = await (await fetch(ledger.url + '/')).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const res = await fetch(ledger.url + asset);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect(res.headers.get('content-type')).toMatch(/javascript/);
  });

  it('never answers API, health or metrics paths with the app', async () => {
    const api = await fetch(ledger.url + '/api/v1/no-such-route');
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).not.toMatch(/text\/html/);
    const openApi = await fetch(ledger.url + '/api/docs-json');
    expect(((await openApi.json()) as { openapi: string }).openapi).toMatch(/^3\./);
    const live = await fetch(ledger.url + '/health/live');
    expect(await live.json()).toEqual({ status: 'ok' });
    const metrics = await fetch(ledger.url + '/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    const missingAsset = await fetch(ledger.url + '/assets/missing-123.js');
    expect(missingAsset.status).toBe(404);
  });

  it('answers 404 for the demo users when not started with --demo, even where the demo loader wrote the list', async () => {
    const none = await fetch(ledger.url + '/api/v1/demo/users');
    expect(none.status).toBe(404);
    const users = [{ role: 'unit', name: '李明', unitId: 'u-1', token: 'a.b.c', label: '城关镇党委' }];
    fs.writeFileSync(path.join(ledger.config.dataDir, 'demo-users.json'), JSON.stringify(users));
    const res = await fetch(ledger.url + '/api/v1/demo/users');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('NOT_DEMO');
  });
});
