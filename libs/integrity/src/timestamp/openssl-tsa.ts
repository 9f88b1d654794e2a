import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';

/*
 * For tests: a real RFC 3161 responder on 127.0.0.1. Each POSTed TimeStampReq is answered by
 * `openssl ts -reply` with a test authority certificate made here by openssl (extendedKeyUsage
 * critical timeStamping, as RFC 3161 §2.3 requires). Not a stub: OpenSSL builds and signs every token.
 */

const run = promisify(execFile);

export interface OpensslTsa {
  url: string;
  /** The authority's certificate, PEM (what LEDGER_TSA_CERT names). */
  certificatePem: string;
  certificateFile: string;
  /** Requests answered so far. */
  answered: number;
  /** Stops listening: the next request is refused at the TCP level, as a TSA that is down. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

/** A self-signed time-stamping certificate and its key in `dir` (RSA 2048 or EC P-256). */
export async function makeTsaCertificate(dir: string, name: string, keyType: 'rsa' | 'ec' = 'rsa'): Promise<{ certFile: string; keyFile: string }> {
  fs.mkdirSync(dir, { recursive: true });
  const keyFile = path.join(dir, `${name}.key.pem`);
  const certFile = path.join(dir, `${name}.cert.pem`);
  const newkey = keyType === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  await run('openssl', [
    'req',
    '-x509',
    ...newkey,
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '3650',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'extendedKeyUsage=critical,timeStamping',
    '-addext',
    'keyUsage=critical,digitalSignature',
    '-addext',
    'subjectKeyIdentifier=hash',
  ]);
  return { certFile, keyFile };
}

/** The [tsa] section `openssl ts -reply` reads (openssl-ts(1), "CONFIGURATION FILE OPTIONS"). */
function tsaConfig(dir: string, certFile: string, keyFile: string, digests: string[]): string {
  return [
    '[ tsa ]',
    'default_tsa = tsa_test',
    '[ tsa_test ]',
    `serial = ${path.join(dir, 'serial')}`,
    'crypto_device = builtin',
    `signer_cert = ${certFile}`,
    `signer_key = ${keyFile}`,
    'signer_digest = sha256',
    'default_policy = 1.2.3.4.1',
    `digests = ${digests.join(', ')}`,
    'accuracy = secs:1',
    'ordering = no',
    'tsa_name = yes',
    'ess_cert_id_chain = no',
    'ess_cert_id_alg = sha256',
    '',
  ].join('\n');
}

export async function startOpensslTsa(
  dir: string,
  opts: { name?: string; keyType?: 'rsa' | 'ec'; certificate?: { certFile: string; keyFile: string }; digests?: string[] } = {},
): Promise<OpensslTsa> {
  const name = opts.name ?? 'Test TSA';
  fs.mkdirSync(dir, { recursive: true });
  const { certFile, keyFile } = opts.certificate ?? (await makeTsaCertificate(dir, name.replace(/\W+/g, '-'), opts.keyType));
  const configFile = path.join(dir, 'tsa.cnf');
  fs.writeFileSync(configFile, tsaConfig(dir, certFile, keyFile, opts.digests ?? ['sha256', 'sm3', 'sha384', 'sha512']));

  let seq = 0;
  // One openssl at a time: it reads and bumps the serial file.
  let queue: Promise<unknown> = Promise.resolve();
  const reply = (query: Buffer): Promise<Buffer> => {
    const n = ++seq;
    const q = path.join(dir, `q${n}.tsq`);
    const r = path.join(dir, `r${n}.tsr`);
    const next = queue.then(async () => {
      fs.writeFileSync(q, query);
      try {
        await run('openssl', ['ts', '-reply', '-config', configFile, '-queryfile', q, '-out', r]);
        return fs.readFileSync(r);
      } finally {
        fs.rmSync(q, { force: true });
        fs.rmSync(r, { force: true });
      }
    });
    queue = next.catch(() => undefined);
    return next;
  };

  const tsa: OpensslTsa = {
    url: '',
    certificatePem: fs.readFileSync(certFile, 'utf8'),
    certificateFile: certFile,
    answered: 0,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    start: () => listen(port),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
        res.writeHead(415).end();
        return;
      }
      reply(Buffer.concat(chunks)).then(
        (body) => {
          tsa.answered++;
          res.writeHead(200, { 'content-type': 'application/timestamp-reply', 'content-length': body.length }).end(body);
        },
        (e: Error) => res.writeHead(400, { 'content-type': 'text/plain' }).end(e.message),
      );
    });
  });
  // A stopped responder must refuse at once, not hold the client's keep-alive socket.
  server.keepAliveTimeout = 1;
  let port = 0;
  const listen = (p: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        port = (server.address() as AddressInfo).port;
        tsa.url = `http://127.0.0.1:${port}/tsa`;
        resolve();
      });
    });
  await listen(0);
  return tsa;
}
