import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** ok: 200 with `{"errcode":0}`; fail: 500; slow: never answers (until closed). */
export type ReceiverMode = 'ok' | 'fail' | 'slow';

/** A real HTTP receiver on 127.0.0.1 for delivery tests: it keeps every request it was sent. */
export class Receiver {
  readonly received: Received[] = [];
  private readonly held = new Set<http.ServerResponse>();

  private readonly server: http.Server;

  private constructor(
    public mode: ReceiverMode,
    onRequest?: (r: Received) => void,
  ) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r: Received = { url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.received.push(r);
        onRequest?.(r);
        if (this.mode === 'slow') return void this.held.add(res);
        res.writeHead(this.mode === 'ok' ? 200 : 500, { 'Content-Type': 'application/json' });
        res.end(this.mode === 'ok' ? '{"errcode":0,"errmsg":"ok"}' : '{"error":"down"}');
      });
    });
  }

  static async start(mode: ReceiverMode = 'ok', onRequest?: (r: Received) => void): Promise<Receiver> {
    const receiver = new Receiver(mode, onRequest);
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  url(pathAndQuery = '/'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${pathAndQuery}`;
  }

  /** The JSON bodies received, parsed. */
  bodies<T = Record<string, unknown>>(): T[] {
    return this.received.map((r) => JSON.parse(r.body) as T);
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
