import * as crypto from 'node:crypto';

/*
 * The hash chains every engine stores beside its events (libs/integrity/README.md defines them for
 * third parties; packages/ledger-verify re-implements them without this repository):
 *
 *   body       = "[" id "," type "," schemaVersion "," data "," metadata "]"     UTF-8
 *                id and type as JSON strings, schemaVersion as a JSON number, data and metadata as
 *                the JSON text the store keeps: ECMAScript JSON.stringify of the appended values
 *                (the body is itself a JSON array, so it parses back into its five fields: injective)
 *   bodyHash   = SHA-256(body)
 *   streamHash = SHA-256("LEDGER1" ‖ u32(len(stream)) ‖ stream ‖ u32(revision) ‖ u64(position) ‖ bodyHash ‖ prevStreamHash)
 *   globalHash = SHA-256(streamHash ‖ prevGlobalHash)
 *
 * u32/u64 are big-endian, stream is UTF-8, the previous hash of a first link is 32 zero bytes.
 * The body hash is a pure function of the event, computed before the writer lane from the text the
 * store encodes anyway; the links need the revision, the position and the previous hashes, so they
 * are computed inside it. A reader that gets parsed values re-encodes them with JSON.stringify,
 * which gives the stored text back (JSON.stringify ∘ JSON.parse is the identity on its own output).
 * Relative imports only: the cross-process SQLite test loads the adapter without alias mapping.
 */

export const HASH_BYTES = 32;
export const ZERO_HASH: Buffer = Buffer.alloc(HASH_BYTES);
const MAGIC = Buffer.from('LEDGER1', 'ascii');

// crypto.hash (Node ≥ 20.12) is the one-shot digest: about half the cost of createHash for small inputs.
const oneShot = (crypto as { hash?: (algorithm: string, data: Buffer | string, encoding: 'buffer') => Buffer }).hash;
export const sha256: (data: Buffer | string) => Buffer = oneShot
  ? (data) => oneShot('sha256', data, 'buffer')
  : (data) => crypto.createHash('sha256').update(data).digest();

export interface HashableEvent {
  id: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: unknown;
}

const oneShotHex = (crypto as { hash?: (algorithm: string, data: Buffer | string, encoding: 'hex') => string }).hash;
/** SHA-256 as hex text: no Buffer (no ArrayBuffer of its own) is made for it. */
export const sha256Hex: (data: Buffer | string) => string = oneShotHex
  ? (data) => oneShotHex('sha256', data, 'hex')
  : (data) => crypto.createHash('sha256').update(data).digest('hex');

const bodyText = (id: string, type: string, schemaVersion: number, dataJson: string, metadataJson: string): string =>
  '[' + JSON.stringify(id) + ',' + JSON.stringify(type) + ',' + JSON.stringify(schemaVersion) + ',' + dataJson + ',' + metadataJson + ']';

/** The body hash from the JSON texts of data and metadata (what the SQL engines store). */
export function bodyHashOfText(id: string, type: string, schemaVersion: number, dataJson: string, metadataJson: string): Buffer {
  return sha256(bodyText(id, type, schemaVersion, dataJson, metadataJson));
}

/**
 * bodyHashOfText as hex: what an appender hands its writer. Text crosses a thread or goes into a
 * query far cheaper than a Buffer: cloning one typed array per event cost the SQLite store's hop
 * more than its strings (docs/benchmarks.md, "Measurements behind design choices").
 */
export function bodyHashHexOfText(id: string, type: string, schemaVersion: number, dataJson: string, metadataJson: string): string {
  return sha256Hex(bodyText(id, type, schemaVersion, dataJson, metadataJson));
}

/** The body hash of an event given (or read back) as values. */
export function bodyHash(e: HashableEvent): Buffer {
  return bodyHashOfText(e.id, e.type, e.schemaVersion, JSON.stringify(e.data === undefined ? null : e.data), JSON.stringify(e.metadata ?? null));
}

/** `body` is the body hash, as bytes or as hex text (bodyHashHexOfText). */
export function streamLinkHash(stream: string, revision: number, position: bigint | number, body: Buffer | string, prevStreamHash: Buffer | null): Buffer {
  const len = Buffer.byteLength(stream, 'utf8');
  const buf = Buffer.allocUnsafe(MAGIC.length + 4 + len + 4 + 8 + HASH_BYTES * 2);
  let o = MAGIC.copy(buf, 0);
  o = buf.writeUInt32BE(len, o);
  o += buf.write(stream, o, 'utf8');
  o = buf.writeUInt32BE(revision, o);
  if (typeof position === 'number') {
    // Exact below 2^53; two halves spare a BigInt per link.
    o = buf.writeUInt32BE(Math.floor(position / 0x100000000), o);
    o = buf.writeUInt32BE(position % 0x100000000, o);
  } else o = buf.writeBigUInt64BE(position, o);
  if (typeof body === 'string') {
    if (body.length !== HASH_BYTES * 2 || buf.write(body, o, HASH_BYTES, 'hex') !== HASH_BYTES)
      throw new Error(`a body hash is ${HASH_BYTES} bytes of hex, got ${body}`);
    o += HASH_BYTES;
  } else o += body.copy(buf, o);
  (prevStreamHash ?? ZERO_HASH).copy(buf, o);
  return sha256(buf);
}

export function globalLinkHash(streamHash: Buffer, prevGlobalHash: Buffer | null): Buffer {
  const buf = Buffer.allocUnsafe(HASH_BYTES * 2);
  streamHash.copy(buf, 0);
  (prevGlobalHash ?? ZERO_HASH).copy(buf, HASH_BYTES);
  return sha256(buf);
}
