import type { AddressInfo } from 'node:net';
import { FixedClock, openEventStore, resolveJwtSecret, signToken, type LedgerConfig } from '@ledger/platform';
import { createApp, inProcessProjector } from '../../../api/src/create-app';
import { DeadlineWorker } from '../../../api/src/deadlines/deadline-worker';
import { writeDemoUsers } from '../../../api/src/web/demo-users.controller';
import { loadDemoCounty, type DemoResult, type DemoUser } from './demo-county';

/** Demo tokens last as long as anyone plays with a demo. */
const DEMO_TOKEN_LIFETIME = '90d';

export interface DemoLoad {
  /** False when the data folder already held events (nothing was written). */
  loaded: boolean;
  result?: DemoResult;
  users?: DemoUser[];
  usersFile?: string;
  seconds?: number;
}

/**
 * Loads the demo county into the configured data folder: the real app in-process (its projector
 * too) on an ephemeral port, a clock the loader moves from 120 days ago to now, HTTP with real
 * tokens, and the deadline process run once per simulated day. Then writes demo-users.json for the
 * web app's demo sign-in. A folder that already holds events is left as it is.
 */
export async function loadDemoInto(config: LedgerConfig, options: { now?: Date; seed?: number } = {}): Promise<DemoLoad> {
  const started = Date.now();
  const now = options.now ?? new Date();
  const clock = new FixedClock(now);
  // A demo load that dies half-way is thrown away, not recovered: NORMAL durability is enough for it.
  const store = await openEventStore({ ...config, sqliteSynchronous: 'NORMAL' }, { clock });
  try {
    if ((await store.headPosition()) > 0n) return { loaded: false };
    const app = await createApp({ config: { ...config, deadlineWorker: false }, clock, store, projector: true, logger: ['error'] });
    try {
      await app.listen(0, '127.0.0.1');
      const { port } = app.getHttpServer().address() as AddressInfo;
      const base = `http://127.0.0.1:${port}/api/v1`;
      const projector = inProcessProjector(app)!;
      const worker = app.get(DeadlineWorker);
      const secret = resolveJwtSecret(config);
      let last = 0n;
      const result = await loadDemoCounty(
        {
          async post(path, body, token) {
            const res = await fetch(base + path, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify(body),
            });
            const answer = (await res.json()) as { id: string; revision: number; position: string; detail?: string; code?: string };
            if (!res.ok) throw new Error(`demo: POST ${path} answered ${res.status} ${answer.code ?? ''}: ${answer.detail ?? ''}`);
            last = BigInt(answer.position);
            return answer;
          },
          async settle() {
            if (!(await projector.waitFor(last, 30_000))) throw new Error(`demo: the projector did not reach ${last}`);
          },
        },
        clock,
        (claims) => signToken({ sub: claims.sub, role: claims.role, unitId: claims.unitId ?? null, name: claims.name }, secret, { expiresIn: DEMO_TOKEN_LIFETIME }),
        { now, seed: options.seed, onDay: (date) => worker.runOnce(date) },
      );
      // The deadline process of today, so the folder starts as a running server would keep it.
      if (!(await projector.waitFor(await store.headPosition(), 30_000))) throw new Error('demo: the projector fell behind');
      await worker.runOnce();
      await projector.waitFor(await store.headPosition(), 30_000);
      const users = result.users;
      const usersFile = await writeDemoUsers(
        config.dataDir,
        users.map((u) => ({ role: u.role, name: u.name, unitId: u.unitId ?? null, token: u.token, label: u.label })),
      );
      return { loaded: true, result, users, usersFile, seconds: (Date.now() - started) / 1000 };
    } finally {
      await app.close();
    }
  } finally {
    await store.close();
  }
}

/** The `ledger start --demo` hook (apps/cli/src/start.ts): load once, then say how to sign in. */
export async function loadDemo(config: LedgerConfig): Promise<void> {
  process.stdout.write(`ledger: loading the demo county (湟源县) into ${config.dataDir} …\n`);
  const load = await loadDemoInto(config);
  if (!load.loaded) {
    process.stdout.write('ledger: the data folder already holds events; the demo county is not loaded again\n');
    return;
  }
  const r = load.result!;
  process.stdout.write(
    `ledger: demo county loaded in ${load.seconds!.toFixed(1)} s: ${r.units} units, ${r.cadres} cadres, ${r.items} items, ${r.commands} commands\n` +
      `ledger: web sign-in list ${load.usersFile}; open http://localhost:${config.port}/ and choose a user, or use a token:\n`,
  );
  const seen = new Set<string>();
  for (const u of load.users!) {
    if (seen.has(u.role)) continue;
    seen.add(u.role);
    process.stdout.write(`  ${u.role.padEnd(10)} ${u.label}\n    ${u.token}\n`);
  }
}
