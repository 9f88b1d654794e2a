/** A CSV of exactly the rows on screen (UTF-8 with BOM so that Excel reads the Chinese). */
export function rowsToCsv(headers: string[], rows: Array<Array<string | number | null | undefined>>): Blob {
  const cell = (v: string | number | null | undefined) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const text = [headers, ...rows].map((r) => r.map(cell).join(',')).join('\r\n');
  return new Blob(['\uFEFF', text], { type: 'text/csv;charset=utf-8' });
}
