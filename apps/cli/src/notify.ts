import { parseArgs } from 'node:util';
import { systemClock, type Clock, type LedgerConfig } from '@ledger/platform';
import { openReadModels } from '@ledger/read-models';
import { deadLetters, rebuildSwitching, replayDeadLetter } from '@ledger/read-models/notifications';
import { recordCliAccess } from './cli-access';

export const NOTIFY_USAGE = `notify dead-letters [--json]
        lists the messages the notifier gave up on (after the configured attempts), each with every attempt (time, status, error)
  notify replay <message id>... | --all
        puts dead messages back in the queue with a fresh count of attempts; the running notifier sends them within a second`;

/** `ledger notify`: the administrator's view of the dead-letter list, and its replay. */
export async function notifyMain(config: LedgerConfig, args: string[], fail: (message: string) => Error, clock: Clock = systemClock): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'dead-letters' && sub !== 'replay') throw fail(`notify ${sub ?? ''}: expected dead-letters or replay\n  ${NOTIFY_USAGE}`);
  const { values, positionals } = parseArgs({
    args: rest,
    options: { json: { type: 'boolean', default: false }, all: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (sub === 'dead-letters' && (positionals.length || values.all)) throw fail('notify dead-letters takes no ids (and no --all)');
  if (sub === 'replay' && positionals.length > 0 === values.all) throw fail('notify replay: give the message ids, or --all');
  const db = await openReadModels(config);
  const target = `ledger notify ${args.join(' ')}`;
  /** A replay refused as the API refuses it (409 REBUILD_SWITCHING): in the trail as failed, not as done. */
  const refusedBySwitch = async (id: string | null) => {
    await recordCliAccess(config, clock, {
      action: 'dead-letter-replay',
      target,
      outcome: 'failed',
      detail: { code: 'REBUILD_SWITCHING', ...(id ? { id } : {}) },
    });
    process.stderr.write(
      `ledger notify replay: ${id ? `${id}: ` : ''}a rebuild (ledger rebuild) is switching the read models over: nothing replayed; run it again once the switch is done\n`,
    );
  };
  try {
    if (sub === 'replay' && (await rebuildSwitching(db))) {
      await refusedBySwitch(null);
      return 1;
    }
    // In the access audit trail as the API's GET /notifications/dead-letters and replay are, before anything is shown or done.
    await recordCliAccess(config, clock, {
      action: sub === 'dead-letters' ? 'dead-letter-read' : 'dead-letter-replay',
      target,
    });
    if (sub === 'dead-letters') {
      const dead = await deadLetters(db);
      if (values.json) {
        process.stdout.write(`${JSON.stringify(dead, null, 2)}\n`);
        return 0;
      }
      if (!dead.length) process.stdout.write('no dead letters\n');
      for (const d of dead) {
        process.stdout.write(
          `${d.id}  ${d.kind} ${d.itemId ?? ''} → ${d.audience} by ${d.channel}, ${d.attempts} attempt(s): ${d.lastError ?? ''}\n  ${d.payload.title}\n`,
        );
        for (const a of d.attemptLog)
          process.stdout.write(`    #${a.n} ${a.at} ${a.outcome}${a.httpStatus !== null ? ` HTTP ${a.httpStatus}` : ''}${a.error ? `: ${a.error}` : ''}\n`);
      }
      return 0;
    }
    const ids = values.all ? (await deadLetters(db, 1_000_000)).map((d) => d.id) : positionals;
    let failed = 0;
    for (const id of ids) {
      const outcome = await replayDeadLetter(db, id);
      if (outcome === 'replayed') process.stdout.write(`${id}: replayed\n`);
      else if (outcome === 'rebuild_switching') {
        // The rebuild began after the look above: the entry written ahead is followed by the refusal.
        failed++;
        await refusedBySwitch(id);
      } else {
        failed++;
        process.stderr.write(
          `ledger notify replay: ${id}: ${outcome === 'not_found' ? 'no such message' : 'not a dead letter (pending or delivered): nothing changed'}\n`,
        );
      }
    }
    return failed ? 1 : 0;
  } finally {
    await db.destroy();
  }
}
