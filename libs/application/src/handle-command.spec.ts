import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '@ledger/contracts/events';
import { unitDecider, unitStream, type UnitCommand, type UnitState } from '@ledger/domain';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { FixedClock } from '@ledger/platform';
import { CommandLoop, handleCommand, type CommandMeta, type CommandOutcome, type StreamCommand } from './handle-command';

const ORG: Actor = { userId: 'u-org', role: 'org_dept', unitId: null, name: '组织部' };
const meta = (over: Partial<CommandMeta> = {}): CommandMeta => ({
  actor: ORG,
  correlationId: 'corr-1',
  commandId: 'cmd-1',
  idempotencyKey: null,
  ifMatch: null,
  ...over,
});

const register = (unitId: string): StreamCommand<UnitCommand, UnitState> => ({
  name: 'RegisterUnit',
  stream: unitStream(unitId),
  decider: unitDecider,
  mode: 'create',
  id: unitId,
  build: (_, context) => ({
    type: 'RegisterUnit',
    context,
    data: { unitId, name: '湟源县委', kind: 'county_committee', parentId: null },
    facts: { parent: null },
  }),
});

const rename = (unitId: string, name: string, over: Partial<StreamCommand<UnitCommand, UnitState>> = {}): StreamCommand<UnitCommand, UnitState> => ({
  name: 'RenameUnit',
  stream: unitStream(unitId),
  decider: unitDecider,
  mode: 'existing',
  id: unitId,
  notFound: { code: 'UNIT_NOT_FOUND', message: `unit ${unitId} does not exist` },
  honourIfMatch: true,
  build: (_, context) => ({ type: 'RenameUnit', context, data: { unitId, name } }),
  ...over,
});

describe('handleCommand on a SQLite event store', () => {
  let dir: string;
  let store: EventStore;
  let loop: CommandLoop;
  const seen: Array<[string, CommandOutcome['kind']]> = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-loop-'));
    store = await openSqliteEventStore({ file: join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
    seen.length = 0;
    loop = new CommandLoop(store, new FixedClock(new Date('2026-03-12T02:00:00Z')), { observe: (name, o) => seen.push([name, o.kind]) });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends the decided events with their envelope, and folds them for the next command', async () => {
    const created = await handleCommand(loop, register('county'), meta());
    expect(created).toMatchObject({ kind: 'appended', id: 'county', revision: 0, events: 1 });
    expect(await handleCommand(loop, rename('county', '中共湟源县委员会'), meta({ commandId: 'cmd-2' }))).toMatchObject({ kind: 'appended', revision: 1 });

    const stored = await store.readStream('unit-county');
    expect(stored.map((e) => e.type)).toEqual(['UnitRegistered', 'UnitRenamed']);
    // The rename was decided on the folded registration: its previous name is the registered one.
    expect(stored[1].data).toEqual({ unitId: 'county', name: '中共湟源县委员会', previousName: '湟源县委' });
    expect(stored[1].metadata).toEqual({ actor: ORG, correlationId: 'corr-1', causationId: 'cmd-2', recordedAt: '2026-03-12T10:00:00.000+08:00' });
    // A fresh loop (no kept fold) folds the same state from the store.
    expect((await new CommandLoop(store, new FixedClock(new Date())).fold('unit-county', unitDecider)).state).toMatchObject({
      status: 'active',
      name: '中共湟源县委员会',
    });
    expect(seen).toEqual([
      ['RegisterUnit', 'appended'],
      ['RenameUnit', 'appended'],
    ]);
  });

  it('keeps the fold of its own append: the next read brings nothing back, and the state is what a whole read folds', async () => {
    await handleCommand(loop, register('county'), meta());
    await handleCommand(loop, rename('county', '县委一'), meta({ commandId: 'cmd-2' }));
    const kept = await loop.foldLatest('unit-county', unitDecider);
    expect(kept.revision).toBe(1);
    expect(kept.events).toEqual([]);
    const whole = await new CommandLoop(store, new FixedClock(new Date())).fold('unit-county', unitDecider);
    expect(whole.events).toHaveLength(2);
    expect(kept.state).toEqual(whole.state);
  });

  it('folds events another writer appended after the kept state', async () => {
    await handleCommand(loop, register('county'), meta());
    const other = new CommandLoop(store, new FixedClock(new Date('2026-03-12T03:00:00Z')));
    await handleCommand(other, rename('county', '县委一'), meta());
    // Decided on the kept fold brought up to date: renaming to the name the other writer gave is unchanged.
    const again = await handleCommand(loop, rename('county', '县委一'), meta());
    expect(again).toEqual({ kind: 'rejected', rejection: expect.objectContaining({ code: 'UNIT_NAME_UNCHANGED' }) });
  });

  it('decides again after a concurrent append between its read and its append, when it may', async () => {
    await handleCommand(loop, register('county'), meta());
    let builds = 0;
    const racing = rename('county', '县委二', {
      retryOnConflict: true,
      build: async (_, context) => {
        // Someone else writes between this command's read and its append, once.
        if (builds++ === 0)
          await store.append(
            'unit-county',
            loop.newEvents('unit-county', [{ type: 'UnitRenamed', data: { unitId: 'county', name: '县委一', previousName: '湟源县委' } }], meta(), context),
            0,
          );
        return { type: 'RenameUnit', context, data: { unitId: 'county', name: '县委二' } };
      },
    });
    expect(await handleCommand(loop, racing, meta())).toMatchObject({ kind: 'appended', revision: 2 });
    expect(builds).toBe(2);
    const stored = await store.readStream('unit-county');
    expect(stored.map((e) => (e.data as { name: string }).name)).toEqual(['湟源县委', '县委一', '县委二']);
    expect((stored[2].data as { previousName: string }).previousName).toBe('县委一');
  });

  it('answers conflict when a concurrent append wins and the command may not be decided again', async () => {
    await handleCommand(loop, register('county'), meta());
    let builds = 0;
    const racing = rename('county', '县委二', {
      build: async (_, context) => {
        // Someone else writes between every decision and its append.
        const revision = (await store.readStream('unit-county')).length - 1;
        const name = `县委${++builds}`;
        await store.append(
          'unit-county',
          loop.newEvents('unit-county', [{ type: 'UnitRenamed', data: { unitId: 'county', name, previousName: '湟源县委' } }], meta(), context),
          revision,
        );
        return { type: 'RenameUnit', context, data: { unitId: 'county', name: '县委二' } };
      },
    });
    expect(await handleCommand(loop, racing, meta())).toEqual({ kind: 'conflict', stream: 'unit-county' });
    // The first decision, on the kept fold, is taken again on a read; the race after that read is the conflict.
    expect(builds).toBe(2);
    expect((await store.readStream('unit-county')).length).toBe(3);
    expect(seen.at(-1)).toEqual(['RenameUnit', 'conflict']);
  });

  describe('deciding on the kept fold before reading the stream', () => {
    let reads: number;
    const counting = (inner: EventStore): EventStore =>
      new Proxy(inner, {
        get(target, key, receiver) {
          if (key === 'readStream') {
            return (...args: Parameters<EventStore['readStream']>) => {
              reads++;
              return target.readStream(...args);
            };
          }
          const value = Reflect.get(target, key, receiver) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    let counted: CommandLoop;
    let other: CommandLoop;
    beforeEach(async () => {
      reads = 0;
      counted = new CommandLoop(counting(store), new FixedClock(new Date('2026-03-12T02:00:00Z')));
      other = new CommandLoop(store, new FixedClock(new Date('2026-03-12T03:00:00Z')));
      await handleCommand(counted, register('county'), meta());
      reads = 0;
    });

    it('appends on its kept fold without reading the stream: the expected revision proves it current', async () => {
      expect(await handleCommand(counted, rename('county', '县委一'), meta())).toMatchObject({ kind: 'appended', revision: 1 });
      expect(await handleCommand(counted, rename('county', '县委二'), meta({ ifMatch: 1 }))).toMatchObject({ kind: 'appended', revision: 2 });
      expect(reads).toBe(0);
      const names = (await store.readStream('unit-county')).map((e) => (e.data as { previousName?: string }).previousName);
      expect(names).toEqual([undefined, '湟源县委', '县委一']);
    });

    it('decides again on a read when another writer made the kept fold stale, and the read decides: appended', async () => {
      await handleCommand(other, rename('county', '县委一'), meta());
      // A rename may not be decided again after a conflict; this one is no conflict of the client's, only a stale fold.
      expect(await handleCommand(counted, rename('county', '县委二'), meta())).toMatchObject({ kind: 'appended', revision: 2 });
      expect((await store.readStream('unit-county'))[2].data).toEqual({ unitId: 'county', name: '县委二', previousName: '县委一' });
      expect(reads).toBe(1);
    });

    it('answers a rejection only from a read: the kept fold says unchanged, the stream says otherwise', async () => {
      await handleCommand(counted, rename('county', '县委一'), meta());
      await handleCommand(other, rename('county', '县委二'), meta());
      expect(await handleCommand(counted, rename('county', '县委一'), meta())).toMatchObject({ kind: 'appended', revision: 3 });
      expect((await store.readStream('unit-county'))[3].data).toEqual({ unitId: 'county', name: '县委一', previousName: '县委二' });
    });

    it("answers stale_revision only from a read: an If-Match of the stream's revision passes a stale kept fold", async () => {
      await handleCommand(other, rename('county', '县委一'), meta());
      expect(await handleCommand(counted, rename('county', '县委二'), meta({ ifMatch: 1 }))).toMatchObject({ kind: 'appended', revision: 2 });
      expect(await handleCommand(counted, rename('county', '县委三'), meta({ ifMatch: 1 }))).toEqual({ kind: 'stale_revision', expected: 1, actual: 2 });
    });

    it('replays a request another process already appended after the kept fold', async () => {
      const keyed = meta({ idempotencyKey: 'u-org\nPOST /api/v1/units/county/rename\nk2' });
      const first = await handleCommand(other, rename('county', '县委一'), keyed);
      expect(first).toMatchObject({ kind: 'appended', revision: 1 });
      const replay = await handleCommand(counted, rename('county', '县委一'), { ...keyed, commandId: 'cmd-again' });
      expect(replay).toEqual({ kind: 'replayed', id: 'county', revision: 1, position: (first as { position: bigint }).position });
      expect((await store.readStream('unit-county')).length).toBe(2);
    });
  });

  it('replays a command under the same Idempotency-Key: the first answer, nothing appended again', async () => {
    await handleCommand(loop, register('county'), meta());
    const keyed = meta({ idempotencyKey: 'u-org\nPOST /api/v1/units/county/rename\nk1' });
    const first = await handleCommand(loop, rename('county', '县委一'), keyed);
    expect(first).toMatchObject({ kind: 'appended', revision: 1 });
    // Another loop (another process, nothing kept) gets the same request again.
    const replay = await handleCommand(new CommandLoop(store, new FixedClock(new Date())), rename('county', '县委一'), { ...keyed, commandId: 'cmd-again' });
    expect(replay).toEqual({ kind: 'replayed', id: 'county', revision: 1, position: (first as { position: bigint }).position });
    expect((await store.readStream('unit-county')).length).toBe(2);
  });

  it('appends under ids the caller derives, and finds a replay by them without an Idempotency-Key', async () => {
    const ids = (i: number) => `00000000-0000-4000-8000-00000000000${i}`;
    const first = await handleCommand(loop, { ...register('county'), eventId: ids }, meta());
    expect(first).toMatchObject({ kind: 'appended', revision: 0 });
    expect((await store.readStream('unit-county')).map((e) => e.id)).toEqual([ids(0)]);
    const again = await handleCommand(
      new CommandLoop(store, new FixedClock(new Date())),
      { ...register('county'), eventId: ids },
      meta({ commandId: 'cmd-again' }),
    );
    expect(again).toEqual({ kind: 'replayed', id: 'county', revision: 0, position: (first as { position: bigint }).position });
    // Other ids on the same stream are a new command, which the decider judges.
    const other = await handleCommand(loop, { ...register('county'), eventId: (i) => `00000000-0000-4000-8000-00000000001${i}` }, meta());
    expect(other).toEqual({ kind: 'rejected', rejection: expect.objectContaining({ code: 'UNIT_ALREADY_EXISTS' }) });
  });

  it('answers stale_revision for an If-Match that is not the stream revision, and appends nothing', async () => {
    await handleCommand(loop, register('county'), meta());
    await handleCommand(loop, rename('county', '县委一'), meta());
    expect(await handleCommand(loop, rename('county', '县委二'), meta({ ifMatch: 0 }))).toEqual({ kind: 'stale_revision', expected: 0, actual: 1 });
    expect(await handleCommand(loop, rename('county', '县委二'), meta({ ifMatch: 1 }))).toMatchObject({ kind: 'appended', revision: 2 });
    expect((await store.readStream('unit-county')).length).toBe(3);
  });

  it("answers not_found with the command's code for a command on a stream that does not exist", async () => {
    expect(await handleCommand(loop, rename('nowhere', '县委'), meta())).toEqual({
      kind: 'not_found',
      code: 'UNIT_NOT_FOUND',
      message: 'unit nowhere does not exist',
    });
    expect(await store.readStream('unit-nowhere')).toEqual([]);
  });

  it('passes a rejection through as a value, from the decider or from the facts', async () => {
    await handleCommand(loop, register('county'), meta());
    const twice = await handleCommand(loop, register('county'), meta());
    expect(twice).toEqual({ kind: 'rejected', rejection: expect.objectContaining({ kind: 'rejection', code: 'UNIT_ALREADY_EXISTS' }) });
    const asUnit = await handleCommand(loop, rename('county', '县委一'), meta({ actor: { userId: 'u1', role: 'unit', unitId: 'county', name: '单位' } }));
    expect(asUnit).toEqual({ kind: 'rejected', rejection: expect.objectContaining({ forbidden: true }) });
    const byFacts = await handleCommand(
      loop,
      rename('county', '县委一', { build: () => ({ kind: 'rejection', code: 'FACTS_SAY_NO', message: 'no' }) }),
      meta(),
    );
    expect(byFacts).toEqual({ kind: 'rejected', rejection: { kind: 'rejection', code: 'FACTS_SAY_NO', message: 'no' } });
    expect((await store.readStream('unit-county')).length).toBe(1);
    expect(seen.filter(([, k]) => k === 'rejected').length).toBe(3);
  });

  it('answers write_refused while the ledger refuses writes, and appends nothing', async () => {
    const broken = { position: 7n, stream: 'unit-x', revision: 0, reason: 'hash-mismatch', detail: 'test' } as never;
    const refusing = new CommandLoop(store, new FixedClock(new Date()), { writeRefusal: () => broken });
    expect(await handleCommand(refusing, register('county'), meta())).toEqual({ kind: 'write_refused', firstBreak: broken });
    expect(await store.readStream('unit-county')).toEqual([]);
  });
});
