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
  private readonly held = new Map<http.ServerResponse, Received>();

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
        if (this.mode === 'slow') return void this.held.set(res, r);
        this.answer(res);
      });
    });
  }

  static async start(mode: ReceiverMode = 'ok', onRequest?: (r: Received) => void): Promise<Receiver> {
    const receiver = new Receiver(mode, onRequest);
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** The requests it is holding unanswered ('slow'). */
  holding(): Received[] {
    return [...this.held.values()];
  }

  /** Answers every request held so far, and the next ones, as 'ok'. */
  release(): void {
    this.mode = 'ok';
    for (const res of this.held.keys()) this.answer(res);
    this.held.clear();
  }

  private answer(res: http.ServerResponse): void {
    res.writeHead(this.mode === 'ok' ? 200 : 500, { 'Content-Type': 'application/json' });
    res.end(this.mode === 'ok' ? '{"errcode":0,"errmsg":"ok"}' : '{"error":"down"}');
  }

  url(pathAndQuery = '/'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${pathAndQuery}`;
  }

  /** The JSON bodies received, parsed. */
  bodies<T = Record<string, unknown>>(): T[] {
    return this.received.map((r) => JSON.parse(r.body) as T);
  }

  async close(): Promise<void> {
    for (const res of this.held.keys()) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
