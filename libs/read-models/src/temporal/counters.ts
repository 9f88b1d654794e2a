import { counterKeysOf, type CounterDelta, type ItemCounted } from '../figures/counters';
import { placeholders } from '../sql';

/**
 * The temporal counters (figures as of any position), packed so that an owner's figures as of p read
 * a few rows: one snapshot row, at most `snapshotEpochs − 1` epoch rows, and the change rows of p's
 * epoch up to p (one row per position, every owner's changes of that event together).
 *
 * Every row is a function of the log alone (never of batch boundaries): change rows are written per
 * position, an epoch's rows once the log is applied up to its last position, a snapshot's rows when
 * its epoch closes. A live projector and a rebuild end with the same rows.
 */
export const COUNTER_LAYOUT = {
  epochSize: 4096,
  /** A snapshot every this many epochs (65,536 positions). Specs shrink both to close epochs on a small log. */
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

function epochOf(position: number): number {
  return Math.floor((position - 1) / COUNTER_LAYOUT.epochSize);
}

export function ownerKey(kind: OwnerKind, id: string): string {
  return `${kind === 'unit' ? 'u' : 's'}:${id}`;
}

function splitOwner(key: string): { ownerKind: OwnerKind; ownerId: string } {
  return { ownerKind: key.startsWith('u:') ? 'unit' : 'subtree', ownerId: key.slice(2) };
}

function addTuple(counts: Counts, status: string, dueDate: string, count: number, onTime: number): void {
  const k = `${status}\u0000${dueDate}`;
  const acc = counts.get(k);
  if (acc) {
    acc[0] += count;
    acc[1] += onTime;
  } else counts.set(k, [count + 0, onTime + 0]); // + 0: a subtracted 0 (-0) is 0
}

export function tuplesOf(counts: Counts): CountTuple[] {
  const out: CountTuple[] = [];
  for (const [k, [count, onTime]] of counts) {
    if (count === 0 && onTime === 0) continue;
    const i = k.indexOf('\u0000');
    out.push([k.slice(0, i), k.slice(i + 1), count, onTime]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
}

/** An owner's counters as stored: sorted tuples, zeros left out; null when nothing is left. */
function packCounts(counts: Counts): string | null {
  const tuples = tuplesOf(counts);
  return tuples.length ? JSON.stringify(tuples) : null;
}

function addPacked(counts: Counts, packed: string, sign = 1): void {
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
function addChanges(into: Map<string, Counts>, packed: string, needles: [string, string][] | null, sign = 1): void {
  if (needles && !needles.some(([, needle]) => packed.includes(needle))) return;
  for (const [owners, tuples] of JSON.parse(packed) as [string[], CountTuple[]][]) {
    for (const owner of owners) {
      if (needles && !needles.some(([key]) => key === owner)) continue;
      const counts = into.get(owner) ?? new Map();
      for (const [s, d, c, t] of tuples) addTuple(counts, s, d, sign * c, sign * t);
      into.set(owner, counts);
    }
  }
}

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

async function writeOwnerRows(query: Query, pg: boolean, table: string, epoch: number, byOwner: Map<string, Counts>): Promise<void> {
  const rows: unknown[][] = [];
  for (const owner of [...byOwner.keys()].sort()) {
    const packed = packCounts(byOwner.get(owner)!);
    if (packed === null) continue;
    const { ownerKind, ownerId } = splitOwner(owner);
    rows.push([ownerKind, ownerId, epoch, packed]);
  }
  await insertMany(query, pg, table, ['ownerKind', 'ownerId', 'epoch', 'counts'], rows);
}

/**
 * Closes the epochs whose last position lies in (after, upTo] — every change row up to `upTo` must be
 * written — and writes the snapshots due with them. Idempotent (rows already there are kept).
 */
export async function closeEpochs(query: Query, pg: boolean, after: number, upTo: number): Promise<void> {
  const { epochSize: E, snapshotEpochs: S } = COUNTER_LAYOUT;
  for (let e = Math.floor(after / E); (e + 1) * E <= upTo; e++) {
    const sums = new Map<string, Counts>();
    for (const packed of await changeRows(query, pg, e * E, (e + 1) * E)) addChanges(sums, packed, null);
    await writeOwnerRows(query, pg, 'rm_t_counter_epoch', e, sums);
    if ((e + 1) % S === 0) await writeSnapshot(query, pg, e + 1);
  }
}

/** Snapshot `epoch` = the previous snapshot + the change rows since it (a range of the primary key). */
async function writeSnapshot(query: Query, pg: boolean, epoch: number): Promise<void> {
  const { epochSize: E, snapshotEpochs: S } = COUNTER_LAYOUT;
  const previous = epoch - S;
  const sums = new Map<string, Counts>();
  if (previous > 0) {
    const rows = (await query(placeholders(`SELECT "ownerKind", "ownerId", "counts" FROM "rm_t_counter_snapshot" WHERE "epoch" = ?`, pg), [previous])) as {
      ownerKind: OwnerKind;
      ownerId: string;
      counts: string;
    }[];
    for (const r of rows) {
      const counts: Counts = new Map();
      addPacked(counts, r.counts);
      sums.set(ownerKey(r.ownerKind, r.ownerId), counts);
    }
  }
  for (const packed of await changeRows(query, pg, previous * E, epoch * E)) addChanges(sums, packed, null);
  await writeOwnerRows(query, pg, 'rm_t_counter_snapshot', epoch, sums);
}

/**
 * Counters of the owners asked as of `position` (owner id → counts), the temporal models holding the
 * log up to `held` (≥ position). From whichever side is nearer: the change rows of its epoch up to it,
 * or its closed epoch's row less the change rows after it; the whole epochs since the snapshot before,
 * or the snapshot after less the epochs up to it. At most half an epoch of change rows and half a
 * snapshot span of epoch rows per owner.
 */
export async function countsAt(query: Query, pg: boolean, kind: OwnerKind, ownerIds: string[], position: number, held: number): Promise<Map<string, Counts>> {
  const byKey = new Map<string, Counts>();
  if (ownerIds.length === 0 || position <= 0) return new Map();
  const { epochSize: E, snapshotEpochs: S } = COUNTER_LAYOUT;
  const epoch = epochOf(position);
  // Sums before epoch `b` (positions ≤ b·E), then the change rows between b·E and the position.
  const backward = position - epoch * E > E / 2 && (epoch + 1) * E <= held;
  const b = backward ? epoch + 1 : epoch;
  const before = b - (b % S);
  const after = before + S;
  const fromAfter = b > before && after - b < b - before && after * E <= held;
  const snapshot = fromAfter ? after : before;
  const add = (ownerId: string, packed: string, sign: number) => {
    const key = ownerKey(kind, ownerId);
    const counts = byKey.get(key) ?? new Map();
    addPacked(counts, packed, sign);
    byKey.set(key, counts);
  };
  for (let i = 0; i < ownerIds.length; i += READ_CHUNK) {
    const chunk = ownerIds.slice(i, i + READ_CHUNK);
    const marks = chunk.map(() => '?').join(',');
    if (snapshot > 0) {
      const rows = (await query(
        placeholders(`SELECT "ownerId", "counts" FROM "rm_t_counter_snapshot" WHERE "ownerKind" = ? AND "ownerId" IN (${marks}) AND "epoch" = ?`, pg),
        [kind, ...chunk, snapshot],
      )) as { ownerId: string; counts: string }[];
      for (const r of rows) add(r.ownerId, r.counts, 1);
    }
    if (b !== snapshot) {
      const rows = (await query(
        placeholders(
          `SELECT "ownerId", "counts" FROM "rm_t_counter_epoch" WHERE "ownerKind" = ? AND "ownerId" IN (${marks}) AND "epoch" >= ? AND "epoch" < ? ORDER BY "ownerId", "epoch"`,
          pg,
        ),
        [kind, ...chunk, Math.min(b, snapshot), Math.max(b, snapshot)],
      )) as { ownerId: string; counts: string }[];
      for (const r of rows) add(r.ownerId, r.counts, fromAfter ? -1 : 1);
    }
  }
  const needles = ownerIds.map((id): [string, string] => {
    const key = ownerKey(kind, id);
    return [key, JSON.stringify(key)];
  });
  if (backward) for (const packed of await changeRows(query, pg, position, b * E)) addChanges(byKey, packed, needles, -1);
  else for (const packed of await changeRows(query, pg, b * E, position)) addChanges(byKey, packed, needles);
  const out = new Map<string, Counts>();
  for (const id of ownerIds) {
    const counts = byKey.get(ownerKey(kind, id));
    if (counts) out.set(id, counts);
  }
  return out;
}

/**
 * The counter changes of a batch, written in position order: `add` keeps them in memory, `flush`
 * writes the change rows and closes the epochs the log has reached.
 */
export class CounterLog {
  private pending: { position: number; deltas: CounterDelta[]; packed?: string }[] = [];

  constructor(
    private readonly query: Query,
    private readonly pg: boolean,
    /** The last position the temporal models held before this batch. */
    private appliedThrough: number,
  ) {}

  add(position: number, deltas: CounterDelta[]): void {
    const last = this.pending[this.pending.length - 1];
    if (last && last.position === position) last.deltas.push(...deltas);
    else this.pending.push({ position, deltas: [...deltas] });
  }

  /** A position's change row packed already (packItemChange). */
  addPacked(position: number, packed: string): void {
    this.pending.push({ position, deltas: [], packed });
  }

  /** Writes every change so far; the log is applied up to `upTo`. */
  async flush(upTo: number): Promise<void> {
    const rows: unknown[][] = [];
    for (const p of this.pending) {
      const { position } = p;
      const packed = p.packed ?? packChanges(p.deltas);
      if (packed !== null) rows.push([position, packed]);
    }
    this.pending = [];
    await insertMany(this.query, this.pg, 'rm_t_counter_change', ['position', 'changes'], rows);
    if (upTo > this.appliedThrough) {
      await closeEpochs(this.query, this.pg, this.appliedThrough, upTo);
      this.appliedThrough = upTo;
    }
  }
}
