import * as fs from 'node:fs';
import { Presets, SingleBar } from 'cli-progress';
import { LedgerSealer, integrityConfig, loadOrCreateSealKey, publicKeyFileFor, verifyLedger } from '@ledger/integrity';
import { openEventStore, type LedgerConfig } from '@ledger/platform';

/**
 * `ledger verify [--key <public.pem>]`: recomputes both chains and checks every seal, with a progress
 * bar on stderr; the report (JSON) on stdout. Exit 0 when the ledger verifies, 1 when it does not.
 */
export async function verifyCommand(config: LedgerConfig, options: { key?: string }): Promise<number> {
  const keyFile = options.key ?? publicKeyFileFor(integrityConfig(config).sealKeyFile);
  if (!fs.existsSync(keyFile)) throw new Error(`no public key at ${keyFile} (pass --key <seal-key.pub.pem>)`);
  const store = await openEventStore(config);
  const bar = new SingleBar({ format: 'verifying [{bar}] {percentage}% | {value}/{total} events | position {position}', stream: process.stderr }, Presets.shades_classic);
  try {
    const head = await store.headPosition();
    bar.start(Number(head), 0, { position: '0' });
    const started = Date.now();
    const report = await verifyLedger(store, fs.readFileSync(keyFile, 'utf8'), {
      onProgress: (p) => bar.update(p.checked, { position: p.position.toString() }),
    });
    bar.stop();
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(
      report.ok
        ? `verified ${report.checked} events and ${report.seals} seals in ${seconds.toFixed(1)} s\n`
        : `NOT verified: first break at position ${report.firstBreak?.position} (${report.firstBreak?.stream}#${report.firstBreak?.revision}): ${report.firstBreak?.reason}\n`,
    );
    return report.ok ? 0 : 1;
  } finally {
    bar.stop();
    await store.close();
  }
}

/** `ledger seal`: seals a checkpoint now (the key from LEDGER_SEAL_KEY_FILE, made when missing). */
export async function sealCommand(config: LedgerConfig): Promise<number> {
  const store = await openEventStore(config);
  const sealer = new LedgerSealer(store, loadOrCreateSealKey(integrityConfig(config).sealKeyFile), { every: 0 });
  try {
    const sealed = await sealer.seal();
    process.stdout.write(sealed ? `${JSON.stringify({ ...sealed.seal, sealEventPosition: sealed.event.position.toString() }, null, 2)}\n` : 'nothing to seal: the ledger is empty\n');
    return 0;
  } finally {
    await sealer.stop();
    await store.close();
  }
}
