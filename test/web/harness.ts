import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { EventStore } from '@ledger/event-store';
import { loadConfig, openEventStore, resolveJwtSecret, signToken, type Clock, type LedgerConfig, type TokenClaims } from '@ledger/platform';
import { openReadModels, startProjector, type RunningProjector } from '@ledger/read-models';
import type { DataSource } from 'typeorm';
import { createApp } from '../../apps/api/src/create-app';

export const ROOT = path.resolve(__dirname, '../..');
export const WEB_DIST = path.join(ROOT, 'apps/web/dist');

/** Builds the web app once when apps/web/dist is missing (a fresh clone, CI). */
export function ensureWebBuilt(): void {
  if (fs.existsSync(path.join(WEB_DIST, 'index.html'))) return;
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'apps/web/vite.config.mts', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

/** The real back end in this process: SQLite store and read models in a temp folder, the projector, the API on an ephemeral port. */
export interface Ledger {
  url: string;
  config: LedgerConfig;
  app: INestApplication;
  token(claims: TokenClaims): string;
  /** A command through the public API; throws with the problem on failure. */
  post(token: string, route: string, body: unknown): Promise<{ id: string; revision: number; position: string }>;
  get<T>(token: string, route: string): Promise<T>;
  close(): Promise<void>;
}

/** `clock`: the county's time for the store (recordedAt) and the API (today, lights); default the system's. */
export async function startLedger(options: { clock?: Clock; env?: NodeJS.ProcessEnv; demo?: boolean } = {}): Promise<Ledger> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-web-'));
  const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_JWT_SECRET: 'web-test-secret-0123456789abcdef', ...options.env });
  const store: EventStore = await openEventStore(config, { clock: options.clock });
  const readModels: DataSource = await openReadModels(config);
  const projectorDb: DataSource = await openReadModels(config);
  const projector: RunningProjector = await startProjector(projectorDb, store);
  const app = await createApp({ config, store, readModels, clock: options.clock, demo: options.demo });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  const secret = resolveJwtSecret(config);

  const call = async (token: string, method: string, route: string, body?: unknown) => {
    const res = await fetch(`${url}/api/v1${route}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route} → ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    url,
    config,
    app,
    token: (claims) => signToken(claims, secret),
    post: (token, route, body) => call(token, 'POST', route, body),
    get: (token, route) => call(token, 'GET', route),
    async close() {
      await app.close();
      await projector.stop();
      await projectorDb.destroy();
      await readModels.destroy().catch(() => undefined);
      await store.close().catch(() => undefined);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
