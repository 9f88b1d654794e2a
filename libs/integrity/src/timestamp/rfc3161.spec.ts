import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { AsnConvert } from '@peculiar/asn1-schema';
import { ContentInfo, SignedData } from '@peculiar/asn1-cms';
import { startOpensslTsa, type OpensslTsa } from './openssl-tsa';
import { buildTimeStampRequest, TimestampError, verifyTimestampToken } from './rfc3161';
import { requestTimestamp, tsaConfigFromEnv } from './tsa-client';

const run = promisify(execFile);

/** The offline verifier's own check (packages/ledger-verify: its own DER reader, node:crypto only). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const offline = require('../../../../packages/ledger-verify/lib/rfc3161.js') as {
  verifyTimestamp(
    token: Buffer,
    data: Buffer,
    certificatePem: string | Buffer,
  ): { ok: boolean; reason?: string; imprint?: string; genTime?: string; nonce?: string };
};
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest();

/** OpenSSL's own verdict on a token: the independent check our verifier must agree with. */
async function opensslAccepts(dir: string, token: Buffer, data: Buffer, certFile: string): Promise<boolean> {
  const t = path.join(dir, `tok-${Math.random().toString(36).slice(2)}.der`);
  const d = `${t}.data`;
  fs.writeFileSync(t, token);
  fs.writeFileSync(d, data);
  try {
    await run('openssl', ['ts', '-verify', '-token_in', '-in', t, '-data', d, '-CAfile', certFile, '-untrusted', certFile]);
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(t, { force: true });
    fs.rmSync(d, { force: true });
  }
}

function replaceOnce(haystack: Buffer, needle: Buffer, by: Buffer): Buffer {
  const at = haystack.indexOf(needle);
  expect(at).toBeGreaterThanOrEqual(0);
  expect(haystack.indexOf(needle, at + 1)).toBe(-1);
  const out = Buffer.from(haystack);
  by.copy(out, at);
  return out;
}

/** The TSTInfo bytes inside a token, read with the ASN.1 library (not with the code under test). */
function tstInfoOf(token: Buffer): Buffer {
  const signed = AsnConvert.parse(AsnConvert.parse(token, ContentInfo).content, SignedData);
  return Buffer.from(signed.encapContentInfo.eContent!.single!.buffer);
}

describe('RFC 3161 against a real responder (openssl ts -reply on 127.0.0.1)', () => {
  let dir: string;
  let tsa: OpensslTsa;
  let other: OpensslTsa;
  const config = () => ({ url: tsa.url, certificatePem: tsa.certificatePem, timeoutMs: 20_000 });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsa-'));
    tsa = await startOpensslTsa(path.join(dir, 'a'), { name: 'Test TSA A', keyType: 'rsa' });
    other = await startOpensslTsa(path.join(dir, 'b'), { name: 'Test TSA B', keyType: 'ec' });
  });
  afterAll(async () => {
    await tsa.stop();
    await other.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a token for the checkpoint bytes: imprint is their SHA-256, our nonce comes back, the signature holds (and OpenSSL agrees)', async () => {
    const data = Buffer.from('ledger-checkpoint/1\nsha256-ed25519\n7\n' + 'ab'.repeat(32) + '\n');
    const issued = await requestTimestamp(config(), data);
    expect(issued.imprint).toBe(sha256(data).toString('hex'));
    expect(issued.hash).toBe('sha256');
    expect(issued.policy).toBe('1.2.3.4.1');
    expect(Number.isNaN(Date.parse(issued.genTime))).toBe(false);
    expect(await opensslAccepts(dir, issued.token, data, tsa.certificateFile)).toBe(true);

    const check = verifyTimestampToken(issued.token, { data, tsaCertificate: tsa.certificatePem, nonce: issued.nonce });
    expect(check).toMatchObject({ ok: true, imprint: issued.imprint, genTime: issued.genTime });
    // The same token presented with another nonce is not the answer to our request.
    expect(verifyTimestampToken(issued.token, { data, tsaCertificate: tsa.certificatePem, nonce: 'abcdef' })).toEqual({
      ok: false,
      reason: expect.stringMatching(/nonce/),
    });
    expect(offline.verifyTimestamp(issued.token, data, tsa.certificatePem)).toMatchObject({
      ok: true,
      imprint: issued.imprint,
      genTime: issued.genTime,
      nonce: issued.nonce,
    });
  });

  it('refuses a token for other data', async () => {
    const data = Buffer.from('checkpoint A');
    const { token } = await requestTimestamp(config(), data);
    const r = verifyTimestampToken(token, { data: Buffer.from('checkpoint B'), tsaCertificate: tsa.certificatePem });
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/other data/) });
    expect(await opensslAccepts(dir, token, Buffer.from('checkpoint B'), tsa.certificateFile)).toBe(false);
    expect(offline.verifyTimestamp(token, Buffer.from('checkpoint B'), tsa.certificatePem)).toEqual({ ok: false, reason: expect.stringMatching(/other data/) });
    expect(offline.verifyTimestamp(token, data, tsa.certificatePem).ok).toBe(true);
  });

  it('refuses a token signed by another certificate (an EC authority that verifies against its own)', async () => {
    const data = Buffer.from('checkpoint C');
    const theirs = await requestTimestamp({ ...config(), url: other.url, certificatePem: other.certificatePem }, data);
    expect(verifyTimestampToken(theirs.token, { data, tsaCertificate: other.certificatePem }).ok).toBe(true);
    expect(verifyTimestampToken(theirs.token, { data, tsaCertificate: tsa.certificatePem })).toEqual({
      ok: false,
      reason: expect.stringMatching(/another certificate/),
    });
    expect(offline.verifyTimestamp(theirs.token, data, other.certificatePem).ok).toBe(true);
    expect(offline.verifyTimestamp(theirs.token, data, tsa.certificatePem)).toEqual({ ok: false, reason: expect.stringMatching(/another certificate/) });
  });

  it('a client is refused a token from an authority other than the configured one', async () => {
    await expect(requestTimestamp({ ...config(), url: other.url }, Buffer.from('x'))).rejects.toMatchObject({
      code: 'TSA_BAD_RESPONSE',
      message: expect.stringMatching(/another certificate/),
    });
  });

  it('refuses a tampered token: the imprint rewritten for other data, the TSTInfo re-digested, the signature altered', async () => {
    const data = Buffer.from('checkpoint D');
    const forged = Buffer.from('checkpoint E');
    const { token } = await requestTimestamp(config(), data);

    // 1. The imprint swapped for another checkpoint's hash: the signed digest no longer matches the TSTInfo.
    const swapped = replaceOnce(token, sha256(data), sha256(forged));
    expect(verifyTimestampToken(swapped, { data: forged, tsaCertificate: tsa.certificatePem })).toEqual({
      ok: false,
      reason: expect.stringMatching(/altered/),
    });
    expect(await opensslAccepts(dir, swapped, forged, tsa.certificateFile)).toBe(false);
    expect(offline.verifyTimestamp(swapped, forged, tsa.certificatePem)).toEqual({ ok: false, reason: expect.stringMatching(/altered/) });

    // 2. The same, and the signed message-digest attribute made to match: now the signature fails.
    const oldTst = tstInfoOf(token);
    const newTst = replaceOnce(oldTst, sha256(data), sha256(forged));
    const redigested = replaceOnce(swapped, sha256(oldTst), sha256(newTst));
    expect(verifyTimestampToken(redigested, { data: forged, tsaCertificate: tsa.certificatePem })).toEqual({
      ok: false,
      reason: expect.stringMatching(/signature does not verify/),
    });
    expect(await opensslAccepts(dir, redigested, forged, tsa.certificateFile)).toBe(false);
    expect(offline.verifyTimestamp(redigested, forged, tsa.certificatePem)).toEqual({ ok: false, reason: expect.stringMatching(/signature does not verify/) });

    // 3. One bit of the signature (the token's last bytes: no unsigned attributes follow it).
    const flipped = Buffer.from(token);
    flipped[flipped.length - 1] ^= 1;
    expect(verifyTimestampToken(flipped, { data, tsaCertificate: tsa.certificatePem })).toEqual({
      ok: false,
      reason: expect.stringMatching(/signature does not verify/),
    });
    expect(offline.verifyTimestamp(flipped, data, tsa.certificatePem)).toEqual({ ok: false, reason: expect.stringMatching(/signature does not verify/) });
    expect(offline.verifyTimestamp(token.subarray(0, 40), data, tsa.certificatePem)).toEqual({
      ok: false,
      reason: expect.stringMatching(/not a time-stamp token/),
    });

    // 4. Not a token at all.
    expect(verifyTimestampToken(token.subarray(0, 40), { data, tsaCertificate: tsa.certificatePem })).toEqual({
      ok: false,
      reason: expect.stringMatching(/not a time-stamp token/),
    });
    // The untouched token still verifies.
    expect(verifyTimestampToken(token, { data, tsaCertificate: tsa.certificatePem }).ok).toBe(true);
    expect(offline.verifyTimestamp(token, data, tsa.certificatePem).ok).toBe(true);
  });

  it('refuses a configured certificate that is not for time-stamping', async () => {
    const plain = path.join(dir, 'plain');
    fs.mkdirSync(plain);
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      path.join(plain, 'k.pem'),
      '-out',
      path.join(plain, 'c.pem'),
      '-days',
      '30',
      '-subj',
      '/CN=plain',
    ]);
    const { token } = await requestTimestamp(config(), Buffer.from('y'));
    expect(verifyTimestampToken(token, { data: Buffer.from('y'), tsaCertificate: fs.readFileSync(path.join(plain, 'c.pem')) })).toEqual({
      ok: false,
      reason: expect.stringMatching(/not for time-stamping/),
    });
    expect(offline.verifyTimestamp(token, Buffer.from('y'), fs.readFileSync(path.join(plain, 'c.pem')))).toEqual({
      ok: false,
      reason: expect.stringMatching(/not for time-stamping/),
    });
  });

  it('an authority that refuses (an imprint algorithm it does not take) or is down: TimestampError, with the reason', async () => {
    const certificate = { certFile: tsa.certificateFile, keyFile: path.join(dir, 'a', 'Test-TSA-A.key.pem') };
    const picky = await startOpensslTsa(path.join(dir, 'picky'), { certificate, digests: ['sha512'] });
    await expect(requestTimestamp({ ...config(), url: picky.url }, Buffer.from('z'), 'sha256')).rejects.toMatchObject({
      code: 'TSA_REFUSED',
      message: expect.stringMatching(/rejection/),
    });
    await picky.stop();
    const down = await startOpensslTsa(path.join(dir, 'down'), { certificate });
    await down.stop();
    const err = await requestTimestamp({ ...config(), url: down.url }, Buffer.from('z')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimestampError);
    expect(err).toMatchObject({ code: 'TSA_UNREACHABLE', message: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('the request is DER OpenSSL reads: SHA-256 imprint, our nonce, certReq', async () => {
    const data = Buffer.from('checkpoint F');
    const { der, nonce } = buildTimeStampRequest(data, { nonce: '1f2e3d4c5b6a7988' });
    expect(nonce).toBe('1f2e3d4c5b6a7988');
    const f = path.join(dir, 'req.tsq');
    fs.writeFileSync(f, der);
    const { stdout } = await run('openssl', ['ts', '-query', '-in', f, '-text']);
    expect(stdout).toMatch(/Hash Algorithm: sha256/);
    expect(stdout.replace(/\s+/g, ' ')).toContain(`Nonce: 0x1F2E3D4C5B6A7988`);
    expect(stdout).toMatch(/Certificate required: yes/);
    const hexDump = [...stdout.matchAll(/^\s+[0-9a-f]{4} - ((?:[0-9a-f]{2}[ -]){1,16})/gm)].map((m) => m[1].replace(/[ -]/g, '')).join('');
    expect(hexDump).toBe(sha256(data).toString('hex'));
  });
});

describe('LEDGER_TSA_URL / LEDGER_TSA_CERT', () => {
  it('unset: no trusted time; a URL without a certificate, a bad URL or timeout: refused with the variable named', () => {
    expect(tsaConfigFromEnv({})).toBeNull();
    expect(() => tsaConfigFromEnv({ LEDGER_TSA_URL: 'http://127.0.0.1:1/tsa' })).toThrow(/LEDGER_TSA_CERT/);
    expect(() => tsaConfigFromEnv({ LEDGER_TSA_URL: 'ftp://x', LEDGER_TSA_CERT: '/nonexistent' })).toThrow(/LEDGER_TSA_URL=ftp:\/\/x/);
    expect(() => tsaConfigFromEnv({ LEDGER_TSA_URL: 'http://127.0.0.1:1/tsa', LEDGER_TSA_CERT: '/nonexistent/cert.pem' })).toThrow(
      /LEDGER_TSA_CERT=\/nonexistent\/cert.pem/,
    );
    const f = path.join(os.tmpdir(), `tsa-cert-${process.pid}.pem`);
    fs.writeFileSync(f, 'PEM');
    try {
      expect(tsaConfigFromEnv({ LEDGER_TSA_URL: 'http://127.0.0.1:1/tsa', LEDGER_TSA_CERT: f })).toEqual({
        url: 'http://127.0.0.1:1/tsa',
        certificatePem: 'PEM',
        timeoutMs: 10_000,
      });
      expect(() => tsaConfigFromEnv({ LEDGER_TSA_URL: 'http://127.0.0.1:1/tsa', LEDGER_TSA_CERT: f, LEDGER_TSA_TIMEOUT_MS: '0' })).toThrow(
        /LEDGER_TSA_TIMEOUT_MS=0/,
      );
    } finally {
      fs.rmSync(f);
    }
  });
});
