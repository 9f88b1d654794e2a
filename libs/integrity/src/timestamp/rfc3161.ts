import { createHash, randomBytes, verify as verifySignature, X509Certificate, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, id_ce_subjectKeyIdentifier } from '@peculiar/asn1-x509';
import { Attribute, ContentInfo, id_signedData, SignedData } from '@peculiar/asn1-cms';
import { id_ct_tstInfo, MessageImprint, PKIStatus, TimeStampReq, TimeStampResp, TSTInfo } from '@peculiar/asn1-tsp';
import { sm3 } from '../crypto-suite';

/*
 * RFC 3161 time-stamp requests and tokens. The ASN.1 comes from @peculiar/asn1-tsp / -cms (CommonJS);
 * the signature check is node:crypto against the TSA certificate the deployment configured: a token
 * proves its time only if that certificate's key signed it.
 */

export type ImprintHash = 'sha256' | 'sm3';

const OID = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  sm3: '1.2.156.10197.1.401',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
  ed25519: '1.3.101.112',
  timeStamping: '1.3.6.1.5.5.7.3.8',
} as const;

/** id-ct-TSTInfo (1.2.840.113549.1.9.16.1.4) as a DER OBJECT IDENTIFIER: the content-type attribute's value. */
const TST_INFO_OID_DER = Buffer.from('060b2a864886f70d0109100104', 'hex');

const DIGEST_BY_OID: Record<string, string> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
  [OID.sm3]: 'sm3',
};

function digest(name: string, data: Uint8Array): Buffer {
  // Node's OpenSSL may lack SM3 (FIPS builds): the kept library computes it the same everywhere.
  if (name === 'sm3') return sm3(Buffer.from(data));
  return createHash(name).update(data).digest();
}

export function imprintOf(data: Uint8Array, hash: ImprintHash = 'sha256'): Buffer {
  return digest(hash, data);
}

/** A fresh 64-bit nonce (positive INTEGER), hex without leading zeros. */
export function newNonce(): string {
  const b = randomBytes(8);
  b[0] &= 0x7f;
  return BigInt(`0x${b.toString('hex')}`).toString(16);
}

/** A DER INTEGER's content octets for a hex nonce: minimal, positive. */
function integerBytes(hex: string): ArrayBuffer {
  let h = BigInt(`0x${hex}`).toString(16);
  if (h.length % 2) h = `0${h}`;
  const b = Buffer.from(h, 'hex');
  const out = b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
  return out.buffer.slice(out.byteOffset, out.byteOffset + out.length) as ArrayBuffer;
}

function integerHex(bytes: ArrayBuffer): string {
  const h = Buffer.from(bytes).toString('hex');
  return h === '' ? '0' : BigInt(`0x${h}`).toString(16);
}

/** TimeStampReq (DER): the data's imprint, a nonce, certReq true (so the token names its signer). */
export function buildTimeStampRequest(data: Uint8Array, opts: { nonce?: string; hash?: ImprintHash } = {}): { der: Buffer; nonce: string; imprint: Buffer } {
  const hash = opts.hash ?? 'sha256';
  const nonce = opts.nonce ?? newNonce();
  const imprint = imprintOf(data, hash);
  const req = new TimeStampReq({
    messageImprint: new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: OID[hash] }),
      hashedMessage: new OctetString(imprint),
    }),
    nonce: integerBytes(nonce),
    certReq: true,
  });
  return { der: Buffer.from(AsnConvert.serialize(req)), nonce, imprint };
}

export class TimestampError extends Error {
  constructor(
    readonly code: 'TSA_UNREACHABLE' | 'TSA_REFUSED' | 'TSA_BAD_RESPONSE',
    message: string,
  ) {
    super(message);
  }
}

const STATUS_NAMES = ['granted', 'grantedWithMods', 'rejection', 'waiting', 'revocationWarning', 'revocationNotification'];

/** The token (a CMS ContentInfo, DER) out of a TimeStampResp; a refusal or garbage throws TimestampError. */
export function tokenFromResponse(der: Uint8Array): Buffer {
  let resp: TimeStampResp;
  try {
    resp = AsnConvert.parse(Buffer.from(der), TimeStampResp);
  } catch (e) {
    throw new TimestampError('TSA_BAD_RESPONSE', `not a TimeStampResp: ${(e as Error).message}`);
  }
  const status = resp.status.status;
  if (status !== PKIStatus.granted && status !== PKIStatus.grantedWithMods) {
    const text = resp.status.statusString?.map((s) => s.toString()).join('; ');
    throw new TimestampError('TSA_REFUSED', `the TSA answered ${STATUS_NAMES[status] ?? status}${text ? `: ${text}` : ''}`);
  }
  if (!resp.timeStampToken) throw new TimestampError('TSA_BAD_RESPONSE', 'status granted but no token');
  return Buffer.from(AsnConvert.serialize(resp.timeStampToken));
}

export interface TimestampFacts {
  /** The TSA's time (TSTInfo.genTime), ISO 8601. */
  genTime: string;
  /** TSTInfo.serialNumber, hex. */
  serial: string;
  policy: string;
  hash: string;
  /** The imprint, hex. */
  imprint: string;
  nonce?: string;
}

export type TimestampCheck = ({ ok: true } & TimestampFacts) | { ok: false; reason: string };

/** What a token says, unchecked (for display; verifyTimestampToken is the check). */
export function readTimestampToken(token: Uint8Array): TimestampFacts {
  const { tst } = parseToken(token);
  return factsOf(tst);
}

function factsOf(tst: TSTInfo): TimestampFacts {
  const hashOid = tst.messageImprint.hashAlgorithm.algorithm;
  return {
    genTime: tst.genTime.toISOString(),
    serial: integerHex(tst.serialNumber),
    policy: tst.policy,
    hash: DIGEST_BY_OID[hashOid] ?? hashOid,
    imprint: Buffer.from(tst.messageImprint.hashedMessage.buffer).toString('hex'),
    nonce: tst.nonce ? integerHex(tst.nonce) : undefined,
  };
}

function parseToken(token: Uint8Array): { signed: SignedData; tst: TSTInfo; eContent: Buffer } {
  const info = AsnConvert.parse(Buffer.from(token), ContentInfo);
  if (info.contentType !== id_signedData) throw new Error(`content type ${info.contentType} is not signedData`);
  const signed = AsnConvert.parse(info.content, SignedData);
  if (signed.encapContentInfo.eContentType !== id_ct_tstInfo) throw new Error(`encapsulated content ${signed.encapContentInfo.eContentType} is not TSTInfo`);
  const e = signed.encapContentInfo.eContent;
  const raw = e?.single?.buffer ?? (e?.any ? AsnConvert.parse(e.any, OctetString).buffer : undefined);
  if (!raw) throw new Error('no TSTInfo in the token');
  const eContent = Buffer.from(raw);
  return { signed, tst: AsnConvert.parse(eContent, TSTInfo), eContent };
}

function attributeValue(attrs: Attribute[], oid: string): Buffer | null {
  const found = attrs.filter((a) => a.attrType === oid);
  if (found.length !== 1 || found[0].attrValues.length !== 1) return null;
  return Buffer.from(found[0].attrValues[0]);
}

function sameSerial(a: ArrayBuffer, certSerialHex: string): boolean {
  return integerHex(a) === BigInt(`0x${certSerialHex}`).toString(16);
}

/** The node:crypto digest for a SignerInfo's signature algorithm, or null when it is not one we check. */
function signatureDigest(sigOid: string, digestName: string, key: KeyObject): string | null | undefined {
  switch (sigOid) {
    case OID.rsaEncryption:
      return key.asymmetricKeyType === 'rsa' ? digestName : undefined;
    case OID.sha256WithRSA:
    case OID.ecdsaWithSHA256:
      return 'sha256';
    case OID.sha384WithRSA:
    case OID.ecdsaWithSHA384:
      return 'sha384';
    case OID.sha512WithRSA:
    case OID.ecdsaWithSHA512:
      return 'sha512';
    case OID.ecPublicKey:
      return key.asymmetricKeyType === 'ec' ? digestName : undefined;
    case OID.ed25519:
      return null;
    default:
      return undefined;
  }
}

/**
 * Checks a time-stamp token against the data it should cover: the TSTInfo's message imprint is the
 * data's hash, the nonce (when given) is the one we sent, the signer is the configured TSA certificate
 * (which must be for time-stamping) and its signature over the signed attributes holds, and those
 * attributes bind the TSTInfo (content type and message digest).
 */
export function verifyTimestampToken(
  token: Uint8Array,
  expected: { data: Uint8Array; tsaCertificate: string | Buffer | X509Certificate; nonce?: string },
): TimestampCheck {
  let cert: X509Certificate;
  try {
    cert = expected.tsaCertificate instanceof X509Certificate ? expected.tsaCertificate : new X509Certificate(expected.tsaCertificate);
  } catch (e) {
    return { ok: false, reason: `the TSA certificate cannot be read: ${(e as Error).message}` };
  }
  if (!(cert.keyUsage ?? []).includes(OID.timeStamping))
    return { ok: false, reason: 'the TSA certificate is not for time-stamping (extendedKeyUsage timeStamping)' };
  let parsed: ReturnType<typeof parseToken>;
  try {
    parsed = parseToken(token);
  } catch (e) {
    return { ok: false, reason: `not a time-stamp token: ${(e as Error).message}` };
  }
  const { signed, tst, eContent } = parsed;
  const facts = factsOf(tst);

  const hashName = DIGEST_BY_OID[tst.messageImprint.hashAlgorithm.algorithm];
  if (hashName !== 'sha256' && hashName !== 'sm3') return { ok: false, reason: `imprint hash ${facts.hash} is not SHA-256 or SM3` };
  if (!digest(hashName, expected.data).equals(Buffer.from(tst.messageImprint.hashedMessage.buffer))) {
    return { ok: false, reason: 'the token is for other data: its message imprint is not the hash of these bytes' };
  }
  if (expected.nonce !== undefined && facts.nonce !== BigInt(`0x${expected.nonce}`).toString(16)) {
    return { ok: false, reason: `nonce ${facts.nonce ?? '(none)'} is not the one sent (${expected.nonce})` };
  }

  if (signed.signerInfos.length !== 1) return { ok: false, reason: `${signed.signerInfos.length} signers, expected 1` };
  const si = signed.signerInfos[0];
  const sid = si.sid.issuerAndSerialNumber;
  if (sid) {
    if (!sameSerial(sid.serialNumber, cert.serialNumber))
      return { ok: false, reason: 'signed by another certificate than the configured TSA certificate (serial number)' };
  } else if (si.sid.subjectKeyIdentifier) {
    const ski = Buffer.from(si.sid.subjectKeyIdentifier.buffer).toString('hex');
    const certSki = certSubjectKeyId(cert);
    if (certSki !== ski) return { ok: false, reason: 'signed by another certificate than the configured TSA certificate (key identifier)' };
  }
  if (!si.signedAttrs || si.signedAttrs.length === 0) return { ok: false, reason: 'no signed attributes' };
  const contentType = attributeValue(si.signedAttrs, OID.contentType);
  if (!contentType || !contentType.equals(TST_INFO_OID_DER)) return { ok: false, reason: 'the signed content type is not TSTInfo' };
  const md = attributeValue(si.signedAttrs, OID.messageDigest);
  const digestName = DIGEST_BY_OID[si.digestAlgorithm.algorithm];
  if (!digestName || digestName === 'sha1') return { ok: false, reason: `signer digest ${si.digestAlgorithm.algorithm} is not accepted` };
  if (!md || !Buffer.from(AsnConvert.parse(md, OctetString).buffer).equals(digest(digestName, eContent))) {
    return { ok: false, reason: 'the signed message digest does not match the TSTInfo (the token was altered)' };
  }

  const key = cert.publicKey;
  const sigDigest = signatureDigest(si.signatureAlgorithm.algorithm, digestName, key);
  if (sigDigest === undefined)
    return { ok: false, reason: `signature algorithm ${si.signatureAlgorithm.algorithm} is not supported for a ${key.asymmetricKeyType} key` };
  const signedBytes = signedAttributesDer(si.signedAttrs);
  let good: boolean;
  try {
    good = verifySignature(sigDigest, signedBytes, key, Buffer.from(si.signature.buffer));
  } catch {
    good = false;
  }
  if (!good) return { ok: false, reason: 'the signature does not verify with the configured TSA certificate' };
  const at = tst.genTime.getTime();
  if (at < Date.parse(cert.validFrom) || at > Date.parse(cert.validTo)) return { ok: false, reason: `the TSA certificate was not valid at ${facts.genTime}` };
  return { ok: true, ...facts };
}

/**
 * RFC 5652 §5.4: the signature is over the attributes' DER as an explicit SET OF, not the [0] tag they
 * travel in. The library keeps each attribute's values as their original bytes, so re-encoding the set
 * in its received order gives back exactly what was signed (the library's signedAttrsRaw stays empty
 * for this repeated field).
 */
function signedAttributesDer(attrs: Attribute[]): Buffer {
  const body = Buffer.concat(attrs.map((a) => Buffer.from(AsnConvert.serialize(a))));
  return Buffer.concat([Buffer.of(0x31), derLength(body.length), body]);
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function certSubjectKeyId(cert: X509Certificate): string | null {
  const parsed = AsnConvert.parse(cert.raw, Certificate);
  const ext = parsed.tbsCertificate.extensions?.find((e) => e.extnID === id_ce_subjectKeyIdentifier);
  return ext ? Buffer.from(AsnConvert.parse(ext.extnValue.buffer, OctetString).buffer).toString('hex') : null;
}
