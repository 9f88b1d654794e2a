/*
 * A checkpoint printed on paper (the foot of a 督查通报): a few readable lines and a QR code whose
 * payload carries everything needed to check it later against the grown ledger. Pure: the CLI, the
 * API and the browser share it; hashing and signatures go through Web Crypto (globalThis.crypto.subtle,
 * in Node 20 and every browser), never node:crypto.
 *
 * Payload (version 1), fields split by ';' because issuedAt holds ':':
 *   LCP1;<algorithm>;<treeSize>;<root hex>;<issuedAt>;<keyId hex>;<signature base64url>;<witness key ids, 16 hex each, ','>
 */

import { verifyConsistencyAsync } from './rfc9162-consistency';

export const PRINT_PREFIX = 'LCP1';

export interface PrintedCheckpoint {
  algorithm: string;
  treeSize: number;
  root: string;
  issuedAt: string;
  keyId: string;
  /** The log's signature, base64 (standard alphabet, as the API serves it). */
  signature: string;
  /** The first 16 hex digits of each witness key id: enough to name them, not to check them. */
  witnesses: string[];
}

export interface CheckpointLike {
  algorithm: string;
  treeSize: number;
  root: string;
  issuedAt: string;
  keyId: string;
  signature: string;
  witnesses?: { keyId: string }[];
}

export function printable(cp: CheckpointLike): PrintedCheckpoint {
  return {
    algorithm: cp.algorithm,
    treeSize: cp.treeSize,
    root: cp.root,
    issuedAt: cp.issuedAt,
    keyId: cp.keyId,
    signature: cp.signature,
    witnesses: (cp.witnesses ?? []).map((w) => w.keyId.slice(0, 16)),
  };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < bytes.length ? B64[n & 63] : '=');
  }
  return out;
}

/** Standard or url-safe base64, padded or not; null when it is not base64. */
export function base64ToBytes(text: string): Uint8Array | null {
  const s = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(s) || s.length % 4 === 1) return null;
  const out: number[] = [];
  let bits = 0;
  let acc = 0;
  for (const ch of s) {
    acc = (acc << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 255);
    }
  }
  return Uint8Array.from(out);
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function encodePrinted(p: PrintedCheckpoint): string {
  const sig = bytesToBase64(base64ToBytes(p.signature) ?? new Uint8Array())
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
  return [PRINT_PREFIX, p.algorithm, String(p.treeSize), p.root, p.issuedAt, p.keyId, sig, p.witnesses.join(',')].join(';');
}

export type ParseResult = { ok: true; value: PrintedCheckpoint } | { ok: false; reason: string };

/** Reads a payload, or the printed text that carries one on its 校验码 line. */
export function parsePrinted(text: string): ParseResult {
  const m = /LCP\d+;[^\s]*/.exec(text);
  if (!m) return { ok: false, reason: '没有找到以 LCP1; 开头的校验码' };
  const f = m[0].split(';');
  if (f[0] !== PRINT_PREFIX) return { ok: false, reason: `不认识的校验码版本 ${f[0]}` };
  if (f.length !== 8) return { ok: false, reason: `校验码应有 8 段，实有 ${f.length} 段` };
  const [, algorithm, size, root, issuedAt, keyId, sig, witnesses] = f;
  if (!/^[a-z0-9]+-[a-z0-9]+$/.test(algorithm)) return { ok: false, reason: `算法 ${algorithm} 不合格式` };
  if (!/^[1-9]\d{0,15}$/.test(size) || !Number.isSafeInteger(Number(size))) return { ok: false, reason: '树大小不是正整数' };
  if (!/^[0-9a-f]{64}$/.test(root)) return { ok: false, reason: '根哈希不是 64 位小写十六进制' };
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(issuedAt)) return { ok: false, reason: '签发时间不合格式' };
  if (!/^[0-9a-f]{64}$/.test(keyId)) return { ok: false, reason: '密钥标识不是 64 位小写十六进制' };
  const sigBytes = /^[A-Za-z0-9_-]+$/.test(sig) ? base64ToBytes(sig) : null;
  if (!sigBytes || sigBytes.length === 0) return { ok: false, reason: '签名不是 base64url' };
  const ws = witnesses === '' ? [] : witnesses.split(',');
  if (!ws.every((w) => /^[0-9a-f]{16}$/.test(w))) return { ok: false, reason: '见证密钥标识不合格式' };
  return { ok: true, value: { algorithm, treeSize: Number(size), root, issuedAt, keyId, signature: bytesToBase64(sigBytes), witnesses: ws } };
}

/** issuedAt in 北京时间 (UTC+8, no daylight saving), to the minute. */
function beijing(iso: string): string {
  const t = new Date(Date.parse(iso) + 8 * 3600_000).toISOString();
  return `${t.slice(0, 10)} ${t.slice(11, 16)}（北京时间）`;
}

/** The lines printed beside the QR code: readable, comparable by eye, and carrying the payload last. */
export function printedText(p: PrintedCheckpoint): string {
  const root = p.root.match(/.{16}/g)!.join(' ');
  return [
    '账本检查点',
    `事件总数：${p.treeSize}`,
    `根哈希：${root}`,
    `签发时间：${beijing(p.issuedAt)}`,
    `签名密钥：${p.keyId.slice(0, 16)}（${p.algorithm}）`,
    `见证方：${p.witnesses.length ? p.witnesses.join('、') : '无'}`,
    `校验码：${encodePrinted(p)}`,
  ].join('\n');
}

/** The text the log signed (libs/integrity checkpoint.ts checkpointMessage), byte for byte. */
export function checkpointText(p: Pick<PrintedCheckpoint, 'algorithm' | 'treeSize' | 'root' | 'issuedAt' | 'keyId'>): string {
  return ['ledger-checkpoint/1', p.algorithm, String(p.treeSize), p.root, p.issuedAt, p.keyId].join('\n') + '\n';
}

// ---- verification in the browser (or any Web Crypto) ----

type Subtle = {
  digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer>;
  importKey(format: 'spki', keyData: Uint8Array, algorithm: { name: string }, extractable: boolean, usages: string[]): Promise<unknown>;
  verify(algorithm: { name: string }, key: unknown, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
};

function subtle(): Subtle {
  return (globalThis as unknown as { crypto: { subtle: Subtle } }).crypto.subtle;
}

async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', data));
}

async function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return sha256(buf);
}

/** RFC 9162 §2.1.4.2 with SHA-256: the tree of size `first` (firstRoot) is a prefix of the tree of size `second`. */
export function verifyConsistencySha256(first: number, second: number, proof: Uint8Array[], firstRoot: Uint8Array, secondRoot: Uint8Array): Promise<boolean> {
  return verifyConsistencyAsync(nodeHash, first, second, proof, firstRoot, secondRoot);
}

/** SPKI DER from a PEM public key. */
export function pemToDer(pem: string): Uint8Array | null {
  const body = /-----BEGIN PUBLIC KEY-----([\s\S]+?)-----END PUBLIC KEY-----/.exec(pem)?.[1].replace(/\s+/g, '');
  return body ? base64ToBytes(body) : null;
}

async function signatureHolds(p: PrintedCheckpoint, key: unknown): Promise<boolean> {
  const sig = base64ToBytes(p.signature);
  if (!sig) return false;
  try {
    return await subtle().verify({ name: 'Ed25519' }, key, sig, new TextEncoder().encode(checkpointText(p)));
  } catch {
    return false;
  }
}

export interface LedgerNow {
  /** The ledger's published key (GET /log/key). */
  key: { algorithm: string; publicKey: string };
  /** Today's checkpoint (GET /log/checkpoint). */
  current: CheckpointLike;
  /** Fetches GET /log/consistency?from=&to= (only called when the printed tree is smaller). */
  consistency(from: number, to: number): Promise<{ proof: string[] }>;
}

export interface PrintCheck {
  consistent: boolean;
  /** Why, in zh-CN: each check passed or the first one that failed. */
  reasons: string[];
  currentSize?: number;
}

/**
 * Is today's ledger consistent with the printed checkpoint? The printed key id pins the key: the key the
 * server publishes must hash to it, so a server that swaps its key cannot pass off a new history.
 */
export async function checkPrinted(p: PrintedCheckpoint, now: LedgerNow): Promise<PrintCheck> {
  const reasons: string[] = [];
  const fail = (why: string): PrintCheck => ({ consistent: false, reasons: [...reasons, why], currentSize: now.current.treeSize });
  if (p.algorithm !== 'sha256-ed25519') return fail(`本页只能核验 sha256-ed25519 检查点，印刷的是 ${p.algorithm}（国密检查点请用 ledger-verify 离线核验）`);
  const der = pemToDer(now.key.publicKey);
  if (!der) return fail('账本公布的公钥无法读取');
  if (bytesToHex(await sha256(der)) !== p.keyId) return fail(`账本现用的签名密钥与印刷的不同（印刷 ${p.keyId.slice(0, 16)}）`);
  let key: unknown;
  try {
    key = await subtle().importKey('spki', der, { name: 'Ed25519' }, false, ['verify']);
  } catch {
    return fail('浏览器不支持 Ed25519 验签或公钥无效');
  }
  if (!(await signatureHolds(p, key))) return fail('印刷的签名与印刷的检查点不符：检查点被改动过或不是本账本签发的');
  reasons.push('印刷的检查点签名有效');
  const cur = now.current;
  const curPrinted = printable(cur);
  if (cur.keyId !== p.keyId || !(await signatureHolds(curPrinted, key))) return fail('账本今天的检查点签名无效');
  if (cur.treeSize < p.treeSize) return fail(`账本今天只有 ${cur.treeSize} 条事件，少于印刷时的 ${p.treeSize} 条：尾部被截去`);
  if (cur.treeSize === p.treeSize) {
    if (cur.root !== p.root) return fail('同样的事件数，根哈希却不同：历史被改写');
  } else {
    let proof: Uint8Array[] | null;
    try {
      const c = await now.consistency(p.treeSize, cur.treeSize);
      proof = Array.isArray(c?.proof) && c.proof.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h)) ? c.proof.map(hexToBytes) : null;
    } catch {
      proof = null;
    }
    if (!proof) return fail('账本没有给出一致性证明');
    if (!(await verifyConsistencySha256(p.treeSize, cur.treeSize, proof, hexToBytes(p.root), hexToBytes(cur.root)))) {
      return fail(`一致性证明不成立：今天的 ${cur.treeSize} 条事件不是印刷时 ${p.treeSize} 条的延续，之前的历史被改动或删除`);
    }
  }
  reasons.push(`今天的账本（${cur.treeSize} 条事件）包含印刷时的 ${p.treeSize} 条，之前的历史未被改动（RFC 9162 一致性证明成立）`);
  return { consistent: true, reasons, currentSize: cur.treeSize };
}
