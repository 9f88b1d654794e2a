import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { SCHEMA_VERSIONS, STREAM_PREFIX, type Actor, type EventPayloads, type EventType } from '@ledger/contracts/events';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { openReadModels } from '../data-source';
import { applyNotificationEvents, backfillUnitTree, notifierCheckpoint, parseNotifyConfig, unknownRouteUnits } from '.';

const ORG: Actor = { userId: 'u-org', role: 'org_dept', unitId: null };
const CONFIG = parseNotifyConfig(
  JSON.stringify({
    channels: {
      hook: { type: 'webhook', url: 'http://127.0.0.1:1/hook', secret: 's' },
      ding: { type: 'dingtalk', url: 'http://127.0.0.1:1/ding' },
    },
    routes: [
      { roles: ['unit'], channels: ['hook'] },
      { roles: ['unit'], unitsUnder: ['town-a'], channels: ['ding'] },
    ],
  }),
);

/**
 * Subtree routes against a hand-built organisation tree: the notifier folds the tree from the log and
 * matches each event against the tree as it stands at that event's position.
 *
 *   county ─┬─ town-a ─┬─ v1
 *           │          └─ v2   (moved under town-b later)
 *           └─ town-b ─── v3
 */
describe('subtree routes on the tree as it stands at the event', () => {
  let dir: string;
  let store: EventStore;
  let ds: DataSource;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'subtree-'));
    store = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
    ds = await openReadModels({ dataDir: dir, readDbUrl: null });
  });
  afterEach(async () => {
    await ds.destroy();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function append<K extends EventType>(type: K, data: EventPayloads[K]): Promise<void> {
    const id = randomUUID();
    const d = data as { unitId?: string; itemId?: string };
    const stream = d.itemId ? STREAM_PREFIX.item + d.itemId : STREAM_PREFIX.unit + d.unitId!;
    await store.append(stream, [{ id, type, schemaVersion: SCHEMA_VERSIONS[type], data, metadata: { actor: ORG, correlationId: id, causationId: id } }], 'any');
  }
  const register = (unitId: string, parentId: string | null) => append('UnitRegistered', { unitId, name: unitId, kind: 'township_committee', parentId });
  const assign = (itemId: string, unitId: string) =>
    append('ItemAssigned', {
      itemId,
      sheetId: 's1',
      title: itemId,
      requirements: '',
      unitId,
      supportUnitIds: [],
      cadreId: 'K1',
      leaderId: null,
      dueDate: '2026-11-30',
    });
  async function follow(upTo?: bigint): Promise<void> {
    for (;;) {
      const events = (await store.readAll({ after: await notifierCheckpoint(ds), limit: 2 })).filter((e) => upTo === undefined || e.position <= upTo);
      if (!events.length) return;
      await ds.transaction((em) => applyNotificationEvents(em, events, CONFIG, { contiguous: true, now: new Date('2026-11-02T01:00:00Z') }));
    }
  }
  /** item → its channels, from the outbox. */
  async function channels(): Promise<Record<string, string>> {
    const rows: { itemId: string; channel: string }[] = await ds.query(`SELECT "itemId", "channel" FROM "nt_outbox" ORDER BY "itemId", "channel"`);
    const out: Record<string, string[]> = {};
    for (const r of rows) (out[r.itemId] ??= []).push(r.channel);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.join(',')]));
  }

  async function script(): Promise<void> {
    await register('county', null);
    await register('town-a', 'county');
    await register('town-b', 'county');
    await register('v1', 'town-a');
    await register('v2', 'town-a');
    await register('v3', 'town-b');
    await assign('I-v1', 'v1');
    await assign('I-town-a', 'town-a');
    await assign('I-v3', 'v3');
    await assign('I-county', 'county');
    await assign('I-v2-before', 'v2');
    // Added after the configuration was written: under town-a, so covered.
    await register('v4', 'town-a');
    await assign('I-v4', 'v4');
    // v2 moves out: what is assigned to it from then on is not; what was, was.
    await append('UnitMoved', { unitId: 'v2', parentId: 'town-b', previousParentId: 'town-a' });
    await assign('I-v2-after', 'v2');
    // A village of v2, then v2 moves back: the village is under town-a again with it.
    await register('v2-x', 'v2');
    await assign('I-v2x-out', 'v2-x');
    await append('UnitMoved', { unitId: 'v2', parentId: 'town-a', previousParentId: 'town-b' });
    await assign('I-v2x-back', 'v2-x');
  }
  const EXPECTED = {
    'I-v1': 'ding,hook',
    'I-town-a': 'ding,hook',
    'I-v3': 'hook',
    'I-county': 'hook',
    'I-v2-before': 'ding,hook',
    'I-v4': 'ding,hook',
    'I-v2-after': 'hook',
    'I-v2x-out': 'hook',
    'I-v2x-back': 'ding,hook',
  };

  it('covers the root, units registered under it later, and not a unit moved out (nor its own units)', async () => {
    await script();
    await follow();
    expect(await channels()).toEqual(EXPECTED);
  });

  it('a notifier that folded the log before it kept the tree reads the units from the log once, then routes as if it always had', async () => {
    await script();
    // Up to the first assignment the events are folded as an older notifier did: nothing of the tree kept.
    const firstAssign = (await store.readAll({ after: 0n, limit: 100 })).find((e) => e.type === 'ItemAssigned')!.position;
    await follow(firstAssign - 1n);
    await ds.query(`DELETE FROM "nt_unit"`);
    expect(await backfillUnitTree(ds, store, async () => undefined, 2)).toBe(6);
    expect(await backfillUnitTree(ds, store, async () => undefined, 2)).toBeNull();
    await follow();
    expect(await channels()).toEqual(EXPECTED);
  });

  it('names the unit ids of the routes that are no unit of the tree (a typo matches nothing in silence otherwise)', async () => {
    await script();
    await follow();
    const config = parseNotifyConfig(
      JSON.stringify({
        channels: { ding: { type: 'dingtalk', url: 'http://127.0.0.1:1/ding' } },
        routes: [
          { roles: ['unit'], unitsUnder: ['town-a', 'town-c'], channels: ['ding'] },
          { roles: ['leader'], units: ['v1', 'v7'], channels: ['ding'] },
          { roles: ['inspector'], channels: ['ding'] },
        ],
      }),
    );
    expect(await unknownRouteUnits(ds, config)).toEqual([
      'routes[0].unitsUnder names "town-c", which is no unit of the organisation tree: it matches nothing until one is registered',
      'routes[1].units names "v7", which is no unit of the organisation tree: it matches nothing until one is registered',
    ]);
    expect(await unknownRouteUnits(ds, CONFIG)).toEqual([]);
  });
});
