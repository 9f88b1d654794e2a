import { cellBombXlsx, csvLinesBomb, sheetWithExtra, zipBombXlsx } from '@ledger/sheets-io/testing/bombs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../apps/api/src/testing/harness';

/**
 * Uploads that cost little to send and much to read: each is refused with 400
 * SHEET_TOO_LARGE naming the limit, nothing is written, and the API answers the next request.
 * Memory figures for the same files against a built API process with its heap bound: bench/uploads.
 */
describe('POST /sheets/import: files that expand beyond the limits', () => {
  let t: TestApp;
  let org: string;
  const importSheet = (file: Buffer, number: string, fileName: string) =>
    t.http
      .post('/api/v1/sheets/import')
      .set('Authorization', `Bearer ${org}`)
      .field('number', number)
      .field('title', '基层党建重点任务交办单')
      .field('issuedOn', '2026-03-02')
      .attach('file', file, fileName);

  beforeAll(async () => {
    t = await startTestApp();
    org = t.token('org_dept');
    const admin = t.token('admin');
    await t.http
      .post('/api/v1/units')
      .set('Authorization', `Bearer ${admin}`)
      .send({ id: 'county', name: '中共湟源县委员会', kind: 'county_committee' })
      .expect(201);
    await t.http
      .post('/api/v1/units')
      .set('Authorization', `Bearer ${admin}`)
      .send({ id: 'cg', name: '城关镇党委', kind: 'township_committee', parentId: 'county' })
      .expect(201);
    await t.http.post('/api/v1/cadres').set('Authorization', `Bearer ${admin}`).send({ id: 'c-zw', name: '张伟', unitId: 'cg', post: '党委书记' }).expect(201);
  });
  afterAll(() => t.close());

  async function refused(file: Buffer, fileName: string, limit: string, max: number, row: number | null = null): Promise<void> {
    const before = await t.store.headPosition();
    const res = await importSheet(file, `湟组交〔2026〕${limit}号`, fileName);
    expect({ status: res.status, code: res.body.code, limit: res.body.limit, max: res.body.max }).toEqual({ status: 400, code: 'SHEET_TOO_LARGE', limit, max });
    expect(res.body.errors).toEqual([{ row, column: null, message: expect.stringMatching(/[\u4e00-\u9fa5]/) }]);
    expect(await t.store.headPosition()).toBe(before);
  }

  it('a 10 MB CSV of 5,000,000 short lines: refused at the 20,001st row read', async () => {
    await refused(csvLinesBomb(5_000_000), '交办单.csv', 'fileRows', 20_000, 20_001);
  });

  it('an .xlsx of 3,000,000 cells (under 10 MB): refused at the row limit, read a chunk at a time', async () => {
    const file = await cellBombXlsx(300_000, 10);
    expect(file.length).toBeLessThan(10 * 1024 * 1024);
    await refused(file, '交办单.xlsx', 'fileRows', 20_000, 20_001);
  });

  it('a 200 KB zip bomb (a 200 MB sheet): refused from its declared size; one that lies about its size, when it inflates past it', async () => {
    await refused(await zipBombXlsx({ megabytes: 200 }), '交办单.xlsx', 'entryBytes', 128 * 1024 * 1024);
    await refused(await zipBombXlsx({ megabytes: 200, lie: true }), '交办单.xlsx', 'entryBytes', 128 * 1024 * 1024);
    await refused(await zipBombXlsx({ megabytes: 30 }), '交办单.xlsx', 'compressionRatio', 200);
  });

  it('a merged range over the whole sheet: refused, not expanded cell by cell', async () => {
    const header = ['序号', '事项', '责任单位', '责任人', '完成时限'];
    const row = [1, '整顿软弱涣散村党组织', '城关镇党委', '张伟', '2026-12-31'];
    await refused(sheetWithExtra([header, row], '<mergeCells count="1"><mergeCell ref="B2:B1048576"/></mergeCells>'), '交办单.xlsx', 'cells', 300_000, 2);
  });

  it('an eleventh upload while ten are still being received is 503 SERVER_BUSY before its body is read; when they end, uploads are taken again', async () => {
    const server = t.app.getHttpServer() as http.Server;
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // Ten uploads that announce 5 MB and send 1 KB: each sits in the upload guard, its buffer growing.
    const boundary = 'ledger-held-upload';
    const held = Array.from({ length: 10 }, () => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/sheets/import',
        headers: { authorization: `Bearer ${org}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': 5_000_000 },
      });
      req.on('error', () => undefined);
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="held.csv"\r\n\r\n${'x'.repeat(1024)}`);
      return req;
    });
    const small = Buffer.from('a,b,c\n1,2,3\n', 'utf8');
    const probe = async (until: (status: number) => boolean) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const res = await importSheet(small, '湟组交〔2026〕探号', 'probe.csv');
        if (until(res.status) || Date.now() > deadline) return res;
      }
    };
    try {
      const busy = await probe((status) => status === 503);
      expect({ status: busy.status, code: busy.body.code, retryAfter: busy.headers['retry-after'] }).toEqual({
        status: 503,
        code: 'SERVER_BUSY',
        retryAfter: '10',
      });
    } finally {
      for (const req of held) req.destroy();
    }
    const again = await probe((status) => status !== 503);
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 400, code: 'SHEET_ROWS_INVALID' });
  });

  it('after every refusal a good sheet still imports', async () => {
    const header = ['序号', '事项', '责任单位', '责任人', '完成时限'];
    const file = sheetWithExtra(
      [header, [1, '整顿软弱涣散村党组织', '城关镇党委', '张伟', '2026-12-31']],
      '<dataValidations count="1"><dataValidation type="list" sqref="A1:XFD1048576"><formula1>"城关镇党委"</formula1></dataValidation></dataValidations>',
    );
    const res = await importSheet(file, '湟组交〔2026〕1号', '交办单.xlsx');
    expect({ status: res.status, itemCount: res.body.itemCount, written: res.body.written }).toEqual({ status: 201, itemCount: 1, written: 3 });
  });
});
