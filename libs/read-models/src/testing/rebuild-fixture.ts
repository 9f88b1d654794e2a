import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { EventScript } from './county-script';

export interface RebuildFixture {
  /** The data directory (SQLite read-model files, the event store's file). */
  dir: string;
  store: EventStore;
  /** The PostgreSQL server of a `postgres` spec. */
  pg: TestPostgres | undefined;
  /** Data sources the spec opened: destroyed after it. */
  opened: DataSource[];
}

/**
 * A small live log for the specs of a rebuild beside the live set (a county, a township, a cadre, a
 * sheet, one item), in a fresh directory, and a PostgreSQL server for `postgres`. Call it inside a
 * `describe`: it registers its own beforeAll and afterAll.
 */
export function rebuildFixture(engine: 'sqlite' | 'postgres', prefix: string): RebuildFixture {
  const fx = { dir: '', store: undefined, pg: undefined, opened: [] } as unknown as RebuildFixture;
  beforeAll(async () => {
    fx.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fx.store = await openSqliteEventStore({ file: path.join(fx.dir, 'events.sqlite'), synchronous: 'NORMAL' });
    if (engine === 'postgres') fx.pg = await startTestPostgres();
    const script = new EventScript(fx.store);
    await script.unit('X', '湟源县委', null, 'county_committee');
    await script.unit('XT1', '和平乡党委', 'X', 'township_committee');
    await script.cadre('XK1', '张三', 'XT1');
    await script.sheet('xs1', '湟组交〔2026〕1号');
    await script.assign('XI1', 'XT1', 'XK1', '2026-03-05', 'xs1');
  }, 180_000);
  afterAll(async () => {
    for (const ds of fx.opened) await ds.destroy().catch(() => undefined);
    await fx.store?.close();
    await fx.pg?.stop();
    if (fx.dir) fs.rmSync(fx.dir, { recursive: true, force: true });
  });
  return fx;
}
