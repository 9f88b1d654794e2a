'use strict';
/*
 * The verifiable log, checked offline with node:crypto only (no code of the ledger's):
 *   leaf  = SHA-256(0x00 ‖ event's streamHash)      node = SHA-256(0x01 ‖ left ‖ right)     (RFC 9162 §2.1)
 *   inclusion: RFC 9162 §2.1.3.2; consistency: RFC 9162 §2.1.4.2, transcribed step by step.
 *   checkpoint text = "ledger-checkpoint/1\n" algorithm "\n" treeSize "\n" root "\n" issuedAt "\n" keyId "\n"
 *   the log signs that text; a witness signs "ledger-witness/1\n" followed by it.
 */
const crypto = require('node:crypto');
const { sm3, sm2Verify, sm2KeyId } = require('./sm2.js');

// The suites a checkpoint's algorithm names: its tree hash, then its signature scheme (LEDGER_CRYPTO=sm: sm3-sm2).
const HASHES = { sha256: (data) => crypto.createHash('sha256').update(data).digest(), sm3 };
const SCHEMES = { sha256: 'ed25519', sm3: 'sm2' };
const HEX64 = /^[0-9a-f]{64}$/;

function hashOf(algorithm) {
  const [hash, scheme] = String(algorithm).split('-');
  const h = HASHES[hash];
  if (!h || SCHEMES[hash] !== scheme) throw new Error(`algorithm ${algorithm} is not one this verifier knows`);
  return h;
}

const node = (H, l, r) => H(Buffer.concat([Buffer.of(1), l, r]));
const leafHash = (H, leaf) => H(Buffer.concat([Buffer.of(0), leaf]));
const odd = (x) => x % 2 === 1;
const half = (x) => Math.floor(x / 2);

function verifyInclusion(H, index, size, leaf, path, root) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = node(H, p, r);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else r = node(H, r, p);
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && r.equals(root);
}

function verifyConsistency(H, first, second, proof, firstRoot, secondRoot) {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 1 || first > second) return false;
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  if (proof.length === 0) return false;
  const c = Number.isInteger(Math.log2(first)) ? [firstRoot, ...proof] : proof;
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = c[0];
  let sr = c[0];
  for (const x of c.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = node(H, x, fr);
      sr = node(H, x, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else sr = node(H, sr, x);
    fn = half(fn);
    sn = half(sn);
  }
  return fr.equals(firstRoot) && sr.equals(secondRoot) && sn === 0;
}

function checkpointText(cp) {
  return Buffer.from(['ledger-checkpoint/1', cp.algorithm, String(cp.treeSize), cp.root, cp.issuedAt, cp.keyId].join('\n') + '\n', 'utf8');
}

/** A checkpoint key as given: a KeyObject (Ed25519) or, for SM2, the 04‖x‖y hex text. */
function readPublicKey(text) {
  const t = String(text).trim();
  return /^04[0-9a-fA-F]{128}$/.test(t) ? t.toLowerCase() : crypto.createPublicKey(t);
}

function keyIdOf(publicKey) {
  if (typeof publicKey === 'string') return sm2KeyId(publicKey);
  return crypto
    .createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

function sigOk(message, publicKey, signature) {
  if (typeof publicKey === 'string') return sm2Verify(message, Buffer.from(String(signature), 'base64'), publicKey);
  try {
    return crypto.verify(null, message, publicKey, Buffer.from(String(signature), 'base64'));
  } catch {
    return false;
  }
}

/** null when the checkpoint is well formed and signed by publicKey; else the reason. */
function checkpointProblem(cp, publicKey) {
  if (!cp || typeof cp !== 'object') return 'the checkpoint is missing';
  if (!Number.isSafeInteger(cp.treeSize) || cp.treeSize < 1 || !HEX64.test(String(cp.root)) || !HEX64.test(String(cp.keyId)))
    return 'the checkpoint is malformed';
  try {
    hashOf(cp.algorithm);
  } catch (e) {
    return e.message;
  }
  if ((typeof publicKey === 'string') !== (cp.algorithm === 'sm3-sm2'))
    return `the checkpoint is ${cp.algorithm}, the key given is ${typeof publicKey === 'string' ? 'an SM2' : 'an Ed25519'} key`;
  if (keyIdOf(publicKey) !== cp.keyId) return `the checkpoint is signed by key ${cp.keyId}, not by ${keyIdOf(publicKey)}`;
  if (!sigOk(checkpointText(cp), publicKey, cp.signature)) return 'the checkpoint signature is not valid';
  return null;
}

/** How many of the given witness keys countersigned this checkpoint (each key counted once). */
function witnessCount(cp, witnessKeys) {
  const message = Buffer.concat([Buffer.from('ledger-witness/1\n', 'utf8'), checkpointText(cp)]);
  let n = 0;
  for (const key of witnessKeys) {
    const id = keyIdOf(key);
    if ((cp.witnesses || []).some((w) => w && w.keyId === id && sigOk(message, key, w.signature))) n++;
  }
  return n;
}

/**
 * Is `cp` (already signature-checked) acceptable after `trusted` (the last checkpoint this verifier
 * trusted, or null)? A newer one needs a consistency proof { from, to, proof } from trusted to it;
 * an older one a proof from it to trusted; the same size, the same root. Returns null or the reason.
 */
function consistencyProblem(trusted, cp, consistency) {
  if (!trusted) return null;
  const H = hashOf(cp.algorithm);
  if (trusted.algorithm !== cp.algorithm)
    return `the trusted checkpoint is ${trusted.algorithm}, this one ${cp.algorithm}: a new tree needs a new trust decision`;
  if (trusted.treeSize === cp.treeSize)
    return trusted.root === cp.root ? null : `the tree of size ${cp.treeSize} now has another root than the one trusted: history was rewritten`;
  const [small, big] = trusted.treeSize < cp.treeSize ? [trusted, cp] : [cp, trusted];
  if (!consistency || consistency.from !== small.treeSize || consistency.to !== big.treeSize || !Array.isArray(consistency.proof)) {
    return `no consistency proof from size ${small.treeSize} to ${big.treeSize} (fetch /api/v1/log/consistency?from=${small.treeSize}&to=${big.treeSize})`;
  }
  if (!consistency.proof.every((h) => HEX64.test(String(h)))) return 'the consistency proof is malformed';
  const ok = verifyConsistency(
    H,
    small.treeSize,
    big.treeSize,
    consistency.proof.map((h) => Buffer.from(h, 'hex')),
    Buffer.from(small.root, 'hex'),
    Buffer.from(big.root, 'hex'),
  );
  return ok
    ? null
    : `the tree of size ${big.treeSize} is NOT an extension of the tree of size ${small.treeSize}: history before ${small.treeSize} was changed or removed`;
}

/** Each event's inclusion in the checkpoint's tree; null or { reason, event }. */
function inclusionProblem(events, log) {
  const cp = log.checkpoint;
  const H = hashOf(cp.algorithm);
  const root = Buffer.from(cp.root, 'hex');
  if (!Array.isArray(log.inclusions) || log.inclusions.length !== events.length)
    return { reason: 'the proof does not give an inclusion proof for every event' };
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const inc = log.inclusions[i];
    if (!inc || String(inc.position) !== String(e.position) || !Array.isArray(inc.proof) || !inc.proof.every((h) => HEX64.test(String(h))))
      return { reason: 'an inclusion proof is malformed or for another event', event: e };
    const leaf = leafHash(H, Buffer.from(e.streamHash, 'hex'));
    if (
      !verifyInclusion(
        H,
        inc.leafIndex,
        cp.treeSize,
        leaf,
        inc.proof.map((h) => Buffer.from(h, 'hex')),
        root,
      )
    )
      return { reason: 'the event is not in the checkpoint’s tree (its inclusion proof fails)', event: e };
  }
  return null;
}

module.exports = {
  readPublicKey,
  hashOf,
  leafHash,
  verifyInclusion,
  verifyConsistency,
  checkpointText,
  checkpointProblem,
  witnessCount,
  consistencyProblem,
  inclusionProblem,
  keyIdOf,
};
