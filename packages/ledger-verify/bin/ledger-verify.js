#!/usr/bin/env node
'use strict';
const fs = require('node:fs');
const crypto = require('node:crypto');
const { verifyProof } = require('../lib/verify-proof.js');
const log = require('../lib/verify-log.js');
const { verifyTimestamp } = require('../lib/rfc3161.js');

const USAGE = `usage: ledger-verify <proof.json | checkpoint.json> [--key <public-key.pem> | --key-id <hex>] [--json]
         [--state <trusted.json>] [--consistency <consistency.json>] [--witness-key <witness.pub.pem>]... [--require-witnesses <n>]
         [--tsa-cert <tsa-certificate.pem>]
  Checks a ledger proof offline: every event's hash link, the Merkle path of the stream head to the
  sealed root, the seal's Ed25519 signature, and (when the proof carries them) each event's RFC 9162
  inclusion proof against the signed checkpoint. A bare checkpoint (GET /api/v1/log/checkpoint) needs --key.
  --state keeps the last checkpoint trusted: a newer one is accepted only with a consistency proof from it
  (--consistency, the answer of GET /api/v1/log/consistency?from=<trusted size>&to=<new size>), and then
  replaces it; the first run trusts what it sees and says so. --require-witnesses n: at least n of the
  --witness-key keys must have countersigned the checkpoint. Checkpoints of either suite are checked:
  sha256-ed25519 (default) and sm3-sm2 (LEDGER_CRYPTO=sm; for a bare checkpoint give --key the SM2 public
  key file, 04‖x‖y hex; a proof carries its checkpoint key).
  --tsa-cert: the time-stamping authority's certificate; every RFC 3161 token the checkpoint or the proof
  carries must then be that authority's signature over the checkpoint's text, and each event the proof
  times is shown with the time by which it existed.
  Exit 0: verified; 1: not verified; 2: usage error.`;

function main(argv) {
  const args = { file: null, keyId: null, key: null, json: false, state: null, consistency: null, witnessKeys: [], requireWitnesses: 0, tsaCert: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '--key') {
      args.key = log.readPublicKey(fs.readFileSync(argv[++i], 'utf8'));
      args.keyId = log.keyIdOf(args.key);
    } else if (a === '--tsa-cert') args.tsaCert = fs.readFileSync(String(argv[++i] || ''), 'utf8');
    else if (a === '--state') args.state = String(argv[++i] || '');
    else if (a === '--consistency') args.consistency = String(argv[++i] || '');
    else if (a === '--witness-key') args.witnessKeys.push(crypto.createPublicKey(fs.readFileSync(argv[++i], 'utf8')));
    else if (a === '--require-witnesses') {
      args.requireWitnesses = Number(argv[++i]);
      if (!Number.isInteger(args.requireWitnesses) || args.requireWitnesses < 0) throw new Error('--require-witnesses takes a whole number');
    } else if (a === '--key-id') args.keyId = String(argv[++i] || '');
    else if (a === '-h' || a === '--help') return (process.stdout.write(USAGE + '\n'), 0);
    else if (!args.file) args.file = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!args.file) throw new Error('no proof file given');
  const text = fs.readFileSync(args.file === '-' ? 0 : args.file, 'utf8');
  let proof;
  try {
    proof = JSON.parse(text);
  } catch {
    proof = null;
  }
  let result = proof
    ? isCheckpoint(proof)
      ? { ok: true, checkpointOnly: true }
      : verifyProof(proof, { keyId: args.keyId })
    : { ok: false, reason: 'the file is not JSON' };
  if (result.ok) result = checkLog(proof, result, args);
  if (args.json) process.stdout.write(JSON.stringify(result) + '\n');
  else if (result.ok && result.checkpointOnly)
    process.stdout.write(
      `verified: checkpoint of ${result.checkpoint.treeSize} events, root ${result.checkpoint.root}${result.note ? `\n${result.note}` : ''}\n`,
    );
  else if (result.ok) {
    process.stdout.write(
      `verified: ${result.stream}, ${result.events} event(s) up to revision ${result.head.revision} (position ${result.head.position}),\n` +
        `sealed at position ${result.seal.position} on ${result.seal.sealedAt} by key ${result.keyId}\n` +
        (args.keyId ? '' : 'compare this key id with the one the ledger publishes (or pass --key / --key-id)\n'),
    );
    if (result.checkpoint)
      process.stdout.write(`in the log: every event is in the signed tree of ${result.checkpoint.treeSize} events (root ${result.checkpoint.root})\n`);
    if (result.note) process.stdout.write(`${result.note}\n`);
  } else {
    const at = result.at ? ` at ${result.at.stream} revision ${result.at.revision} position ${result.at.position}` : '';
    process.stdout.write(`NOT verified${at}: ${result.reason}\n`);
  }
  return result.ok ? 0 : 1;
}

function isCheckpoint(x) {
  return x && typeof x === 'object' && x.format === undefined && 'treeSize' in x && 'root' in x;
}

function readJson(file, what) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read ${what} ${file}: ${e.message}`, { cause: e });
  }
}

/** The checkpoint part: signature, inclusions, trusted state, witnesses. Returns the result to report. */
function checkLog(doc, result, args) {
  const cp = isCheckpoint(doc) ? doc : doc.log && doc.log.checkpoint;
  const wantsLog = args.state || args.requireWitnesses > 0;
  if (!cp) return wantsLog ? { ok: false, reason: 'the proof carries no checkpoint of the verifiable log' } : result;
  let key;
  try {
    key = isCheckpoint(doc) ? args.key : log.readPublicKey((doc.log && doc.log.publicKey) || doc.publicKey);
  } catch (e) {
    return { ok: false, reason: `the public key cannot be read: ${e.message}` };
  }
  if (!key) throw new Error('a bare checkpoint needs --key <the ledger public key.pem>');
  if (args.keyId && args.keyId.toLowerCase() !== cp.keyId)
    return { ok: false, reason: `the checkpoint is signed by key ${cp.keyId}, not the trusted key ${args.keyId}` };
  const bad = log.checkpointProblem(cp, key);
  if (bad) return { ok: false, reason: bad };
  if (!isCheckpoint(doc)) {
    const inc = log.inclusionProblem(doc.events, doc.log);
    if (inc)
      return {
        ok: false,
        reason: inc.reason,
        ...(inc.event ? { at: { stream: inc.event.stream, revision: inc.event.revision, position: inc.event.position } } : {}),
      };
  }
  const times = timestampProblem(doc, cp, key, args);
  if (times.reason)
    return {
      ok: false,
      reason: times.reason,
      ...(times.event ? { at: { stream: times.event.stream, revision: times.event.revision, position: times.event.position } } : {}),
    };
  if (args.requireWitnesses > 0) {
    const n = log.witnessCount(cp, args.witnessKeys);
    if (n < args.requireWitnesses)
      return { ok: false, reason: `${n} of the required ${args.requireWitnesses} witness countersignature(s) from the configured keys` };
  }
  let note = '';
  if (args.state) {
    const trusted = fs.existsSync(args.state) ? readJson(args.state, 'the state file').checkpoint : null;
    if (trusted) {
      const tKey = log.checkpointProblem(trusted, key);
      if (tKey) return { ok: false, reason: `the state file's checkpoint does not check with this key: ${tKey}` };
    }
    const consistency = args.consistency ? readJson(args.consistency, 'the consistency proof') : doc.log && doc.log.consistency;
    const bad = log.consistencyProblem(trusted, cp, consistency);
    if (bad) return { ok: false, reason: bad };
    if (!trusted || cp.treeSize > trusted.treeSize) {
      fs.writeFileSync(args.state, JSON.stringify({ checkpoint: { ...cp, witnesses: [] } }, null, 2) + '\n');
      note = trusted
        ? `trusted checkpoint moved from ${trusted.treeSize} to ${cp.treeSize} events (consistent)`
        : `first run: now trusting this checkpoint (${cp.treeSize} events), kept in ${args.state}`;
    } else note = `consistent with the trusted checkpoint of ${trusted.treeSize} events`;
  }
  note = [note, ...times.notes].filter(Boolean).join('\n');
  return {
    ...result,
    checkpoint: { treeSize: cp.treeSize, root: cp.root, issuedAt: cp.issuedAt, algorithm: cp.algorithm },
    ...(times.times ? { timestamps: times.times } : {}),
    ...(note ? { note } : {}),
  };
}

/**
 * RFC 3161 tokens: the checkpoint's own, and for a proof each event's timestamped checkpoint (signed by the
 * same key, holding the event). Without --tsa-cert they are named, not trusted. { reason?, event?, notes, times? }
 */
function timestampProblem(doc, cp, key, args) {
  const entries = isCheckpoint(doc) ? [] : (doc.log && doc.log.timestamps) || [];
  if (!args.tsaCert) {
    const has = cp.timestamp || entries.length;
    return { notes: has ? ['carries RFC 3161 timestamps, not checked: give --tsa-cert <the time-stamping authority certificate>'] : [] };
  }
  const check = (c) => verifyTimestamp(Buffer.from(String(c.timestamp), 'base64'), log.checkpointText(c), args.tsaCert);
  if (isCheckpoint(doc)) {
    if (!cp.timestamp) return { notes: ['the checkpoint carries no timestamp'] };
    const r = check(cp);
    if (!r.ok) return { reason: `the checkpoint's timestamp: ${r.reason}`, notes: [] };
    return {
      notes: [`timestamped: the tree of ${cp.treeSize} events existed by ${r.genTime} (RFC 3161 token ${r.serial})`],
      times: [{ treeSize: cp.treeSize, genTime: r.genTime }],
    };
  }
  const notes = [];
  const times = [];
  for (const t of entries) {
    const e = doc.events.find((x) => String(x.position) === String(t && t.position));
    if (!e || !t.checkpoint || !t.checkpoint.timestamp || !Array.isArray(t.proof) || !t.proof.every((h) => /^[0-9a-f]{64}$/.test(String(h))))
      return { reason: 'a timestamp entry is malformed or names no event of the proof', notes };
    const bad = log.checkpointProblem(t.checkpoint, key);
    if (bad) return { reason: `the timestamped checkpoint of ${t.checkpoint.treeSize}: ${bad}`, event: e, notes };
    const H = log.hashOf(t.checkpoint.algorithm);
    if (
      !log.verifyInclusion(
        H,
        t.leafIndex,
        t.checkpoint.treeSize,
        log.leafHash(H, Buffer.from(e.streamHash, 'hex')),
        t.proof.map((h) => Buffer.from(h, 'hex')),
        Buffer.from(t.checkpoint.root, 'hex'),
      )
    ) {
      return { reason: `the event is not in the timestamped checkpoint of ${t.checkpoint.treeSize} (its inclusion proof fails)`, event: e, notes };
    }
    const r = check(t.checkpoint);
    if (!r.ok) return { reason: `the timestamp of the checkpoint of ${t.checkpoint.treeSize}: ${r.reason}`, event: e, notes };
    times.push({ position: String(e.position), treeSize: t.checkpoint.treeSize, genTime: r.genTime });
    notes.push(`timestamped: the event at position ${e.position} existed by ${r.genTime} (checkpoint of ${t.checkpoint.treeSize} events)`);
  }
  const untimed = doc.events.length - times.length;
  if (untimed > 0) notes.push(`${untimed} event(s) not yet in a timestamped checkpoint`);
  return { notes, times };
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`ledger-verify: ${e.message}\n${USAGE}\n`);
  process.exitCode = 2;
}
