import { countyDate } from '@ledger/contracts/county-time';

export { rowsToCsv } from './csv';
/** Small formatting helpers; none of them computes a figure. */
export function pct(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '—';
  return `${(rate * 100).toFixed(1)}%`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
}

/** Today in the county (Asia/Shanghai), as YYYY-MM-DD. */
export function countyToday(now = new Date()): string {
  return countyDate(now);
}

export function downloadBlob(blob: Blob, filename: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** SHA-256 of a file, in the browser (SubtleCrypto), hex. */
export async function sha256Hex(file: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface Evidence { name: string; size: number; sha256: string }
export async function evidenceOf(files: FileList | File[] | null): Promise<Evidence[]> {
  if (!files) return [];
  return Promise.all(Array.from(files).map(async (f) => ({ name: f.name, size: f.size, sha256: await sha256Hex(f) })));
}
