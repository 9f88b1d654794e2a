import type { AccountabilityEntry, CadreFiguresRow, Figures, ItemView, UnitFiguresRow } from '@ledger/contracts/http/views';
import { chineseLabel, LIGHT_LABELS, STATUS_LABELS } from '../labels';
import { Column, ExportFile, ExportFormat, TableSpec, writeTable } from './table';

/** The ItemView fields an item list shows (API.md); an ItemView is one. */
export type ItemExportRow = Pick<
  ItemView,
  'id' | 'sheetId' | 'title' | 'unitId' | 'cadreId' | 'status' | 'light' | 'dueDate' | 'updatedAt' | 'urgeLevel' | 'accountabilityCount'
> &
  Partial<Pick<ItemView, 'requirements' | 'supportUnitIds' | 'leaderId' | 'overdue' | 'originalDueDate' | 'createdAt'>>;

/** API.md `Figures`: rates are fractions 0–1. */
export type FiguresExportFields = Figures;
/** A row of `/units/:id/children/outstanding`. */
export type UnitFiguresExportRow = UnitFiguresRow;
/** A row of `/cadres/outstanding`. */
export type CadreFiguresExportRow = CadreFiguresRow;
/** A row of the accountability register (`/accountability`). */
export type AccountabilityExportRow = Omit<AccountabilityEntry, 'effectMonths'> & Partial<Pick<AccountabilityEntry, 'effectMonths'>>;

/** Names for the ids rows carry; an id without a name is shown as the id. */
export interface ExportNames {
  units?: readonly { id: string; name: string }[];
  cadres?: readonly { id: string; name: string; unitId?: string }[];
  sheets?: readonly { id: string; number: string; title?: string }[];
  items?: readonly { id: string; title: string }[];
}

export interface ExportOptions {
  format: ExportFormat;
  /** File name without extension; each export has a Chinese default. */
  fileName?: string;
}

class Names {
  private readonly units: Map<string, string>;
  private readonly cadres: Map<string, { name: string; unitId?: string }>;
  private readonly sheets: Map<string, { number: string; title?: string }>;
  private readonly items: Map<string, string>;

  constructor(names: ExportNames = {}) {
    this.units = new Map((names.units ?? []).map((u) => [u.id, u.name]));
    this.cadres = new Map((names.cadres ?? []).map((c) => [c.id, c]));
    this.sheets = new Map((names.sheets ?? []).map((s) => [s.id, s]));
    this.items = new Map((names.items ?? []).map((i) => [i.id, i.title]));
  }
  unit = (id: string | null | undefined) => (id ? (this.units.get(id) ?? id) : '');
  cadre = (id: string | null | undefined) => (id ? (this.cadres.get(id)?.name ?? id) : '');
  cadreUnit = (id: string) => this.unit(this.cadres.get(id)?.unitId);
  sheet = (id: string) => this.sheets.get(id)?.number ?? id;
  item = (id: string) => this.items.get(id) ?? id;
}

const text = <R>(header: string, value: Column<R>['value']): Column<R> => ({ header, kind: 'text', value });
const int = <R>(header: string, value: Column<R>['value']): Column<R> => ({ header, kind: 'integer', value });
const date = <R>(header: string, value: Column<R>['value']): Column<R> => ({ header, kind: 'date', value });
const percent = <R>(header: string, value: Column<R>['value']): Column<R> => ({ header, kind: 'percent', value });

function itemSpec(n: Names): TableSpec<ItemExportRow> {
  return {
    sheetName: '事项清单',
    fileName: '事项清单',
    asciiFileName: 'items',
    columns: [
      int('序号', (_, i) => i + 1),
      text('交办单', (r) => n.sheet(r.sheetId)),
      text('事项', (r) => r.title),
      text('办理要求', (r) => r.requirements),
      text('责任单位', (r) => n.unit(r.unitId)),
      text('配合单位', (r) => (r.supportUnitIds ?? []).map(n.unit).join('、')),
      text('责任人', (r) => n.cadre(r.cadreId)),
      text('责任领导', (r) => n.cadre(r.leaderId)),
      text('状态', (r) => chineseLabel.status(r.status)),
      text('亮灯', (r) => chineseLabel.light(r.light)),
      date('完成时限', (r) => r.dueDate),
      date('原定时限', (r) => r.originalDueDate),
      text('督办等级', (r) => chineseLabel.urgeLevel(r.urgeLevel)),
      int('问责次数', (r) => r.accountabilityCount),
      { header: '更新时间', kind: 'datetime', value: (r) => r.updatedAt },
      text('事项编号', (r) => r.id),
    ],
  };
}

function figureColumns<R extends FiguresExportFields>(): Column<R>[] {
  return [
    int('总数', (r) => r.total),
    int('未办结', (r) => r.open),
    int(LIGHT_LABELS.red, (r) => r.overdue),
    int(LIGHT_LABELS.yellow, (r) => r.dueSoon),
    int('待审核', (r) => r.awaitingReview),
    int(STATUS_LABELS.concluded, (r) => r.concluded),
    int(STATUS_LABELS.struck_off, (r) => r.struckOff),
    int(STATUS_LABELS.withdrawn, (r) => r.withdrawn),
    percent('办结率', (r) => r.closureRate),
    percent('按期办结率', (r) => r.onTimeRate),
  ];
}

function registerSpec(n: Names): TableSpec<AccountabilityExportRow> {
  return {
    sheetName: '问责台账',
    fileName: '问责台账',
    asciiFileName: 'accountability',
    columns: [
      int('序号', (_, i) => i + 1),
      text('问责对象', (r) => (r.target.kind === 'unit' ? n.unit(r.target.id) : n.cadre(r.target.id))),
      text('对象类型', (r) => chineseLabel.targetKind(r.target.kind)),
      text('问责方式', (r) => chineseLabel.accountabilityForm(r.form)),
      text('四种形态', (r) => chineseLabel.dispositionForm(r.dispositionForm)),
      text('决定机关', (r) => r.decidedBy),
      date('决定日期', (r) => r.decidedOn),
      text('文号', (r) => r.documentNo),
      int('影响期（月）', (r) => r.effectMonths),
      text('是否撤销', (r) => chineseLabel.yesNo(r.revoked)),
      text('事项', (r) => n.item(r.itemId)),
      text('决定编号', (r) => r.decisionId),
    ],
  };
}

const withName = <R>(spec: TableSpec<R>, options: ExportOptions): TableSpec<R> => (options.fileName ? { ...spec, fileName: options.fileName } : spec);

/** An item list (`GET /items?format=`). */
export function exportItems(rows: readonly ItemExportRow[], names: ExportNames, options: ExportOptions): Promise<ExportFile> {
  return writeTable(withName(itemSpec(new Names(names)), options), rows, options.format);
}

/** Per-unit figures (`GET /units/:id/children/outstanding?format=`). */
export function exportUnitFigures(rows: readonly UnitFiguresExportRow[], options: ExportOptions): Promise<ExportFile> {
  const spec: TableSpec<UnitFiguresExportRow> = {
    sheetName: '单位办理情况',
    fileName: '单位办理情况统计',
    asciiFileName: 'unit-figures',
    columns: [text('单位', (r) => r.name), ...figureColumns<UnitFiguresExportRow>()],
  };
  return writeTable(withName(spec, options), rows, options.format);
}

/** Per-cadre figures (`GET /cadres/outstanding?format=`); 所在单位 from `names.cadres[].unitId`. */
export function exportCadreFigures(rows: readonly CadreFiguresExportRow[], names: ExportNames, options: ExportOptions): Promise<ExportFile> {
  const n = new Names(names);
  const spec: TableSpec<CadreFiguresExportRow> = {
    sheetName: '责任人办理情况',
    fileName: '责任人办理情况统计',
    asciiFileName: 'cadre-figures',
    columns: [text('责任人', (r) => r.name), text('所在单位', (r) => n.cadreUnit(r.cadreId)), ...figureColumns<CadreFiguresExportRow>()],
  };
  return writeTable(withName(spec, options), rows, options.format);
}

/** The accountability register (`GET /accountability?format=`). */
export function exportAccountabilityRegister(rows: readonly AccountabilityExportRow[], names: ExportNames, options: ExportOptions): Promise<ExportFile> {
  return writeTable(withName(registerSpec(new Names(names)), options), rows, options.format);
}
