import { post, type CommandResult, type ItemView } from './api';
import { evidenceOf } from './util';

/** Item commands of API.md, each carrying the revision the user saw (If-Match) so that a stale screen gets 412. */
export async function tickOff(item: ItemView, summary: string, files: FileList | File[] | null): Promise<CommandResult> {
  // An unacknowledged item is acknowledged by the same command (the ledger records both facts).
  return post(`/items/${item.id}/complete`, { summary, evidence: await evidenceOf(files) }, { ifMatch: item.revision });
}

export async function reportProgress(item: ItemView, note: string, files: FileList | File[] | null): Promise<CommandResult> {
  return post(`/items/${item.id}/progress`, { note, evidence: await evidenceOf(files) }, { ifMatch: item.revision });
}

export const itemCommand = (item: ItemView, verb: string, body: unknown = {}) => post(`/items/${item.id}/${verb}`, body, { ifMatch: item.revision });
