import * as fs from 'node:fs';
import {
  buildTimeStampRequest,
  readTimestampToken,
  TimestampError,
  tokenFromResponse,
  verifyTimestampToken,
  type ImprintHash,
  type TimestampFacts,
} from './rfc3161';

export interface TsaConfig {
  /** LEDGER_TSA_URL: where TimeStampReqs are POSTed. */
  url: string;
  /** LEDGER_TSA_CERT: the authority's certificate (PEM text), against which every token is checked. */
  certificatePem: string;
  /** LEDGER_TSA_TIMEOUT_MS (default 10,000): a TSA slower than this counts as down for this checkpoint. */
  timeoutMs: number;
}

/**
 * LEDGER_TSA_URL unset: no trusted time (null). Set, it needs LEDGER_TSA_CERT (a PEM file) too:
 * a token nobody can check proves nothing, so a URL without a certificate is refused at start.
 */
export function tsaConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TsaConfig | null {
  const url = (env.LEDGER_TSA_URL ?? '').trim();
  if (url === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`LEDGER_TSA_URL=${url}: not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`LEDGER_TSA_URL=${url}: expected http or https`);
  const certFile = (env.LEDGER_TSA_CERT ?? '').trim();
  if (certFile === '') throw new Error('LEDGER_TSA_URL is set but LEDGER_TSA_CERT (the time-stamping authority certificate, PEM) is not');
  let certificatePem: string;
  try {
    certificatePem = fs.readFileSync(certFile, 'utf8');
  } catch (e) {
    throw new Error(`LEDGER_TSA_CERT=${certFile}: ${(e as Error).message}`, { cause: e });
  }
  const timeout = env.LEDGER_TSA_TIMEOUT_MS === undefined || env.LEDGER_TSA_TIMEOUT_MS === '' ? 10_000 : Number(env.LEDGER_TSA_TIMEOUT_MS);
  if (!Number.isInteger(timeout) || timeout <= 0)
    throw new Error(`LEDGER_TSA_TIMEOUT_MS=${env.LEDGER_TSA_TIMEOUT_MS}: expected a whole number of milliseconds > 0`);
  return { url, certificatePem, timeoutMs: timeout };
}

export interface IssuedTimestamp extends TimestampFacts {
  /** The token, DER. */
  token: Buffer;
}

/**
 * Asks the TSA to time-stamp `data` (RFC 3161 §3.4: POST application/timestamp-query) and returns the
 * token only once it checks out: our imprint, our nonce, signed by the configured certificate.
 * Anything else (down, slow, refusing, a bad token) throws TimestampError; the caller decides whether
 * to go on without a timestamp.
 */
export async function requestTimestamp(
  config: Pick<TsaConfig, 'url' | 'certificatePem' | 'timeoutMs'>,
  data: Uint8Array,
  hash: ImprintHash = 'sha256',
): Promise<IssuedTimestamp> {
  const req = buildTimeStampRequest(data, { hash });
  let res: Response;
  try {
    res = await fetch(config.url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
      body: req.der,
      signal: AbortSignal.timeout(config.timeoutMs),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw new TimestampError('TSA_UNREACHABLE', `${config.url}: ${cause ?? (e as Error).message}`);
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new TimestampError('TSA_REFUSED', `${config.url} answered HTTP ${res.status}`);
  const token = tokenFromResponse(body);
  const check = verifyTimestampToken(token, { data, tsaCertificate: config.certificatePem, nonce: req.nonce });
  if (!check.ok) throw new TimestampError('TSA_BAD_RESPONSE', `${config.url}: ${check.reason}`);
  return { ...readTimestampToken(token), token };
}
