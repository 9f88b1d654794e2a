import * as os from 'node:os';
import { AccessAudit, accessAuditLocation, openAccessAuditStore, type AccessEntryInput } from '@ledger/integrity';
import { ensureDatabaseFile, type Clock, type LedgerConfig } from '@ledger/platform';

/**
 * A read or change made from the server's command line, in the access audit trail like the API's: the
 * operating-system user (who holds the data folder) and the machine, for who and where. Recorded before
 * the command shows or does anything, as the API records before it answers: a trail that cannot be
 * written stops the command.
 */
export async function recordCliAccess(
  config: LedgerConfig,
  clock: Clock,
  entry: Pick<AccessEntryInput, 'action' | 'target'> & Partial<Pick<AccessEntryInput, 'detail' | 'role' | 'outcome'>>,
): Promise<void> {
  const where = accessAuditLocation(config);
  if (where.kind === 'sqlite') ensureDatabaseFile(where.file);
  const audit = new AccessAudit(await openAccessAuditStore(config), clock, config.auditRetentionDays);
  try {
    await audit.record({ actor: cliActor(), address: `local:${os.hostname()}`, outcome: 'ok', detail: null, ...entry });
  } finally {
    await audit.close();
  }
}

/** Who acts from the command line: the operating-system user holding the data folder. */
export function cliActor(): string {
  return `cli:${osUser()}`;
}

function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    // A uid with no passwd entry (some containers): the uid is still who it was.
    return process.env.USER ?? `uid-${process.getuid?.() ?? '?'}`;
  }
}
