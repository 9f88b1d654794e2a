#!/usr/bin/env node
'use strict';
const fs = require('node:fs');
const crypto = require('node:crypto');
const { verifyProof, keyIdOf } = require('../lib/verify-proof.js');

const USAGE = `usage: ledger-verify <proof.json> [--key <public-key.pem> | --key-id <hex>] [--json]
  Checks a ledger proof offline: every event's hash link, the Merkle path of the stream head to the
  sealed root, and the seal's Ed25519 signature. Exit 0: verified; 1: not verified; 2: usage error.`;

function main(argv) {
  const args = { file: null, keyId: null, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '--key') args.keyId = keyIdOf(crypto.createPublicKey(fs.readFileSync(argv[++i], 'utf8')));
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
  const result = proof ? verifyProof(proof, { keyId: args.keyId }) : { ok: false, reason: 'the file is not JSON' };
  if (args.json) process.stdout.write(JSON.stringify(result) + '\n');
  else if (result.ok) {
    process.stdout.write(`verified: ${result.stream}, ${result.events} event(s) up to revision ${result.head.revision} (position ${result.head.position}),\n` +
      `sealed at position ${result.seal.position} on ${result.seal.sealedAt} by key ${result.keyId}\n` +
      (args.keyId ? '' : 'compare this key id with the one the ledger publishes (or pass --key / --key-id)\n'));
  } else {
    const at = result.at ? ` at ${result.at.stream} revision ${result.at.revision} position ${result.at.position}` : '';
    process.stdout.write(`NOT verified${at}: ${result.reason}\n`);
  }
  return result.ok ? 0 : 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`ledger-verify: ${e.message}\n${USAGE}\n`);
  process.exitCode = 2;
}
