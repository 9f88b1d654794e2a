import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  checkpointSignatureValid,
  cosign,
  loadOrCreateSealKey,
  malformedCheckpoint,
  SHA256,
  SM3_HASH,
  toPublicKey,
  verifyConsistency,
  type Checkpoint,
} from '@ledger/integrity';

export const WITNESS_USAGE = `witness --url <the ledger's base URL> --token <token> --state <file> --key <file> [--log-key <the ledger's seal-key.pub.pem, or its SM2 key (04‖x‖y hex) under LEDGER_CRYPTO=sm>]
        one witness round: fetches the newest checkpoint, checks it is consistent with the last one this witness
        countersigned (the state file), countersigns it with the witness's own Ed25519 key (made on first run)
        and posts the countersignature; exit 0 countersigned, 1 REFUSED (history rewritten, removed or truncated:
        nothing signed, state kept), 2 could not check (network, token, files)`;

interface WitnessState {
  checkpoint: Omit<Checkpoint, 'witnesses' | 'signature' | 'timestamp'> & { signature: string };
}

class Refusal extends Error {}

/** The ledger's checkpoint key: a PEM file (Ed25519 seal key) or, for sm3-sm2, a file holding the SM2 key as 04‖x‖y hex. */
function logPublicKey(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8').trim();
  return /^04[0-9a-fA-F]{128}$/.test(text) ? text.toLowerCase() : toPublicKey(file);
}
class CouldNotCheck extends Error {}

/** One round of the outside witness. Its trust is its state file: the last checkpoint it countersigned. */
export async function witnessMain(args: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { url: { type: 'string' }, token: { type: 'string' }, state: { type: 'string' }, key: { type: 'string' }, 'log-key': { type: 'string' } },
    strict: true,
  });
  for (const k of ['url', 'token', 'state', 'key'] as const)
    if (!values[k]) throw Object.assign(new Error(`witness: --${k} is required\n${WITNESS_USAGE}`), { code: 'ERR_PARSE_ARGS_USAGE' });
  const base = String(values.url).replace(/\/+$/, '');
  const stateFile = path.resolve(String(values.state));
  const keyFile = path.resolve(String(values.key));
  try {
    const created = !fs.existsSync(keyFile);
    const key = loadOrCreateSealKey(keyFile);
    if (created)
      out.write(
        `witness: created a new witness key ${keyFile} (key id ${key.keyId}); give ${keyFile.replace(/\.pem$/, '')}.pub.pem to whoever verifies countersignatures\n`,
      );
    const get = async (route: string): Promise<unknown> => {
      const res = await fetch(`${base}/api/v1${route}`, { headers: { authorization: `Bearer ${values.token}` } }).catch((e: Error) => {
        throw new CouldNotCheck(`cannot reach ${base}: ${e.message}`);
      });
      const body = await res.json().catch(() => null);
      if (!res.ok) throw new CouldNotCheck(`GET ${route}: HTTP ${res.status} ${JSON.stringify(body)}`);
      return body;
    };
    const cp = (await get('/log/checkpoint')) as Checkpoint;
    const malformed = malformedCheckpoint(cp);
    if (malformed) throw new Refusal(`the ledger's checkpoint is malformed: ${malformed}`);
    if (values['log-key'] && !checkpointSignatureValid(cp, logPublicKey(values['log-key'])))
      throw new Refusal('the checkpoint is not signed by the ledger key given in --log-key');
    const state = fs.existsSync(stateFile) ? (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as WitnessState) : null;
    const last = state?.checkpoint;
    if (!last) out.write(`witness: no state file yet: this first checkpoint (${cp.treeSize} events) is taken on trust\n`);
    else {
      if (last.keyId !== cp.keyId)
        throw new Refusal(
          `the checkpoint is signed by key ${cp.keyId}, the last one countersigned by ${last.keyId}: a new log key is a decision for people, not for this program`,
        );
      if (last.algorithm !== cp.algorithm) throw new Refusal(`the checkpoint uses ${cp.algorithm}, the last one countersigned ${last.algorithm}`);
      if (cp.treeSize < last.treeSize) throw new Refusal(`the log shrank from ${last.treeSize} to ${cp.treeSize} events: its tail was cut off`);
      if (cp.treeSize === last.treeSize) {
        if (cp.root !== last.root)
          throw new Refusal(`the tree of ${cp.treeSize} events now has root ${cp.root}, not ${last.root} as countersigned: history was rewritten`);
      } else {
        const c = (await get(`/log/consistency?from=${last.treeSize}&to=${cp.treeSize}`)) as { proof?: unknown };
        const proof =
          Array.isArray(c?.proof) && c.proof.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))
            ? (c.proof as string[]).map((h) => Buffer.from(h, 'hex'))
            : null;
        // The tree's hash is the checkpoint's suite's: SM3 for sm3-sm2 (LEDGER_CRYPTO=sm).
        const hash = cp.algorithm.startsWith('sm3-') ? SM3_HASH : SHA256;
        if (!proof || !verifyConsistency(hash, last.treeSize, cp.treeSize, proof, Buffer.from(last.root, 'hex'), Buffer.from(cp.root, 'hex'))) {
          throw new Refusal(
            `the tree of ${cp.treeSize} events is NOT an extension of the tree of ${last.treeSize} events this witness countersigned: history before it was changed or removed`,
          );
        }
      }
    }
    const w = cosign(cp, key.privateKey);
    const { witnesses: _w, timestamp: _t, ...kept } = cp;
    fs.mkdirSync(path.dirname(stateFile), { recursive: true });
    fs.writeFileSync(`${stateFile}.tmp`, `${JSON.stringify({ checkpoint: kept }, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(`${stateFile}.tmp`, stateFile);
    const res = await fetch(`${base}/api/v1/log/witness`, {
      method: 'POST',
      headers: { authorization: `Bearer ${values.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ treeSize: cp.treeSize, keyId: w.keyId, signature: w.signature, publicKey: key.publicKeyPem }),
    }).catch((e: Error) => {
      throw new CouldNotCheck(`countersigned, but cannot post to ${base}: ${e.message}`);
    });
    if (!res.ok) throw new CouldNotCheck(`countersigned, but the ledger refused the countersignature: HTTP ${res.status} ${await res.text()}`);
    out.write(
      `witness: countersigned the checkpoint of ${cp.treeSize} events (root ${cp.root}) as ${w.keyId}${last ? `, consistent with the one of ${last.treeSize} events` : ''}\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof Refusal) {
      err.write(`witness: REFUSED, nothing countersigned: ${e.message}\n`);
      return 1;
    }
    if (e instanceof CouldNotCheck) {
      err.write(`witness: could not check: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
