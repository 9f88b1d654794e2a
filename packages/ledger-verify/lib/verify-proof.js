'use strict';
/*
 * A standalone check of a ledger proof (format ledger-proof/1). Depends on node:crypto only, and on
 * nothing of the ledger's code: the definitions below are the ones in libs/integrity/README.md.
 *
 *   body       = "[" JSON(id) "," JSON(type) "," JSON(schemaVersion) "," JSON(data) "," JSON(metadata) "]"
 *   streamHash = SHA-256("LEDGER1" ‖ u32(len stream) ‖ stream ‖ u32(revision) ‖ u64(position) ‖ SHA-256(body) ‖ prev)
 *   leaf       = SHA-256(0x00 ‖ u32(len stream) ‖ stream ‖ u32(revision) ‖ streamHash)
 *   node       = SHA-256(0x01 ‖ left ‖ right)           (the path gives each sibling's side)
 *   seal       = Ed25519 over JSON([format, position, globalHash, merkleRoot, streams, sealedAt, keyId])
 * JSON(x) is ECMAScript JSON.stringify; integers are big-endian; the first link's prev is 32 zero bytes.
 */
const crypto = require('node:crypto');

const ZERO = Buffer.alloc(32);
const sha256 = (data) => crypto.createHash('sha256').update(data).digest();
const HEX64 = /^[0-9a-f]{64}$/;

function u32(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function streamLink(stream, revision, position, bodyHash, prev) {
  const name = Buffer.from(stream, 'utf8');
  const pos = Buffer.alloc(8);
  pos.writeBigUInt64BE(BigInt(position));
  return sha256(Buffer.concat([Buffer.from('LEDGER1', 'ascii'), u32(name.length), name, u32(revision), pos, bodyHash, prev]));
}

function bodyHash(e) {
  const body =
    '[' +
    JSON.stringify(e.id) +
    ',' +
    JSON.stringify(e.type) +
    ',' +
    JSON.stringify(e.schemaVersion) +
    ',' +
    JSON.stringify(e.data === undefined ? null : e.data) +
    ',' +
    JSON.stringify(e.metadata === undefined ? null : e.metadata) +
    ']';
  return sha256(Buffer.from(body, 'utf8'));
}

function leaf(stream, revision, streamHash) {
  const name = Buffer.from(stream, 'utf8');
  return sha256(Buffer.concat([Buffer.of(0), u32(name.length), name, u32(revision), streamHash]));
}

function keyIdOf(publicKey) {
  return sha256(publicKey.export({ type: 'spki', format: 'der' })).toString('hex');
}

function sealMessage(s) {
  return Buffer.from(JSON.stringify([s.format, s.position, s.globalHash, s.merkleRoot, s.streams, s.sealedAt, s.keyId]), 'utf8');
}

/**
 * Checks a parsed proof. Returns { ok: true, stream, events, seal, keyId } or
 * { ok: false, reason, at? } where `at` names the event (stream, revision, position) that failed.
 * options.keyId: the trusted key's id (hex SHA-256 of its SPKI DER); when given, a proof signed by
 * any other key fails. Without it the caller must compare the reported keyId with the published one.
 */
function verifyProof(proof, options = {}) {
  const fail = (reason, e) => ({ ok: false, reason, ...(e ? { at: { stream: e.stream, revision: e.revision, position: e.position } } : {}) });
  if (!proof || typeof proof !== 'object' || proof.format !== 'ledger-proof/1') return fail('not a ledger-proof/1 document');
  const { stream, events, head, merklePath, seal } = proof;
  if (typeof stream !== 'string' || !Array.isArray(events) || events.length === 0) return fail('the proof lists no events');
  if (!head || !seal || !Array.isArray(merklePath) || typeof proof.publicKey !== 'string') return fail('the proof lacks its head, path, seal or public key');

  let prev = ZERO;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.stream !== stream) return fail(`event ${i} belongs to stream ${e.stream}, not ${stream}`, e);
    if (e.revision !== i) return fail(`expected revision ${i}, found ${e.revision}`, e);
    if (!/^\d+$/.test(String(e.position))) return fail('the position is not a whole number', e);
    const h = streamLink(stream, e.revision, proof.positionBound === false ? 0n : BigInt(e.position), bodyHash(e), prev);
    if (h.toString('hex') !== e.streamHash) return fail('the event does not hash to its stream hash (content, order or position changed)', e);
    prev = h;
  }
  const last = events[events.length - 1];
  if (head.revision !== last.revision || head.streamHash !== prev.toString('hex')) return fail('the stream head does not match the last event', last);
  if (String(head.position) !== String(last.position)) return fail('the head position does not match the last event', last);

  let node = leaf(stream, head.revision, prev);
  for (const step of merklePath) {
    if (!step || !HEX64.test(step.hash) || (step.side !== 'left' && step.side !== 'right')) return fail('a Merkle path step is malformed');
    const sibling = Buffer.from(step.hash, 'hex');
    node = step.side === 'left' ? sha256(Buffer.concat([Buffer.of(1), sibling, node])) : sha256(Buffer.concat([Buffer.of(1), node, sibling]));
  }
  if (node.toString('hex') !== seal.merkleRoot) return fail('the Merkle path does not lead to the sealed root');
  if (!/^\d+$/.test(String(seal.position)) || BigInt(last.position) > BigInt(seal.position)) return fail('the seal does not cover the stream head');

  let publicKey;
  try {
    publicKey = crypto.createPublicKey(proof.publicKey);
  } catch (err) {
    return fail(`the public key cannot be read: ${err.message}`);
  }
  const keyId = keyIdOf(publicKey);
  if (keyId !== seal.keyId) return fail('the seal names another key than the proof carries');
  if (options.keyId && options.keyId.toLowerCase() !== keyId) return fail(`signed by key ${keyId}, not the trusted key ${options.keyId}`);
  let signed;
  try {
    signed = crypto.verify(null, sealMessage(seal), publicKey, Buffer.from(String(seal.signature), 'base64'));
  } catch {
    signed = false;
  }
  if (!signed) return fail('the seal signature is not valid');
  return {
    ok: true,
    stream,
    events: events.length,
    head: { revision: head.revision, position: String(head.position) },
    seal: { position: seal.position, sealedAt: seal.sealedAt },
    keyId,
  };
}

module.exports = { verifyProof, keyIdOf };
