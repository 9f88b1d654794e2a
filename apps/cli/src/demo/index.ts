import type { AddressInfo } from 'node:net';
import { actingRole } from '@ledger/contracts/events';
import { FixedClock, openEventStore, resolveJwtSecret, signToken, type LedgerConfig } from '@ledger/platform';
import { createApp, deadlineRun, inProcessProjector, writeDemoUsers } from '../../../api/src/create-app';
import { CredentialsStore } from '@ledger/application';
import { loadDemoCounty, type DemoResult, type DemoUser } from './demo-county';

/** Demo tokens last as long as anyone plays with a demo. */
const DEMO_TOKEN_LIFETIME = '90d';

/**
 * 演示账号的密码: one known password for every demo account, printed in the banner and served with the
 * demo user list, so that the real password sign-in can be tried. It meets the default policy (8+
 * characters, all four classes); it is a demo fact, never to be used for a real county.
 */
export const DEMO_PASSWORD = 'Demo@2026';

/** A demo user's login: its id with a dot, e.g. demo-chengguan → demo.chengguan. */
export const demoLogin = (sub: string): string => sub.replace(/^demo-/, 'demo.');

export interface DemoLoad {
  /** False when the data folder already held events (nothing was written). */
  loaded: boolean;
  result?: DemoResult;
  users?: Array<DemoUser & { login: string; password: string }>;
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
      const runDeadlines = deadlineRun(app);
      const secret = resolveJwtSecret(config);
      let last = 0n;
      const post = async (path: string, body: unknown, token: string) => {
        const res = await fetch(base + path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        });
        const answer = (await res.json()) as { id: string; revision: number; position: string; detail?: string; code?: string };
        if (!res.ok) throw new Error(`demo: POST ${path} answered ${res.status} ${answer.code ?? ''}: ${answer.detail ?? ''}`);
        last = BigInt(answer.position);
        return answer;
      };
      const result = await loadDemoCounty(
        {
          post,
          async settle() {
            if (!(await projector.waitFor(last, 30_000))) throw new Error(`demo: the projector did not reach ${last}`);
          },
        },
        clock,
        (claims) =>
          signToken({ sub: claims.sub, role: claims.role, unitId: claims.unitId ?? null, name: claims.name }, secret, { expiresIn: DEMO_TOKEN_LIFETIME }),
        { now, seed: options.seed, onDay: (date) => runDeadlines(date) },
      );
      // The deadline process of today, so the folder starts as a running server would keep it.
      if (!(await projector.waitFor(await store.headPosition(), 30_000))) throw new Error('demo: the projector fell behind');
      await runDeadlines();
      await projector.waitFor(await store.headPosition(), 30_000);
      // 演示账号: an account per demo user (its id the token's sub), opened by the demo's system administrator
      // through the API, then given the known demo password, not marked must-change (there is no API that
      // sets a chosen password: the credentials store is the account commands' own).
      const admin = result.users.find((u) => u.role === 'admin')!;
      const credentials = app.get(CredentialsStore);
      const users = [];
      for (const u of result.users) {
        const login = demoLogin(u.sub);
        await post(
          '/accounts',
          { id: u.sub, login, name: u.name, roles: [actingRole(u.role)], ...(u.unitId ? { unitId: u.unitId } : {}), reason: '演示账号' },
          admin.token,
        );
        await credentials.setPassword(u.sub, DEMO_PASSWORD, { mustChange: false, now: clock.now().toISOString() });
        users.push({ ...u, login, password: DEMO_PASSWORD });
      }
      await projector.waitFor(await store.headPosition(), 30_000);
      const usersFile = await writeDemoUsers(
        config.dataDir,
        users.map((u) => ({ role: u.role, name: u.name, unitId: u.unitId ?? null, token: u.token, label: u.label, login: u.login, password: u.password })),
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
  // Every demo user, not one per role: each township's liaison has its own login.
  process.stdout.write(`ledger: 演示账号 (demo accounts, password sign-in), every one with the password ${DEMO_PASSWORD}:\n`);
  for (const u of load.users!) process.stdout.write(`  ${u.login.padEnd(20)} ${u.label}\n`);
}
