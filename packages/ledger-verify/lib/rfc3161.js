'use strict';
/*
 * Checks an RFC 3161 time-stamp token (a CMS SignedData over a TSTInfo, RFC 5652 / RFC 3161 §2.4.2)
 * offline, with node:crypto and a small DER reader: the imprint is the hash of the given bytes, the
 * signer is the given TSA certificate (extendedKeyUsage timeStamping), the signed attributes bind the
 * TSTInfo (content type, message digest), and the signature over them holds.
 */
const crypto = require('node:crypto');

/** One DER element at `off`: tag byte, content, the whole encoding, and where the next one starts. */
function tlv(buf, off) {
  if (off + 2 > buf.length) throw new Error('truncated DER');
  const tag = buf[off];
  if ((tag & 0x1f) === 0x1f) throw new Error('multi-byte tags are not used here');
  let len = buf[off + 1];
  let head = 2;
  if (len & 0x80) {
    const k = len & 0x7f;
    if (k === 0 || k > 4 || off + 2 + k > buf.length) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < k; i++) len = len * 256 + buf[off + 2 + i];
    head += k;
  }
  const end = off + head + len;
  if (end > buf.length) throw new Error('truncated DER');
  return { tag, content: buf.subarray(off + head, end), raw: buf.subarray(off, end), end };
}

function children(node) {
  const out = [];
  for (let off = 0; off < node.content.length;) {
    const c = tlv(node.content, off);
    out.push(c);
    off = c.end;
  }
  return out;
}

function expectTag(node, tag, what) {
  if (!node || node.tag !== tag) throw new Error(`${what}: expected tag 0x${tag.toString(16)}, found ${node ? `0x${node.tag.toString(16)}` : 'nothing'}`);
  return node;
}

function oid(node) {
  const b = expectTag(node, 0x06, 'OBJECT IDENTIFIER').content;
  const parts = [];
  let v = 0n;
  for (const byte of b) {
    v = (v << 7n) | BigInt(byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(v);
      v = 0n;
    }
  }
  const first = parts.shift();
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...parts].join('.');
}

const intHex = (node) => {
  const h = expectTag(node, 0x02, 'INTEGER').content.toString('hex');
  return h === '' ? '0' : BigInt(`0x${h}`).toString(16);
};

const DIGESTS = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '1.2.156.10197.1.401': 'sm3',
};
const SIGNATURE_DIGESTS = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.4': 'sha512',
};
const RSA = '1.2.840.113549.1.1.1';
const EC = '1.2.840.10045.2.1';
const SIGNED_DATA = '1.2.840.113549.1.7.2';
const TST_INFO = '1.2.840.113549.1.9.16.1.4';
const CONTENT_TYPE = '1.2.840.113549.1.9.3';
const MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const TIME_STAMPING = '1.3.6.1.5.5.7.3.8';

function generalizedTime(node) {
  const s = expectTag(node, 0x18, 'GeneralizedTime').content.toString('latin1');
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(s);
  if (!m) throw new Error(`genTime ${s} is not a UTC GeneralizedTime`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ? m[7].slice(0, 4) : ''}Z`).toISOString();
}

function parseTstInfo(der) {
  const f = children(expectTag(tlv(der, 0), 0x30, 'TSTInfo'));
  const [imprintAlg, imprint] = children(expectTag(f[2], 0x30, 'MessageImprint'));
  const out = {
    policy: oid(f[1]),
    hash: DIGESTS[oid(children(imprintAlg)[0])] || oid(children(imprintAlg)[0]),
    imprint: expectTag(imprint, 0x04, 'hashedMessage').content.toString('hex'),
    serial: intHex(f[3]),
    genTime: generalizedTime(f[4]),
  };
  for (const x of f.slice(5)) if (x.tag === 0x02) out.nonce = intHex(x);
  return out;
}

/** The parts of a token a check needs; throws on anything that is not a TSTInfo SignedData. */
function parseToken(token) {
  const ci = children(expectTag(tlv(token, 0), 0x30, 'ContentInfo'));
  if (oid(ci[0]) !== SIGNED_DATA) throw new Error('not a CMS SignedData');
  const sd = children(expectTag(children(expectTag(ci[1], 0xa0, 'content'))[0], 0x30, 'SignedData'));
  const encap = children(expectTag(sd[2], 0x30, 'EncapsulatedContentInfo'));
  if (oid(encap[0]) !== TST_INFO) throw new Error('the signed content is not a TSTInfo');
  const eContent = expectTag(children(expectTag(encap[1], 0xa0, 'eContent'))[0], 0x04, 'eContent').content;
  const signerInfos = children(expectTag(sd[sd.length - 1], 0x31, 'SignerInfos'));
  if (signerInfos.length !== 1) throw new Error(`${signerInfos.length} signers, expected 1`);
  const si = children(expectTag(signerInfos[0], 0x30, 'SignerInfo'));
  const sid = si[1];
  const signedAttrs = expectTag(si[3], 0xa0, 'signedAttrs');
  const attrs = {};
  for (const at of children(signedAttrs)) {
    const [type, values] = children(at);
    const vs = children(expectTag(values, 0x31, 'attrValues'));
    attrs[oid(type)] = vs.length === 1 ? vs[0] : null;
  }
  return {
    tst: parseTstInfo(eContent),
    eContent,
    sidSerial: sid.tag === 0x30 ? intHex(children(sid)[1]) : null,
    digestOid: oid(children(si[2])[0]),
    // RFC 5652 §5.4: signed as an explicit SET OF, not under the [0] tag it travels in.
    signedBytes: Buffer.concat([Buffer.of(0x31), signedAttrs.raw.subarray(1)]),
    attrs,
    signatureOid: oid(children(si[4])[0]),
    signature: expectTag(si[5], 0x04, 'signature').content,
  };
}

function hash(name, data) {
  return crypto.createHash(name).update(data).digest();
}

/**
 * { ok: true, genTime, serial, policy, hash, imprint, nonce? } or { ok: false, reason }.
 * token: Buffer (DER); data: the bytes it should stamp; certificatePem: the TSA certificate trusted.
 */
function verifyTimestamp(token, data, certificatePem) {
  let cert;
  try {
    cert = new crypto.X509Certificate(certificatePem);
  } catch (e) {
    return { ok: false, reason: `the TSA certificate cannot be read: ${e.message}` };
  }
  if (!(cert.keyUsage || []).includes(TIME_STAMPING)) return { ok: false, reason: 'the TSA certificate is not for time-stamping' };
  let t;
  try {
    t = parseToken(token);
  } catch (e) {
    return { ok: false, reason: `not a time-stamp token: ${e.message}` };
  }
  const { tst } = t;
  if (tst.hash !== 'sha256' && tst.hash !== 'sm3') return { ok: false, reason: `imprint hash ${tst.hash} is not SHA-256 or SM3` };
  if (hash(tst.hash, data).toString('hex') !== tst.imprint)
    return { ok: false, reason: 'the timestamp is for other data: its imprint is not the hash of this checkpoint' };
  if (t.sidSerial !== null && t.sidSerial !== BigInt(`0x${cert.serialNumber}`).toString(16))
    return { ok: false, reason: 'the timestamp is signed by another certificate than the trusted TSA certificate' };
  const ct = t.attrs[CONTENT_TYPE];
  if (!ct || oid(ct) !== TST_INFO) return { ok: false, reason: "the timestamp's signed content type is not TSTInfo" };
  const digestName = DIGESTS[t.digestOid];
  const md = t.attrs[MESSAGE_DIGEST];
  if (!digestName || !md || !expectTag(md, 0x04, 'messageDigest').content.equals(hash(digestName, t.eContent)))
    return { ok: false, reason: "the timestamp's signed digest does not match its TSTInfo (altered)" };
  const key = cert.publicKey;
  const sigDigest =
    SIGNATURE_DIGESTS[t.signatureOid] ||
    ((t.signatureOid === RSA && key.asymmetricKeyType === 'rsa') || (t.signatureOid === EC && key.asymmetricKeyType === 'ec') ? digestName : null);
  if (!sigDigest) return { ok: false, reason: `timestamp signature algorithm ${t.signatureOid} is not supported` };
  let good;
  try {
    good = crypto.verify(sigDigest, t.signedBytes, key, t.signature);
  } catch {
    good = false;
  }
  if (!good) return { ok: false, reason: 'the timestamp signature does not verify with the trusted TSA certificate' };
  const at = Date.parse(tst.genTime);
  if (at < Date.parse(cert.validFrom) || at > Date.parse(cert.validTo)) return { ok: false, reason: `the TSA certificate was not valid at ${tst.genTime}` };
  return { ok: true, ...tst };
}

module.exports = { verifyTimestamp, parseToken };
