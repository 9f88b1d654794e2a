import { PassThrough } from 'node:stream';
import type { Paragraph, Table } from 'docx';
import { chineseLabel } from '../labels';
import { contentDisposition } from '../export/table';
import { docx, excel } from '../lazy-modules';
import {
  BULLETIN_CONTENT_TYPES,
  bulletinTitle,
  closedOf,
  countyTimeText,
  percentText,
  periodText,
  rankTownships,
  type BulletinData,
  type BulletinFormat,
} from './bulletin';

export interface BulletinFile {
  contentType: string;
  fileName: string;
  contentDisposition: string;
  body: Buffer;
}

const FONT = '仿宋_GB2312';

/**
 * The verifiable log's checkpoint, printed at the foot (ledger checkpoint --print): its lines and the QR code
 * of its 校验码, which the web page 核验检查点 checks against the ledger of any later day.
 */
export interface PrintedLogProof {
  text: string;
  qrPng: Uint8Array;
}

const proofParagraphs = (proof: PrintedLogProof): Paragraph[] => {
  const { ImageRun, Paragraph } = docx();
  return [
    ...proof.text.split('\n').map((line) => p(line, { size: 18, font: '宋体' })),
    new Paragraph({ children: [new ImageRun({ type: 'png', data: proof.qrPng, transformation: { width: 132, height: 132 } })] }),
  ];
};

const p = (text: string, opts: { bold?: boolean; size?: number; center?: boolean; font?: string } = {}) => {
  const { AlignmentType, Paragraph, TextRun } = docx();
  return new Paragraph({
    alignment: opts.center ? AlignmentType.CENTER : undefined,
    spacing: { after: 120 },
    children: [new TextRun({ text, bold: opts.bold, size: opts.size ?? 28, font: opts.font ?? FONT })],
  });
};

const heading = (text: string) => p(text, { bold: true, font: '黑体' });

function table(headers: string[], rows: (string | number)[][]): Table {
  const { Paragraph, Table, TableCell, TableRow, TextRun, WidthType } = docx();
  const cell = (text: string | number, bold = false) =>
    new TableCell({ children: [new Paragraph({ children: [new TextRun({ text: String(text), bold, size: 21, font: FONT })] })] });
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: headers.map((h) => cell(h, true)) }),
      ...rows.map((r) => new TableRow({ children: r.map((c) => cell(c)) })),
    ],
  });
}

/** The rows of each section, shared by the .docx and the .xlsx so both state the same figures. */
export function bulletinSections(d: BulletinData) {
  const c = d.county;
  const ranked = rankTownships(d.townships);
  return {
    county: {
      headers: ['事项总数', '已办结', '办结率', '按期办结率', '逾期未办结', '临期', '待审核', '已撤销'],
      row: [c.total, closedOf(c), percentText(c.closureRate), percentText(c.onTimeRate), c.overdue, c.dueSoon, c.awaitingReview, c.withdrawn],
    },
    ranking: {
      headers: ['排名', '乡镇（街道）', '事项数', '已办结', '办结率', '按期办结率', '逾期'],
      rows: ranked.map((t, i) => [i + 1, t.name, t.total, closedOf(t), percentText(t.closureRate), percentText(t.onTimeRate), t.overdue]),
    },
    overdue: {
      headers: ['序号', '事项', '责任单位', '责任人', '完成时限', '逾期天数'],
      rows: d.overdue.map((o, i) => [i + 1, o.title, o.unitName, o.cadreName, o.dueDate, o.daysOverdue]),
    },
    returns: {
      headers: ['序号', '事项', '责任单位', '退回日期'],
      rows: d.returns.map((r, i) => [i + 1, r.title, r.unitName, r.day]),
    },
    decisions: {
      headers: ['序号', '事项', '问责对象', '问责方式', '四种形态', '决定机关', '决定日期', '文号', '状态'],
      rows: d.decisions.map((x, i) => [
        i + 1,
        x.title,
        `${x.targetName}（${chineseLabel.targetKind(x.targetKind)}）`,
        chineseLabel.accountabilityForm(x.form),
        chineseLabel.dispositionForm(x.dispositionForm),
        x.decidedBy,
        x.decidedOn,
        x.documentNo ?? '',
        x.revoked ? '已撤销' : '有效',
      ]),
    },
    checkpoint: `本通报数据截至 ${countyTimeText(d.asOf)}（北京时间，asOf=${d.asOf}），台账日志位置 ${d.position}；可用 asOf=${d.asOf} 查询复核。`,
  };
}

function fileOf(d: BulletinData, format: BulletinFormat, body: Buffer): BulletinFile {
  const fileName = `督查通报${d.period.period}.${format}`;
  return {
    contentType: BULLETIN_CONTENT_TYPES[format],
    fileName,
    contentDisposition: contentDisposition(fileName, `bulletin-${d.period.period}.${format}`),
    body,
  };
}

export async function renderBulletinDocx(d: BulletinData, proof?: PrintedLogProof): Promise<BulletinFile> {
  const s = bulletinSections(d);
  const { title, number } = bulletinTitle(d);
  const c = d.county;
  const children: (Paragraph | Table)[] = [
    p(title, { bold: true, size: 44, center: true, font: '方正小标宋简体' }),
    p(number, { center: true }),
    p(d.period.kind === 'month' ? `（${periodText(d.period)}）` : periodText(d.period), { center: true }),
    heading('一、总体情况'),
    p(
      `截至${d.day}，全县共有交办事项${c.total}项，已办结${closedOf(c)}项，办结率${percentText(c.closureRate)}，` +
        `按期办结率${percentText(c.onTimeRate)}；逾期未办结${c.overdue}项。`,
    ),
    table(s.county.headers, [s.county.row]),
    heading('二、乡镇（街道）排名'),
    p('按办结率、按期办结率排序。'),
    table(s.ranking.headers, s.ranking.rows),
    heading('三、逾期未办结事项'),
    s.overdue.rows.length ? table(s.overdue.headers, s.overdue.rows) : p('无。'),
    heading('四、本期退回情况'),
    p(`本期共退回${d.returns.length}次。`),
    ...(s.returns.rows.length ? [table(s.returns.headers, s.returns.rows)] : []),
    heading('五、本期问责情况'),
    p(`本期作出问责决定${d.decisions.length}项。`),
    ...(s.decisions.rows.length ? [table(s.decisions.headers, s.decisions.rows)] : []),
    p(s.checkpoint, { size: 21 }),
    ...(proof ? proofParagraphs(proof) : []),
  ];
  const { Document, Packer } = docx();
  const doc = new Document({ creator: d.countyName, title: `${title}${number}`, sections: [{ children }] });
  return fileOf(d, 'docx', await Packer.toBuffer(doc));
}

export async function renderBulletinXlsx(d: BulletinData, proof?: PrintedLogProof): Promise<BulletinFile> {
  const s = bulletinSections(d);
  const { title, number } = bulletinTitle(d);
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (b: Buffer) => chunks.push(b));
  const wb = new (excel().stream.xlsx.WorkbookWriter)({ stream: out, useSharedStrings: false, useStyles: true });
  const sheet = (name: string, head: (string | number)[][], headers: string[], rows: (string | number)[][]) => {
    const ws = wb.addWorksheet(name);
    for (const h of head) ws.addRow(h).commit();
    ws.addRow(headers).commit();
    for (const r of rows) ws.addRow(r).commit();
    ws.commit();
  };
  const foot = [[s.checkpoint], ['asOf', d.asOf], ['position', d.position], ...(proof ? proof.text.split('\n').map((line) => [line]) : [])];
  sheet('全县情况', [[`${title}${number}`], [periodText(d.period)]], s.county.headers, [s.county.row]);
  sheet('乡镇排名', [], s.ranking.headers, s.ranking.rows);
  sheet('逾期事项', [], s.overdue.headers, s.overdue.rows);
  sheet('退回情况', [], s.returns.headers, s.returns.rows);
  sheet('问责情况', [], s.decisions.headers, s.decisions.rows);
  sheet('核验点', [], ['说明', '值'], foot);
  await wb.commit();
  return fileOf(d, 'xlsx', Buffer.concat(chunks));
}

export function renderBulletin(d: BulletinData, format: BulletinFormat, proof?: PrintedLogProof): Promise<BulletinFile> {
  return format === 'docx' ? renderBulletinDocx(d, proof) : renderBulletinXlsx(d, proof);
}
