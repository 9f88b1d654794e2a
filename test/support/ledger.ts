/**
 * An end-to-end harness: the real app (createApp) on a chosen engine, the projector in-process, a
 * FixedClock the story moves, and nothing but HTTP (supertest) with real JWTs to talk to it.
 *
 *   const ledger = await startLedger({ engine: 'sqlite' });
 *   const org = ledger.as('org_dept');
 *   const res = await org.post('/units', { … }).expect(201);   // remembers res.body.position
 *   await org.get('/units');                                   // ?minPosition=<last position seen>
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { UserRole } from '@ledger/contracts/events';
import { FixedClock, loadConfig, type LedgerConfig } from '@ledger/platform';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { sqliteEventStoreFile } from '@ledger/platform';
import { createTestDatabase, dropTestDatabase, type TestPostgres } from '@ledger/platform/testing/postgres';
import { readModelsSqliteFile } from '@ledger/read-models';
import Database from 'better-sqlite3';
import { Client as PgClient } from 'pg';
import request, { type Response } from 'supertest';
import { createApp, type LedgerApp } from '../../apps/api/src/create-app';
import { tokenCommand } from '../../apps/cli/src/token';

export type Engine = 'sqlite' | 'postgres' | 'eventstoredb';

export interface StartLedgerOptions {
  engine: Engine;
  /** The instant the FixedClock starts at; default 09:00 county time on 2026-03-02. */
  at?: string;
  /** For `postgres`: the server to create the event and read-model databases on. */
  postgres?: TestPostgres;
  /** For `eventstoredb`: the server's URL (LEDGER_ESDB_URL); the read models stay in SQLite. */
  esdbUrl?: string;
  /**
   * For `sqlite`: positions with gaps of up to this many unused numbers before each event (the store's
   * test-only testPositionGaps), as EventStoreDB's are: the whole service on positions that only increase.
   */
  positionGaps?: number;
  /** More environment for the app's configuration (e.g. LEDGER_TRUST_PROXY). */
  env?: NodeJS.ProcessEnv;
  /** Called with the app before app.init(), e.g. to mount express middleware in front of Nest's routes. */
  beforeInit?: (app: LedgerApp) => void;
}

export interface Who {
  role: UserRole;
  unitId?: string;
  sub?: string;
  name?: string;
  /** `leader`: 部领导 (`ledger token --rank leader`). */
  rank?: 'leader';
}

/** One user of the ledger: every request carries their token. */
export interface Client {
  readonly who: Who;
  readonly token: string;
  /**
   * A command. With `status`, an answer with another status fails the test, naming the problem
   * details it got. A 2xx answer's `position` becomes the ledger's `position`.
   */
  post(route: string, body?: object, status?: number, headers?: Record<string, string>): Promise<Response>;
  /** A query, waiting for the read models to include `minPosition` (default: the last command's position). */
  get(route: string, status?: number, options?: { minPosition?: string | null }): Promise<Response>;
}

export interface Ledger {
  readonly engine: Engine;
  /** The running app, for what no route does (the deadline worker's run, a cadre leaving). */
  readonly app: LedgerApp;
  readonly config: LedgerConfig;
  readonly clock: FixedClock;
  readonly http: ReturnType<typeof request>;
  /** The position of the last successful command any client sent ('0' before the first). */
  readonly position: string;
  /** Mints a token with `ledger token`'s own code: HS256 with the secret the server resolved in the data dir. */
  token(who: Who): string;
  as(role: UserRole, unitId?: string, options?: { sub?: string; name?: string; rank?: 'leader' }): Client;
  /** Moves the county's clock to 09:00 local time on `date` (YYYY-MM-DD). */
  setDay(date: string): void;
  /** Reads the read models' database directly (not the API): proof of where they live. */
  readModelsSql(sql: string): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

export const API = '/api/v1';

/** 09:00 in Asia/Shanghai (UTC+8, no daylight saving) on a county date. */
export function nineAm(date: string): string {
  return `${date}T01:00:00.000Z`;
}

export async function startLedger(options: StartLedgerOptions): Promise<Ledger> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `ledger-story-${options.engine}-`));
  const cleanups: Array<() => Promise<void>> = [async () => fs.rmSync(dataDir, { recursive: true, force: true })];
  try {
    // The deadline process runs on a wall-clock timer: off, so that every event of the story is the story's.
    const env: NodeJS.ProcessEnv = { LEDGER_DATA_DIR: dataDir, LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL', LEDGER_DEADLINE_WORKER: 'off' };
    if (options.engine === 'postgres') {
      if (!options.postgres) throw new Error('startLedger: the postgres engine needs a TestPostgres server');
      const eventsUrl = await createTestDatabase(options.postgres.serverUrl);
      cleanups.push(() => dropTestDatabase(eventsUrl));
      const readUrl = await createTestDatabase(options.postgres.serverUrl);
      cleanups.push(() => dropTestDatabase(readUrl));
      Object.assign(env, { LEDGER_EVENT_STORE: 'postgres', LEDGER_EVENT_STORE_URL: eventsUrl, LEDGER_READ_DB_URL: readUrl });
    }
    if (options.engine === 'eventstoredb') {
      if (!options.esdbUrl) throw new Error('startLedger: the eventstoredb engine needs a server URL (LEDGER_ESDB_URL)');
      Object.assign(env, { LEDGER_EVENT_STORE: 'eventstoredb', LEDGER_EVENT_STORE_URL: options.esdbUrl });
    }
    Object.assign(env, options.env);
    // No LEDGER_JWT_SECRET: the secret is generated in the data dir, as the CLI and the server share it.
    const config = loadConfig(env);
    const clock = new FixedClock(new Date(options.at ?? nineAm('2026-03-02')));
    let store: EventStore | undefined;
    if (options.positionGaps) {
      if (options.engine !== 'sqlite') throw new Error('startLedger: positionGaps is for the sqlite engine');
      const gapped = await openSqliteEventStore({
        file: sqliteEventStoreFile(config),
        synchronous: config.sqliteSynchronous,
        clock,
        testPositionGaps: options.positionGaps,
      });
      cleanups.push(() => gapped.close());
      store = gapped;
    }
    const app: LedgerApp = await createApp({ config, clock, projector: true, logger: false, ...(store ? { store } : {}) });
    cleanups.push(() => app.close());
    options.beforeInit?.(app);
    await app.init();
    const http = request(app.getHttpServer());
    let position = '0';

    // `ledger token --role … --unit … --sub … --name …`, called in-process with the app's config.
    const token = (who: Who): string =>
      tokenCommand(config, { role: who.role, unit: who.unitId, sub: who.sub ?? `${who.role}-${who.unitId ?? 'county'}`, name: who.name, rank: who.rank });

    const as = (role: UserRole, unitId?: string, extra: { sub?: string; name?: string; rank?: 'leader' } = {}): Client => {
      const who: Who = { role, unitId, ...extra };
      const bearer = token(who);
      return {
        who,
        token: bearer,
        post: async (route, body = {}, status, headers = {}) => {
          let req = http.post(`${API}${route}`).set('Authorization', `Bearer ${bearer}`);
          for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
          const res = await req.send(body);
          expectStatus(res, status, `POST ${route} as ${describeWho(who)}`);
          const p = res.body?.position;
          if (res.status >= 200 && res.status < 300 && typeof p === 'string' && BigInt(p) > BigInt(position)) position = p;
          return res;
        },
        get: async (route, status, opts = {}) => {
          const min = opts.minPosition === undefined ? position : opts.minPosition;
          const sep = route.includes('?') ? '&' : '?';
          const url = min && min !== '0' ? `${API}${route}${sep}minPosition=${min}` : `${API}${route}`;
          const res = await http.get(url).set('Authorization', `Bearer ${bearer}`);
          expectStatus(res, status, `GET ${route} as ${describeWho(who)}`);
          return res;
        },
      };
    };

    return {
      engine: options.engine,
      app,
      config,
      clock,
      http,
      get position() {
        return position;
      },
      token,
      as,
      setDay: (date) => clock.set(nineAm(date)),
      readModelsSql: async (sql) => {
        if (config.readDbUrl) {
          const client = new PgClient({ connectionString: config.readDbUrl });
          await client.connect();
          try {
            return (await client.query(sql)).rows;
          } finally {
            await client.end();
          }
        }
        const db = new Database(readModelsSqliteFile(config), { readonly: true });
        try {
          return db.prepare(sql).all() as Array<Record<string, unknown>>;
        } finally {
          db.close();
        }
      },
      close: async () => {
        for (const c of cleanups.reverse()) await c().catch(() => undefined);
      },
    };
  } catch (e) {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    throw e;
  }
}

function describeWho(who: Who): string {
  return who.unitId ? `${who.role}@${who.unitId}` : who.role;
}

function expectStatus(res: Response, status: number | undefined, what: string): void {
  if (status === undefined || res.status === status) return;
  const body = typeof res.body === 'object' && res.body && Object.keys(res.body).length ? JSON.stringify(res.body) : res.text;
  throw new Error(`${what}: expected ${status}, got ${res.status}: ${body}`);
}
