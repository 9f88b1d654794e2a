import { post, type CommandResult, type ItemView } from './api';
import { evidenceOf } from './evidence';

/** Item commands of API.md, each carrying the revision the user saw (If-Match) so that a stale screen gets 412. */
export const itemCommand = (item: ItemView, path: string, body: unknown = {}) => post(`/items/${item.id}/${path}`, body, { ifMatch: item.revision });

/** 反馈办结 (ReportCompletion): an unacknowledged item is acknowledged by the same command (the ledger records both facts). */
export async function reportCompletion(item: ItemView, summary: string, files: FileList | File[] | null): Promise<CommandResult> {
  return itemCommand(item, 'complete', { summary, evidence: await evidenceOf(files) });
}
