import { parseCsv } from '../csv/csv';
import { exportAccessAudit, type AccessAuditExportRow } from './access-audit';

const row = (seq: number, role: string | null): AccessAuditExportRow => ({
  seq,
  at: '2026-03-01T16:00:00.000Z',
  actor: `u-${seq}`,
  role,
  name: null,
  address: '127.0.0.1',
  action: 'items.read',
  target: '/items',
  outcome: 'ok',
  status: 200,
  detail: null,
});

describe('access audit export', () => {
  it('names each role with the words the web app shows (DOMAIN.md), the ledger own jobs 系统, an unknown code as it is', async () => {
    const roles = ['org_dept', 'discipline', 'inspector', 'unit', 'sysadmin', 'secadmin', 'auditadmin', 'system', 'ghost', null];
    const file = await exportAccessAudit(
      roles.map((r, i) => row(i + 1, r)),
      { 'items.read': '查看事项' },
      { format: 'csv' },
    );
    const rows = parseCsv(file.body.subarray(3).toString('utf8')).map((r) => r.fields);
    expect(rows.slice(1).map((r) => r[4])).toEqual([
      '县委组织部',
      '县纪委监委',
      '督查室',
      '承办单位',
      '系统管理员',
      '安全管理员',
      '审计管理员',
      '系统',
      'ghost',
      '',
    ]);
    expect(rows[1][1]).toBe('2026-03-02 00:00:00');
    expect(rows[1][6]).toBe('查看事项');
  });
});
