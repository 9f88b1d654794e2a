import { generateKeyPairSync } from 'node:crypto';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import * as QRCode from 'qrcode';
import { checkPrinted, encodePrinted, parsePrinted, printable, printedText, verifyConsistencySha256, type LedgerNow } from '@ledger/contracts/log-print';
import { signCheckpoint, type Checkpoint } from './checkpoint';
import { SHA256, consistencyProof, type CompleteSubtrees } from './rfc9162';
import { CT_CONSISTENCY, CT_ROOTS } from './testing/ct-vectors';
import { mthSha256 as mth } from './testing/mth-by-definition';

// The tree by the RFC's definition, independently of the stored-subtree code the log runs on.
const leaves = Array.from({ length: 37 }, (_, i) => Buffer.from(`event ${i}`));
const tree: CompleteSubtrees = { hash: SHA256, node: (level, index) => mth(leaves.slice(index * 2 ** level, (index + 1) * 2 ** level)) };

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const checkpointAt = (size: number, issuedAt: string): Checkpoint =>
  signCheckpoint({ treeSize: size, root: mth(leaves.slice(0, size)).toString('hex'), issuedAt }, privateKey);

const printedAt11 = { ...checkpointAt(11, '2026-11-30T16:00:00.000Z'), witnesses: [{ keyId: 'ab'.repeat(32), signature: 'x' }] };
const today = checkpointAt(37, '2026-12-05T02:00:00.000Z');
const ledger = (current: Checkpoint = today, key = pem): LedgerNow => ({
  key: { algorithm: 'sha256-ed25519', publicKey: key },
  current,
  consistency: async (from, to) => ({ proof: consistencyProof(tree, from, to).map((h) => h.toString('hex')) }),
});

function decodePng(png: Buffer): string | null {
  const img = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(img.data), img.width, img.height)?.data ?? null;
}

describe('a printed checkpoint (LCP1)', () => {
  it('round-trips: payload → QR PNG → jsqr (the web page’s decoder) → the same checkpoint', async () => {
    const payload = encodePrinted(printable(printedAt11));
    expect(payload.startsWith(`LCP1;sha256-ed25519;11;${printedAt11.root};2026-11-30T16:00:00.000Z;${printedAt11.keyId};`)).toBe(true);
    expect(payload.endsWith(`;${'ab'.repeat(8)}`)).toBe(true);
    const decoded = decodePng(await QRCode.toBuffer(payload, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 4 }));
    expect(decoded).toBe(payload);
    const parsed = parsePrinted(decoded!);
    expect(parsed).toEqual({
      ok: true,
      value: {
        algorithm: 'sha256-ed25519',
        treeSize: 11,
        root: printedAt11.root,
        issuedAt: '2026-11-30T16:00:00.000Z',
        keyId: printedAt11.keyId,
        signature: printedAt11.signature,
        witnesses: ['ab'.repeat(8)],
      },
    });
  });

  it('prints readable lines in 北京时间 and the text itself parses back', () => {
    const text = printedText(printable(printedAt11));
    expect(text).toContain('事件总数：11');
    expect(text).toContain('签发时间：2026-12-01 00:00（北京时间）');
    expect(text).toContain(`根哈希：${printedAt11.root.slice(0, 16)} `);
    const parsed = parsePrinted(`随便一行\n${text}\n`);
    expect(parsed.ok && parsed.value.treeSize).toBe(11);
  });

  it('refuses malformed payloads with a reason', () => {
    const good = encodePrinted(printable(printedAt11));
    expect(parsePrinted('hello')).toEqual({ ok: false, reason: expect.stringContaining('LCP1') });
    expect(parsePrinted(good.replace('LCP1', 'LCP2')).ok).toBe(false);
    expect(parsePrinted(good.replace(';11;', ';x;')).ok).toBe(false);
    expect(parsePrinted(good.replace(printedAt11.root, printedAt11.root.slice(1))).ok).toBe(false);
  });

  it('a checkpoint printed from a smaller tree is consistent with the grown ledger', async () => {
    const p = parsePrinted(printedText(printable(printedAt11)));
    const r = await checkPrinted(p.ok ? p.value : (null as never), ledger());
    expect(r).toEqual({ consistent: true, reasons: [expect.stringContaining('签名有效'), expect.stringContaining('37 条事件')], currentSize: 37 });
    // a power-of-two size takes the RFC's other branch (the first root joins the proof)
    expect((await checkPrinted(printable(checkpointAt(16, '2026-12-01T00:00:00.000Z')), ledger())).consistent).toBe(true);
    expect((await checkPrinted(printable(today), ledger())).consistent).toBe(true);
  });

  it('refuses a changed root, a changed signature, a rewritten or truncated ledger and another key', async () => {
    const p = printable(printedAt11);
    const otherRoot = mth([Buffer.from('forged'), ...leaves.slice(1, 11)]).toString('hex');
    const rootChanged = await checkPrinted({ ...p, root: otherRoot }, ledger());
    expect(rootChanged.consistent).toBe(false);
    expect(rootChanged.reasons.at(-1)).toContain('签名与印刷的检查点不符');

    const sig = Buffer.from(p.signature, 'base64');
    sig[5] ^= 1;
    expect((await checkPrinted({ ...p, signature: sig.toString('base64') }, ledger())).reasons.at(-1)).toContain('签名与印刷的检查点不符');

    // the server re-signs with its own key a checkpoint over a rewritten history: signed, but the proof cannot hold
    const rewritten = { ...p, ...printable(signCheckpoint({ treeSize: 11, root: otherRoot, issuedAt: p.issuedAt }, privateKey)) };
    const r = await checkPrinted(rewritten, ledger());
    expect(r.consistent).toBe(false);
    expect(r.reasons.at(-1)).toContain('一致性证明不成立');

    const truncated = await checkPrinted(printable(today), ledger(checkpointAt(20, '2026-12-06T00:00:00.000Z')));
    expect(truncated.reasons.at(-1)).toContain('尾部被截去');

    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect((await checkPrinted(p, ledger(today, other))).reasons.at(-1)).toContain('签名密钥与印刷的不同');
  });

  it.each(CT_CONSISTENCY)('the Web Crypto check accepts the Certificate Transparency proof from %i to %i and refuses it altered', async (m, n, want) => {
    const root = (size: number) => Buffer.from(CT_ROOTS[size - 1], 'hex');
    const proof = want.map((h) => Buffer.from(h, 'hex'));
    expect(await verifyConsistencySha256(m, n, proof, root(m), root(n))).toBe(true);
    expect(await verifyConsistencySha256(m, n, proof, root(m === 1 ? 2 : m - 1), root(n))).toBe(false);
    if (m < n) {
      expect(await verifyConsistencySha256(m, n, proof, root(m), root(n - 1))).toBe(false);
      expect(await verifyConsistencySha256(m, n, proof.slice(0, -1), root(m), root(n))).toBe(false);
    }
  });
});
