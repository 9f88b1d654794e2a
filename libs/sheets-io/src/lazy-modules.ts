/*
 * exceljs (with archiver, unzipper and jszip under it) and docx weigh 9 MB of heap and their code in
 * every process that loads them: the API loads them on its first export or bulletin, not at its start
 * (docs/benchmarks.md, the API's peak RSS).
 */

/* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use, as said above */
export const excel = (): typeof import('exceljs') => require('exceljs') as typeof import('exceljs');
export const docx = (): typeof import('docx') => require('docx') as typeof import('docx');
/* eslint-enable @typescript-eslint/no-require-imports */
