'use strict';
/*
 * SM3 and SM2 signature verification (GB/T 32905, GB/T 32918.2) for checkpoints of the national suite
 * (algorithm sm3-sm2). Node's OpenSSL gives SM3; Node cannot check a standard SM2 signature (it does not
 * put Z, the signer's identity hash, in front of the message), so the verification equation is written
 * out here on BigInt. Only public data is handled: no constant-time concerns.
 *
 *   Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA)      ID = "1234567812345678" unless agreed otherwise
 *   e = SM3(Z ‖ M);  t = (r + s) mod n;  (x1, y1) = [s]G + [t]PA;  valid iff (e + x1) mod n = r
 */
const crypto = require('node:crypto');

const p = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF');
const a = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC');
const b = BigInt('0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93');
const n = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123');
const G = {
  x: BigInt('0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7'),
  y: BigInt('0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0'),
};
const DEFAULT_USER_ID = '1234567812345678';

function sm3(data) {
  try {
    return crypto.createHash('sm3').update(data).digest();
  } catch (e) {
    throw new Error(`this Node has no SM3 (its OpenSSL lacks it): cannot check an sm3-sm2 checkpoint (${e.message})`, { cause: e });
  }
}

const mod = (x, m) => ((x % m) + m) % m;

function inverse(x, m) {
  let [r0, r1] = [mod(x, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
}

function onCurve(P) {
  return P !== null && P.x >= 0n && P.x < p && P.y >= 0n && P.y < p && mod(P.y * P.y - (P.x * P.x * P.x + a * P.x + b), p) === 0n;
}

function add(P, Q) {
  if (P === null) return Q;
  if (Q === null) return P;
  if (P.x === Q.x) {
    if (mod(P.y + Q.y, p) === 0n) return null;
    const l = mod((3n * P.x * P.x + a) * inverse(2n * P.y, p), p);
    const x = mod(l * l - 2n * P.x, p);
    return { x, y: mod(l * (P.x - x) - P.y, p) };
  }
  const l = mod((Q.y - P.y) * inverse(Q.x - P.x, p), p);
  const x = mod(l * l - P.x - Q.x, p);
  return { x, y: mod(l * (P.x - x) - P.y, p) };
}

function multiply(k, P) {
  let R = null;
  for (let i = BigInt(k.toString(2).length) - 1n; i >= 0n; i--) {
    R = add(R, R);
    if ((k >> i) & 1n) R = add(R, P);
  }
  return R;
}

const be32 = (x) => Buffer.from(x.toString(16).padStart(64, '0'), 'hex');

/** The public key as given in a checkpoint: 04 ‖ x ‖ y, hex. */
function parsePublicKey(hex) {
  if (typeof hex !== 'string' || !/^04[0-9a-fA-F]{128}$/.test(hex)) return null;
  const P = { x: BigInt(`0x${hex.slice(2, 66)}`), y: BigInt(`0x${hex.slice(66)}`) };
  return onCurve(P) ? P : null;
}

/** r and s out of DER SEQUENCE { INTEGER r, INTEGER s } (or the 64-byte r ‖ s form). */
function parseSignature(sig) {
  if (sig.length === 64) return { r: BigInt(`0x${sig.subarray(0, 32).toString('hex')}`), s: BigInt(`0x${sig.subarray(32).toString('hex')}`) };
  if (sig[0] !== 0x30 || sig[1] !== sig.length - 2 || sig[1] > 0x7f) return null;
  const ints = [];
  let off = 2;
  while (off < sig.length) {
    if (sig[off] !== 0x02) return null;
    const len = sig[off + 1];
    if (len === 0 || len > 33 || off + 2 + len > sig.length) return null;
    ints.push(BigInt(`0x${sig.subarray(off + 2, off + 2 + len).toString('hex')}`));
    off += 2 + len;
  }
  return ints.length === 2 ? { r: ints[0], s: ints[1] } : null;
}

function zOf(P, userId) {
  const id = Buffer.from(userId, 'utf8');
  const entl = Buffer.alloc(2);
  entl.writeUInt16BE(id.length * 8);
  return sm3(Buffer.concat([entl, id, be32(a), be32(b), be32(G.x), be32(G.y), be32(P.x), be32(P.y)]));
}

/** true iff `signature` (Buffer) is a valid SM2 signature of `message` by public key `publicKeyHex`. */
function sm2Verify(message, signature, publicKeyHex, userId = DEFAULT_USER_ID) {
  const PA = parsePublicKey(publicKeyHex);
  const rs = Buffer.isBuffer(signature) ? parseSignature(signature) : null;
  if (!PA || !rs) return false;
  const { r, s } = rs;
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  const e = BigInt(`0x${sm3(Buffer.concat([zOf(PA, userId), Buffer.from(message)])).toString('hex')}`);
  const t = mod(r + s, n);
  if (t === 0n) return false;
  const X = add(multiply(s, G), multiply(t, PA));
  return X !== null && mod(e + X.x, n) === r;
}

/** A key id for an SM2 public key: SM3 of its 65-byte uncompressed point, hex. */
function sm2KeyId(publicKeyHex) {
  return sm3(Buffer.from(publicKeyHex.toLowerCase(), 'hex')).toString('hex');
}

module.exports = { sm3, sm2Verify, sm2KeyId, DEFAULT_USER_ID };
