import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { eventsBetween, type EventStore } from '@ledger/event-store';
import {
  FsEvidenceStore,
  LedgerBrokenError,
  LedgerSealer,
  accessAuditLocation,
  evidenceConfig,
  verifyEvidence,
  type EvidenceReport,
  integrityConfig,
  loadOrCreateSealKey,
  openAccessAuditForReading,
  publicKeyFileFor,
  verifyAccessAudit,
  verifyLedger,
  type AccessAuditReport,
  type AccessAuditStore,
} from '@ledger/integrity';
import { openEventStore, sqliteEventStoreFile, type LedgerConfig } from '@ledger/platform';

/** `ledger verify`'s exit codes: an inspector's script must tell "the ledger was altered" from "nothing was checked". */
export const VERIFY_EXIT = { verified: 0, broken: 1, couldNotCheck: 2 } as const;

class CouldNotCheck extends Error {}

/**
 * `ledger verify [--key <public.pem>]`: recomputes both chains and checks every seal, with a progress
 * bar on stderr; the report (JSON) on stdout. Exit 0 when the ledger verifies, 1 when it does not
 * (the first break named), 2 when it could not be checked (no store or key, an unreadable file, a
 * store that does not answer). It only reads: a read-only folder (an inspector's copy) is verified as is.
 */
export async function verifyCommand(config: LedgerConfig, options: { key?: string }): Promise<number> {
  let opened: { store: EventStore; note?: string; cleanup(): void };
  let publicKey: string;
  try {
    const keyFile = options.key ?? publicKeyFileFor(integrityConfig(config).sealKeyFile);
    if (!fs.existsSync(keyFile)) throw new CouldNotCheck(`no public key at ${keyFile} (pass --key <seal-key.pub.pem>)`);
    publicKey = fs.readFileSync(keyFile, 'utf8');
    opened = await openToVerify(config);
  } catch (e) {
    process.stderr.write(`ledger verify: could not check: ${(e as Error).message}\n`);
    return VERIFY_EXIT.couldNotCheck;
  }
  const { store } = opened;
  if (opened.note) process.stderr.write(`${opened.note}\n`);
  const bar = new SingleBar(
    { format: 'verifying [{bar}] {percentage}% | {value}/{total} events | position {position}', stream: process.stderr },
    Presets.shades_classic,
  );
  try {
    const head = await store.headPosition();
    // The bar counts events: positions may have gaps (EventStoreDB), so the head is no total.
    bar.start(Number(await eventsBetween(store, 0n, head)), 0, { position: '0' });
    const started = Date.now();
    const report = await verifyLedger(store, publicKey, {
      onProgress: (p) => bar.update(p.checked, { position: p.position.toString() }),
    });
    bar.stop();
    const accessAudit = await verifyAccessTrail(config);
    const evidence = await verifyEvidence(store, new FsEvidenceStore(evidenceConfig(config).dir), { head });
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`${JSON.stringify({ ...report, accessAudit, evidence }, null, 2)}\n`);
    process.stderr.write(
      report.ok
        ? `verified ${report.checked} events and ${report.seals} seals in ${seconds.toFixed(1)} s\n`
        : `NOT verified: first break at position ${report.firstBreak?.position} (${report.firstBreak?.stream}#${report.firstBreak?.revision}): ${report.firstBreak?.reason}\n`,
    );
    if (accessAudit === null) process.stderr.write('no access audit trail to check (none recorded yet)\n');
    else if (accessAudit.ok)
      process.stderr.write(
        `verified ${accessAudit.checked} access audit entries (through entry ${accessAudit.head}; ${accessAudit.prunedThrough} pruned by retention)\n`,
      );
    else {
      const b = accessAudit.firstBreak!;
      process.stderr.write(`NOT verified: access audit entry ${b.seq}: ${b.reason}: ${b.detail}\n`);
    }
    printEvidence(evidence, evidenceConfig(config).dir);
    return report.ok && (accessAudit === null || accessAudit.ok) && evidence.ok ? VERIFY_EXIT.verified : VERIFY_EXIT.broken;
  } catch (e) {
    bar.stop();
    process.stderr.write(`ledger verify: could not check: ${(e as Error).message}\n`);
    return VERIFY_EXIT.couldNotCheck;
  } finally {
    await store.close().catch(() => undefined);
    opened.cleanup();
  }
}

/** One line per evidence file that no longer proves what its event says. */
function printEvidence(evidence: EvidenceReport, dir: string): void {
  if (evidence.ok) {
    process.stderr.write(`verified ${evidence.checked} evidence files (${evidence.notUploaded} named by reports that never uploaded them)\n`);
    return;
  }
  for (const p of evidence.problems) {
    const where = `evidence file ${p.sha256} (${p.name}) of item ${p.itemId}, named at position ${p.position} (${p.stream}#${p.revision})`;
    process.stderr.write(
      p.problem === 'mismatch' ? `NOT verified: ${where}: its bytes hash to ${p.actual}\n` : `NOT verified: ${where}: missing from ${dir}\n`,
    );
  }
}

/**
 * The store, opened for reading only. SQLite cannot read a WAL-mode file whose folder is read-only
 * unless its -shm file is there: then a snapshot of the file (and of its -wal) is verified from a
 * temporary folder, and the copy removed afterwards.
 */
async function openToVerify(config: LedgerConfig): Promise<{ store: EventStore; note?: string; cleanup(): void }> {
  if (config.eventStore !== 'sqlite') return { store: await openEventStore(config, { readOnly: true }), cleanup: () => undefined };
  const file = sqliteEventStoreFile(config);
  if (!fs.existsSync(file)) throw new CouldNotCheck(`no event store at ${file}`);
  try {
    const store = await openEventStore(config, { readOnly: true });
    try {
      await store.headPosition();
      return { store, cleanup: () => undefined };
    } catch (e) {
      await store.close().catch(() => undefined);
      throw e;
    }
  } catch (e) {
    if (!String((e as { code?: unknown }).code ?? '').startsWith('SQLITE_CANTOPEN')) throw e;
  }
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-verify-'));
  try {
    for (const suffix of ['', '-wal']) if (fs.existsSync(file + suffix)) fs.copyFileSync(file + suffix, path.join(copy, path.basename(file) + suffix));
    const store = await openEventStore({ ...config, dataDir: copy }, { readOnly: true });
    return {
      store,
      note: `${path.dirname(file)} is read-only: verifying a copy of ${path.basename(file)} made in ${copy}`,
      cleanup: () => fs.rmSync(copy, { recursive: true, force: true }),
    };
  } catch (e) {
    fs.rmSync(copy, { recursive: true, force: true });
    throw e;
  }
}

/**
 * The access audit trail's chain (who looked at what), walked after the ledger's; null when there is
 * none. Read-only like the rest: a SQLite trail in a read-only folder is checked from a copy.
 */
async function verifyAccessTrail(config: LedgerConfig): Promise<AccessAuditReport | null> {
  const where = accessAuditLocation(config);
  let store: AccessAuditStore | null = null;
  let copy: string | null = null;
  try {
    try {
      store = await openAccessAuditForReading(config);
      if (store) await store.head();
    } catch (e) {
      await store?.close().catch(() => undefined);
      store = null;
      if (where.kind !== 'sqlite' || !String((e as { code?: unknown }).code ?? '').startsWith('SQLITE_CANTOPEN')) throw e;
      copy = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-verify-audit-'));
      for (const suffix of ['', '-wal'])
        if (fs.existsSync(where.file + suffix)) fs.copyFileSync(where.file + suffix, path.join(copy, path.basename(where.file) + suffix));
      store = await openAccessAuditForReading(config, path.join(copy, path.basename(where.file)));
    }
    return store ? await verifyAccessAudit(store) : null;
  } finally {
    await store?.close().catch(() => undefined);
    if (copy) fs.rmSync(copy, { recursive: true, force: true });
  }
}

/**
 * `ledger seal`: seals a checkpoint now (the key from LEDGER_SEAL_KEY_FILE, made when missing). It
 * checks the chain from the newest seal to the head first and never signs over a break: exit 1, the
 * break named, nothing appended.
 */
export async function sealCommand(config: LedgerConfig): Promise<number> {
  const store = await openEventStore(config);
  const sealer = new LedgerSealer(store, loadOrCreateSealKey(integrityConfig(config).sealKeyFile), { every: 0 });
  try {
    const sealed = await sealer.seal();
    process.stdout.write(
      sealed
        ? `${JSON.stringify({ ...sealed.seal, sealEventPosition: sealed.event.position.toString() }, null, 2)}\n`
        : 'nothing to seal: the ledger is empty\n',
    );
    return 0;
  } catch (e) {
    if (!(e instanceof LedgerBrokenError)) throw e;
    const b = e.firstBreak;
    process.stderr.write(
      `ledger seal: refused, nothing sealed: the hash chain is broken at position ${b.position} (${b.stream}#${b.revision}): ${b.reason}: ${b.detail}; run ledger verify\n`,
    );
    return 1;
  } finally {
    await sealer.stop();
    await store.close();
  }
}
