import { parseArgs } from 'node:util';
import { openEventStore, systemClock, type Clock, type LedgerConfig } from '@ledger/platform';
import type { EventStore } from '@ledger/event-store';
import { ReadQueries, openReadModels, startProjector, type RunningProjector } from '@ledger/read-models';
import type { DataSource } from 'typeorm';
import { CommandRefused } from '@ledger/application';
import { ApiProblem, ValidationProblem } from '@ledger/contracts/problems';

/** Where a command writes: stdout for the result, stderr for progress and problems (tests capture both). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** The progress stream (a TTY shows a bar); null: no bar. */
  progress: NodeJS.WritableStream | null;
  /** The county's time (today, the events' recordedAt); the system's unless a test fixes it. */
  clock?: Clock;
}

/** Writes a refusal of the command path (bad fields, a problem or a refused command, with its code) to stderr; false when `e` is neither. */
export function printProblem(e: unknown, io: CliIo): boolean {
  if (e instanceof ValidationProblem) {
    for (const f of e.errors) io.err(`${f.field}: ${f.messages.join('; ')}\n`);
    return true;
  }
  if (e instanceof ApiProblem || e instanceof CommandRefused) {
    io.err(`${e.code}: ${e.message}\n`);
    return true;
  }
  return false;
}

export const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  progress: process.stderr,
};

/** A usage mistake: exit code 2, one line. */
export function usageError(message: string): Error {
  const e = new Error(message);
  (e as Error & { code: string }).code = 'ERR_PARSE_ARGS_INVALID';
  return e;
}

export type ParsedArgs = ReturnType<typeof parseArgs>;

export interface OpenLedger {
  store: EventStore;
  readModels: DataSource;
  queries: ReadQueries;
  projector: RunningProjector;
  close(): Promise<void>;
}

/**
 * The configured store and read models, in this process, with a projector of its own caught up to
 * the store's head: the lookups and exports see every event even when no server runs. Beside a
 * running `ledger start` this is safe: each batch re-reads the checkpoint in its transaction, so an
 * event is applied once, by whichever projector gets there first.
 */
export async function openLedger(config: LedgerConfig, clock: Clock = systemClock): Promise<OpenLedger> {
  const store = await openEventStore(config, { clock });
  let readModels: DataSource | null = null;
  try {
    readModels = await openReadModels(config);
    const projector = await startProjector(readModels, store);
    await projector.caughtUp();
    const ds = readModels;
    return {
      store,
      readModels: ds,
      queries: new ReadQueries(ds, config),
      projector,
      close: async () => {
        await projector.stop();
        await ds.destroy();
        await store.close();
      },
    };
  } catch (e) {
    await readModels?.destroy().catch(() => undefined);
    await store.close();
    throw e;
  }
}
