import type { EventStore } from '@ledger/event-store';
import { SHA256_HEX, type EvidenceStorage } from './evidence-store';

export interface EvidenceProblem {
  /** missing: an event says the file was stored and it is gone; mismatch: its bytes no longer hash to the name. */
  problem: 'missing' | 'mismatch';
  sha256: string;
  /** The item whose event names the file (the first such event), its stream, revision and position. */
  itemId: string;
  stream: string;
  revision: number;
  position: string;
  name: string;
  /** mismatch: the hash of the bytes found. */
  actual?: string;
}

export interface EvidenceReport {
  ok: boolean;
  /** Distinct files named by events whose bytes were found and rehashed. */
  checked: number;
  /** Distinct hashes named only by reports that never uploaded the file (version 1 clients): nothing to check. */
  notUploaded: number;
  problems: EvidenceProblem[];
}

interface Named {
  itemId: string;
  stream: string;
  revision: number;
  position: string;
  name: string;
  /** Some event recorded the file as stored when it was reported. */
  linked: boolean;
}

/**
 * Every evidence file the log names (progress and completion reports), checked against the store:
 * the hash in the event is the proof, so a file whose bytes hash otherwise is reported, and so is a
 * file an event recorded as stored (`stored: true`) that is gone. A hash reported without an upload
 * has nothing to check unless its file turned up later.
 */
export async function verifyEvidence(store: EventStore, files: EvidenceStorage, options: { batchSize?: number; head?: bigint } = {}): Promise<EvidenceReport> {
  const named = new Map<string, Named>();
  const head = options.head ?? (await store.headPosition());
  let after = 0n;
  while (after < head) {
    const events = await store.readAll({ after, limit: options.batchSize ?? 2000 });
    if (events.length === 0) break;
    for (const e of events) {
      if (e.position > head) break;
      const data = e.data as { itemId?: unknown; evidence?: unknown } | null;
      if (!data || !Array.isArray(data.evidence)) continue;
      for (const ev of data.evidence as Array<{ sha256?: unknown; name?: unknown; stored?: unknown }>) {
        if (typeof ev?.sha256 !== 'string') continue;
        const sha256 = ev.sha256.toLowerCase();
        if (!SHA256_HEX.test(sha256)) continue;
        const seen = named.get(sha256);
        if (seen) {
          seen.linked ||= ev.stored === true;
          continue;
        }
        named.set(sha256, {
          itemId: typeof data.itemId === 'string' ? data.itemId : e.stream.replace(/^item-/, ''),
          stream: e.stream,
          revision: e.revision,
          position: e.position.toString(),
          name: typeof ev.name === 'string' ? ev.name : '',
          linked: ev.stored === true,
        });
      }
    }
    after = events[events.length - 1].position;
  }
  const report: EvidenceReport = { ok: true, checked: 0, notUploaded: 0, problems: [] };
  for (const [sha256, where] of named) {
    const check = await files.verify(sha256);
    const at = { sha256, itemId: where.itemId, stream: where.stream, revision: where.revision, position: where.position, name: where.name };
    if (check.state === 'ok') report.checked++;
    else if (check.state === 'mismatch') {
      report.checked++;
      report.problems.push({ problem: 'mismatch', ...at, actual: check.actual });
    } else if (where.linked) report.problems.push({ problem: 'missing', ...at });
    else report.notUploaded++;
  }
  report.ok = report.problems.length === 0;
  return report;
}
