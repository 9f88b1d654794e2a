import { ROLE_LABELS as CONTRACT_ROLE_LABELS } from '@ledger/contracts/events';
import { writeTable, type Column, type ExportFile, type ExportFormat, type TableSpec } from './table';

/** One entry of the access audit trail as the audit administrator exports it. */
export interface AccessAuditExportRow {
  seq: number;
  /** ISO instant. */
  at: string;
  actor: string | null;
  role: string | null;
  name: string | null;
  address: string | null;
  action: string;
  target: string;
  outcome: string;
  status: number | null;
  detail: string | null;
}

/** The roles as the web app names them; `system` is the ledger's own jobs, no one's role. */
const ROLE_LABELS: Readonly<Record<string, string>> = { ...CONTRACT_ROLE_LABELS, system: '系统' };
const OUTCOME_LABELS: Record<string, string> = { ok: '成功', refused: '拒绝', failed: '失败' };

/**
 * `GET /audit/access?format=xlsx|csv`: one row per entry, oldest first, Chinese headers; the action
 * shown by its label (`labels`: action → 中文) with its code beside it for filtering.
 */
export function exportAccessAudit(
  rows: readonly AccessAuditExportRow[],
  labels: Readonly<Record<string, string>>,
  options: { format: ExportFormat },
): Promise<ExportFile> {
  const text = (header: string, value: Column<AccessAuditExportRow>['value']): Column<AccessAuditExportRow> => ({ header, kind: 'text', value });
  const spec: TableSpec<AccessAuditExportRow> = {
    sheetName: '访问审计',
    fileName: '访问审计记录',
    asciiFileName: 'access-audit',
    columns: [
      { header: '序号', kind: 'integer', value: (r) => r.seq },
      { header: '时间', kind: 'datetime', value: (r) => r.at },
      text('用户', (r) => r.actor ?? ''),
      text('姓名', (r) => r.name ?? ''),
      text('角色', (r) => (r.role ? (ROLE_LABELS[r.role] ?? r.role) : '')),
      text('来源地址', (r) => r.address ?? ''),
      text('操作', (r) => labels[r.action] ?? r.action),
      text('操作代码', (r) => r.action),
      text('访问对象', (r) => r.target),
      text('结果', (r) => OUTCOME_LABELS[r.outcome] ?? r.outcome),
      { header: '状态码', kind: 'integer', value: (r) => r.status },
      text('说明', (r) => r.detail ?? ''),
    ],
  };
  return writeTable(spec, rows, options.format);
}
