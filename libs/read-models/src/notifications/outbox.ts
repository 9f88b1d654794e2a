import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { isEventType, upcast } from '@ledger/contracts/events';
import type { EventStore, StoredEvent } from '@ledger/event-store';
import { ProjectionGapError } from '../errors';
import { switchingAway } from '../generations/switch';
import { ensureLeaseTable, LEASE_TABLE } from '../lease/lease';
import { isPostgres, placeholders } from '../db/sql';
import { audienceKey, draftFor, evolveNotifiedItem, type NotifiedEvent, type NotifiedItem } from './rules';
import { channelsFor, type NotifyConfig } from './routing';

export const NOTIFIER_CHECKPOINT = 'notifier';
/** The position the notifier first started at: what came before is folded, never announced. */
export const NOTIFY_FROM = 'notify-from';
export const NOTIFIER_LEASE = 'notifier';

export type MessageStatus = 'pending' | 'delivered' | 'dead';

/** A message as the outbox holds it (payload parsed). */
export interface OutboxMessage {
  id: string;
  position: string;
  eventId: string;
  eventType: string;
  kind: string;
  itemId: string | null;
  audience: string;
  channel: string;
  payload: MessagePayload;
  status: MessageStatus;
  attempts: number;
  nextAttemptAt: number;
  createdAt: string;
  deliveredAt: string | null;
  lastError: string | null;
}

/** What every channel renders: the words, and where the item is (the link's base comes from the configuration when sent). */
export interface MessagePayload {
  title: string;
  lines: string[];
  path: string | null;
  dueDate: string | null;
  unitId: string | null;
}

export interface DeliveryAttempt {
  n: number;
  at: string;
  outcome: 'delivered' | 'failed';
  httpStatus: number | null;
  error: string | null;
  ms: number;
}

const q = (db: DataSource | EntityManager, sql: string, params: unknown[] = []) => db.query(placeholders(sql, isPostgres(db)), params);

async function named(db: DataSource | EntityManager, name: string): Promise<bigint | null> {
  const rows: { position: string }[] = await q(db, `SELECT "position" FROM "nt_checkpoint" WHERE "name" = ?`, [name]);
  return rows.length ? BigInt(rows[0].position) : null;
}

async function setNamed(em: EntityManager, name: string, position: bigint): Promise<void> {
  await q(em, `INSERT INTO "nt_checkpoint" ("name", "position") VALUES (?, ?) ON CONFLICT ("name") DO UPDATE SET "position" = excluded."position"`, [
    name,
    position.toString(),
  ]);
}

/** The last position the notifier folded (0n: none). */
export async function notifierCheckpoint(db: DataSource | EntityManager): Promise<bigint> {
  return (await named(db, NOTIFIER_CHECKPOINT)) ?? 0n;
}

/**
 * On the very first start, records `head` as the position messages start after: a county that turns
 * notifications on is not sent its whole history. Later starts keep the first one's.
 */
export async function ensureNotifyFrom(em: EntityManager, head: bigint): Promise<bigint> {
  const from = await named(em, NOTIFY_FROM);
  if (from !== null) return from;
  await setNamed(em, NOTIFY_FROM, head);
  return head;
}

/** The instant (epoch ms) the notifier first started at, as a named checkpoint: bulletins of periods that ended before it are never sent. */
export const BULLETINS_FROM = 'bulletins-from';

/** On the very first start records `nowMs`; later starts keep the first one's. */
export async function ensureBulletinsFrom(em: EntityManager, nowMs: number): Promise<number> {
  const from = await named(em, BULLETINS_FROM);
  if (from !== null) return Number(from);
  await setNamed(em, BULLETINS_FROM, BigInt(nowMs));
  return nowMs;
}

/** A message's id: the same event, audience and channel always make the same one (the receiver's idempotency key). */
export function messageId(eventId: string, audience: string, channel: string): string {
  const h = createHash('sha256').update(`${eventId}\n${audience}\n${channel}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The named checkpoint through which nt_unit holds the tree: absent on a notifier from before nt_unit (backfilled once). */
export const UNITS_FOLDED = 'units';

async function foldUnit(em: EntityManager, unitId: string, parentId: string | null): Promise<void> {
  await q(em, `INSERT INTO "nt_unit" ("unitId", "parentId") VALUES (?, ?) ON CONFLICT ("unitId") DO UPDATE SET "parentId" = excluded."parentId"`, [
    unitId,
    parentId,
  ]);
}

/** The unit events the notifier folds (its tree: who is under whom). */
function unitPlacement(type: string, data: unknown): { unitId: string; parentId: string | null } | null {
  if (type !== 'UnitRegistered' && type !== 'UnitMoved') return null;
  const d = data as { unitId?: unknown; parentId?: unknown };
  return typeof d.unitId === 'string' ? { unitId: d.unitId, parentId: typeof d.parentId === 'string' ? d.parentId : null } : null;
}

/**
 * A notifier that folded events before nt_unit existed has a checkpoint past unit events it never
 * kept: once, it reads the log up to its checkpoint for them (units only), so that subtree routes see
 * the whole tree. `guard` holds the lease. Returns the number of units folded (null: nothing to do).
 */
export async function backfillUnitTree(
  db: DataSource,
  store: Pick<EventStore, 'readAll'>,
  guard: (em: EntityManager) => Promise<void>,
  batch = 5000,
): Promise<number | null> {
  if ((await named(db, UNITS_FOLDED)) !== null) return null;
  const through = await notifierCheckpoint(db);
  const parents = new Map<string, string | null>();
  for (let after = 0n; after < through;) {
    const events = await store.readAll({ after, limit: batch });
    if (!events.length) break;
    for (const e of events) {
      if (e.position > through) break;
      const placed = isEventType(e.type) ? unitPlacement(e.type, upcast(e.type, e.schemaVersion, e.data)) : null;
      if (placed) parents.set(placed.unitId, placed.parentId);
    }
    after = events[events.length - 1].position;
  }
  return db.transaction(async (em) => {
    await guard(em);
    if ((await named(em, UNITS_FOLDED)) !== null) return null;
    if ((await notifierCheckpoint(em)) !== through) throw new Error('the notifier checkpoint moved during the unit tree backfill');
    for (const [unitId, parentId] of parents) await foldUnit(em, unitId, parentId);
    await setNamed(em, UNITS_FOLDED, through);
    return parents.size;
  });
}

/**
 * The unit ids the routes name ("units", "unitsUnder") that are no unit of the tree the notifier has
 * folded, one line each: a misspelt id would otherwise match nothing in silence. Not refused (a unit
 * may be registered after the configuration names it), said.
 */
export async function unknownRouteUnits(db: DataSource | EntityManager, config: NotifyConfig): Promise<string[]> {
  const named = new Set(config.routes.flatMap((r) => [...(r.units ?? []), ...(r.unitsUnder ?? [])]));
  if (!named.size) return [];
  const ids = [...named];
  const rows: { unitId: string }[] = await q(db, `SELECT "unitId" FROM "nt_unit" WHERE "unitId" IN (${ids.map(() => '?').join(', ')})`, ids);
  const known = new Set(rows.map((r) => r.unitId));
  const out: string[] = [];
  config.routes.forEach((r, i) => {
    for (const key of ['units', 'unitsUnder'] as const)
      for (const id of r[key] ?? [])
        if (!known.has(id))
          out.push(`routes[${i}].${key} names "${id}", which is no unit of the organisation tree: it matches nothing until one is registered`);
  });
  return out;
}

/**
 * Folds a batch into nt_item, writes its messages to the outbox and advances the checkpoint, all in
 * the caller's transaction: a message exists iff the checkpoint passed its event. Events at or below
 * the checkpoint are skipped; one that does not follow it is refused (contiguous stores).
 */
export async function applyNotificationEvents(
  em: EntityManager,
  stored: StoredEvent[],
  config: NotifyConfig,
  options: { contiguous: boolean; now: Date },
): Promise<{ checkpoint: bigint; messages: number }> {
  let checkpoint = await notifierCheckpoint(em);
  const from = (await named(em, NOTIFY_FROM)) ?? 0n;
  const items = new Map<string, NotifiedItem | null>();
  // The tree as folded so far in this batch (unit → parent; null: a root; absent from the map: not read yet).
  const parents = new Map<string, string | null>();
  const parentOf = async (unitId: string): Promise<string | null> => {
    if (!parents.has(unitId)) {
      const rows: { parentId: string | null }[] = await q(em, `SELECT "parentId" FROM "nt_unit" WHERE "unitId" = ?`, [unitId]);
      parents.set(unitId, rows[0]?.parentId ?? null);
    }
    return parents.get(unitId) ?? null;
  };
  /** The unit and its ancestors, itself first (a cycle, which the domain never makes, stops the walk). */
  const lineOf = async (unitId: string): Promise<string[]> => {
    const line = [unitId];
    for (let p = await parentOf(unitId); p !== null && !line.includes(p); p = await parentOf(p)) line.push(p);
    return line;
  };
  let messages = 0;
  for (const s of stored) {
    if (s.position <= checkpoint) continue;
    if (options.contiguous ? s.position !== checkpoint + 1n : false) throw new ProjectionGapError(checkpoint, s.position);
    checkpoint = s.position;
    if (!isEventType(s.type)) continue;
    const data = upcast(s.type, s.schemaVersion, s.data) as { itemId?: unknown };
    const placed = unitPlacement(s.type, data);
    if (placed) {
      await foldUnit(em, placed.unitId, placed.parentId);
      parents.set(placed.unitId, placed.parentId);
      continue;
    }
    if (typeof data.itemId !== 'string') continue;
    const actor = (s.metadata as { actor?: { role?: unknown } } | undefined)?.actor;
    const e = { type: s.type, data, actorRole: typeof actor?.role === 'string' ? actor.role : null } as NotifiedEvent;
    if (!items.has(data.itemId)) {
      const rows: NotifiedItem[] = await q(em, `SELECT "itemId", "title", "unitId", "leaderId", "dueDate" FROM "nt_item" WHERE "itemId" = ?`, [data.itemId]);
      items.set(data.itemId, rows[0] ?? null);
    }
    const before = items.get(data.itemId) ?? null;
    const item = evolveNotifiedItem(before, e);
    if (item && item !== before) {
      items.set(data.itemId, item);
      await q(
        em,
        `INSERT INTO "nt_item" ("itemId", "title", "unitId", "leaderId", "dueDate") VALUES (?, ?, ?, ?, ?) ` +
          `ON CONFLICT ("itemId") DO UPDATE SET "title" = excluded."title", "unitId" = excluded."unitId", "leaderId" = excluded."leaderId", "dueDate" = excluded."dueDate"`,
        [item.itemId, item.title, item.unitId, item.leaderId, item.dueDate],
      );
    }
    if (!item || s.position <= from) continue;
    const draft = draftFor(e, item);
    if (!draft) continue;
    const payload: MessagePayload = {
      title: draft.title,
      lines: draft.lines,
      path: `/items/${encodeURIComponent(item.itemId)}`,
      dueDate: item.dueDate,
      unitId: item.unitId,
    };
    for (const audience of draft.audiences) {
      const key = audienceKey(audience);
      const line = audience.unitId === null ? undefined : await lineOf(audience.unitId);
      for (const channel of channelsFor(config, audience, line)) {
        await q(
          em,
          `INSERT INTO "nt_outbox" ("id", "position", "eventId", "eventType", "kind", "itemId", "audience", "channel", "payload", "status", "attempts", "nextAttemptAt", "createdAt") ` +
            `VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, 0, ?) ON CONFLICT ("id") DO NOTHING`,
          [
            messageId(s.id, key, channel),
            s.position.toString(),
            s.id,
            s.type,
            draft.kind,
            item.itemId,
            key,
            channel,
            JSON.stringify(payload),
            options.now.toISOString(),
          ],
        );
        messages++;
      }
    }
  }
  await setNamed(em, NOTIFIER_CHECKPOINT, checkpoint);
  return { checkpoint, messages };
}

/**
 * Deletes up to `limit` messages delivered before `deliveredBefore`, oldest first, with their attempts,
 * in the caller's transaction; returns how many. Pending and dead messages are never touched (a
 * replayed dead letter is once it is delivered). The checkpoint is not in these rows: a purged
 * message's event stays behind it and is never notified again.
 */
export async function purgeDelivered(em: EntityManager, deliveredBefore: Date, limit: number): Promise<number> {
  const rows: { id: string }[] = await q(
    em,
    `SELECT "id" FROM "nt_outbox" WHERE "status" = 'delivered' AND "deliveredAt" < ? ORDER BY "deliveredAt", "id" LIMIT ${Math.floor(limit)}`,
    [deliveredBefore.toISOString()],
  );
  if (!rows.length) return 0;
  const ids = rows.map((r) => r.id);
  const marks = ids.map(() => '?').join(', ');
  await q(em, `DELETE FROM "nt_attempt" WHERE "messageId" IN (${marks})`, ids);
  await q(em, `DELETE FROM "nt_outbox" WHERE "status" = 'delivered' AND "id" IN (${marks})`, ids);
  return ids.length;
}

interface OutboxRow extends Omit<OutboxMessage, 'payload' | 'attempts' | 'nextAttemptAt' | 'position'> {
  payload: string;
  attempts: number | string;
  nextAttemptAt: number | string;
  position: number | string;
}

const view = (r: OutboxRow): OutboxMessage => ({
  ...r,
  position: String(r.position),
  attempts: Number(r.attempts),
  nextAttemptAt: Number(r.nextAttemptAt),
  payload: JSON.parse(r.payload) as MessagePayload,
});

/** Pending messages whose next attempt is due at `nowMs` (of one channel, if named), oldest event first. */
export async function dueMessages(db: DataSource, nowMs: number, limit: number, channel?: string): Promise<OutboxMessage[]> {
  const rows: OutboxRow[] = await q(
    db,
    `SELECT * FROM "nt_outbox" WHERE "status" = 'pending' AND "nextAttemptAt" <= ?${channel === undefined ? '' : ` AND "channel" = ?`} ORDER BY "position", "id" LIMIT ${Math.floor(limit)}`,
    channel === undefined ? [nowMs] : [nowMs, channel],
  );
  return rows.map(view);
}

/** The channels that have a message due at `nowMs`. */
export async function dueChannels(db: DataSource, nowMs: number): Promise<string[]> {
  const rows: { channel: string }[] = await q(
    db,
    `SELECT DISTINCT "channel" FROM "nt_outbox" WHERE "status" = 'pending' AND "nextAttemptAt" <= ? ORDER BY "channel"`,
    [nowMs],
  );
  return rows.map((r) => r.channel);
}

/** The soonest time a pending message is due (null: none pending). */
export async function nextDueAt(db: DataSource): Promise<number | null> {
  const rows: { at: unknown }[] = await q(db, `SELECT MIN("nextAttemptAt") AS "at" FROM "nt_outbox" WHERE "status" = 'pending'`);
  return rows.length && rows[0].at !== null ? Number(rows[0].at) : null;
}

export interface AttemptResult {
  ok: boolean;
  httpStatus: number | null;
  error: string | null;
  ms: number;
}

/**
 * Records one attempt and its outcome in a transaction of its own, right after the receiver answered:
 * delivered; or failed, due again after `retryInMs`; or failed for the last time (`dead`).
 * `guard` holds the lease (the fence); it throws to roll back.
 */
export async function recordAttempt(
  db: DataSource,
  id: string,
  result: AttemptResult,
  next: { at: Date; retryInMs: number; maxAttempts: number },
  guard?: (em: EntityManager) => Promise<void>,
): Promise<MessageStatus> {
  return db.transaction(async (em) => {
    await guard?.(em);
    const rows: { attempts: unknown; status: MessageStatus }[] = await q(em, `SELECT "attempts", "status" FROM "nt_outbox" WHERE "id" = ?`, [id]);
    if (!rows.length || rows[0].status !== 'pending') return rows[0]?.status ?? 'dead';
    const attempts = Number(rows[0].attempts) + 1;
    const n: { n: unknown }[] = await q(em, `SELECT COALESCE(MAX("n"), 0) + 1 AS "n" FROM "nt_attempt" WHERE "messageId" = ?`, [id]);
    await q(em, `INSERT INTO "nt_attempt" ("messageId", "n", "at", "outcome", "httpStatus", "error", "ms") VALUES (?, ?, ?, ?, ?, ?, ?)`, [
      id,
      Number(n[0].n),
      next.at.toISOString(),
      result.ok ? 'delivered' : 'failed',
      result.httpStatus,
      result.error,
      Math.round(result.ms),
    ]);
    const status: MessageStatus = result.ok ? 'delivered' : attempts >= next.maxAttempts ? 'dead' : 'pending';
    await q(em, `UPDATE "nt_outbox" SET "status" = ?, "attempts" = ?, "nextAttemptAt" = ?, "deliveredAt" = ?, "lastError" = ? WHERE "id" = ?`, [
      status,
      attempts,
      result.ok ? 0 : next.at.getTime() + next.retryInMs,
      result.ok ? next.at.toISOString() : null,
      result.ok ? null : result.error,
      id,
    ]);
    return status;
  });
}

export async function attemptsOf(db: DataSource, id: string): Promise<DeliveryAttempt[]> {
  const rows: DeliveryAttempt[] = await q(db, `SELECT "n", "at", "outcome", "httpStatus", "error", "ms" FROM "nt_attempt" WHERE "messageId" = ? ORDER BY "n"`, [
    id,
  ]);
  return rows.map((r) => ({ ...r, n: Number(r.n), ms: Number(r.ms), httpStatus: r.httpStatus === null ? null : Number(r.httpStatus) }));
}

export async function outboxMessage(db: DataSource, id: string): Promise<OutboxMessage | null> {
  const rows: OutboxRow[] = await q(db, `SELECT * FROM "nt_outbox" WHERE "id" = ?`, [id]);
  return rows.length ? view(rows[0]) : null;
}

/** The dead-letter list: messages that failed every attempt, newest event first, with their attempts. */
export async function deadLetters(db: DataSource, limit = 500): Promise<Array<OutboxMessage & { attemptLog: DeliveryAttempt[] }>> {
  const rows: OutboxRow[] = await q(db, `SELECT * FROM "nt_outbox" WHERE "status" = 'dead' ORDER BY "position" DESC, "id" LIMIT ${Math.floor(limit)}`);
  return Promise.all(rows.map(async (r) => ({ ...view(r), attemptLog: await attemptsOf(db, r.id) })));
}

/** A replay refused while a rebuild switches the read models away from the set it would be written in. */
class SwitchingAway extends Error {}

/**
 * Puts a dead message back in the queue, due at once, with a fresh count of attempts (its past
 * attempts stay on record). 'not_found' or 'not_dead' changes nothing, nor does 'rebuild_switching':
 * a rebuild (`ledger rebuild`) holds this set's leases to carry the notifier's tables to the next set
 * and switch to it, or has switched (this process has not followed yet); written here, the replay
 * would be lost. Asked again once the rebuild has switched, it is made in the set then live.
 */
export async function replayDeadLetter(db: DataSource, id: string): Promise<'replayed' | 'not_found' | 'not_dead' | 'rebuild_switching'> {
  await ensureLeaseTable(db);
  try {
    return await db.transaction(async (em) => {
      // First, what the switch takes before it copies the outbox (holdStolenLeases): on PostgreSQL the
      // lease table (an INSERT's lock, which its SHARE ROW EXCLUSIVE waits for, and which waits for it),
      // on SQLite the file's write lock. So a replay either commits before the copy, or sees the rebuild.
      // The notifier's row, as the notifier opens it: a rebuild that took no lease (none yet) finds one
      // more at its switch and takes them again.
      await q(
        em,
        `INSERT INTO "${LEASE_TABLE}" ("name", "holder", "token", "acquired_at", "expires_at") VALUES (?, NULL, 0, 0, 0) ON CONFLICT ("name") DO NOTHING`,
        [NOTIFIER_LEASE],
      );
      if (await switchingAway(em)) throw new SwitchingAway();
      const rows: { status: string }[] = await q(em, `SELECT "status" FROM "nt_outbox" WHERE "id" = ?`, [id]);
      if (!rows.length) return 'not_found';
      if (rows[0].status !== 'dead') return 'not_dead';
      await q(em, `UPDATE "nt_outbox" SET "status" = 'pending', "attempts" = 0, "nextAttemptAt" = 0 WHERE "id" = ? AND "status" = 'dead'`, [id]);
      return 'replayed';
    });
  } catch (e) {
    if (e instanceof SwitchingAway) return 'rebuild_switching';
    throw e;
  }
}

/** Whether a rebuild is switching the read models away from `db`'s set (a replay made now is refused): a look, no lock. */
export async function rebuildSwitching(db: DataSource): Promise<boolean> {
  await ensureLeaseTable(db);
  return switchingAway(db);
}

/**
 * Whether a scheduled message (e.g. `bulletin:monthly:2026-11`) was ever queued: nt_scheduled keeps it
 * after its delivered rows are purged, so a restart never sends it again.
 */
export async function scheduledQueued(db: DataSource | EntityManager, key: string): Promise<boolean> {
  const rows: unknown[] = await q(db, `SELECT 1 FROM "nt_scheduled" WHERE "key" = ?`, [key]);
  return rows.length > 0;
}

/**
 * Writes a scheduled message (not made from one event) to the outbox once per channel, keyed by `key`
 * (the schedule and its period): the same key always makes the same ids, so a second notifier, or a
 * restart, adds nothing. Returns how many rows it added.
 */
export async function enqueueScheduled(
  em: EntityManager,
  message: { key: string; kind: string; audience: string; position: bigint; payload: MessagePayload; channels: string[]; now: Date },
): Promise<number> {
  let added = 0;
  await q(em, `INSERT INTO "nt_scheduled" ("key", "queuedAt") VALUES (?, ?) ON CONFLICT ("key") DO NOTHING`, [message.key, message.now.toISOString()]);
  for (const channel of message.channels) {
    const id = messageId(message.key, message.audience, channel);
    const exists: unknown[] = await q(em, `SELECT 1 FROM "nt_outbox" WHERE "id" = ?`, [id]);
    if (exists.length) continue;
    await q(
      em,
      `INSERT INTO "nt_outbox" ("id", "position", "eventId", "eventType", "kind", "itemId", "audience", "channel", "payload", "status", "attempts", "nextAttemptAt", "createdAt") ` +
        `VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, 'pending', 0, 0, ?) ON CONFLICT ("id") DO NOTHING`,
      [
        id,
        message.position.toString(),
        message.key,
        'Scheduled',
        message.kind,
        message.audience,
        channel,
        JSON.stringify(message.payload),
        message.now.toISOString(),
      ],
    );
    added++;
  }
  return added;
}
