import { DEFAULT_SHEET_LIMITS } from '../import/limits';
import { Budget } from '../import/limits';
import { inflateEntry, readZipDirectory } from '../import/zip';

/** One part of an Office file (e.g. word/document.xml) as text, through the import's own zip reader. */
export async function readZipText(zip: Buffer, name: string): Promise<string> {
  const entry = readZipDirectory(zip, DEFAULT_SHEET_LIMITS).get(name);
  if (!entry) throw new Error(`no ${name} in the zip`);
  const chunks: Buffer[] = [];
  for await (const chunk of inflateEntry(zip, entry, DEFAULT_SHEET_LIMITS, new Budget(DEFAULT_SHEET_LIMITS))) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The text of a WordprocessingML document: each paragraph a line, each table cell's text followed by a tab. */
export function wordText(documentXml: string): string {
  return documentXml
    .replace(/<\/w:p>\s*<\/w:tc>/g, '</w:tc>')
    .replace(/<\/w:tc>/g, '\t')
    .replace(/<\/w:tr>/g, '\n')
    .replace(/<\/w:p>/g, '\n')
    .replace(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
