import * as iconv from 'iconv-lite';
import type { SheetLookup } from '../import/types';
import { workbookBytes } from './fixtures';

const TOWNSHIPS = ['城关镇', '大华镇', '东峡镇', '日月藏族乡', '和平乡', '波航乡', '申中乡', '巴燕乡', '寺寨乡'];
const SURNAMES = '王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华';

/** A county of 9 townships × 12 villages, 3 cadres per unit, 20 county leaders: realistic lookup sizes. */
export function bigCounty(today = '2026-03-01'): SheetLookup {
  const units: SheetLookup['units'][number][] = [{ id: 'u-county', name: '中共湟源县委', dissolved: false }];
  const cadres: SheetLookup['cadres'][number][] = [];
  let n = 0;
  const cadreName = () => {
    n++;
    return SURNAMES[n % SURNAMES.length] + GIVEN[(n * 7) % GIVEN.length] + (n % 3 === 0 ? GIVEN[(n * 11) % GIVEN.length] : '');
  };
  for (let i = 0; i < 20; i++) cadres.push({ id: `c-lead-${i}`, name: `县领导${i}`, unitId: 'u-county' });
  TOWNSHIPS.forEach((t, ti) => {
    units.push({ id: `u-t${ti}`, name: `${t}党委`, dissolved: false });
    for (let c = 0; c < 3; c++) cadres.push({ id: `c-t${ti}-${c}`, name: cadreName(), unitId: `u-t${ti}` });
    for (let v = 0; v < 12; v++) {
      units.push({ id: `u-t${ti}-v${v}`, name: `${t}第${v + 1}村党支部`, dissolved: false });
      for (let c = 0; c < 3; c++) cadres.push({ id: `c-t${ti}-v${v}-${c}`, name: cadreName(), unitId: `u-t${ti}-v${v}` });
    }
  });
  return { units, cadres, today };
}

export const BIG_HEADER = ['序号', '事项', '办理要求', '责任单位', '责任人', '完成时限', '责任领导'];

/** Row i (0-based) of a sheet that validates against bigCounty(): names, the row's unit disambiguating shared cadre names. */
export function bigRow(lookup: SheetLookup, i: number): [number, string, string, string, string, string, string] {
  const unit = lookup.units[1 + (i % (lookup.units.length - 1))];
  const cadre = lookup.cadres.find((c) => c.unitId === unit.id)!;
  const leader = lookup.cadres[i % 20];
  const month = 4 + (i % 9);
  const day = 1 + (i % 28);
  return [
    i + 1,
    `第${i + 1}项：推进${unit.name}标准化规范化建设`,
    '对照标准逐项整改，形成台账，按期报送佐证材料。'.repeat(3),
    unit.name,
    cadre.name,
    `2026-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    leader.name,
  ];
}

export async function bigXlsx(lookup: SheetLookup, rows: number): Promise<Buffer> {
  return workbookBytes((ws) => {
    ws.addRow(['湟源县基层党建重点任务交办单']);
    ws.addRow(BIG_HEADER);
    for (let i = 0; i < rows; i++) {
      const r = bigRow(lookup, i);
      const [y, m, d] = r[5].split('-').map(Number);
      ws.addRow([r[0], r[1], r[2], r[3], r[4], new Date(Date.UTC(y, m - 1, d)), r[6]]);
    }
  });
}

export function bigCsv(lookup: SheetLookup, rows: number, encoding: 'utf-8' | 'gbk'): Buffer {
  const lines = [BIG_HEADER.join(',')];
  for (let i = 0; i < rows; i++) lines.push(bigRow(lookup, i).join(','));
  const text = lines.join('\r\n') + '\r\n';
  return encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(text, 'utf8');
}
