/**
 * The scene the 督查通报 suites (test/bulletin.spec.ts for a month, test/bulletin-week.spec.ts for a week)
 * share: the real app on SQLite on a moved clock, 湟源县委 (C) over the townships 和平乡党委 (T1) and
 * 申中乡党委 (T2), the users who seed the story through the API, downloads of the route, `ledger bulletin`
 * run in a temp folder, and the API's own answers a bulletin's figures are checked against.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Response } from 'supertest';
import { bulletinMain } from '../../apps/cli/src/bulletin';
import { readZipText, wordText } from '../../libs/sheets-io/src/testing/zip-entry';
import { API, nineAm, startLedger, type Client, type Ledger } from './ledger';

const binary = (res: NodeJS.ReadableStream, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

/** The text of a .docx's body (word/document.xml), a paragraph a line. */
export const documentText = async (docx: Buffer) => wordText(await readZipText(docx, 'word/document.xml'));

export interface BulletinCounty {
  ledger: Ledger;
  org: Client;
  inspector: Client;
  discipline: Client;
  unit(id: string): Client;
  /** Moves the clock to 09:00 county time on `date`. */
  day(date: string): void;
  /** Assigns item `id` of sheet s1. */
  assign(id: string, unitId: string, cadreId: string, dueDate: string): Promise<Response>;
  /** A download of the route as bytes, read at the last command's position. */
  download(route: string, role?: 'org_dept' | 'inspector'): Promise<Response>;
  /**
   * `ledger bulletin` in a temp folder removed afterwards: `run` calls it with `args` on the ledger's
   * configuration and clock, its standard error collected in `err`.
   */
  withCli(prefix: string, use: (cli: { dir: string; err: string[]; run(args: string[]): Promise<number> }) => Promise<void>): Promise<void>;
  /** What the API answers as of `asOf` (ISO): the county's figures, its townships', and its overdue items. */
  apiFigures(asOf: string): Promise<{ county: unknown; townships: unknown; overdue: Array<{ id: string; dueDate: string }> }>;
}

/** The ledger at 09:00 county time on `date` with C, T1 and T2 registered that day. */
export async function startBulletinCounty(date: string): Promise<BulletinCounty> {
  const ledger = await startLedger({ engine: 'sqlite', at: nineAm(date) });
  const org = ledger.as('org_dept');
  const inspector = ledger.as('inspector');
  ledger.setDay(date);
  await org.post('/units', { id: 'C', name: '湟源县委', kind: 'county_committee' }, 201);
  await org.post('/units', { id: 'T1', name: '和平乡党委', kind: 'township_committee', parentId: 'C' }, 201);
  await org.post('/units', { id: 'T2', name: '申中乡党委', kind: 'township_committee', parentId: 'C' }, 201);
  return {
    ledger,
    org,
    inspector,
    discipline: ledger.as('discipline'),
    unit: (id) => ledger.as('unit', id),
    day: (d) => ledger.setDay(d),
    assign: (id, unitId, cadreId, dueDate) => org.post('/items', { id, sheetId: 's1', title: `事项${id}`, unitId, cadreId, dueDate }, 201),
    download: (route, role = 'inspector') =>
      ledger.http
        .get(`${API}${route}${route.includes('?') ? '&' : '?'}minPosition=${ledger.position}`)
        .set('Authorization', `Bearer ${ledger.as(role).token}`)
        .buffer(true)
        .parse(binary as never),
    withCli: async (prefix, use) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
      const err: string[] = [];
      const io = { out: () => undefined, err: (t: string) => void err.push(t), progress: null, clock: ledger.clock };
      try {
        await use({ dir, err, run: (args) => bulletinMain(ledger.config, args, io) });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    apiFigures: async (asOf) => {
      const at = encodeURIComponent(asOf);
      return {
        county: (await inspector.get(`/units/C/outstanding?asOf=${at}`, 200)).body,
        townships: (await inspector.get(`/units/C/children/outstanding?asOf=${at}`, 200)).body,
        overdue: (await inspector.get(`/items?unitId=C&light=red&asOf=${at}`, 200)).body.items,
      };
    },
  };
}
