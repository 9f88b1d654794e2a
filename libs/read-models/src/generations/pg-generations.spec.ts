/**
 * The live generation of PostgreSQL read models: named by a row of public.rm_active_set, each one a
 * schema; an open DataSource follows a switch (a transaction under way finishes on its own session);
 * an old generation is dropped only once no session is on it. A real PostgreSQL.
 */
import type { DataSource } from 'typeorm';
import { Client } from 'pg';
import { eventually } from '@ledger/platform/testing/eventually';
import { useTestPostgres } from '@ledger/platform/testing/postgres';
import { openReadModels } from '../data-source';
import { activeSchema, dropSchemaGeneration, nextSchemaGeneration, switchActiveSchemaSql } from './pg-generations';

const pg = useTestPostgres();

describe('PostgreSQL read-model generations', () => {
  let url: string;
  const open: DataSource[] = [];
  const readModels = async (generation?: string) => {
    const ds = await openReadModels({ dataDir: '/nonexistent', readDbUrl: url }, generation ? { generation } : {});
    open.push(ds);
    return ds;
  };
  const mark = async (ds: DataSource, value: string) =>
    ds.query(`INSERT INTO rm_checkpoint (name, position) VALUES ('mark', $1) ON CONFLICT (name) DO UPDATE SET position = excluded.position`, [value]);
  const markOf = async (ds: DataSource) =>
    ((await ds.query(`SELECT position FROM rm_checkpoint WHERE name = 'mark'`)) as Array<{ position: string }>)[0]?.position;
  const switchTo = async (schema: string) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { sql, params } = switchActiveSchemaSql(schema);
      await client.query(sql, params);
    } finally {
      await client.end();
    }
  };

  beforeEach(async () => (url = await pg.freshDatabase()));
  afterEach(async () => {
    for (const ds of open.splice(0)) if (ds.isInitialized) await ds.destroy();
  });

  it('public until the control row names another schema; a row naming anything else is refused', async () => {
    expect(await activeSchema(url)).toBe('public');
    expect(await nextSchemaGeneration(url)).toBe(1);
    expect(() => switchActiveSchemaSql('pg_catalog')).toThrow(/not a read-model generation schema/);
    await readModels('rm_g3');
    expect(await nextSchemaGeneration(url)).toBe(4);
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.query(`INSERT INTO public.rm_active_set (name, schema) VALUES ('read-models', 'pg_catalog')`);
    await client.end();
    await expect(activeSchema(url)).rejects.toThrow(/names "pg_catalog", not a read-model generation schema/);
  });

  it('an open DataSource moves to the new schema; a transaction under way ends on the old one; the old one is dropped once let go', async () => {
    const live = await readModels();
    await mark(live, 'zero');
    const next = await readModels('rm_g1');
    await mark(next, 'one');
    const inside: string[] = [];
    let switched = false;
    await live.transaction(async (em) => {
      inside.push(((await em.query(`SELECT position FROM rm_checkpoint WHERE name = 'mark'`)) as Array<{ position: string }>)[0].position);
      await switchTo('rm_g1');
      // Other queries move to the new schema while this transaction keeps its session.
      await eventually('the DataSource follows', async () => (await markOf(live)) === 'one', { timeoutMs: 30_000 });
      switched = true;
      inside.push(((await em.query(`SELECT position FROM rm_checkpoint WHERE name = 'mark'`)) as Array<{ position: string }>)[0].position);
    });
    expect(switched).toBe(true);
    expect(inside).toEqual(['zero', 'zero']);
    expect(await markOf(await readModels())).toBe('one');
    await expect(dropSchemaGeneration(url, 'rm_g1')).rejects.toThrow(/is the live read-model generation/);
    // The old generation's tables go once no session is on it; the control table stays.
    await eventually('the old generation dropped', () => dropSchemaGeneration(url, 'public'), { timeoutMs: 30_000 });
    const client = new Client({ connectionString: url });
    await client.connect();
    const left = (await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)).rows.map(
      (r: { tablename: string }) => r.tablename,
    );
    await client.end();
    expect(left).toEqual(['rm_active_set']);
    expect(await markOf(live)).toBe('one');
  });
});
