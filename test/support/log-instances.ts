import { randomUUID } from 'node:crypto';
import type { EventStore } from '@ledger/event-store';

/** `n` events, each on a stream of its own: leaves for the verifiable log. */
export async function appendLeaves(store: EventStore, n: number): Promise<void> {
  for (let i = 0; i < n; i++)
    await store.append(
      `s-${randomUUID()}`,
      [{ id: randomUUID(), type: 'ProgressReported', schemaVersion: 1, data: { note: `进展 ${i}` }, metadata: {} }],
      'no_stream',
    );
}

/** A GET on one API instance that must answer 200; its JSON body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
export async function getOk(url: string, route: string, token: string): Promise<any> {
  const res = await fetch(`${url}/api/v1${route}`, { headers: { authorization: `Bearer ${token}` } });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`GET ${route} on ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}
