import { FixedClock } from '@ledger/platform';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { DEFAULT_SHEET_LIMITS, Budget } from '../libs/sheets-io/src/import/limits';
import { inflateEntry, readZipDirectory } from '../libs/sheets-io/src/import/zip';
import { readZipText, wordText } from '../libs/sheets-io/src/testing/zip-entry';
import { startLedger, type Ledger } from './web/harness';

async function zipEntry(zip: Buffer, name: string): Promise<Buffer> {
  const entry = readZipDirectory(zip, DEFAULT_SHEET_LIMITS).get(name);
  if (!entry) throw new Error(`no ${name} in the zip`);
  const chunks: Buffer[] = [];
  for await (const c of inflateEntry(zip, entry, DEFAULT_SHEET_LIMITS, new Budget(DEFAULT_SHEET_LIMITS))) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Issue 18, point 6: the 督查通报 carries the log's checkpoint at its foot, as lines and as a QR code. */
describe('督查通报: the printed checkpoint at its foot', () => {
  let ledger: Ledger;
  let org = '';
  beforeAll(async () => {
    const clock = new FixedClock(new Date('2026-02-10T01:00:00Z'));
    ledger = await startLedger({ clock });
    const admin = ledger.token({ sub: 'admin-1', role: 'admin', name: '系统管理员' });
    org = ledger.token({ sub: 'org-1', role: 'org_dept', name: '张组织' });
    await ledger.post(admin, '/units', { id: 'C', name: '湟源县委', kind: 'county_committee' });
    await ledger.post(admin, '/units', { id: 'T1', name: '城关镇党委', kind: 'township_committee', parentId: 'C' });
    clock.set(new Date('2026-03-02T01:00:00Z'));
  });
  afterAll(() => ledger?.close());

  it('the .docx ends with the checkpoint lines, and its QR image reads back as the 校验码 of the newest checkpoint', async () => {
    const res = await fetch(`${ledger.url}/api/v1/bulletins/2026-02`, { headers: { Authorization: `Bearer ${org}` } });
    expect(res.status).toBe(200);
    const docx = Buffer.from(await res.arrayBuffer());
    const cp = await ledger.get<{ treeSize: number; root: string; issuedAt: string; keyId: string; signature: string }>(org, '/log/checkpoint');
    const payload = `LCP1;sha256-ed25519;${cp.treeSize};${cp.root};${cp.issuedAt};${cp.keyId};${Buffer.from(cp.signature, 'base64').toString('base64url')};`;
    const lines = wordText(await readZipText(docx, 'word/document.xml')).split('\n');
    const at = lines.indexOf('账本检查点');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at)).toEqual(expect.arrayContaining([`事件总数：${cp.treeSize}`, '签发时间：2026-03-02 09:00（北京时间）', `校验码：${payload}`]));
    const media = [...readZipDirectory(docx, DEFAULT_SHEET_LIMITS).keys()].filter((n) => n.startsWith('word/media/'));
    expect(media).toHaveLength(1);
    const img = PNG.sync.read(await zipEntry(docx, media[0]));
    expect(jsQR(new Uint8ClampedArray(img.data), img.width, img.height)?.data).toBe(payload);
  });
});
