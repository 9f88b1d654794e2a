import { counterKeysOf, type CounterDelta, type ItemCounted } from '../figures/counters';
import { placeholders } from '../db/sql';

/**
 * The temporal counters (figures as of any position), packed so that an owner's figures as of p read
 * a few rows: one snapshot row, at most `snapshotEpochs − 1` epoch rows, and the change rows of p's
 * epoch up to p (one row per position, every owner's changes of that event together).
 *
 * Epochs count events, not positions: epoch e holds the log's events e·E+1 … (e+1)·E (1-based, in
 * order), and rm_t_epoch keeps, per epoch, how many it holds so far and the position of its last.
 * Positions may have gaps (EventStoreDB's are byte offsets): an epoch of positions would hold a few
 * events there, and a snapshot per 65,536 positions would copy every owner every hundred events.
 * Where positions are 1, 2, 3 … the two layouts coincide (epoch e ends at position (e+1)·E).
 *
 * Every row is a function of the log alone (never of batch boundaries): change rows are written per
 * position, an epoch's rows once the log is applied up to its last event, a snapshot's rows when
 * its epoch closes. A live projector and a rebuild end with the same rows.
 */
export const COUNTER_LAYOUT = {
  epochSize: 4096,
  /** A snapshot every this many epochs (65,536 events). Specs shrink both to close epochs on a small log. */
  snapshotEpochs: 16,
};

export type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

/** [status, dueDate, count, onTime] */
export type CountTuple = [string, string, number, number];

/** One owner's counters: `${status}\u0000${dueDate}` → [count, onTime]. */
export type Counts = Map<string, [number, number]>;

type OwnerKind = 'unit' | 'subtree';

const WRITE_CHUNK = 400;
const READ_CHUNK = 500;

export function ownerKey(kind: OwnerKind, id: string): string {
  return `${kind === 'unit' ? 'u' : 's'}:${id}`;
}

function splitOwner(key: string): { ownerKind: OwnerKind; ownerId: string } {
  return { ownerKind: key.startsWith('u:') ? 'unit' : 'subtree', ownerId: key.slice(2) };
}

/** The one string per (status, due date): a Map finds a key it has hashed before without hashing it again. */
const KEYS = new Map<string, Map<string, string>>();

function keyOf(status: string, dueDate: string): string {
  let byDue = KEYS.get(status);
  if (!byDue) KEYS.set(status, (byDue = new Map()));
  let k = byDue.get(dueDate);
  if (k === undefined) byDue.set(dueDate, (k = `${status}\u0000${dueDate}`));
  return k;
}

function addTuple(counts: Counts, status: string, dueDate: string, count: number, onTime: number): void {
  addKeyed(counts, keyOf(status, dueDate), count, onTime);
}

function addKeyed(counts: Counts, k: string, count: number, onTime: number): void {
  const acc = counts.get(k);
  if (acc) {
    acc[0] += count;
    acc[1] += onTime;
  } else counts.set(k, [count + 0, onTime + 0]); // + 0: a subtracted 0 (-0) is 0
}

/** Sorted by status, then due date: the keys' own order, since U+0000 sorts before any character of a status. */
export function tuplesOf(counts: Counts): CountTuple[] {
  const out: CountTuple[] = [];
  for (const k of [...counts.keys()].sort()) {
    const [count, onTime] = counts.get(k)!;
    if (count === 0 && onTime === 0) continue;
    const i = k.indexOf('\u0000');
    out.push([k.slice(0, i), k.slice(i + 1), count, onTime]);
  }
  return out;
}

/** An owner's counters as stored: sorted tuples, zeros left out; null when nothing is left. */
function packCounts(counts: Counts): string | null {
  const tuples = tuplesOf(counts);
  return tuples.length ? JSON.stringify(tuples) : null;
}

export function addPacked(counts: Counts, packed: string, sign = 1): void {
  for (const [s, d, c, t] of JSON.parse(packed) as CountTuple[]) addTuple(counts, s, d, sign * c, sign * t);
}

/**
 * One position's changes as a row: owners with the same changes share a group (an item's event
 * changes its unit and every subtree above it alike). Null when nothing changed.
 */
export function packChanges(deltas: CounterDelta[]): string | null {
  const byOwner = new Map<string, Counts>();
  for (const d of deltas) {
    if (d.ownerKind === 'cadre') continue;
    const key = ownerKey(d.ownerKind, d.ownerId);
    const counts = byOwner.get(key) ?? new Map();
    addTuple(counts, d.status, d.dueDate, d.count, d.onTime);
    byOwner.set(key, counts);
  }
  const groups = new Map<string, [string[], CountTuple[]]>();
  for (const owner of [...byOwner.keys()].sort()) {
    const tuples = tuplesOf(byOwner.get(owner)!);
    if (tuples.length === 0) continue;
    const signature = JSON.stringify(tuples);
    const group = groups.get(signature);
    if (group) group[0].push(owner);
    else groups.set(signature, [[owner], tuples]);
  }
  return groups.size ? JSON.stringify([...groups.values()]) : null;
}

/**
 * The change row of an item that stays with its unit (or is assigned): its unit and every subtree it
 * lies in change alike, so one group — the row packChanges would write, without building a delta per
 * owner. Null when no unit or subtree counter changes.
 */
export function packItemChange(before: ItemCounted | null, after: ItemCounted, unitOwners: string[]): string | null {
  const counts: Counts = new Map();
  const count = (row: ItemCounted, sign: number) => {
    for (const k of counterKeysOf(row)) addTuple(counts, k.status, k.dueDate, sign, sign * k.onTime);
  };
  if (before) count(before, -1);
  count(after, 1);
  const tuples = tuplesOf(counts);
  return tuples.length ? JSON.stringify([[[...unitOwners].sort(), tuples]]) : null;
}

/** Adds a change row's tuples (times `sign`) into `into` for the owners asked (all owners when `needles` is null). */
export function addChanges(into: Map<string, Counts>, packed: string, needles: [string, string][] | null, sign = 1): void {
  if (needles && !needles.some(([, needle]) => packed.includes(needle))) return;
  for (const [owners, tuples] of JSON.parse(packed) as [string[], CountTuple[]][]) {
    // Keyed once for the group's owners (an item's unit and every subtree above it).
    let keyed: [string, number, number][] | null = null;
    for (const owner of owners) {
      if (needles && !needles.some(([key]) => key === owner)) continue;
      keyed ??= tuples.map(([s, d, c, t]) => [keyOf(s, d), sign * c, sign * t]);
      let counts = into.get(owner);
      if (!counts) into.set(owner, (counts = new Map()));
      for (const [k, c, t] of keyed) addKeyed(counts, k, c, t);
    }
  }
}

/** Writes rows not stored yet: multi-row INSERTs (insertMany), or a rebuild's COPY. */
export type Insert = (table: string, columns: string[], rows: unknown[][]) => Promise<void>;

async function insertMany(query: Query, pg: boolean, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += WRITE_CHUNK) {
    const chunk = rows.slice(i, i + WRITE_CHUNK);
    const tuple = `(${columns.map(() => '?').join(',')})`;
    await query(
      placeholders(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(',')}) VALUES ${chunk.map(() => tuple).join(',')} ON CONFLICT DO NOTHING`, pg),
      chunk.flat(),
    );
  }
}

async function changeRows(query: Query, pg: boolean, after: number, upTo: number): Promise<string[]> {
  const rows = (await query(placeholders(`SELECT "changes" FROM "rm_t_counter_change" WHERE "position" > ? AND "position" <= ? ORDER BY "position"`, pg), [
    after,
    upTo,
  ])) as { changes: string }[];
  return rows.map((r) => r.changes);
}

/** `empty`: an owner whose counters are all zero gets a row of no tuples instead of none (a snapshot's row stands until the owner's next one). */
async function writeOwnerRows(insert: Insert, table: string, epoch: number, byOwner: Map<string, Counts>, empty = false): Promise<void> {
  const rows: unknown[][] = [];
  for (const owner of [...byOwner.keys()].sort()) {
    const packed = packCounts(byOwner.get(owner)!) ?? (empty ? '[]' : null);
    if (packed === null) continue;
    const { ownerKind, ownerId } = splitOwner(owner);
    rows.push([ownerKind, ownerId, epoch, packed]);
  }
  await insert(table, ['ownerKind', 'ownerId', 'epoch', 'counts'], rows);
}

/**
 * An owner's snapshot as of snapshot epoch `epoch` (SQL): its newest row at or before it, null when it
 * has none (nothing counted before). Snapshots hold only the owners that changed since the one before.
 */
export function newestSnapshotSql(ownerKind: string, ownerId: string, epoch: string): string {
  return `(SELECT z."counts" FROM "rm_t_counter_snapshot" z WHERE z."ownerKind" = ${ownerKind} AND z."ownerId" = ${ownerId} AND z."epoch" <= ${epoch} ORDER BY z."epoch" DESC LIMIT 1)`;
}

/** Rows ("ownerId", "counts") of newestSnapshotSql; parameters: owner kind, epoch, the owner ids as a JSON array. */
function newestSnapshotsSql(pg: boolean, k = ''): string {
  const ids = pg ? 'SELECT json_array_elements_text(CAST(? AS json)) AS "id"' : 'SELECT value AS "id" FROM json_each(?)';
  return `SELECT ${k}o."id" AS "ownerId", ${newestSnapshotSql('?', 'o."id"', '?')} AS "counts" FROM (${ids}) o`;
}

/** Sums the change rows in (after, upTo] into epoch `epoch`'s rows, and writes the snapshot due with it. */
async function closeEpoch(
  query: Query,
  pg: boolean,
  epoch: number,
  after: number,
  upTo: number,
  snapshotFrom: () => Promise<number>,
  insert: Insert = (table, columns, rows) => insertMany(query, pg, table, columns, rows),
): Promise<void> {
  const sums = new Map<string, Counts>();
  for (const packed of await changeRows(query, pg, after, upTo)) addChanges(sums, packed, null);
  await writeOwnerRows(insert, 'rm_t_counter_epoch', epoch, sums);
  if ((epoch + 1) % COUNTER_LAYOUT.snapshotEpochs === 0) await writeSnapshot(query, pg, epoch + 1, await snapshotFrom(), upTo, insert);
}

/**
 * For the migration that packed the counters (written when every store's positions were 1, 2, 3 …):
 * closes the epochs of positions (after, upTo] with their ends at (e+1)·E. Idempotent.
 */
export async function closeContiguousEpochs(query: Query, pg: boolean, after: number, upTo: number): Promise<void> {
  const { epochSize: E, snapshotEpochs: S } = COUNTER_LAYOUT;
  for (let e = Math.floor(after / E); (e + 1) * E <= upTo; e++) {
    await closeEpoch(query, pg, e, e * E, (e + 1) * E, async () => (e + 1 - S) * E);
  }
}

/**
 * Snapshot `epoch`: for each owner the change rows in (from, upTo] name (the positions of the epochs
 * since the previous snapshot), its previous snapshot plus those changes; an owner they do not name
 * gets no row, its previous one stands. Writing every owner cost a live projector's batch 7 s in the
 * 100-county province (73,601 owners, 33 MB of packed counts) every 65,536 events, and copying the
 * unchanged ones by the server still 4.6 s.
 */
async function writeSnapshot(query: Query, pg: boolean, epoch: number, from: number, upTo: number, insert: Insert): Promise<void> {
  const previous = epoch - COUNTER_LAYOUT.snapshotEpochs;
  const sums = new Map<string, Counts>();
  for (const packed of await changeRows(query, pg, from, upTo)) addChanges(sums, packed, null);
  if (previous > 0) {
    const owners = [...sums.keys()].map(splitOwner);
    for (const kind of ['unit', 'subtree'] as const) {
      const ids = owners.filter((o) => o.ownerKind === kind).map((o) => o.ownerId);
      for (let i = 0; i < ids.length; i += READ_CHUNK) {
        const rows = (await query(placeholders(newestSnapshotsSql(pg), pg), [kind, previous, JSON.stringify(ids.slice(i, i + READ_CHUNK))])) as {
          ownerId: string;
          counts: string | null;
        }[];
        for (const r of rows) if (r.counts !== null) addPacked(sums.get(ownerKey(kind, r.ownerId))!, r.counts);
      }
    }
  }
  await writeOwnerRows(insert, 'rm_t_counter_snapshot', epoch, sums, true);
}

/** The last positions of closed epochs asked (epoch → position); an epoch not closed is absent. */
async function epochEnds(query: Query, pg: boolean, epochs: number[]): Promise<Map<number, number>> {
  const asked = [...new Set(epochs.filter((e) => e >= 0))];
  if (asked.length === 0) return new Map();
  const rows = (await query(
    placeholders(`SELECT "epoch", "lastPosition" FROM "rm_t_epoch" WHERE "events" = ? AND "epoch" IN (${asked.map(() => '?').join(',')})`, pg),
    [COUNTER_LAYOUT.epochSize, ...asked],
  )) as { epoch: unknown; lastPosition: unknown }[];
  return new Map(rows.map((r) => [Number(r.epoch), Number(r.lastPosition)]));
}

/**
 * The epoch that holds `position`, or would hold an event there (how many closed epochs end before
 * it), and the ends of the closed epochs that can matter to countsAt: before it, its own, and the one
 * before the next snapshot (epoch → last position). One query: each is a round trip to PostgreSQL.
 */
async function epochsAround(query: Query, pg: boolean, position: number): Promise<{ epoch: number; ends: Map<number, number> }> {
  const S = COUNTER_LAYOUT.snapshotEpochs;
  const rows = (await query(
    placeholders(
      `SELECT n."n" AS "epoch", x."epoch" AS "closed", x."lastPosition" AS "lastPosition"
       FROM (SELECT COUNT(*) AS "n" FROM "rm_t_epoch" WHERE "events" = ? AND "lastPosition" < ?) n
       LEFT JOIN "rm_t_epoch" x ON x."events" = ? AND x."epoch" IN (n."n" - 1, n."n", (n."n" / ${S}) * ${S} + ${S - 1})`,
      pg,
    ),
    [COUNTER_LAYOUT.epochSize, position, COUNTER_LAYOUT.epochSize],
  )) as { epoch: unknown; closed: unknown; lastPosition: unknown }[];
  const ends = new Map(rows.filter((r) => r.closed !== null).map((r) => [Number(r.closed), Number(r.lastPosition)]));
  return { epoch: Number(rows[0].epoch), ends };
}

/** At most this many owners asked: the change rows are filtered by the server (their packed text names them), not all sent. */
const FILTERED_OWNERS = 8;

/**
 * Counters of the owners asked as of `position` (owner id → counts), the temporal models holding the
 * log up to `held` (≥ position). From whichever side is nearer: the change rows of its epoch up to it,
 * or its closed epoch's row less the change rows after it; the whole epochs since the snapshot before,
 * or the snapshot after less the epochs up to it. At most about half an epoch of change rows and half
 * a snapshot span of epoch rows per owner.
 */
export async function countsAt(query: Query, pg: boolean, kind: OwnerKind, ownerIds: string[], position: number, held: number): Promise<Map<string, Counts>> {
  const byKey = new Map<string, Counts>();
  if (ownerIds.length === 0 || position <= 0) return new Map();
  const S = COUNTER_LAYOUT.snapshotEpochs;
  const { epoch, ends } = await epochsAround(query, pg, position);
  /** The position before epoch k's first event (0 before the first epoch); null when epoch k − 1 is not closed by `held`. */
  const start = (k: number): number | null => {
    if (k === 0) return 0;
    const end = ends.get(k - 1);
    return end !== undefined && end <= held ? end : null;
  };
  const from = start(epoch) as number;
  const to = start(epoch + 1);
  // Sums before epoch `b`, then the change rows between the start of b and the position.
  const backward = to !== null && position - from > (to - from) / 2;
  const b = backward ? epoch + 1 : epoch;
  const before = b - (b % S);
  const after = before + S;
  const fromAfter = b > before && after - b < b - before && start(after) !== null;
  const snapshot = fromAfter ? after : before;
  const needles = ownerIds.map((id): [string, string] => {
    const key = ownerKey(kind, id);
    return [key, JSON.stringify(key)];
  });
  const add = (ownerId: string, packed: string, sign: number) => {
    const key = ownerKey(kind, ownerId);
    const counts = byKey.get(key) ?? new Map();
    addPacked(counts, packed, sign);
    byKey.set(key, counts);
  };
  // The snapshot, the epochs and the change rows in one query (sums: the order of the rows is no matter).
  for (let i = 0; i < ownerIds.length; i += READ_CHUNK) {
    const chunk = ownerIds.slice(i, i + READ_CHUNK);
    const marks = chunk.map(() => '?').join(',');
    const parts: string[] = [];
    const params: unknown[] = [];
    if (snapshot > 0) {
      parts.push(newestSnapshotsSql(pg, `'s' AS "k", `));
      params.push(kind, snapshot, JSON.stringify(chunk));
    }
    if (b !== snapshot) {
      parts.push(
        `SELECT 'e' AS "k", "ownerId", "counts" FROM "rm_t_counter_epoch" WHERE "ownerKind" = ? AND "ownerId" IN (${marks}) AND "epoch" >= ? AND "epoch" < ?`,
      );
      params.push(kind, ...chunk, Math.min(b, snapshot), Math.max(b, snapshot));
    }
    if (i === 0) {
      // Only rows naming an owner asked count (addChanges skips the others): the server leaves them out when few are asked.
      const named =
        ownerIds.length <= FILTERED_OWNERS ? ` AND (${needles.map(() => (pg ? 'strpos("changes", ?) > 0' : 'instr("changes", ?) > 0')).join(' OR ')})` : '';
      parts.push(`SELECT 'c' AS "k", NULL AS "ownerId", "changes" AS "counts" FROM "rm_t_counter_change" WHERE "position" > ? AND "position" <= ?${named}`);
      params.push(...(backward ? [position, to] : [from, position]), ...(named ? needles.map(([, needle]) => needle) : []));
    }
    const rows = (await query(placeholders(parts.join(' UNION ALL '), pg), params)) as { k: string; ownerId: string; counts: string | null }[];
    for (const r of rows) {
      if (r.k === 's') {
        if (r.counts !== null) add(r.ownerId, r.counts, 1);
      } else if (r.k === 'e') add(r.ownerId, r.counts!, fromAfter ? -1 : 1);
      else addChanges(byKey, r.counts!, needles, backward ? -1 : 1);
    }
  }
  const out = new Map<string, Counts>();
  for (const id of ownerIds) {
    const counts = byKey.get(ownerKey(kind, id));
    if (counts) out.set(id, counts);
  }
  return out;
}

/** The epoch the log's next event falls in, as rm_t_epoch has it. */
export interface OpenEpoch {
  epoch: number;
  /** Events in it so far. */
  events: number;
  /** The position of its last event (of the epoch before when it holds none; 0 at the start). */
  lastPosition: number;
  /** The position before its first event. */
  from: number;
}

/** The two newest epoch rows, newest first: what openEpochOf takes (a batch may read them with others in one statement). */
export const NEWEST_EPOCHS_SQL = `SELECT "epoch", "events", "lastPosition" FROM "rm_t_epoch" ORDER BY "epoch" DESC LIMIT 2`;

async function openEpoch(query: Query): Promise<OpenEpoch> {
  return openEpochOf((await query(NEWEST_EPOCHS_SQL)) as { epoch: unknown; events: unknown; lastPosition: unknown }[]);
}

/** The epoch the next event falls in, from the two newest epoch rows (newest first). */
export function openEpochOf(rows: { epoch: unknown; events: unknown; lastPosition: unknown }[]): OpenEpoch {
  const E = COUNTER_LAYOUT.epochSize;
  const [top, below] = rows.map((r) => ({ epoch: Number(r.epoch), events: Number(r.events), lastPosition: Number(r.lastPosition) }));
  if (!top) return { epoch: 0, events: 0, lastPosition: 0, from: 0 };
  if (top.events >= E) return { epoch: top.epoch + 1, events: 0, lastPosition: top.lastPosition, from: top.lastPosition };
  return { ...top, from: below ? below.lastPosition : 0 };
}

async function writeEpochRow(query: Query, pg: boolean, epoch: number, events: number, lastPosition: number): Promise<void> {
  await query(
    placeholders(
      `INSERT INTO "rm_t_epoch" ("epoch", "events", "lastPosition") VALUES (?, ?, ?) ON CONFLICT ("epoch") DO UPDATE SET "events" = excluded."events", "lastPosition" = excluded."lastPosition"`,
      pg,
    ),
    [epoch, events, lastPosition],
  );
}

/**
 * The counter changes of a batch, written in position order: `event` counts every event of the log
 * (epochs count events), `add` keeps changes in memory, `flush` writes the change rows and closes the
 * epochs the log has reached.
 */
export class CounterLog {
  private pending: { position: number; deltas: CounterDelta[]; packed?: string }[] = [];
  /** Positions of the batch's events not yet counted into an epoch. */
  private events: number[] = [];
  private open: OpenEpoch | null = null;
  private readonly insert: Insert;

  constructor(
    private readonly query: Query,
    private readonly pg: boolean,
    /** The last position the temporal models held before this batch. */
    private appliedThrough: number,
    options: {
      /** How rows not stored yet are written (default: multi-row INSERTs that skip a row already there). */
      insert?: Insert;
      /**
       * Every unit owner's counters over the log up to `appliedThrough`, kept up to date here as
       * changes come: unitCountsAt then answers from memory (a rebuild's moves read none back).
       */
      unitTotals?: Map<string, Counts>;
      /** The open epoch, read by the caller before this batch wrote anything (openEpochOf). */
      open?: OpenEpoch;
    } = {},
  ) {
    this.insert = options.insert ?? ((table, columns, rows) => insertMany(query, pg, table, columns, rows));
    this.unitTotals = options.unitTotals ?? null;
    this.open = options.open ?? null;
  }

  private readonly unitTotals: Map<string, Counts> | null;

  /** Whether unitCountsAt answers from memory. */
  get inMemory(): boolean {
    return this.unitTotals !== null;
  }

  /** The counters of these unit owners over every change added so far (unitTotals given). */
  unitCountsAt(ids: string[]): Map<string, Counts> {
    const out = new Map<string, Counts>();
    for (const id of ids) {
      const counts = this.unitTotals!.get(id);
      if (counts) out.set(id, counts);
    }
    return out;
  }

  private total(ownerId: string, status: string, dueDate: string, count: number, onTime: number): void {
    let counts = this.unitTotals!.get(ownerId);
    if (!counts) this.unitTotals!.set(ownerId, (counts = new Map()));
    addTuple(counts, status, dueDate, count, onTime);
  }

  /** An event of the log at `position` (every event, whether or not it changes a counter). */
  event(position: number): void {
    this.events.push(position);
  }

  add(position: number, deltas: CounterDelta[]): void {
    if (this.unitTotals) for (const d of deltas) if (d.ownerKind === 'unit') this.total(d.ownerId, d.status, d.dueDate, d.count, d.onTime);
    const last = this.pending[this.pending.length - 1];
    if (last && last.position === position) last.deltas.push(...deltas);
    else this.pending.push({ position, deltas: [...deltas] });
  }

  /** A position's change row packed already (packItemChange). */
  addPacked(position: number, packed: string): void {
    if (this.unitTotals) {
      for (const [owners, tuples] of JSON.parse(packed) as [string[], CountTuple[]][])
        for (const owner of owners) if (owner.startsWith('u:')) for (const [st, d, c, t] of tuples) this.total(owner.slice(2), st, d, c, t);
    }
    this.pending.push({ position, deltas: [], packed });
  }

  /** Writes every change so far; the log is applied up to `upTo` (every event up to it counted with `event`). */
  async flush(upTo: number): Promise<void> {
    const rows: unknown[][] = [];
    for (const p of this.pending) {
      const { position } = p;
      const packed = p.packed ?? packChanges(p.deltas);
      if (packed !== null) rows.push([position, packed]);
    }
    this.pending = [];
    await this.insert('rm_t_counter_change', ['position', 'changes'], rows);
    if (upTo <= this.appliedThrough) return;
    const { query, pg } = this;
    const E = COUNTER_LAYOUT.epochSize;
    const open = (this.open ??= await openEpoch(query));
    let counted = 0;
    while (counted < this.events.length && this.events[counted] <= upTo) {
      open.events++;
      open.lastPosition = this.events[counted++];
      if (open.events < E) continue;
      const { epoch, from, lastPosition } = open;
      await closeEpoch(
        query,
        pg,
        epoch,
        from,
        lastPosition,
        async () => {
          const previous = epoch + 1 - COUNTER_LAYOUT.snapshotEpochs;
          return previous <= 0 ? 0 : ((await epochEnds(query, pg, [previous - 1])).get(previous - 1) as number);
        },
        this.insert,
      );
      await writeEpochRow(query, pg, epoch, E, lastPosition);
      Object.assign(open, { epoch: epoch + 1, events: 0, from: lastPosition });
    }
    this.events = this.events.slice(counted);
    if (open.events > 0) await writeEpochRow(query, pg, open.epoch, open.events, open.lastPosition);
    this.appliedThrough = upTo;
  }
}
