import type { Pool, PoolClient } from 'pg';
import { inTransaction } from './transaction';
import { bodyHash, globalLinkHash, streamLinkHash } from '../hash-chain';

/** One forward-only step of the store's schema. `sql` gets the quoted schema name. */
export interface Migration {
  version: number;
  name: string;
  sql(schema: string): string;
  /** Work SQL cannot do (e.g. hashing canonical JSON), run after `sql` in the same transaction. */
  run?(client: PoolClient, schema: string): Promise<void>;
}

/** An append's expectation that does not hold, over `expected` (text), `found_stream` and `cur` (its revision). */
const EXPECTATION_FAILS = `(expected = 'no_stream' AND found_stream)
         OR (expected = 'stream_exists' AND NOT found_stream)
         OR (expected ~ '^-?[0-9]+$' AND (NOT found_stream OR cur <> expected::int))`;

/** One event's links (hash-chain.ts) over `sb` (the stream's UTF-8): `prev_s` becomes its stream link, `g` its global link. */
const linkEvent = (
  revision: string,
  position: string,
  bodyHex: string,
): string => `prev_s := sha256('\\x4c454447455231'::bytea || int4send(octet_length(sb)) || sb || int4send(${revision})
                         || int8send(${position}) || decode(${bodyHex}, 'hex') || prev_s);
        g := sha256(prev_s || g);`;

/*
 * The writer lane. `ledger_head` holds one row: the last committed position. Every append batch runs
 * an append function (`ledger_append_group` since migration 5), which locks that row first, so
 * appenders (in this process or any other) are serialised: a batch gets the lock only after the
 * previous holder committed, so positions are contiguous AND visible in commit order. A plain
 * sequence would not do: a transaction that drew a lower value could commit after one that drew a
 * higher value, and a reader tailing `position > checkpoint` would skip it for ever. Throughput comes
 * from group commit in the process (PostgresEventStore queues concurrent appends and sends them as one
 * call), not from parallel transactions.
 *
 * The function takes a batch of appends and handles each in its own sub-transaction (BEGIN … EXCEPTION),
 * so one append's failure undoes only that append. It returns one result per append:
 *   { status: 'ok', revision, position } | { status: 'conflict', actual } | { status: 'duplicate', revision, position }
 *   | { status: 'duplicate_id', id } | { status: 'error', detail }
 * Payloads are stored as `json`, not `jsonb`: the text an appender wrote is the text a reader gets
 * back, key order included, so hashes over stored payloads stay stable (and jsonb refuses the NUL
 * escape, which JSON allows). They travel as a separate text[] (`payloads`, data and metadata of event
 * k at 2k-1 and 2k) because PostgreSQL de-escapes every string of a json value it extracts a field
 * from; the `appends` jsonb carries only the small structural part:
 *   [{ stream, expected, events: [{ id, type, schema_version, recorded_at, recorded_at_given, k }] }]
 */
const appendFunction = (s: string, chained = true, name = 'ledger_append_batch', heads: 'streams' | 'events' = 'streams'): string => `
CREATE OR REPLACE FUNCTION ${s}.${name}(appends jsonb, payloads text[], channel text) RETURNS json
LANGUAGE plpgsql AS $fn$
DECLARE
  head bigint;
  start_head bigint;
  a jsonb;
  evs jsonb;
  stream_name text;
  results json[] := '{}';
  cur int;
  found_stream boolean;
  expected text;
  n int;
  stored int;
  matching int;
  in_order boolean;
  dup_revision int;
  dup_position bigint;
  bad_id text;
  known text[];
  ids text[];${
    chained
      ? `
  head_hash bytea;
  g bytea;
  prev_s bytea;
  sb bytea;
  evj jsonb;
  shs bytea[];
  ghs bytea[];
  zero bytea := decode(repeat('00', 32), 'hex');`
      : ''
  }
BEGIN
  SELECT position${chained ? ', hash' : ''} INTO head${chained ? ', head_hash' : ''} FROM ${s}.ledger_head WHERE id = 1 FOR UPDATE;
  start_head := head;
  -- One lookup for the whole group: which of its ids are stored already (usually none). Ids written
  -- by earlier appends of this group are added as they go, so a retry inside the group is seen too.
  SELECT coalesce(array_agg(ev.id), '{}') INTO known FROM ${s}.events ev
   WHERE ev.id IN (SELECT e->>'id' FROM jsonb_array_elements(appends) ap, jsonb_array_elements(ap->'events') e);
  FOR a IN SELECT value FROM jsonb_array_elements(appends) LOOP
    BEGIN
      evs := a->'events';
      stream_name := a->>'stream';
      n := jsonb_array_length(evs);
      expected := a->>'expected';

      SELECT coalesce(array_agg(e->>'id'), '{}') INTO ids FROM jsonb_array_elements(evs) e;
      IF n > 0 AND ids && known THEN
        SELECT count(*) INTO stored FROM ${s}.events
          WHERE id IN (SELECT e->>'id' FROM jsonb_array_elements(evs) e);
        IF stored > 0 THEN
          -- A retry only if every id is stored, in this stream, in this order, with the same content.
          -- Same text is the same content; otherwise compare as jsonb (key order, spacing ignored);
          -- CASE keeps jsonb away from payloads whose text already matches.
          SELECT count(*), max(ev.revision), max(ev.position), bool_and(ev.revision - x.i::int = min_rev.r - 1)
            INTO matching, dup_revision, dup_position, in_order
            FROM jsonb_array_elements(evs) WITH ORDINALITY x(e, i)
            JOIN ${s}.events ev ON ev.id = x.e->>'id'
            CROSS JOIN (SELECT min(ev2.revision) AS r FROM ${s}.events ev2
                         WHERE ev2.id IN (SELECT e->>'id' FROM jsonb_array_elements(evs) e)) min_rev
           WHERE ev.stream = stream_name
             AND ev.type = x.e->>'type'
             AND ev.schema_version = (x.e->>'schema_version')::int
             AND CASE WHEN ev.data::text = payloads[2 * (x.e->>'k')::int - 1] THEN true
                      ELSE ev.data::jsonb = payloads[2 * (x.e->>'k')::int - 1]::jsonb END
             AND CASE WHEN ev.metadata::text = payloads[2 * (x.e->>'k')::int] THEN true
                      ELSE (ev.metadata::jsonb - 'recordedAt') = (payloads[2 * (x.e->>'k')::int]::jsonb - 'recordedAt')
                           AND (NOT (x.e->>'recorded_at_given')::boolean
                                OR ev.recorded_at = (x.e->>'recorded_at')::timestamptz) END;
          IF matching = n AND stored = n AND in_order THEN
            results := results || json_build_object('status', 'duplicate', 'revision', dup_revision, 'position', dup_position::text);
            CONTINUE;
          END IF;
          SELECT ev.id INTO bad_id FROM ${s}.events ev
            WHERE ev.id IN (SELECT e->>'id' FROM jsonb_array_elements(evs) e) LIMIT 1;
          results := results || json_build_object('status', 'duplicate_id', 'id', bad_id);
          CONTINUE;
        END IF;
      END IF;

      ${
        heads === 'streams'
          ? `SELECT revision${chained ? ', hash' : ''} INTO cur${chained ? ', prev_s' : ''} FROM ${s}.streams WHERE stream = stream_name;`
          : `SELECT revision, stream_hash INTO cur, prev_s FROM ${s}.events WHERE stream = stream_name ORDER BY revision DESC LIMIT 1;`
      }
      found_stream := FOUND;
      IF ${EXPECTATION_FAILS} THEN
        results := results || json_build_object('status', 'conflict', 'actual', CASE WHEN found_stream THEN cur END);
        CONTINUE;
      END IF;
      IF NOT found_stream THEN cur := -1; END IF;

      IF n = 0 THEN
        results := results || json_build_object('status', 'ok', 'revision', cur, 'position',
          coalesce((SELECT position FROM ${s}.events WHERE stream = stream_name AND revision = cur), 0)::text);
        CONTINUE;
      END IF;

${
  chained
    ? `
      -- The chain links (hash-chain.ts): here, under the head lock, the previous global hash is known.
      -- The body hash (canonical JSON) comes from the appender as h. Variables are not rolled back
      -- with a failed sub-transaction, so head_hash moves only after the inserts below succeeded.
      sb := convert_to(stream_name, 'UTF8');
      g := coalesce(head_hash, zero);
      prev_s := coalesce(prev_s, zero);
      shs := '{}';
      ghs := '{}';
      FOR i IN 1..n LOOP
        evj := evs->(i - 1);
        ${linkEvent('cur + i', 'head + i', "evj->>'h'")}
        shs := array_append(shs, prev_s);
        ghs := array_append(ghs, g);
      END LOOP;`
    : ''
}
      INSERT INTO ${s}.events (position, id, stream, revision, type, schema_version, data, metadata, recorded_at${chained ? ', stream_hash, global_hash' : ''})
      SELECT head + x.i, x.e->>'id', stream_name, cur + x.i::int, x.e->>'type', (x.e->>'schema_version')::int,
             payloads[2 * (x.e->>'k')::int - 1]::json, payloads[2 * (x.e->>'k')::int]::json,
             (x.e->>'recorded_at')::timestamptz${chained ? ', shs[x.i::int], ghs[x.i::int]' : ''}
        FROM jsonb_array_elements(evs) WITH ORDINALITY x(e, i);
      ${
        heads === 'streams'
          ? `INSERT INTO ${s}.streams (stream, revision${chained ? ', hash' : ''}) VALUES (stream_name, cur + n${chained ? ', prev_s' : ''})
        ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision${chained ? ', hash = excluded.hash' : ''};`
          : ''
      }
      head := head + n;${
        chained
          ? `
      head_hash := g;`
          : ''
      }
      known := known || ids;
      results := results || json_build_object('status', 'ok', 'revision', cur + n, 'position', head::text);
    -- Whatever fails inside one append (a constraint, a bad timestamp) undoes that append only.
    EXCEPTION WHEN OTHERS THEN
      results := results || json_build_object('status', 'error', 'detail', SQLERRM);
    END;
  END LOOP;
  IF head > start_head THEN
    UPDATE ${s}.ledger_head SET position = head${chained ? ', hash = head_hash' : ''} WHERE id = 1;
    -- Delivered to listeners when the transaction commits, never before.
    PERFORM pg_notify(channel, head::text);
  END IF;
  RETURN json_build_object('head', head::text, 'results', array_to_json(results));
END
$fn$;`;

/*
 * The group as one set (migration 3): the common group (every append writes, each to a stream of its
 * own, with ids never stored) is checked against one read of its streams' heads and written by ONE
 * multi-row INSERT (unnest of arrays) and ONE upsert of the heads, inside one sub-transaction for the
 * whole group. The append-by-append function (one sub-transaction, one INSERT and one upsert per
 * append) took about twice the time of a plain 16-row INSERT per group (docs/benchmarks.md); it stays,
 * as ledger_append_each, for every other group (a retry, an id seen before, a stream twice, an empty
 * append) and for a set that fails (a bad timestamp): there each append still fails alone. Same lock,
 * same order of positions, same links, same results.
 */
const groupFunction = (s: string): string => `
CREATE OR REPLACE FUNCTION ${s}.ledger_append_batch(appends jsonb, payloads text[], channel text) RETURNS json
LANGUAGE plpgsql AS $fn$
DECLARE
  head bigint;
  head_hash bytea;
  a_stream text[];
  a_expected text[];
  a_n int[];
  e_id text[];
  e_type text[];
  e_sv int[];
  e_at text[];
  e_h text[];
  e_k int[];
  h_rev int[];
  h_hash bytea[];
  h_found boolean[];
  p_pos bigint[] := '{}';
  p_id text[] := '{}';
  p_stream text[] := '{}';
  p_rev int[] := '{}';
  p_type text[] := '{}';
  p_sv int[] := '{}';
  p_k int[] := '{}';
  p_at text[] := '{}';
  p_sh bytea[] := '{}';
  p_gh bytea[] := '{}';
  s_stream text[] := '{}';
  s_rev int[] := '{}';
  s_hash bytea[] := '{}';
  results json[] := '{}';
  zero bytea := decode(repeat('00', 32), 'hex');
  na int;
  w int := 0;
  ws int := 0;
  ev int := 0;
  cur int;
  found_stream boolean;
  expected text;
  sb bytea;
  prev_s bytea;
  g bytea;
  twice boolean;
BEGIN
  SELECT position, hash INTO head, head_hash FROM ${s}.ledger_head WHERE id = 1 FOR UPDATE;
  SELECT array_agg(ap->>'stream' ORDER BY o), array_agg(ap->>'expected' ORDER BY o), array_agg(jsonb_array_length(ap->'events') ORDER BY o)
    INTO a_stream, a_expected, a_n FROM jsonb_array_elements(appends) WITH ORDINALITY t(ap, o);
  SELECT array_agg(e->>'id' ORDER BY o, i), array_agg(e->>'type' ORDER BY o, i), array_agg((e->>'schema_version')::int ORDER BY o, i),
         array_agg(e->>'recorded_at' ORDER BY o, i), array_agg(e->>'h' ORDER BY o, i), array_agg((e->>'k')::int ORDER BY o, i)
    INTO e_id, e_type, e_sv, e_at, e_h, e_k
    FROM jsonb_array_elements(appends) WITH ORDINALITY t(ap, o), jsonb_array_elements(ap->'events') WITH ORDINALITY x(e, i);
  na := coalesce(array_length(a_stream, 1), 0);
  IF na = 0 OR 0 = ANY(a_n) OR e_id IS NULL THEN
    RETURN ${s}.ledger_append_each(appends, payloads, channel);
  END IF;
  SELECT count(DISTINCT x) < na INTO twice FROM unnest(a_stream) x;
  IF NOT twice THEN
    SELECT count(DISTINCT x) < array_length(e_id, 1) INTO twice FROM unnest(e_id) x;
  END IF;
  IF NOT twice THEN
    -- Probes of the index, one per id (LIMIT keeps the planner from a join over the whole table,
    -- which it chose on unanalysed statistics: 11 ms a group at 6,000 events).
    SELECT EXISTS (SELECT 1 FROM unnest(e_id) x(i), LATERAL (SELECT 1 FROM ${s}.events ev WHERE ev.id = x.i LIMIT 1) hit) INTO twice;
  END IF;
  IF twice THEN
    RETURN ${s}.ledger_append_each(appends, payloads, channel);
  END IF;
  BEGIN
    SELECT array_agg(st.revision ORDER BY t.o), array_agg(st.hash ORDER BY t.o), array_agg(st.stream IS NOT NULL ORDER BY t.o)
      INTO h_rev, h_hash, h_found
      FROM unnest(a_stream) WITH ORDINALITY t(name, o)
      LEFT JOIN LATERAL (SELECT h.stream, h.revision, h.hash FROM ${s}.streams h WHERE h.stream = t.name LIMIT 1) st ON true;
    g := coalesce(head_hash, zero);
    FOR ai IN 1..na LOOP
      expected := a_expected[ai];
      found_stream := h_found[ai];
      cur := coalesce(h_rev[ai], -1);
      IF ${EXPECTATION_FAILS} THEN
        results := results || json_build_object('status', 'conflict', 'actual', CASE WHEN found_stream THEN cur END);
        ev := ev + a_n[ai];
        CONTINUE;
      END IF;
      sb := convert_to(a_stream[ai], 'UTF8');
      prev_s := coalesce(h_hash[ai], zero);
      FOR j IN 1..a_n[ai] LOOP
        ev := ev + 1;
        w := w + 1;
        cur := cur + 1;
        head := head + 1;
        ${linkEvent('cur', 'head', 'e_h[ev]')}
        p_pos[w] := head;
        p_id[w] := e_id[ev];
        p_stream[w] := a_stream[ai];
        p_rev[w] := cur;
        p_type[w] := e_type[ev];
        p_sv[w] := e_sv[ev];
        p_k[w] := e_k[ev];
        p_at[w] := e_at[ev];
        p_sh[w] := prev_s;
        p_gh[w] := g;
      END LOOP;
      ws := ws + 1;
      s_stream[ws] := a_stream[ai];
      s_rev[ws] := cur;
      s_hash[ws] := prev_s;
      results := results || json_build_object('status', 'ok', 'revision', cur, 'position', head::text);
    END LOOP;
    IF w > 0 THEN
      INSERT INTO ${s}.events (position, id, stream, revision, type, schema_version, data, metadata, recorded_at, stream_hash, global_hash)
      SELECT p_pos[i], p_id[i], p_stream[i], p_rev[i], p_type[i], p_sv[i], payloads[2 * p_k[i] - 1]::json, payloads[2 * p_k[i]]::json,
             p_at[i]::timestamptz, p_sh[i], p_gh[i]
        FROM generate_series(1, w) i;
      INSERT INTO ${s}.streams (stream, revision, hash) SELECT * FROM unnest(s_stream, s_rev, s_hash)
        ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, hash = excluded.hash;
      UPDATE ${s}.ledger_head SET position = head, hash = g WHERE id = 1;
      PERFORM pg_notify(channel, head::text);
    END IF;
  EXCEPTION WHEN OTHERS THEN
    -- Something in the set failed (a bad timestamp, say): append by append, so that it fails alone.
    RETURN ${s}.ledger_append_each(appends, payloads, channel);
  END;
  RETURN json_build_object('head', head::text, 'results', array_to_json(results));
END
$fn$;`;

/*
 * The group as arrays (migration 5): the appender sends one array per field (streams, expected
 * revisions, event counts; ids, types, schema versions, instants, body hashes; payloads at 2k-1 and 2k
 * for the group's k-th event) where it sent a jsonb document the server took apart again on every call
 * (about 70 µs of the server's CPU for a 16-append group, docs/benchmarks.md). A stream's head is its
 * last event, found backwards in the (stream, revision) index, where migration 3 kept a `streams` row
 * per stream and upserted it on every append: a second tuple and index entry per append. Ids are no
 * longer probed for first: a retry either meets a revision it did not expect or fails the INSERT on the
 * id's unique index, and either way the group goes append by append, where ids are looked at before
 * revisions, as every group with a retry in it did. The rest is migration 3's set.
 */
const arrayGroupFunction = (s: string): string => `
CREATE FUNCTION ${s}.ledger_append_group(a_stream text[], a_expected text[], a_n int[], e_id text[], e_type text[], e_sv int[],
  e_at text[], e_given boolean[], e_h text[], payloads text[], channel text) RETURNS json
LANGUAGE plpgsql AS $fn$
DECLARE
  head bigint;
  head_hash bytea;
  h_rev int[];
  h_hash bytea[];
  h_found boolean[];
  p_pos bigint[] := '{}';
  p_stream text[] := '{}';
  p_rev int[] := '{}';
  p_sh bytea[] := '{}';
  p_gh bytea[] := '{}';
  results json[] := '{}';
  zero bytea := decode(repeat('00', 32), 'hex');
  na int := coalesce(array_length(a_stream, 1), 0);
  w int := 0;
  cur int;
  found_stream boolean;
  expected text;
  sb bytea;
  prev_s bytea;
  g bytea;
  twice boolean;
BEGIN
  SELECT position, hash INTO head, head_hash FROM ${s}.ledger_head WHERE id = 1 FOR UPDATE;
  twice := na = 0 OR 0 = ANY(a_n) OR e_id IS NULL;
  IF NOT twice THEN
    SELECT count(DISTINCT x) < na INTO twice FROM unnest(a_stream) x;
  END IF;
  IF NOT twice THEN
    SELECT count(DISTINCT x) < array_length(e_id, 1) INTO twice FROM unnest(e_id) x;
  END IF;
  IF NOT twice THEN
    BEGIN
      SELECT array_agg(st.revision ORDER BY t.o), array_agg(st.stream_hash ORDER BY t.o), array_agg(st.revision IS NOT NULL ORDER BY t.o)
        INTO h_rev, h_hash, h_found
        FROM unnest(a_stream) WITH ORDINALITY t(name, o)
        LEFT JOIN LATERAL (SELECT ev.revision, ev.stream_hash FROM ${s}.events ev WHERE ev.stream = t.name ORDER BY ev.revision DESC LIMIT 1) st ON true;
      g := coalesce(head_hash, zero);
      FOR ai IN 1..na LOOP
        expected := a_expected[ai];
        found_stream := h_found[ai];
        cur := coalesce(h_rev[ai], -1);
        IF ${EXPECTATION_FAILS} THEN
          -- Perhaps a retry of events stored already, which answers its first result whatever it expects.
          -- Leaving here keeps the set all or nothing: its w-th event is the group's w-th.
          twice := true;
          EXIT;
        END IF;
        sb := convert_to(a_stream[ai], 'UTF8');
        prev_s := coalesce(h_hash[ai], zero);
        FOR j IN 1..a_n[ai] LOOP
          w := w + 1;
          cur := cur + 1;
          head := head + 1;
          ${linkEvent('cur', 'head', 'e_h[w]')}
          p_pos[w] := head;
          p_stream[w] := a_stream[ai];
          p_rev[w] := cur;
          p_sh[w] := prev_s;
          p_gh[w] := g;
        END LOOP;
        results := results || json_build_object('status', 'ok', 'revision', cur, 'position', head::text);
      END LOOP;
      IF NOT twice THEN
        INSERT INTO ${s}.events (position, id, stream, revision, type, schema_version, data, metadata, recorded_at, stream_hash, global_hash)
        SELECT p_pos[i], e_id[i], p_stream[i], p_rev[i], e_type[i], e_sv[i], payloads[2 * i - 1]::json, payloads[2 * i]::json,
               e_at[i]::timestamptz, p_sh[i], p_gh[i]
          FROM generate_series(1, w) i;
        UPDATE ${s}.ledger_head SET position = head, hash = g WHERE id = 1;
        PERFORM pg_notify(channel, head::text);
        RETURN json_build_object('head', head::text, 'results', array_to_json(results));
      END IF;
    EXCEPTION WHEN OTHERS THEN
      -- An id stored already (a retry that expected well), a bad timestamp: append by append below, each failing alone.
      NULL;
    END;
  END IF;
  RETURN ${s}.ledger_append_each(${s}.ledger_group_json(a_stream, a_expected, a_n, e_id, e_type, e_sv, e_at, e_given, e_h), payloads, channel);
END
$fn$;

-- The group as ledger_append_each takes it: [{ stream, expected, events: [{ id, type, schema_version, recorded_at, recorded_at_given, h, k }] }].
CREATE FUNCTION ${s}.ledger_group_json(a_stream text[], a_expected text[], a_n int[], e_id text[], e_type text[], e_sv int[],
  e_at text[], e_given boolean[], e_h text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT coalesce(jsonb_agg(jsonb_build_object('stream', a.stream, 'expected', a.expected, 'events',
           (SELECT coalesce(jsonb_agg(jsonb_build_object('id', e_id[k], 'type', e_type[k], 'schema_version', e_sv[k], 'recorded_at', e_at[k],
                                                         'recorded_at_given', e_given[k], 'h', e_h[k], 'k', k) ORDER BY k), '[]'::jsonb)
              FROM generate_series(a.first, a.first + a.n - 1) k)) ORDER BY a.o), '[]'::jsonb)
    FROM (SELECT t.stream, t.expected, t.n, t.o, 1 + coalesce(sum(t.n) OVER (ORDER BY t.o ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::int AS first
            FROM unnest(a_stream, a_expected, a_n) WITH ORDINALITY t(stream, expected, n, o)) a
$fn$;`;

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'events, streams, writer lane',
    sql: (s) => `
      CREATE TABLE ${s}.events (
        position bigint PRIMARY KEY,
        id text NOT NULL UNIQUE,
        stream text NOT NULL,
        revision integer NOT NULL,
        type text NOT NULL,
        schema_version integer NOT NULL,
        data json NOT NULL,
        metadata json NOT NULL,
        recorded_at timestamptz NOT NULL,
        UNIQUE (stream, revision)
      );
      CREATE TABLE ${s}.streams (
        stream text PRIMARY KEY,
        revision integer NOT NULL
      );
      CREATE TABLE ${s}.ledger_head (
        id integer PRIMARY KEY CHECK (id = 1),
        position bigint NOT NULL
      );
      INSERT INTO ${s}.ledger_head (id, position) VALUES (1, 0);
      ${appendFunction(s, false)}
    `,
  },
  {
    version: 2,
    name: 'hash chains (stream and global) beside the events',
    sql: (s) => `
      ALTER TABLE ${s}.events ADD COLUMN stream_hash bytea, ADD COLUMN global_hash bytea;
      ALTER TABLE ${s}.streams ADD COLUMN hash bytea;
      ALTER TABLE ${s}.ledger_head ADD COLUMN hash bytea;
      ${appendFunction(s)}
    `,
    run: backfillHashChains,
  },
  {
    version: 3,
    name: 'group append as one set',
    sql: (s) => `
      ${appendFunction(s, true, 'ledger_append_each')}
      ${groupFunction(s)}
    `,
  },
  {
    /*
     * PL/pgSQL plans each statement of a function per call ("custom" plans) while it judges a generic
     * one costlier, and with arrays as parameters it does, since unnest of a known array is estimated
     * exactly: a lone append spent 1.51-1.75 ms of server CPU, 1.29 ms on generic plans (interleaved on
     * one server, docs/benchmarks.md). Every statement of these functions finds its rows by a unique
     * key (the head row, a stream, an id) or only writes, whatever the arrays hold: the generic plan is
     * the plan a custom one would be, without planning it again on every call.
     */
    version: 4,
    name: 'append functions on generic plans',
    sql: (s) => `
      ALTER FUNCTION ${s}.ledger_append_batch(jsonb, text[], text) SET plan_cache_mode = force_generic_plan;
      ALTER FUNCTION ${s}.ledger_append_each(jsonb, text[], text) SET plan_cache_mode = force_generic_plan;
    `,
  },
  {
    version: 5,
    name: 'group append as arrays, stream heads from the events',
    sql: (s) => `
      ${appendFunction(s, true, 'ledger_append_each', 'events')}
      ALTER FUNCTION ${s}.ledger_append_each(jsonb, text[], text) SET plan_cache_mode = force_generic_plan;
      ${arrayGroupFunction(s)}
      ALTER FUNCTION ${s}.ledger_append_group(text[], text[], int[], text[], text[], int[], text[], boolean[], text[], text[], text)
        SET plan_cache_mode = force_generic_plan;
      -- A process started before this migration still calls the jsonb form: append by append, correct, slower.
      CREATE OR REPLACE FUNCTION ${s}.ledger_append_batch(appends jsonb, payloads text[], channel text) RETURNS json
        LANGUAGE sql AS $fn$ SELECT ${s}.ledger_append_each(appends, payloads, channel) $fn$;
      DROP TABLE ${s}.streams;
    `,
  },
];

/**
 * A store created before migration 2 gets its chains computed once, in position order, in the
 * migration's transaction (its ALTER TABLE locks out appenders of any process until commit).
 */
async function backfillHashChains(client: PoolClient, s: string): Promise<void> {
  await client.query(`SELECT 1 FROM ${s}.ledger_head WHERE id = 1 FOR UPDATE`);
  const streams = new Map<string, Buffer>();
  let global: Buffer | null = null;
  let after = '0';
  for (;;) {
    const { rows } = await client.query<{
      position: string;
      id: string;
      stream: string;
      revision: number;
      type: string;
      schema_version: number;
      data: unknown;
      metadata: unknown;
    }>(
      `SELECT position::text AS position, id, stream, revision, type, schema_version, data, metadata
         FROM ${s}.events WHERE events.position > $1 ORDER BY events.position LIMIT 5000`,
      [after],
    );
    if (!rows.length) break;
    const positions: string[] = [];
    const shs: Buffer[] = [];
    const ghs: Buffer[] = [];
    for (const r of rows) {
      const body = bodyHash({ id: r.id, type: r.type, schemaVersion: r.schema_version, data: r.data, metadata: r.metadata });
      const sh = streamLinkHash(r.stream, r.revision, BigInt(r.position), body, streams.get(r.stream) ?? null);
      global = globalLinkHash(sh, global);
      streams.set(r.stream, sh);
      positions.push(r.position);
      shs.push(sh);
      ghs.push(global);
    }
    await client.query(
      `UPDATE ${s}.events e SET stream_hash = u.sh, global_hash = u.gh
         FROM unnest($1::bigint[], $2::bytea[], $3::bytea[]) AS u(p, sh, gh) WHERE e.position = u.p`,
      [positions, shs, ghs],
    );
    after = rows[rows.length - 1].position;
  }
  if (streams.size) {
    await client.query(`UPDATE ${s}.streams t SET hash = u.h FROM unnest($1::text[], $2::bytea[]) AS u(st, h) WHERE t.stream = u.st`, [
      [...streams.keys()],
      [...streams.values()],
    ]);
  }
  await client.query(`UPDATE ${s}.ledger_head SET hash = $1 WHERE id = 1`, [global]);
  await client.query(`ALTER TABLE ${s}.events ALTER COLUMN stream_hash SET NOT NULL, ALTER COLUMN global_hash SET NOT NULL`);
}

/**
 * Applies the migrations that `schema_migrations` does not list yet, in version order, in one
 * transaction under an advisory lock (several processes may open the store at once).
 */
export async function migrate(pool: Pool, schema: string, migrations: Migration[] = MIGRATIONS): Promise<number[]> {
  return inTransaction(pool, async (client) => {
    const q = client.escapeIdentifier(schema);
    const applied: number[] = [];
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ledger-migrations:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${q}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${q}.schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ version: number }>(`SELECT version FROM ${q}.schema_migrations`)).rows.map((r) => r.version));
    for (const m of [...migrations].sort((x, y) => x.version - y.version)) {
      if (done.has(m.version)) continue;
      await client.query(m.sql(q));
      await m.run?.(client, q);
      await client.query(`INSERT INTO ${q}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}
