import { TEMPORAL_CHECKPOINT } from '../checkpoint/checkpoint.entity';
import { addChanges, addPacked, COUNTER_LAYOUT, newestSnapshotSql, ownerKey, type Counts } from './counters';

/** A cut named by its instant (ms): its position is looked up in the statement that answers. */
export interface InstantCut {
  instantMs: number;
  day: string;
}

export interface SqlText {
  sql: string;
  params: Record<string, unknown>;
}

/**
 * `"cut"("p")`: the cut's position, given, or the instant's (rm_t_mark; 0 before the first event) —
 * looked up inside the answer's statement: on PostgreSQL each statement is a round trip, and on a
 * crowded machine each round trip waits for a CPU.
 */
export function cutCte(cut: { position: number } | InstantCut): SqlText {
  return 'position' in cut
    ? { sql: `"cut" AS MATERIALIZED (SELECT CAST(:cutPosition AS bigint) AS "p")`, params: { cutPosition: cut.position } }
    : {
        sql: `"cut" AS MATERIALIZED (SELECT COALESCE((SELECT "position" FROM "rm_t_mark" WHERE "atMs" <= :cutMs ORDER BY "atMs" DESC LIMIT 1), 0) AS "p")`,
        params: { cutMs: cut.instantMs },
      };
}

/** `"last"("v")`: the last position the temporal read models hold (temporalCheckpoint, in SQL). */
export const LAST_CTE: SqlText = {
  sql: `"last" AS MATERIALIZED (SELECT COALESCE((SELECT CAST("position" AS bigint) FROM "rm_checkpoint" WHERE "name" = :temporalName), (SELECT MAX("position") FROM "rm_t_mark"), 0) AS "v")`,
  params: { temporalName: TEMPORAL_CHECKPOINT },
};

/** The owner rows asked are filtered by the server (their packed text names them) up to this many owners. */
const FILTERED_OWNERS = 8;

/**
 * countsAt (counters.ts) as CTEs and rows of one statement, after `"cut"` and `"last"` and an
 * `"owners"("id")` CTE of the owner ids: the plan (`"plan"`: p's epoch, whether it reads the change
 * rows forward from its epoch's start or back from its end, which snapshot, which epochs), then rows
 * ("k", "owner", "counts", "d"): 's' a snapshot row, 'e' an epoch row times d, 'c' a change row times
 * d. Every choice is countsAt's; foldCounts sums the rows. MATERIALIZED: inlined, each step's
 * expressions were copied into the next (PostgreSQL planned 60–400 ms for a 30 ms answer).
 */
export function countsRows(kind: 'unit' | 'subtree', pg: boolean): { ctes: string[]; rows: string[]; params: Record<string, unknown> } {
  const E = Number(COUNTER_LAYOUT.epochSize);
  const S = Number(COUNTER_LAYOUT.snapshotEpochs);
  const end = (epoch: string) => `(SELECT x."lastPosition" FROM "rm_t_epoch" x WHERE x."events" = ${E} AND x."epoch" = ${epoch})`;
  const ctes = [
    // n: how many closed epochs end before p (p's epoch); lo: the position before its first event; own: its end; next: the end of the epoch before the next snapshot.
    `"ep" AS MATERIALIZED (SELECT COUNT(*) AS "n" FROM "rm_t_epoch" WHERE "events" = ${E} AND "lastPosition" < (SELECT "p" FROM "cut"))`,
    `"w1" AS MATERIALIZED (SELECT ep."n", c."p", CASE WHEN l."v" > c."p" THEN l."v" ELSE c."p" END AS "h",
       CASE WHEN ep."n" = 0 THEN 0 ELSE ${end('ep."n" - 1')} END AS "lo", ${end('ep."n"')} AS "own", ${end(`(ep."n" / ${S}) * ${S} + ${S - 1}`)} AS "next"
       FROM "ep", "cut" c, "last" l)`,
    // hi: the end of p's epoch, if the models hold it; back: p nearer that end than the start.
    `"w2" AS MATERIALIZED (SELECT w1.*, CASE WHEN w1."own" <= w1."h" THEN w1."own" END AS "hi", CASE WHEN w1."next" <= w1."h" THEN 1 ELSE 0 END AS "nextHeld" FROM "w1")`,
    `"w3" AS MATERIALIZED (SELECT w2.*, CASE WHEN w2."hi" IS NOT NULL AND 2 * (w2."p" - w2."lo") > w2."hi" - w2."lo" THEN 1 ELSE 0 END AS "back" FROM "w2")`,
    `"w4" AS MATERIALIZED (SELECT w3.*, w3."n" + w3."back" AS "b", (w3."n" + w3."back") - (w3."n" + w3."back") % ${S} AS "before" FROM "w3")`,
    `"w5" AS MATERIALIZED (SELECT w4.*, CASE WHEN w4."b" > w4."before" AND w4."before" + ${S} - w4."b" < w4."b" - w4."before" AND w4."nextHeld" = 1 THEN 1 ELSE 0 END AS "fromAfter" FROM "w4")`,
    `"plan" AS MATERIALIZED (SELECT w5.*, CASE WHEN w5."fromAfter" = 1 THEN w5."before" + ${S} ELSE w5."before" END AS "snap" FROM "w5")`,
  ];
  const needle = `'"' || :ownerPrefix || replace(replace(o."id", '\\', '\\\\'), '"', '\\"') || '"'`;
  const rows = [
    `SELECT 's' AS "k", o."id" AS "owner", ${newestSnapshotSql(':ownerKind', 'o."id"', '(SELECT "snap" FROM "plan")')} AS "counts", 1 AS "d"
     FROM "owners" o WHERE (SELECT "snap" FROM "plan") > 0`,
    `SELECT 'e', x."ownerId", x."counts", (SELECT 1 - 2 * "fromAfter" FROM "plan") FROM "rm_t_counter_epoch" x
     WHERE x."ownerKind" = :ownerKind AND x."ownerId" IN (SELECT "id" FROM "owners")
       AND x."epoch" >= (SELECT CASE WHEN "b" < "snap" THEN "b" ELSE "snap" END FROM "plan") AND x."epoch" < (SELECT CASE WHEN "b" < "snap" THEN "snap" ELSE "b" END FROM "plan")`,
    // Only rows naming an owner asked count (foldCounts skips the others): the server leaves them out when few are asked.
    `SELECT 'c', NULL, c."changes", (SELECT 1 - 2 * "back" FROM "plan") FROM "rm_t_counter_change" c
     WHERE c."position" > (SELECT CASE WHEN "back" = 1 THEN "p" ELSE "lo" END FROM "plan") AND c."position" <= (SELECT CASE WHEN "back" = 1 THEN "hi" ELSE "p" END FROM "plan")
       AND ((SELECT COUNT(*) FROM "owners") > ${FILTERED_OWNERS} OR EXISTS (SELECT 1 FROM "owners" o WHERE ${pg ? `strpos(c."changes", ${needle})` : `instr(c."changes", ${needle})`} > 0))`,
  ];
  return { ctes, rows, params: { ownerKind: kind, ownerPrefix: ownerKey(kind, '') } };
}

/** Sums the rows of countsRows for the owners asked (owner id → counts). */
export function foldCounts(
  kind: 'unit' | 'subtree',
  ownerIds: string[],
  rows: { k: string; owner: string | null; counts: string | null; d: unknown }[],
): Map<string, Counts> {
  const byKey = new Map<string, Counts>();
  const needles = ownerIds.map((id): [string, string] => {
    const key = ownerKey(kind, id);
    return [key, JSON.stringify(key)];
  });
  for (const r of rows) {
    const sign = Number(r.d);
    if (r.counts === null) continue;
    if (r.k === 'c') addChanges(byKey, r.counts, needles, sign);
    else if (r.k === 's' || r.k === 'e') {
      const key = ownerKey(kind, r.owner!);
      const counts = byKey.get(key) ?? new Map();
      addPacked(counts, r.counts, sign);
      byKey.set(key, counts);
    }
  }
  const out = new Map<string, Counts>();
  for (const id of ownerIds) {
    const counts = byKey.get(ownerKey(kind, id));
    if (counts) out.set(id, counts);
  }
  return out;
}
