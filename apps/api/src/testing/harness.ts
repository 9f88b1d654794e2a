import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { UserRole } from '@ledger/contracts/events';
import type { EventStore } from '@ledger/event-store';
import { FixedClock, loadConfig, openEventStore, signToken, type LedgerConfig } from '@ledger/platform';
import request from 'supertest';
import { createApp, inProcessProjector, type LedgerApp } from '../create-app';

export interface TestApp {
  app: LedgerApp;
  http: ReturnType<typeof request>;
  store: EventStore;
  clock: FixedClock;
  config: LedgerConfig;
  token(role: UserRole, unitId?: string, sub?: string): string;
  /** Waits until the in-process projector has applied `position` (a probe, not a sleep). */
  projected(position: string | bigint): Promise<void>;
  close(): Promise<void>;
}

export const TEST_SECRET = 'api-test-secret-0123456789';

/** The API on real SQLite files in a fresh temp data dir, the projector in-process, a fixed clock. */
export async function startTestApp(options: { at?: string; env?: NodeJS.ProcessEnv } = {}): Promise<TestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-api-'));
  const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_JWT_SECRET: TEST_SECRET, LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL', ...options.env });
  // 09:00 county time on 2026-03-02.
  const clock = new FixedClock(new Date(options.at ?? '2026-03-02T01:00:00Z'));
  const store = await openEventStore(config, { clock });
  const app = await createApp({ config, clock, store, projector: true, logger: false });
  await app.init();
  return {
    app,
    http: request(app.getHttpServer()),
    store,
    clock,
    config,
    token: (role, unitId, sub) => signToken({ sub: sub ?? `user-${role}`, role, unitId: unitId ?? null, name: '测试用户' }, TEST_SECRET),
    projected: async (position) => {
      const ok = await inProcessProjector(app)!.waitFor(BigInt(position), 10_000);
      if (!ok) throw new Error(`projector did not reach ${position}`);
    },
    close: async () => {
      await app.close();
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
