import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { checkpointQrPng, checkpointQrSvg, malformedCheckpoint, printCheckpoint, type Checkpoint } from '@ledger/integrity';

export const CHECKPOINT_USAGE = `checkpoint --print --url <the ledger's base URL> --token <token> [--qr <out.svg|out.png>]
        prints the newest signed checkpoint as the lines for the foot of a 督查通报 (事件总数, 根哈希, 签发时间,
        签名密钥, 见证方, and the LCP1 校验码) and writes its QR code; the web page 核验检查点 checks a printed one
        against today's ledger. Exit 0 printed, 2 could not (network, token, file)`;

/** `ledger checkpoint --print`: what GET /log/checkpoint?format=text|svg|png answers, written where the county wants it. */
export async function checkpointMain(
  args: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { print: { type: 'boolean' }, url: { type: 'string' }, token: { type: 'string' }, qr: { type: 'string' } },
    strict: true,
  });
  const usage = (why: string) => Object.assign(new Error(`checkpoint: ${why}\n${CHECKPOINT_USAGE}`), { code: 'ERR_PARSE_ARGS_USAGE' });
  if (!values.print) throw usage('--print is required');
  for (const k of ['url', 'token'] as const) if (!values[k]) throw usage(`--${k} is required`);
  const qr = values.qr;
  if (qr !== undefined && !/\.(svg|png)$/i.test(qr)) throw usage('--qr must name a .svg or .png file');
  const base = String(values.url).replace(/\/+$/, '');
  let cp: Checkpoint;
  try {
    const res = await fetch(`${base}/api/v1/log/checkpoint`, { headers: { authorization: `Bearer ${values.token}` } });
    const body = (await res.json().catch(() => null)) as unknown;
    if (!res.ok) throw new Error(`GET /log/checkpoint: HTTP ${res.status} ${JSON.stringify(body)}`);
    const malformed = malformedCheckpoint(body);
    if (malformed) throw new Error(`the ledger's checkpoint is malformed: ${malformed}`);
    cp = body as Checkpoint;
  } catch (e) {
    err.write(`checkpoint: could not read the checkpoint from ${base}: ${(e as Error).message}\n`);
    return 2;
  }
  const printed = printCheckpoint(cp);
  out.write(`${printed.text}\n`);
  if (qr) {
    try {
      fs.writeFileSync(qr, /\.svg$/i.test(qr) ? await checkpointQrSvg(printed.payload) : await checkpointQrPng(printed.payload));
    } catch (e) {
      err.write(`checkpoint: could not write ${qr}: ${(e as Error).message}\n`);
      return 2;
    }
    err.write(`checkpoint: QR code of the 校验码 written to ${qr}\n`);
  }
  return 0;
}
