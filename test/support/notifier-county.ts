/**
 * The scene the notifier's month and week suites (test/month.spec.ts, test/week.spec.ts) share: the real
 * app on PostgreSQL on a moved clock, the read models opened twice for a notifier run in this process
 * (its work and its lease), real HTTP receivers on 127.0.0.1, and a small county (湟源县委 C over the
 * townships T1 and T2, a secretary each, one sheet). PostgreSQL: the notifier shares this process with
 * the projector, and two SQLite connections in one thread wait on each other's locks (in production they
 * are two processes).
 */
import type { DataSource } from 'typeorm';
import type { EventStore } from '@ledger/event-store';
import { startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { openReadModels } from '@ledger/read-models';
import { inProcessProjector } from '../../apps/api/src/create-app';
import { EVENT_STORE } from '../../apps/api/src/platform/tokens';
import { bulletinFromReadModels } from '../../apps/notifier/src/bulletins';
import { startNotifier, type RunningNotifier } from '../../apps/notifier/src/notifier';
import { Receiver } from '../../apps/notifier/src/testing/receiver';
import type { NotifyConfig } from '../../libs/read-models/src/notifications';
import { nineAm, startLedger, type Client, type Ledger } from './ledger';

export interface NotifierCounty<R extends string> {
  pg: TestPostgres;
  ledger: Ledger;
  store: EventStore;
  ds: DataSource;
  leaseDs: DataSource;
  receivers: Record<R, Receiver>;
  /** Every line the notifiers logged. */
  logs: string[];
  /** The logs and what each receiver got: what a failed wait explains itself with. */
  explain(): string;
  /** Resolves once the in-process projector has applied the store's head. */
  settle(): Promise<void>;
  /** A notifier on the ledger's clock reading `config` on every pass; stopped by close() if it is the last one started. */
  startNotifier(holder: string, config: () => NotifyConfig): Promise<RunningNotifier>;
  /** Posts C, T1, T2, the cadres K1 (T1) and K2 (T2) and the sheet s1 issued on `issuedOn`. */
  seed(sheet: { number: string; title: string; issuedOn: string }): Promise<void>;
  /** Assigns item `id` of sheet s1. */
  assign(id: string, unitId: string, cadreId: string, dueDate: string): Promise<unknown>;
  org: Client;
  inspector: Client;
  close(): Promise<void>;
}

/** The scene at 09:00 county time on `day`, with a receiver of each mode given. */
export async function startNotifierCounty<R extends string>(day: string, modes: Record<R, 'ok' | 'fail'>): Promise<NotifierCounty<R>> {
  const pg = await startTestPostgres();
  const ledger = await startLedger({ engine: 'postgres', postgres: pg, at: nineAm(day) });
  const store = ledger.app.get<EventStore>(EVENT_STORE);
  const ds = await openReadModels(ledger.config);
  const leaseDs = await openReadModels(ledger.config);
  const receivers = {} as Record<R, Receiver>;
  for (const [name, mode] of Object.entries(modes) as Array<[R, 'ok' | 'fail']>) receivers[name] = await Receiver.start(mode);
  const logs: string[] = [];
  let last: RunningNotifier | null = null;
  const org = ledger.as('org_dept');
  return {
    pg,
    ledger,
    store,
    ds,
    leaseDs,
    receivers,
    logs,
    org,
    inspector: ledger.as('inspector'),
    explain: () => `${logs.join('\n')}\n${Object.entries<Receiver>(receivers).map(([n, x]) => `${n}: ${x.received.length}`)}`,
    settle: async () => {
      const head = await store.headPosition();
      const projector = inProcessProjector(ledger.app)!;
      if (!(await projector.waitFor(head, 30_000)))
        throw new Error(
          `projector did not reach ${head}: ${String(
            await projector.done.then(
              () => 'stopped',
              (e: unknown) => e,
            ),
          )}`,
        );
    },
    startNotifier: async (holder, config) =>
      (last = await startNotifier(ds, leaseDs, store, {
        holder,
        ttlMs: 5000,
        config,
        now: () => ledger.clock.now(),
        log: (line) => logs.push(line),
        bulletin: bulletinFromReadModels(ds, store, ledger.config, ledger.clock),
      })),
    seed: async ({ number, title, issuedOn }) => {
      await org.post('/units', { id: 'C', name: '湟源县委', kind: 'county_committee' }, 201);
      await org.post('/units', { id: 'T1', name: '和平乡党委', kind: 'township_committee', parentId: 'C' }, 201);
      await org.post('/units', { id: 'T2', name: '申中乡党委', kind: 'township_committee', parentId: 'C' }, 201);
      await org.post('/cadres', { id: 'K1', name: '张三', unitId: 'T1', post: '书记' }, 201);
      await org.post('/cadres', { id: 'K2', name: '李四', unitId: 'T2', post: '书记' }, 201);
      await org.post('/sheets', { id: 's1', number, title, issuedOn }, 201);
    },
    assign: (id, unitId, cadreId, dueDate) => org.post('/items', { id, sheetId: 's1', title: `事项${id}`, unitId, cadreId, dueDate }, 201),
    close: async () => {
      await last?.stop();
      for (const x of Object.values<Receiver>(receivers)) await x.close();
      await ds.destroy();
      await leaseDs.destroy();
      await ledger.close();
      await pg.stop();
    },
  };
}
