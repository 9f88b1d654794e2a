import * as ExcelJS from 'exceljs';
import { bulletinPeriodProblem, bulletinTitle, parseBulletinPeriod, percentText, periodText, rankTownships, type BulletinData } from './bulletin';
import { renderBulletinDocx, renderBulletinXlsx } from './render';
import { readZipText, wordText } from '../testing/zip-entry';

const figures = (over: Partial<BulletinData['county']>) => ({
  total: 0,
  open: 0,
  overdue: 0,
  dueSoon: 0,
  awaitingReview: 0,
  concluded: 0,
  struckOff: 0,
  withdrawn: 0,
  closureRate: 0,
  onTimeRate: 0,
  ...over,
});

const data: BulletinData = {
  period: parseBulletinPeriod('2026-11')!,
  countyName: '湟源县委',
  asOf: '2026-11-30T15:59:59.999Z',
  position: '42',
  day: '2026-11-30',
  county: figures({ total: 5, open: 2, overdue: 1, concluded: 2, struckOff: 1, closureRate: 0.6, onTimeRate: 2 / 3 }),
  townships: [
    { unitId: 'T1', name: '和平乡党委', ...figures({ total: 2, concluded: 1, closureRate: 0.5, onTimeRate: 1, overdue: 1 }) },
    { unitId: 'T2', name: '申中乡党委', ...figures({ total: 3, concluded: 2, closureRate: 2 / 3, onTimeRate: 0.5 }) },
  ],
  overdue: [{ itemId: 'I1', title: '整顿软弱涣散党组织', unitName: '茶曲村党支部', cadreName: '张三', dueDate: '2026-11-20', daysOverdue: 10 }],
  returns: [{ itemId: 'I2', title: '换届材料归档', unitName: '莫布拉村党支部', day: '2026-11-10' }],
  decisions: [
    {
      itemId: 'I1',
      title: '整顿软弱涣散党组织',
      targetKind: 'cadre',
      targetName: '张三',
      form: 'admonishment',
      dispositionForm: 1,
      decidedBy: '县纪委监委',
      decidedOn: '2026-11-25',
      documentNo: '湟纪〔2026〕3号',
      revoked: false,
    },
  ],
};

describe('督查通报', () => {
  it('reads a period as the county month it names, and refuses anything else', () => {
    expect(parseBulletinPeriod('2026-11')).toEqual({
      period: '2026-11',
      kind: 'month',
      year: 2026,
      month: 11,
      week: null,
      from: '2026-11-01',
      to: '2026-11-30',
      // 2026-12-01 00:00 in UTC+8 is 2026-11-30 16:00Z; the period ends the millisecond before.
      endMs: Date.parse('2026-11-30T15:59:59.999Z'),
    });
    expect(parseBulletinPeriod('2028-02')!.to).toBe('2028-02-29');
    for (const bad of ['2026-13', '2026-00', '2026-1', '26-11', '2026-11-01', '', 'abcd-ef']) expect(parseBulletinPeriod(bad)).toBeNull();
  });

  it('reads an ISO week YYYY-Www as Monday to Sunday in county time, and refuses weeks the year has not', () => {
    // By hand: 2026-11-26 is a Thursday (the fourth of November), so its week runs 11-23 to 11-29; 2026-01-01 is
    // a Thursday too, so week 1 is 2025-12-29..2026-01-04 and 11-23 is 329 days = 47 weeks later: week 48.
    expect(parseBulletinPeriod('2026-W48')).toEqual({
      period: '2026-W48',
      kind: 'week',
      year: 2026,
      month: null,
      week: 48,
      from: '2026-11-23',
      to: '2026-11-29',
      // Monday 2026-11-30 00:00 in UTC+8 is 2026-11-29 16:00Z.
      endMs: Date.parse('2026-11-29T15:59:59.999Z'),
    });
    // A year that starts on a Thursday has 53 weeks: the last runs into 2027.
    expect(parseBulletinPeriod('2026-W53')).toMatchObject({
      year: 2026,
      week: 53,
      from: '2026-12-28',
      to: '2027-01-03',
      endMs: Date.parse('2027-01-03T15:59:59.999Z'),
    });
    expect(parseBulletinPeriod('2027-W01')).toMatchObject({ year: 2027, week: 1, from: '2027-01-04', to: '2027-01-10' });
    expect(parseBulletinPeriod('2026-W01')).toMatchObject({ from: '2025-12-29', to: '2026-01-04' });
    for (const bad of ['2026-W54', '2027-W53', '2026-W00', '2026-W5', '2026-w48', '2026W48', '2026-W48-1', '1999-W10'])
      expect([bad, parseBulletinPeriod(bad)]).toEqual([bad, null]);
  });

  it('says what is wrong with a period', () => {
    expect(bulletinPeriodProblem('2026-W48')).toBeNull();
    expect(bulletinPeriodProblem('2026-11')).toBeNull();
    expect(bulletinPeriodProblem('2026-W54')).toBe('period 2026-W54: 2026 has 53 ISO weeks (2026-W01 to 2026-W53)');
    expect(bulletinPeriodProblem('2027-W53')).toBe('period 2027-W53: 2027 has 52 ISO weeks (2027-W01 to 2027-W52)');
    expect(bulletinPeriodProblem('2026-W00')).toBe('period 2026-W00: 2026 has 53 ISO weeks (2026-W01 to 2026-W53)');
    expect(bulletinPeriodProblem('2026-13')).toBe('period 2026-13: a month is 01 to 12');
    for (const bad of ['garbage', '2026-W5', '2026-1', ''])
      expect(bulletinPeriodProblem(bad)).toBe('period must be a month YYYY-MM or an ISO week YYYY-Www, e.g. 2026-11 or 2026-W48');
  });

  it('numbers weekly and monthly bulletins apart, and states a week in words', () => {
    const title = (period: string) => bulletinTitle({ ...data, period: parseBulletinPeriod(period)! });
    expect(title('2026-11')).toEqual({ title: '湟源县委督查通报', number: '〔2026〕第11期' });
    expect(title('2026-W48')).toEqual({ title: '湟源县委督查通报', number: '〔2026〕第48期（周报）' });
    expect(title('2026-W53').number).toBe('〔2026〕第53期（周报）');
    const numbers: string[] = [];
    for (const y of [2026, 2027]) {
      for (let m = 1; m <= 12; m++) numbers.push(title(`${y}-${String(m).padStart(2, '0')}`).number);
      for (let w = 1; w <= (y === 2026 ? 53 : 52); w++) numbers.push(title(`${y}-W${String(w).padStart(2, '0')}`).number);
    }
    expect(numbers).toHaveLength(24 + 105);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(periodText(parseBulletinPeriod('2026-W48')!)).toBe('2026年第48周（11月23日至11月29日）');
    expect(periodText(parseBulletinPeriod('2026-W53')!)).toBe('2026年第53周（2026年12月28日至2027年1月3日）');
    expect(periodText(parseBulletinPeriod('2026-W01')!)).toBe('2026年第1周（2025年12月29日至2026年1月4日）');
    expect(periodText(parseBulletinPeriod('2026-11')!)).toBe('2026-11-01 至 2026-11-30');
  });

  it('ranks townships by closure rate, then on-time rate, then fewer overdue', () => {
    const row = (name: string, closureRate: number, onTimeRate: number, overdue: number) => ({
      unitId: name,
      name,
      ...figures({ closureRate, onTimeRate, overdue }),
    });
    expect(rankTownships([row('甲', 0.5, 1, 0), row('乙', 0.8, 0, 3), row('丙', 0.5, 1, 2), row('丁', 0.5, 0.9, 0)]).map((r) => r.name)).toEqual([
      '乙',
      '甲',
      '丙',
      '丁',
    ]);
    expect(percentText(2 / 3)).toBe('66.7%');
    expect(percentText(0)).toBe('0.0%');
  });

  it('writes a .docx with the title, number, figures, ranking, overdue items, returns, decisions and the checkpoint', async () => {
    const file = await renderBulletinDocx(data);
    expect(file.fileName).toBe('督查通报2026-11.docx');
    const text = wordText(await readZipText(file.body, 'word/document.xml'));
    const lines = text.split('\n');
    expect(lines[0]).toBe('湟源县委督查通报');
    expect(lines[1]).toBe('〔2026〕第11期');
    expect(lines[2]).toBe('（2026-11-01 至 2026-11-30）');
    expect(text).toContain('截至2026-11-30，全县共有交办事项5项，已办结3项，办结率60.0%，按期办结率66.7%；逾期未办结1项。');
    expect(lines).toContain('5\t3\t60.0%\t66.7%\t1\t0\t0\t0\t');
    // 申中乡 (66.7%) before 和平乡 (50.0%).
    expect(lines).toContain('1\t申中乡党委\t3\t2\t66.7%\t50.0%\t0\t');
    expect(lines).toContain('2\t和平乡党委\t2\t1\t50.0%\t100.0%\t1\t');
    expect(lines).toContain('1\t整顿软弱涣散党组织\t茶曲村党支部\t张三\t2026-11-20\t10\t');
    expect(lines).toContain('1\t换届材料归档\t莫布拉村党支部\t2026-11-10\t');
    expect(lines).toContain('1\t整顿软弱涣散党组织\t张三（领导干部）\t诫勉\t第一种形态\t县纪委监委\t2026-11-25\t湟纪〔2026〕3号\t有效\t');
    expect(lines.filter((l) => l.trim()).at(-1)).toBe(
      '本通报数据截至 2026-11-30 23:59:59（北京时间，asOf=2026-11-30T15:59:59.999Z），台账日志位置 42；可用 asOf=2026-11-30T15:59:59.999Z 查询复核。',
    );
  });

  it('writes the same figures as an .xlsx', async () => {
    const file = await renderBulletinXlsx(data);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.body as unknown as ArrayBuffer);
    const rows = (name: string) => (wb.getWorksheet(name)!.getSheetValues() as unknown[][]).filter(Boolean).map((r) => r.slice(1));
    expect(rows('全县情况')).toEqual([
      ['湟源县委督查通报〔2026〕第11期'],
      ['2026-11-01 至 2026-11-30'],
      ['事项总数', '已办结', '办结率', '按期办结率', '逾期未办结', '临期', '待审核', '已撤销'],
      [5, 3, '60.0%', '66.7%', 1, 0, 0, 0],
    ]);
    expect(
      rows('乡镇排名')
        .slice(1)
        .map((r) => r[1]),
    ).toEqual(['申中乡党委', '和平乡党委']);
    expect(rows('核验点')).toContainEqual(['position', '42']);
  });

  it('heads a weekly bulletin with its number and its week in words, in the .docx and the .xlsx', async () => {
    const week: BulletinData = { ...data, period: parseBulletinPeriod('2026-W48')!, asOf: '2026-11-29T15:59:59.999Z', day: '2026-11-29' };
    const docx = await renderBulletinDocx(week);
    expect(docx.fileName).toBe('督查通报2026-W48.docx');
    const lines = wordText(await readZipText(docx.body, 'word/document.xml')).split('\n');
    expect(lines.slice(0, 3)).toEqual(['湟源县委督查通报', '〔2026〕第48期（周报）', '2026年第48周（11月23日至11月29日）']);
    const xlsx = await renderBulletinXlsx(week);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as unknown as ArrayBuffer);
    const head = (wb.getWorksheet('全县情况')!.getSheetValues() as unknown[][]).filter(Boolean).map((r) => r.slice(1));
    expect(head.slice(0, 2)).toEqual([['湟源县委督查通报〔2026〕第48期（周报）'], ['2026年第48周（11月23日至11月29日）']]);
  });
});
