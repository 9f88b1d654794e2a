import { buildEntryPoints } from '@ledger/platform/testing/entry-points';
import { eventually } from '@ledger/platform/testing/eventually';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { SCHEMA_VERSIONS, STREAM_PREFIX } from '@ledger/contracts/events';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { sqliteEventStoreFile } from '@ledger/platform';
import { openReadModels } from '@ledger/read-models';
import { prng } from '@ledger/read-models/testing/random-county';
import { Receiver, type Received } from './testing/receiver';

const ROOT = path.resolve(__dirname, '../../..');
const ITEMS = 240;
const KILLS = 8;

/**
 * The real notifier process, SIGKILLed again and again while it delivers (half the kills the moment a
 * receiver has answered, before the notifier can record it) and while items keep being assigned. A
 * real receiver keeps every request: every message must arrive, and a message that arrives twice
 * must carry the same id both times, so a receiver that drops repeated ids sees each exactly once.
 */
describe('notifier process: SIGKILL during delivery', () => {
  let work: string;
  let dataDir: string;
  let main: string;
  let store: EventStore;
  let db: DataSource;
  let receiver: Receiver;
  const children = new Set<ChildProcess>();

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'notifier-crash-'));
    dataDir = path.join(work, 'data');
    [main] = buildEntryPoints(`.notifier-crash-${process.pid}`, ['apps/notifier/src/main.ts']);
  }, 180_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await receiver?.close();
    await db?.destroy();
    await store?.close();
    fs.rmSync(work, { recursive: true, force: true });
    if (main) fs.rmSync(path.join(ROOT, 'dist', `.notifier-crash-${process.pid}`), { recursive: true, force: true });
  });

  function startChild(): { child: ChildProcess; exited: Promise<number | null>; started: Promise<void>; output: () => string } {
    const child = spawn(process.execPath, [main], {
      cwd: ROOT,
      env: {
        ...process.env,
        LEDGER_DATA_DIR: dataDir,
        LEDGER_EVENT_STORE: 'sqlite',
        LEDGER_READ_DB_URL: '',
        // A killed notifier's lease outlives it: the next one takes over when it expires.
        LEDGER_PROJECTOR_LEASE_SECONDS: '1',
        LEDGER_NOTIFY_CONFIG: path.join(work, 'notify.json'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    child.stderr!.on('data', (d) => (out += String(d)));
    const started = new Promise<void>((resolve) => child.stdout!.on('data', () => out.includes('started after position') && resolve()));
    children.add(child);
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        children.delete(child);
        resolve(code);
      }),
    );
    return { child, exited, started, output: () => out };
  }

  it('delivers every message, none lost, a repeat only ever with the same id', async () => {
    fs.mkdirSync(dataDir, { recursive: true });
    store = await openSqliteEventStore({ file: sqliteEventStoreFile({ dataDir }), synchronous: 'NORMAL' });
    db = await openReadModels({ dataDir, readDbUrl: null });
    const rnd = prng(19);
    /** When set, called by the receiver for each request, before (false) or after (true) it answers. */
    let onRequest: ((r: Received) => void) | null = null;
    receiver = await Receiver.start('ok', (r) => onRequest?.(r));
    fs.writeFileSync(
      path.join(work, 'notify.json'),
      JSON.stringify({
        link: 'http://ledger.test',
        delivery: { maxAttempts: 100, backoffMs: 10, maxBackoffMs: 100, timeoutMs: 5000 },
        channels: { hook: { type: 'webhook', url: receiver.url('/hook'), secret: 's' } },
        routes: [{ roles: ['unit'], channels: ['hook'] }],
      }),
    );

    // The notifier announces what comes after its first start: start it once before the county writes.
    const first = startChild();
    await first.started;
    const assigned: string[] = [];
    const assign = async (n: number) => {
      const itemId = `I${n}`;
      const data = {
        itemId,
        sheetId: 's1',
        title: `事项 ${n}`,
        requirements: '按期办结',
        unitId: `T${n % 5}`,
        supportUnitIds: [],
        cadreId: 'K1',
        leaderId: null,
        dueDate: '2026-11-30',
      };
      const id = randomUUID();
      await store.append(
        STREAM_PREFIX.item + itemId,
        [
          {
            id,
            type: 'ItemAssigned',
            schemaVersion: SCHEMA_VERSIONS.ItemAssigned,
            data,
            metadata: { actor: { userId: 'u', role: 'org_dept', unitId: null }, correlationId: id, causationId: id },
          },
        ],
        'any',
      );
      assigned.push(itemId);
    };
    let written = 0;
    const burst = async (n: number) => {
      for (let i = 0; i < n; i++) await assign(written++);
    };

    let current = first;
    let killedAtAnswer = 0;
    for (let k = 0; k < KILLS; k++) {
      if (k > 0) {
        current = startChild();
        await current.started;
      }
      const child = current.child;
      // Items keep coming while it delivers; the kill falls within this burst's messages.
      const writing = burst(ITEMS / KILLS);
      const target = receiver.received.length + 1 + Math.floor(rnd() * 15);
      const atAnswer = k % 2 === 0;
      // The kill comes from the receiver itself: on the target request, right as it answers (the notifier has
      // its 200 in flight and has not recorded it) or before it answers (the request is in flight).
      const killed = new Promise<void>((resolve) => {
        onRequest = () => {
          if (receiver.received.length < target) return;
          onRequest = null;
          if (atAnswer) setImmediate(() => (child.kill('SIGKILL'), resolve()));
          else {
            child.kill('SIGKILL');
            resolve();
          }
        };
      });
      await Promise.race([killed, current.exited]);
      expect(await current.exited).toBeNull();
      await writing;
      if (atAnswer) killedAtAnswer++;
    }
    expect(written).toBe(ITEMS);

    const last = startChild();
    await eventually(
      'every message is delivered',
      async () => {
        const [row] = await db.query(`SELECT COUNT(*) AS "n", SUM(CASE WHEN "status" = 'delivered' THEN 1 ELSE 0 END) AS "done" FROM "nt_outbox"`);
        return Number(row.n) === ITEMS && Number(row.done) === ITEMS;
      },
      { timeoutMs: 120_000, explain: last.output },
    );
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);

    // Oracle: the items this test assigned, one message each to its unit's hook.
    const bodies = receiver.received.map((r) => ({
      key: String(r.headers['idempotency-key']),
      body: JSON.parse(r.body) as { id: string; itemId: string; audience: string },
    }));
    const byId = new Map<string, Set<string>>();
    for (const { key, body } of bodies) {
      expect(body.id).toBe(key);
      byId.set(key, (byId.get(key) ?? new Set()).add(`${body.itemId} ${body.audience}`));
    }
    // A repeated id always carries the same message.
    for (const contents of byId.values()) expect(contents.size).toBe(1);
    const itemsReceived = [...byId.values()].map((s) => [...s][0]).sort();
    expect(itemsReceived).toEqual(assigned.map((id) => `${id} unit:T${(id.slice(1) as unknown as number) % 5}`).sort());
    expect(byId.size).toBe(ITEMS);
    const repeats = bodies.length - byId.size;
    process.stdout.write(
      `notifier crash: ${KILLS} kills (${killedAtAnswer} as the receiver answered), ${bodies.length} requests for ${ITEMS} messages, ${repeats} repeat(s), each with its first id\n`,
    );
    // The kills at the answer left some message sent but not recorded: sent again, with its id.
    expect(repeats).toBeGreaterThan(0);
  }, 600_000);
});
