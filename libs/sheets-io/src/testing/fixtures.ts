import * as ExcelJS from 'exceljs';
import type { SheetLookup } from '../import/types';

/** Huangyuan county, as the importer's caller would look it up. 张伟 exists twice, in two townships. */
export const HUANGYUAN: SheetLookup = {
  today: '2026-03-01',
  units: [
    { id: 'u-county', name: '中共湟源县委', dissolved: false },
    { id: 'u-cg', name: '城关镇党委', dissolved: false },
    { id: 'u-dh', name: '大华镇党委', dissolved: false },
    { id: 'u-dx', name: '东峡镇党委', dissolved: false },
    { id: 'u-cq', name: '和平乡茶曲村党支部', dissolved: false },
    { id: 'u-qg', name: '申中乡前沟村党支部', dissolved: false },
    { id: 'u-by', name: '巴燕乡党委', dissolved: true },
  ],
  cadres: [
    { id: 'c-zw-cg', name: '张伟', unitId: 'u-cg' },
    { id: 'c-zw-dh', name: '张伟', unitId: 'u-dh' },
    { id: 'c-ln', name: '李娜', unitId: 'u-dx' },
    { id: 'c-zm', name: '赵敏', unitId: 'u-cq' },
    { id: 'c-mxj', name: '马小军', unitId: 'u-qg', left: true },
    { id: 'c-wq', name: '王强', unitId: 'u-county' },
  ],
};

/** A workbook as Excel writes it: exceljs in, bytes out. */
export async function workbookBytes(build: (ws: ExcelJS.Worksheet, wb: ExcelJS.Workbook) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  build(wb.addWorksheet('交办单'), wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export async function openWorkbook(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ExcelJS.Buffer);
  return wb;
}

export const excelDate = (iso: string) => new Date(`${iso}T00:00:00Z`);

export const CSV_HEADER = '序号,事项,办理要求,责任单位,责任人,完成时限,责任领导';
