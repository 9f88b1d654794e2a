#!/usr/bin/env node
'use strict';
const fs = require('node:fs');
const crypto = require('node:crypto');
const { verifyProof, keyIdOf } = require('../lib/verify-proof.js');
const log = require('../lib/verify-log.js');

const USAGE = `usage: ledger-verify <proof.json | checkpoint.json> [--key <public-key.pem> | --key-id <hex>] [--json]
         [--state <trusted.json>] [--consistency <consistency.json>] [--witness-key <witness.pub.pem>]... [--require-witnesses <n>]
  Checks a ledger proof offline: every event's hash link, the Merkle path of the stream head to the
  sealed root, the seal's Ed25519 signature, and (when the proof carries them) each event's RFC 9162
  inclusion proof against the signed checkpoint. A bare checkpoint (GET /api/v1/log/checkpoint) needs --key.
  --state keeps the last checkpoint trusted: a newer one is accepted only with a consistency proof from it
  (--consistency, the answer of GET /api/v1/log/consistency?from=<trusted size>&to=<new size>), and then
  replaces it; the first run trusts what it sees and says so. --require-witnesses n: at least n of the
  --witness-key keys must have countersigned the checkpoint.
  Exit 0: verified; 1: not verified; 2: usage error.`;

function main(argv) {
  const args = { file: null, keyId: null, key: null, json: false, state: null, consistency: null, witnessKeys: [], requireWitnesses: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '--key') {
      args.key = crypto.createPublicKey(fs.readFileSync(argv[++i], 'utf8'));
      args.keyId = keyIdOf(args.key);
    } else if (a === '--state') args.state = String(argv[++i] || '');
    else if (a === '--consistency') args.consistency = String(argv[++i] || '');
    else if (a === '--witness-key') args.witnessKeys.push(crypto.createPublicKey(fs.readFileSync(argv[++i], 'utf8')));
    else if (a === '--require-witnesses') {
      args.requireWitnesses = Number(argv[++i]);
      if (!Number.isInteger(args.requireWitnesses) || args.requireWitnesses < 0) throw new Error('--require-witnesses takes a whole number');
    }
    else if (a === '--key-id') args.keyId = String(argv[++i] || '');
    else if (a === '-h' || a === '--help') return (process.stdout.write(USAGE + '\n'), 0);
    else if (!args.file) args.file = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!args.file) throw new Error('no proof file given');
  const text = fs.readFileSync(args.file === '-' ? 0 : args.file, 'utf8');
  let proof;
  try {
    proof = JSON.parse(text);
  } catch (e) {
    proof = null;
  }
  let result = proof ? (isCheckpoint(proof) ? { ok: true, checkpointOnly: true } : verifyProof(proof, { keyId: args.keyId })) : { ok: false, reason: 'the file is not JSON' };
  if (result.ok) result = checkLog(proof, result, args);
  if (args.json) process.stdout.write(JSON.stringify(result) + '\n');
  else if (result.ok && result.checkpointOnly) process.stdout.write(`verified: checkpoint of ${result.checkpoint.treeSize} events, root ${result.checkpoint.root}${result.note ? `\n${result.note}` : ''}\n`);
  else if (result.ok) {
    process.stdout.write(`verified: ${result.stream}, ${result.events} event(s) up to revision ${result.head.revision} (position ${result.head.position}),\n` +
      `sealed at position ${result.seal.position} on ${result.seal.sealedAt} by key ${result.keyId}\n` +
      (args.keyId ? '' : 'compare this key id with the one the ledger publishes (or pass --key / --key-id)\n'));
    if (result.checkpoint) process.stdout.write(`in the log: every event is in the signed tree of ${result.checkpoint.treeSize} events (root ${result.checkpoint.root})\n`);
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
    throw new Error(`cannot read ${what} ${file}: ${e.message}`);
  }
}

/** The checkpoint part: signature, inclusions, trusted state, witnesses. Returns the result to report. */
function checkLog(doc, result, args) {
  const cp = isCheckpoint(doc) ? doc : doc.log && doc.log.checkpoint;
  const wantsLog = args.state || args.requireWitnesses > 0;
  if (!cp) return wantsLog ? { ok: false, reason: 'the proof carries no checkpoint of the verifiable log' } : result;
  let key;
  try {
    key = isCheckpoint(doc) ? args.key : crypto.createPublicKey(doc.publicKey);
  } catch (e) {
    return { ok: false, reason: `the public key cannot be read: ${e.message}` };
  }
  if (!key) throw new Error('a bare checkpoint needs --key <the ledger public key.pem>');
  if (args.keyId && args.keyId.toLowerCase() !== cp.keyId) return { ok: false, reason: `the checkpoint is signed by key ${cp.keyId}, not the trusted key ${args.keyId}` };
  const bad = log.checkpointProblem(cp, key);
  if (bad) return { ok: false, reason: bad };
  if (!isCheckpoint(doc)) {
    const inc = log.inclusionProblem(doc.events, doc.log);
    if (inc) return { ok: false, reason: inc.reason, ...(inc.event ? { at: { stream: inc.event.stream, revision: inc.event.revision, position: inc.event.position } } : {}) };
  }
  if (args.requireWitnesses > 0) {
    const n = log.witnessCount(cp, args.witnessKeys);
    if (n < args.requireWitnesses) return { ok: false, reason: `${n} of the required ${args.requireWitnesses} witness countersignature(s) from the configured keys` };
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
      note = trusted ? `trusted checkpoint moved from ${trusted.treeSize} to ${cp.treeSize} events (consistent)` : `first run: now trusting this checkpoint (${cp.treeSize} events), kept in ${args.state}`;
    } else note = `consistent with the trusted checkpoint of ${trusted.treeSize} events`;
  }
  return { ...result, checkpoint: { treeSize: cp.treeSize, root: cp.root, issuedAt: cp.issuedAt }, ...(note ? { note } : {}) };
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`ledger-verify: ${e.message}\n${USAGE}\n`);
  process.exitCode = 2;
}
