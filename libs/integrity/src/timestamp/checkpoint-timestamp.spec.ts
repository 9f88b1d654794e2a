import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sm2 } from 'sm-crypto';
import { SM2_SCHEME } from '../crypto-suite';
import { checkpointMessage, checkpointSignatureValid, signCheckpoint, type Checkpoint } from '../log/checkpoint';
import { CheckpointStamper, verifyCheckpointTimestamp } from './checkpoint-timestamp';
import { startOpensslTsa, type OpensslTsa } from './openssl-tsa';
import { readTimestampToken } from './rfc3161';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const offline = require('../../../../packages/ledger-verify/lib/rfc3161.js') as {
  verifyTimestamp(token: Buffer, data: Buffer, certificatePem: string): { ok: boolean; reason?: string };
};

const ROOT = 'c0ffee'.repeat(10) + 'beef';

describe('timestamps on checkpoints (a real RFC 3161 responder on 127.0.0.1)', () => {
  let dir: string;
  let tsa: OpensslTsa;
  const { privateKey } = generateKeyPairSync('ed25519');
  const checkpoint = (treeSize: number): Checkpoint =>
    signCheckpoint({ treeSize, root: ROOT, issuedAt: `2026-12-05T10:00:0${treeSize % 10}.000Z` }, privateKey);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-tsa-'));
    tsa = await startOpensslTsa(dir);
  });
  afterAll(async () => {
    await tsa.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a stamped checkpoint carries a token over its signed text; moved to another checkpoint it is refused, by both verifiers', async () => {
    const stamper = new CheckpointStamper({ url: tsa.url, certificatePem: tsa.certificatePem, timeoutMs: 20_000 });
    const cp = await stamper.stamp(checkpoint(5));
    expect(cp.timestamp).toEqual(expect.any(String));
    // The token sits beside the signature; the signed text is unchanged.
    expect(checkpointSignatureValid(cp, createPublicKey(privateKey))).toBe(true);
    const token = Buffer.from(cp.timestamp as string, 'base64');
    expect(readTimestampToken(token).imprint).toBe(createHash('sha256').update(checkpointMessage(cp)).digest('hex'));
    expect(verifyCheckpointTimestamp(cp, tsa.certificatePem)).toMatchObject({ ok: true });
    expect(offline.verifyTimestamp(token, checkpointMessage(cp), tsa.certificatePem).ok).toBe(true);

    const moved = { ...checkpoint(6), timestamp: cp.timestamp };
    expect(verifyCheckpointTimestamp(moved, tsa.certificatePem)).toEqual({ ok: false, reason: expect.stringMatching(/other data/) });
    expect(offline.verifyTimestamp(token, checkpointMessage(moved), tsa.certificatePem)).toEqual({ ok: false, reason: expect.stringMatching(/other data/) });
    expect(verifyCheckpointTimestamp(checkpoint(7), tsa.certificatePem)).toEqual({ ok: false, reason: expect.stringMatching(/no timestamp/) });
  });

  it('a TSA that is down does not stop issuing: the checkpoint goes out without a token, the failure is reported, and a later checkpoint gets one', async () => {
    const dead = await startOpensslTsa(path.join(dir, 'flaky'), {
      certificate: { certFile: tsa.certificateFile, keyFile: tsa.certificateFile.replace('.cert.pem', '.key.pem') },
    });
    await dead.stop();
    const errors: Error[] = [];
    const stamper = new CheckpointStamper({ url: dead.url, certificatePem: tsa.certificatePem, timeoutMs: 20_000 }, (e) => errors.push(e));
    const first = await stamper.stamp(checkpoint(10));
    expect(first.timestamp).toBeUndefined();
    expect(first.signature).toBe(checkpoint(10).signature);
    expect(errors).toEqual([expect.objectContaining({ code: 'TSA_UNREACHABLE' })]);

    await dead.start();
    const later = await stamper.stamp(checkpoint(11));
    expect(verifyCheckpointTimestamp(later, tsa.certificatePem)).toMatchObject({ ok: true });
    expect(dead.answered).toBe(1);
    await dead.stop();
  });

  it('without LEDGER_TSA_URL nothing is asked and the checkpoint is unchanged', async () => {
    const cp = checkpoint(3);
    expect(await new CheckpointStamper(null).stamp(cp)).toBe(cp);
  });

  it('an sm3-sm2 checkpoint is stamped with an SM3 imprint', async () => {
    const k = sm2.generateKeyPairHex();
    const cp = signCheckpoint({ treeSize: 4, root: ROOT, issuedAt: '2026-12-05T10:00:00.000Z', algorithm: 'sm3-sm2' }, k.privateKey, SM2_SCHEME, k.publicKey);
    expect(checkpointSignatureValid(cp, k.publicKey)).toBe(true);
    const stamped = await new CheckpointStamper({ url: tsa.url, certificatePem: tsa.certificatePem, timeoutMs: 20_000 }).stamp(cp);
    const facts = readTimestampToken(Buffer.from(stamped.timestamp as string, 'base64'));
    expect(facts.hash).toBe('sm3');
    expect(facts.imprint).toBe(createHash('sm3').update(checkpointMessage(cp)).digest('hex'));
    expect(verifyCheckpointTimestamp(stamped, tsa.certificatePem).ok).toBe(true);
    expect(offline.verifyTimestamp(Buffer.from(stamped.timestamp as string, 'base64'), checkpointMessage(cp), tsa.certificatePem).ok).toBe(true);
  });
});
