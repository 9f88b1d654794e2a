/**
 * `ledger rebuild` with no downtime, SQLite and PostgreSQL read models: the rebuild runs as a process of its own
 * beside a projector process and an API answering HTTP on 127.0.0.1, while commands and queries keep
 * coming. Every command succeeds; every query answers 200 with the figures counted from the commands
 * this test sent (never less: nothing goes backwards), before, during and after the switch. A rebuild
 * SIGKILLed half-way leaves the live set serving, and the next rebuild drops its leftovers and succeeds.
 * A notifier process delivers to a real HTTP receiver all along (a second one started during the first
 * rebuild takes over from the first, a third during the last one stands by): every message the commands
 * call for arrives under one id, none else; a repeat only of one in flight when a lead ended; after the
 * switch the outbox, the checkpoint and the lease in the new generation.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { FixedClock, loadConfig, openEventStore, type LedgerConfig } from '@ledger/platform';
import { buildEntryPoints } from '@ledger/platform/testing/entry-points';
import type { EventStore } from '@ledger/event-store';
import { eventually } from '@ledger/platform/testing/eventually';
import { activeGenerationFile, generationFiles, openReadModels } from '@ledger/read-models';
import { activeSchema } from '@ledger/read-models/generations/pg-generations';
import { useTestPostgres } from '@ledger/platform/testing/postgres';
import { Client } from 'pg';
import { EventScript } from '@ledger/read-models/testing/county-script';
import { RandomCounty } from '@ledger/read-models/testing/random-county';
import request from 'supertest';
import { createApp, type LedgerApp } from '../apps/api/src/create-app';
import { tokenCommand } from '../apps/cli/src/token';
import { Receiver } from '../apps/notifier/src/testing/receiver';

const ROOT = path.resolve(__dirname, '..');
const SCRATCH = `.rebuild-no-downtime-${process.pid}`;
const API = '/api/v1';
/** Events of a random county written before the test's own: a rebuild long enough to send commands during. */
const SEED_EVENTS = 6000;

interface Proc {
  child: ChildProcess;
  out: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let projectorJs: string;
let rebuildJs: string;
let platformJs: string;
let notifierJs: string;
const procs = new Set<Proc>();
const pg = useTestPostgres();

beforeAll(() => {
  [projectorJs, rebuildJs, platformJs, notifierJs] = buildEntryPoints(SCRATCH, [
    'apps/projector/src/main.ts',
    'apps/cli/src/rebuild.ts',
    'libs/platform/src/index.ts',
    'apps/notifier/src/main.ts',
  ]);
}, 300_000);

afterAll(() => {
  for (const p of procs) p.child.kill('SIGKILL');
  fs.rmSync(path.join(ROOT, 'dist', SCRATCH), { recursive: true, force: true });
});

describe.each(['sqlite', 'postgres'] as const)('ledger rebuild beside the live read models (%s)', (engine) => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let config: LedgerConfig;
  let store: EventStore;
  let app: LedgerApp;
  let http: ReturnType<typeof request>;

  const run = (args: string[], extra: NodeJS.ProcessEnv = {}): Proc => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    child.stderr!.on('data', (d) => (out += String(d)));
    const proc: Proc = {
      child,
      out: () => out,
      // 'close': exited and its output read to the end.
      exited: new Promise((resolve) => child.on('close', (code, signal) => (procs.delete(proc), resolve({ code, signal })))),
    };
    procs.add(proc);
    return proc;
  };
  const rebuild = () =>
    run([
      '-e',
      `require(${JSON.stringify(rebuildJs)}).rebuildCommand(require(${JSON.stringify(platformJs)}).loadConfig())` +
        `.then((code) => process.exit(code), (e) => { console.error(e); process.exit(3); })`,
    ]);

  /** The generations' names: files in the data folder, or schemas. */
  const named = engine === 'sqlite' ? ['read-models.sqlite', 'read-models.1.sqlite', 'read-models.2.sqlite'] : ['public', 'rm_g1', 'rm_g2'];
  const liveGeneration = async () => (engine === 'sqlite' ? activeGenerationFile(dir) : activeSchema(config.readDbUrl!));
  /** Every generation there is, live or not (public counts while it holds read-model tables). */
  const generations = async (): Promise<string[]> => {
    if (engine === 'sqlite') return generationFiles(dir);
    const client = new Client({ connectionString: config.readDbUrl! });
    await client.connect();
    try {
      const schemas = await client.query(`SELECT nspname FROM pg_namespace WHERE nspname ~ '^rm_g[0-9]+$' ORDER BY nspname`);
      const publicSet = await client.query(`SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = 'rm_item'`);
      return [...(publicSet.rows.length ? ['public'] : []), ...schemas.rows.map((r: { nspname: string }) => r.nspname)];
    } finally {
      await client.end();
    }
  };
  const escaped = (name: string) => name.replace(/\./g, '\\.');
  const bearer = (role: 'org_dept' | 'unit', unit?: string) => `Bearer ${tokenCommand(config, { role, unit, sub: `${role}-${unit ?? 'county'}`, name: role })}`;
  /** What this test has sent, counted here: the oracle for the figures. */
  const sent = { items: 0, reported: 0, position: '0' };

  let receiver: Receiver;
  /** Every notifier process started, the first one first. */
  const notifiers: Proc[] = [];
  const notifier = () => {
    const proc = run([notifierJs], { LEDGER_NOTIFY_CONFIG: path.join(dir, 'notify.json') });
    notifiers.push(proc);
    return proc;
  };
  const holderOf = (proc: Proc) => `${os.hostname()}/${proc.child.pid}`;
  /**
   * `<channel> <kind> <item> <audience>` of every message the commands sent call for, by the rules as read
   * here: an item created → its assignment to unit:rbT on hook; a completion reported → awaiting review, to
   * the inspectors on review; an acknowledgement → none.
   */
  const expected = new Set<string>();
  /** The channels: a lead that ends may leave one delivery in flight on each. */
  const CHANNELS = 2;
  const deliveries = () =>
    receiver.received.map((r) => {
      const body = JSON.parse(r.body) as { id: string; kind: string; itemId: string; audience: string };
      return { key: `${r.url.slice(1)} ${body.kind} ${body.itemId} ${body.audience}`, id: body.id, header: r.headers['idempotency-key'] };
    });
  const explainNotifiers = () => {
    const got = new Set(deliveries().map((d) => d.key));
    return `${notifiers.map((n) => `--- notifier ${n.child.pid}\n${n.out()}`).join('\n')}\nmissing: ${[...expected].filter((k) => !got.has(k)).join(', ')}`;
  };
  /** How many leads ended (a lease taken or fenced out, a stop), each maybe with a delivery in flight. */
  const leadEndings = () => notifiers.reduce((n, p) => n + (p.out().match(/standby: lease lost|stopping after the message in flight/g) ?? []).length, 0);
  /**
   * Every message expected reaches the receiver, nothing else does, each under one id (sent as the
   * Idempotency-Key); a message sent again only as the contract allows: at least once, so one in flight
   * when its lead ended, at most one a channel for each ending.
   */
  const allDelivered = async (): Promise<{ messages: number; repeats: number; endings: number }> => {
    await eventually(
      `all ${expected.size} messages reach the receiver`,
      () => {
        const got = new Set(deliveries().map((d) => d.key));
        return [...expected].every((k) => got.has(k));
      },
      { timeoutMs: 180_000, explain: explainNotifiers },
    );
    const got = deliveries();
    expect(new Set(got.map((d) => d.key))).toEqual(expected);
    expect(got.filter((d) => d.header !== d.id)).toEqual([]);
    const ids = new Map<string, Set<string>>();
    for (const d of got) ids.set(d.key, (ids.get(d.key) ?? new Set()).add(d.id));
    expect([...ids].filter(([, of]) => of.size !== 1)).toEqual([]);
    const repeats = got.length - expected.size;
    const endings = leadEndings();
    if (repeats > CHANNELS * endings) throw new Error(`${repeats} messages sent again for ${endings} ends of a lead\n${explainNotifiers()}`);
    return { messages: expected.size, repeats, endings };
  };
  /**
   * The notifier writes `generation` after the switch: every message delivered is recorded there (the
   * carried ones and those of events after the switch, which only the notifier can have written), its
   * checkpoint past the last command, its lease held by one of `leaders`.
   */
  const notifierWrites = async (generation: string, switchedAt: bigint, leaders: Proc[]) => {
    const delivered = new Set(deliveries().map((d) => d.id));
    const rows = await eventually(
      `every delivery recorded in ${generation}`,
      async () => {
        const ds = await openReadModels(config, { generation });
        try {
          const outbox = (await ds.query(`SELECT "id", "status", "position" FROM "nt_outbox"`)) as Array<{
            id: string;
            status: string;
            position: string | number;
          }>;
          const checkpoint = (await ds.query(`SELECT "position" FROM "nt_checkpoint" WHERE "name" = 'notifier'`)) as Array<{ position: string }>;
          const lease = (await ds.query(`SELECT "holder" FROM "rm_projector_lease" WHERE "name" = 'notifier'`)) as Array<{ holder: string | null }>;
          const all = outbox.length === delivered.size && outbox.every((m) => m.status === 'delivered' && delivered.has(m.id));
          return all && { outbox, checkpoint: BigInt(checkpoint[0]?.position ?? 0), holder: lease[0]?.holder ?? null };
        } finally {
          await ds.destroy();
        }
      },
      { timeoutMs: 60_000, explain: explainNotifiers },
    );
    expect(rows.outbox.filter((m) => BigInt(m.position) > switchedAt).length).toBeGreaterThan(0);
    expect(rows.checkpoint).toBeGreaterThanOrEqual(BigInt(sent.position));
    expect(leaders.map(holderOf)).toContain(rows.holder);
  };
  const switchedAt = (out: string) => BigInt(/switched the read models to \S+ at position (\d+)/.exec(out)![1]);
  /** Calls `react` with the process's output so far at each chunk it writes. */
  const onOutput = (proc: Proc, react: (out: string) => void) => {
    const look = () => react(proc.out());
    proc.child.stdout!.on('data', look);
    proc.child.stderr!.on('data', look);
  };
  /**
   * At the first output of `proc` matching `line`, holds it there (SIGSTOP: a big county's rebuild takes
   * that long) while `meanwhile` runs, then lets it go on. The getter resolves once it has (rejects with its failure).
   */
  const holdAt = (proc: Proc, line: RegExp, meanwhile: () => Promise<void>) => {
    let held: Promise<void> | undefined;
    onOutput(proc, (out) => {
      if (held || !line.test(out)) return;
      proc.child.kill('SIGSTOP');
      held = meanwhile().finally(() => proc.child.kill('SIGCONT'));
      held.catch(() => undefined);
    });
    return () => held ?? Promise.reject(new Error(`the rebuild never said ${String(line)}`));
  };
  const standsBy = (proc: Proc) =>
    eventually(`notifier ${proc.child.pid} stands by`, () => /notifier standby as/.test(proc.out()), { timeoutMs: 120_000, explain: proc.out });
  const command = async (route: string, body: object, role: 'org_dept' | 'unit', expected: number) => {
    const res = await http
      .post(`${API}${route}`)
      .set('Authorization', bearer(role, role === 'unit' ? 'rbT' : undefined))
      .send(body);
    if (res.status !== expected) throw new Error(`POST ${route}: expected ${expected}, got ${res.status} ${JSON.stringify(res.body)}`);
    sent.position = String(res.body.position);
  };
  interface Figures {
    total: number;
    open: number;
    awaitingReview: number;
  }
  const figures = async (minPosition?: string): Promise<Figures> => {
    const res = await http.get(`${API}/units/rbT/outstanding${minPosition ? `?minPosition=${minPosition}` : ''}`).set('Authorization', bearer('org_dept'));
    if (res.status !== 200) throw new Error(`GET /units/rbT/outstanding: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Figures;
  };
  const listTotal = async (minPosition: string): Promise<number> => {
    const res = await http.get(`${API}/items?unitId=rbT&subtree=true&pageSize=1&minPosition=${minPosition}`).set('Authorization', bearer('org_dept'));
    if (res.status !== 200) throw new Error(`GET /items: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as { total: number }).total;
  };

  /** One item created, every second one acknowledged and reported done; each command's answer read back at once. */
  const step = async () => {
    const id = `rb-item-${sent.items}`;
    await command('/items', { id, sheetId: 'rbS', title: `整改事项${sent.items}`, unitId: 'rbT', cadreId: 'rbK', dueDate: '2026-12-31' }, 'org_dept', 201);
    sent.items++;
    expected.add(`hook assigned ${id} unit:rbT`);
    if (sent.items % 2 === 0) {
      await command(`/items/${id}/acknowledge`, {}, 'unit', 200);
      await command(`/items/${id}/complete`, { summary: '已完成' }, 'unit', 200);
      sent.reported++;
      expected.add(`review awaiting_review ${id} inspector`);
    }
    const at = sent.position;
    const f = await figures(at);
    // Only this test writes to rbT: with the read models at its last command, the figures are exactly its count.
    expect({ total: f.total, open: f.open, awaitingReview: f.awaitingReview }).toEqual({ total: sent.items, open: sent.items, awaitingReview: sent.reported });
    expect(await listTotal(at)).toBe(sent.items);
  };

  /** Reads the figures without waiting, as fast as it can, until stopped: each never below the one before. */
  const watcher = () => {
    let stop = false;
    let reads = 0;
    const last: Figures = { total: 0, open: 0, awaitingReview: 0 };
    const done = (async () => {
      while (!stop) {
        const f = await figures();
        for (const k of ['total', 'open', 'awaitingReview'] as const) {
          if (f[k] < last[k]) throw new Error(`${k} went backwards: ${last[k]} then ${f[k]}`);
          last[k] = f[k];
        }
        reads++;
      }
    })();
    done.catch(() => undefined); // rethrown by stop()
    return {
      stop: async () => {
        stop = true;
        await done;
        return reads;
      },
      done,
    };
  };

  /** Commands and queries until the rebuild process exits; then a few more. Returns how many steps ran meanwhile. */
  const throughout = async (proc: Proc, onOut?: (out: string) => boolean) => {
    let exited = false;
    void proc.exited.then(() => (exited = true));
    let during = 0;
    let fired = false;
    while (!exited) {
      await step();
      during++;
      if (onOut && !fired && onOut(proc.out())) fired = true;
    }
    for (let i = 0; i < 5; i++) await step();
    return during;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rebuild-no-downtime-'));
    env = {
      LEDGER_DATA_DIR: dir,
      LEDGER_JWT_SECRET: 'rebuild-no-downtime-secret-0123456789',
      LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL',
      LEDGER_PROJECTOR_LEASE_SECONDS: '2',
      LEDGER_DEADLINE_WORKER: 'off',
    };
    if (engine === 'postgres') env.LEDGER_READ_DB_URL = await pg.freshDatabase();
    config = loadConfig(env);
    store = await openEventStore(config);
    const county = new RandomCounty(new EventScript(store), 11);
    for (let i = 0; i < SEED_EVENTS; i++) await county.step();
    run([projectorJs]);
    receiver = await Receiver.start('ok');
    fs.writeFileSync(
      path.join(dir, 'notify.json'),
      JSON.stringify({
        link: 'https://ledger.example',
        delivery: { maxAttempts: 100, backoffMs: 10, maxBackoffMs: 200, timeoutMs: 120_000 },
        channels: {
          hook: { type: 'webhook', url: receiver.url('/hook'), secret: 'rebuild-hook-secret' },
          review: { type: 'webhook', url: receiver.url('/review'), secret: 'rebuild-review-secret' },
        },
        routes: [
          { roles: ['unit'], units: ['rbT'], channels: ['hook'] },
          { roles: ['inspector'], channels: ['review'] },
        ],
      }),
    );
    const first = notifier();
    // It announces what comes after its first lead's start (the seeded county is not announced): before the first command.
    await eventually('the first notifier leads', () => /notifier leader \(lease token \d+\): started after position/.test(first.out()), {
      timeoutMs: 240_000,
      explain: first.out,
    });
    app = await createApp({ config, store, clock: new FixedClock(new Date('2026-03-02T01:00:00Z')), logger: false });
    await app.listen(0, '127.0.0.1');
    http = request(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`);
    await command('/units', { id: 'rbT', name: '重建镇党委', kind: 'township_committee', parentId: 'C' }, 'org_dept', 201);
    await command('/cadres', { id: 'rbK', name: '李四', unitId: 'rbT', post: '书记' }, 'org_dept', 201);
    await command('/sheets', { id: 'rbS', number: '县委巡察〔2026〕9号', title: '巡察反馈问题整改清单', issuedOn: '2026-03-01' }, 'org_dept', 201);
    // The projector first catches up with the seeded log: at load 19 on PostgreSQL longer than a query
    // waits for a position (5 s), which failed the first step. Each probe waits those 5 s itself.
    const deadline = Date.now() + 240_000;
    while ((await http.get(`${API}/units/rbT/outstanding?minPosition=${sent.position}`).set('Authorization', bearer('org_dept'))).status !== 200) {
      if (Date.now() > deadline) throw new Error(`the projector did not reach position ${sent.position}`);
    }
    for (let i = 0; i < 4; i++) await step();
  }, 300_000);

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all([...procs].map((p) => p.exited));
    await receiver?.close();
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('switches to a new generation while commands and queries go on: no error, no figure backwards, the old file dropped', async () => {
    expect(await liveGeneration()).toBe(named[0]);
    const watch = watcher();
    const proc = rebuild();
    // A second notifier started while the rebuild builds; the first stopped: the second takes over in the
    // live set, is fenced out by the rebuild's takeover and leads the new one, sending nothing the first delivered.
    const first = notifiers[0];
    let second!: Proc;
    const handedOver = holdAt(proc, /building /, async () => {
      second = notifier();
      await standsBy(second);
      first.child.kill('SIGTERM');
      expect(await first.exited).toEqual({ code: 0, signal: null });
      await eventually('the second notifier leads the live set', () => /notifier leader \(lease token/.test(second.out()), {
        timeoutMs: 120_000,
        explain: second.out,
      });
    });
    const during = await throughout(proc);
    await handedOver();
    const reads = await watch.stop();
    const { code } = await proc.exited;
    expect({ code, out: proc.out() }).toMatchObject({ code: 0 });
    expect(proc.out()).toMatch(new RegExp(`switched the read models to ${escaped(named[1])} at position \\d+`));
    // Commands were answered and read back while the rebuild ran, and the watcher read all along.
    expect(during).toBeGreaterThan(0);
    expect(reads).toBeGreaterThan(during);
    expect(await liveGeneration()).toBe(named[1]);
    // Every process let go of the old set (the API and the projector at their next look): dropped.
    expect(proc.out()).toMatch(new RegExp(`dropped ${escaped(named[0])}\n`));
    expect(await generations()).toEqual([named[1]]);
    // The projector writes the new generation: a command after the switch is read back from it.
    await step();

    expect(first.out()).toMatch(/notifier stopped\n/);
    // The notifier finds its lease taken at its next look, after the switch: waited on, not assumed done.
    await eventually(
      'the second notifier lost the lease at the switch and leads the new set',
      () => /leader \(lease token \d+\)[^]*standby: lease lost[^]*leader \(lease token \d+\)/.test(second.out()),
      { timeoutMs: 120_000, explain: second.out },
    );
    const sentAgain = await allDelivered();
    await notifierWrites(named[1], switchedAt(proc.out()), [second]);
    expect(second.child.exitCode).toBeNull();
    process.stdout.write(`rebuild-no-downtime (${engine}) notifier through the switch: ${JSON.stringify(sentAgain)}\n`);
  }, 300_000);

  it('a rebuild SIGKILLed half-way leaves the live set serving; the next one drops its leftovers and switches', async () => {
    const watch = watcher();
    const killed = rebuild();
    // Half-way: its current-state pass done in the new file, the temporal one under way.
    await throughout(killed, (out) => /rebuilt the current-state read models/.test(out) && killed.child.kill('SIGKILL'));
    expect(await killed.exited).toMatchObject({ signal: 'SIGKILL' });
    expect(killed.out()).not.toMatch(/switched/);
    expect(await liveGeneration()).toBe(named[1]);
    expect(await generations()).toEqual([named[1], named[2]]);
    // The live set goes on as before: commands read back through the API.
    for (let i = 0; i < 5; i++) await step();

    const next = rebuild();
    // A third notifier started while this rebuild builds: a standby beside the second, on the old generation
    // until the switch. And a delivery in flight when the rebuild takes the leases: the receiver holds its
    // answer until then. Its lead fenced out, it is sent again under its id (at least once).
    let third!: Proc;
    const thirdStarted = holdAt(next, /building /, async () => {
      third = notifier();
      await standsBy(third);
      receiver.mode = 'slow';
      await eventually('a delivery in flight', () => receiver.holding().length > 0, { timeoutMs: 120_000, explain: explainNotifiers });
    });
    let inFlight: string[] | undefined;
    onOutput(next, (out) => {
      if (inFlight || !/took the live leases/.test(out)) return;
      inFlight = receiver.holding().map((r) => (JSON.parse(r.body) as { id: string }).id);
      receiver.release();
    });
    await throughout(next);
    await thirdStarted();
    await watch.stop();
    expect(await next.exited).toMatchObject({ code: 0 });
    expect(next.out()).toMatch(new RegExp(`dropped what earlier rebuilds left: ${escaped(named[2])}\n`));
    // Its number is free again once the leftovers are gone.
    expect(next.out()).toMatch(new RegExp(`building ${escaped(named[2])} beside the live ${escaped(named[1])}\n`));
    expect(next.out()).toMatch(new RegExp(`switched the read models to ${escaped(named[2])} at`));
    expect(await liveGeneration()).toBe(named[2]);
    expect(next.out()).toMatch(new RegExp(`dropped ${escaped(named[1])}\n`));
    expect(await generations()).toEqual([named[2]]);
    await step();

    const sentAgain = await allDelivered();
    const times = (id: string) => deliveries().filter((d) => d.id === id).length;
    expect(inFlight!.length).toBeGreaterThan(0);
    // Each exactly twice: held, then once from the lead after the switch (the fenced-out one sends nothing more).
    expect(inFlight!.filter((id) => times(id) !== 2)).toEqual([]);
    await notifierWrites(named[2], switchedAt(next.out()), [notifiers[1], third]);
    expect(notifiers.slice(1).map((n) => n.child.exitCode)).toEqual([null, null]);
    process.stdout.write(`rebuild-no-downtime (${engine}) notifiers through the killed rebuild and the next: ${JSON.stringify(sentAgain)}\n`);
  }, 300_000);
});
