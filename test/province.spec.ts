/**
 * A province on PostgreSQL: the province generator writes three county trees under a province committee
 * through the command path; a county's users see only their county's items, a province's users all of
 * them. The expected counts come from the event log itself (UnitRegistered parents, ItemAssigned units),
 * not from the read models or the generator's own tally.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { FixedClock, loadConfig, openEventStore, type LedgerConfig } from '@ledger/platform';
import { useTestPostgres } from '@ledger/platform/testing/postgres';
import { createApp, type LedgerApp } from '../apps/api/src/create-app';
import { tokenCommand } from '../apps/cli/src/token';
import { generateProvince, type ProvinceResult } from '../apps/cli/src/scale/generate-county';

const NOW = new Date('2026-06-15T01:00:00Z');
const API = '/api/v1';

// Outside the describe: its afterAll (the server stopped) runs after the describe's (the app closed).
const pg = useTestPostgres();

describe('a province of three counties on PostgreSQL', () => {
  let dataDir: string;
  let config: LedgerConfig;
  let result: ProvinceResult;
  let app: LedgerApp;
  /** From the log: each county root's units, and the items assigned to a unit of each county. */
  const fromLog = {
    provinceRoot: '',
    countyRoots: [] as string[],
    countyOf: new Map<string, string>(),
    items: new Map<string, string[]>(),
    withdrawn: new Map<string, number>(),
  };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-province-'));
    const url = await pg.freshDatabase();
    const env = { LEDGER_EVENT_STORE: 'postgres', LEDGER_EVENT_STORE_URL: url, LEDGER_READ_DB_URL: url, LEDGER_JWT_SECRET: 'province-spec-secret-0000000000' };
    result = await generateProvince({ dataDir, counties: 3, eventsPerCounty: 2500, seed: 11, now: NOW, env, concurrency: 32 });
    config = loadConfig({ ...env, LEDGER_DATA_DIR: dataDir, LEDGER_DEADLINE_WORKER: 'off' });

    const store = await openEventStore(config);
    const parent = new Map<string, string | null>();
    const itemCounty = new Map<string, string>();
    for (let after = 0n; ;) {
      const batch = await store.readAll({ after, limit: 5000 });
      if (batch.length === 0) break;
      for (const e of batch) {
        const d = e.data as { unitId: string; parentId?: string | null; kind?: string; itemId?: string };
        if (e.type === 'UnitRegistered') {
          parent.set(d.unitId, d.parentId ?? null);
          if (d.kind === 'province_committee') fromLog.provinceRoot = d.unitId;
          if (d.kind === 'county_committee') fromLog.countyRoots.push(d.unitId);
        }
        if (e.type === 'ItemAssigned') {
          let county = d.unitId;
          while (parent.get(county) !== fromLog.provinceRoot) county = parent.get(county)!;
          fromLog.items.set(county, [...(fromLog.items.get(county) ?? []), d.itemId!]);
          itemCounty.set(d.itemId!, county);
        }
        if (e.type === 'ItemWithdrawn') {
          const county = itemCounty.get(d.itemId!)!;
          fromLog.withdrawn.set(county, (fromLog.withdrawn.get(county) ?? 0) + 1);
        }
      }
      after = batch[batch.length - 1].position;
    }
    await store.close();
    for (const unit of parent.keys()) {
      let county = unit;
      while (county !== fromLog.provinceRoot && parent.get(county) !== fromLog.provinceRoot) county = parent.get(county)!;
      if (county !== fromLog.provinceRoot) fromLog.countyOf.set(unit, county);
    }

    app = await createApp({ config, clock: new FixedClock(NOW), logger: false });
    await app.init();
  }, 600_000);
  afterAll(async () => {
    await app?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const as = (role: 'unit' | 'org_dept', unitId?: string) => {
    const bearer = tokenCommand(config, { role, unit: unitId, sub: `${role}-${unitId ?? 'province'}`, name: '测试用户' });
    return (route: string) => request(app.getHttpServer()).get(`${API}${route}`).set('Authorization', `Bearer ${bearer}`);
  };

  it('puts three county trees, each with its items, under one province committee', () => {
    expect(fromLog.provinceRoot).toBe(result.provinceId);
    expect(fromLog.countyRoots).toHaveLength(3);
    expect(new Set(fromLog.countyRoots)).toEqual(new Set(result.counties.map((c) => c.rootId)));
    for (const root of fromLog.countyRoots) {
      expect([...fromLog.countyOf.values()].filter((c) => c === root).length).toBeGreaterThanOrEqual(900);
      expect(fromLog.items.get(root)?.length ?? 0).toBeGreaterThan(100);
    }
    expect(new Set(result.counties.map((c) => c.name)).size).toBe(3);
    // Every planned act fits the item's state when it runs: none was turned down and skipped.
    expect(result.refused).toEqual({});
  });

  it("shows a county's users their county's items and none of another county's", async () => {
    for (const root of fromLog.countyRoots) {
      const get = as('unit', root);
      const own = fromLog.items.get(root)!;
      const list = await get('/items?pageSize=200&sort=dueDate').expect(200);
      expect(list.body.total).toBe(own.length);
      for (const item of list.body.items as Array<{ id: string; unitId: string }>) expect(fromLog.countyOf.get(item.unitId)).toBe(root);
      const figures = (await get(`/units/${root}/outstanding`).expect(200)).body as { total: number; withdrawn: number };
      expect({ total: figures.total, withdrawn: figures.withdrawn }).toEqual({ total: own.length, withdrawn: fromLog.withdrawn.get(root) ?? 0 });

      const other = fromLog.countyRoots.find((r) => r !== root)!;
      // A list filter outside the scope narrows to nothing (the list never leaves the subtree); a unit's own answers are 403.
      expect((await get(`/items?unitId=${other}`).expect(200)).body.total).toBe(0);
      await get(`/units/${other}/outstanding`).expect(403);
      await get(`/units/${fromLog.provinceRoot}/children/outstanding`).expect(403);
      const foreignItem = fromLog.items.get(other)![0];
      const answer = await get(`/items/${foreignItem}`);
      expect([403, 404]).toContain(answer.status);
    }
  });

  it("shows a province's users every county's items, and each county on the province's dashboard", async () => {
    const all = fromLog.countyRoots.reduce((sum, r) => sum + fromLog.items.get(r)!.length, 0);
    for (const get of [as('unit', fromLog.provinceRoot), as('org_dept')]) {
      expect((await get('/items?pageSize=1').expect(200)).body.total).toBe(all);
      for (const root of fromLog.countyRoots)
        expect((await get(`/items?unitId=${root}&pageSize=1`).expect(200)).body.total).toBe(fromLog.items.get(root)!.length);
      const children = (await get(`/units/${fromLog.provinceRoot}/children/outstanding`).expect(200)).body as Array<{ unitId: string; total: number }>;
      expect(new Map(children.map((c) => [c.unitId, c.total]))).toEqual(new Map(fromLog.countyRoots.map((r) => [r, fromLog.items.get(r)!.length])));
      expect((await get(`/units/${fromLog.provinceRoot}/outstanding`).expect(200)).body.total).toBe(all);
    }
  });
});
