import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildEntryPoints } from '@ledger/platform/testing/entry-points';
import { eventually } from '@ledger/platform/testing/eventually';
import { spawnBuilt } from '@ledger/platform/testing/processes';
import { Receiver } from '../apps/notifier/src/testing/receiver';
import { CADRES, ITEMS, SHEET, UNITS } from './support/county';

/**
 * Issue 19, end to end: `ledger start` with LEDGER_NOTIFY_CONFIG runs the notifier beside the API and
 * the projector; what the county does through the API reaches the receivers; a delivery that keeps
 * failing ends in the dead-letter list, which an administrator reads and replays with `ledger notify`.
 */
describe('notifications through ledger start', () => {
  const ROOT = path.resolve(__dirname, '..');
  const scratch = `.notify-e2e-${process.pid}`;
  const started = new Set<ChildProcess>();
  let cliMain: string;
  let dataDir: string;
  let hook: Receiver;
  let inspectors: Receiver;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-e2e-'));
    [cliMain] = buildEntryPoints(scratch, ['apps/cli/src/main.ts', 'apps/api/src/main.ts', 'apps/projector/src/main.ts', 'apps/notifier/src/main.ts']);
    hook = await Receiver.start('ok');
    inspectors = await Receiver.start('fail');
  }, 300_000);

  afterAll(async () => {
    for (const c of started) c.kill('SIGKILL');
    await hook?.close();
    await inspectors?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(path.join(ROOT, 'dist', scratch), { recursive: true, force: true });
  });

  it('an assignment reaches the unit, a report awaiting review ends as a dead letter, and the administrator replays it', async () => {
    const configFile = path.join(dataDir, 'notify.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        link: 'https://ledger.huangyuan.gov.cn',
        delivery: { maxAttempts: 2, backoffMs: 10, maxBackoffMs: 100, timeoutMs: 5000 },
        channels: {
          dahua: { type: 'webhook', url: hook.url('/dahua'), secret: 'dahua-secret' },
          review: { type: 'wecom', url: inspectors.url('/cgi-bin/webhook/send?key=k') },
        },
        routes: [
          { roles: ['unit'], units: ['dahua'], channels: ['dahua'] },
          { roles: ['inspector'], channels: ['review'] },
        ],
      }),
    );
    const env = { LEDGER_DATA_DIR: dataDir, PORT: '0', LEDGER_DEADLINE_WORKER: 'off', LEDGER_NOTIFY_CONFIG: configFile };
    const cli = (args: string[]) => spawnBuilt(cliMain, args, { cwd: ROOT, env, started });
    const run = cli(['start']);
    expect(await run.said(/API listening on (\S+)/, 120_000)).toBe(true);
    const url = /API listening on (\S+)/.exec(run.out())![1].replace('[::1]', '127.0.0.1');
    // The notifier announces what comes after its first start.
    expect(await run.said(/notifier leader \(lease token 1\): started after position 0/, 120_000)).toBe(true);

    const token = async (...args: string[]) => {
      const t = cli(['token', ...args]);
      expect(await t.exited).toBe(0);
      return t.out().trim();
    };
    const as = async (...args: string[]) => {
      const auth = { authorization: `Bearer ${await token(...args)}`, 'content-type': 'application/json' };
      return async (route: string, body: unknown, status: number, method = 'POST'): Promise<unknown> => {
        const res = await fetch(`${url}/api/v1${route}`, { method, headers: auth, ...(method === 'POST' ? { body: JSON.stringify(body) } : {}) });
        const text = await res.text();
        expect([route, res.status, res.status === status ? '' : text]).toEqual([route, status, '']);
        return text ? JSON.parse(text) : null;
      };
    };
    const admin = await as('--role', 'admin', '--sub', 'root');
    const org = await as('--role', 'org_dept', '--sub', 'org');
    const unit = await as('--role', 'unit', '--unit', 'dahua', '--sub', 'clerk');
    await admin('/units', { id: UNITS.county.id, name: UNITS.county.name, kind: UNITS.county.kind }, 201);
    await org('/units', UNITS.dahua, 201);
    await org('/cadres', CADRES.county, 201);
    await org('/cadres', CADRES.dahua, 201);
    await org('/sheets', SHEET, 201);
    // The API refuses a due date before the real today: one far ahead.
    await org('/items', { ...ITEMS.dahua, dueDate: '2099-06-30' }, 201);

    await eventually('the assignment reaches 大华镇', () => hook.received.length >= 1, { explain: run.out });
    const message = JSON.parse(hook.received[0].body) as Record<string, unknown>;
    expect(message).toMatchObject({
      kind: 'assigned',
      itemId: ITEMS.dahua.id,
      audience: 'unit:dahua',
      title: `【交办】${ITEMS.dahua.title}`,
      dueDate: '2099-06-30',
      link: `https://ledger.huangyuan.gov.cn/items/${ITEMS.dahua.id}`,
    });

    await unit(`/items/${ITEMS.dahua.id}/acknowledge`, {}, 200);
    await unit(`/items/${ITEMS.dahua.id}/complete`, { summary: '整顿工作已完成' }, 200);
    await eventually('the inspectors’ receiver refused it twice', () => inspectors.received.length >= 2, { explain: run.out });
    expect(await run.said(/DEAD after 2 attempt\(s\): HTTP 500/, 30_000)).toBe(true);
    const listing = cli(['notify', 'dead-letters', '--json']);
    expect(await listing.exited).toBe(0);
    const dead = JSON.parse(listing.out()) as Array<{
      id: string;
      kind: string;
      audience: string;
      channel: string;
      attemptLog: Array<{ outcome: string; httpStatus: number }>;
    }>;
    expect(dead.map((d) => [d.kind, d.audience, d.channel, d.attemptLog.map((a) => `${a.outcome} ${a.httpStatus}`)])).toEqual([
      ['awaiting_review', 'inspector', 'review', ['failed 500', 'failed 500']],
    ]);
    expect(JSON.parse(inspectors.received[0].body)).toEqual({
      msgtype: 'markdown',
      markdown: {
        content: `### 【待审核】${ITEMS.dahua.title}\n\n办结报告：整顿工作已完成\n\n[查看事项](https://ledger.huangyuan.gov.cn/items/${ITEMS.dahua.id})`,
      },
    });

    // The same list through the API, for the system administrator only.
    const listed = (await admin('/notifications/dead-letters', null, 200, 'GET')) as typeof dead;
    expect(listed.map((d) => [d.id, d.attemptLog.length])).toEqual([[dead[0].id, 2]]);
    await org('/notifications/dead-letters', null, 403, 'GET');
    await org(`/notifications/${dead[0].id}/replay`, {}, 403);
    expect(await admin('/notifications/not-an-id/replay', {}, 400)).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await admin('/notifications/00000000-0000-0000-0000-000000000000/replay', {}, 404)).toMatchObject({ code: 'MESSAGE_NOT_FOUND' });

    inspectors.mode = 'ok';
    const replay = cli(['notify', 'replay', dead[0].id]);
    expect(await replay.exited).toBe(0);
    expect(replay.out()).toBe(`${dead[0].id}: replayed\n`);
    await eventually('the replayed message is delivered', () => inspectors.received.length === 3, { explain: run.out });
    expect(inspectors.received[2].headers['idempotency-key']).toBe(dead[0].id);
    const after = cli(['notify', 'dead-letters']);
    expect(await after.exited).toBe(0);
    expect(after.out()).toBe('no dead letters\n');
    expect(await admin(`/notifications/${dead[0].id}/replay`, {}, 409)).toMatchObject({ code: 'NOT_A_DEAD_LETTER' });
    const twice = cli(['notify', 'replay', dead[0].id]);
    expect(await twice.exited).toBe(1);
    expect(twice.out()).toMatch(/not a dead letter \(pending or delivered\): nothing changed/);
    const bad = cli(['notify', 'replay']);
    expect(await bad.exited).toBe(2);
    expect(bad.out()).toMatch(/notify replay: give the message ids, or --all/);
    expect(hook.received.length).toBe(1);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  }, 300_000);
});
