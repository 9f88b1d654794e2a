import { fromExcelValue } from './cells';
import { readDate } from './dates';

const text = (t: string) => readDate({ kind: 'text', text: t });

describe('readDate', () => {
  it.each([
    ['2026-12-31', '2026-12-31'],
    ['2026/12/31', '2026-12-31'],
    ['2026.12.31', '2026-12-31'],
    ['2026年12月31日', '2026-12-31'],
    ['2026年1月5日', '2026-01-05'],
    ['2026/1/5', '2026-01-05'],
    ['２０２６－０３－０１', '2026-03-01'],
    ['2026-12-31 00:00:00', '2026-12-31'],
    ['2026/3/1 8:30', '2026-03-01'],
    ['20261231', '2026-12-31'],
    ['46387', '2026-12-31'],
    ['2028-02-29', '2028-02-29'],
  ])('reads %s as %s', (input, expected) => {
    expect(text(input)).toEqual({ ok: true, date: expected });
  });

  it.each(['2026-02-29', '2026-13-01', '2026-04-31', '2026年0月1日', '20260230'])('knows %s does not exist', (input) => {
    expect(text(input)).toEqual({ ok: false, reason: 'nonexistent' });
  });

  it.each(['下月底', '12/31/2026', '2026-12', 'Q4'])('does not guess at %s', (input) => {
    expect(text(input)).toEqual({ ok: false, reason: 'unrecognised' });
  });

  it('reads Excel serials (1900 system, after its phantom leap day) and yyyymmdd numbers', () => {
    expect(readDate({ kind: 'number', value: 46387 })).toEqual({ ok: true, date: '2026-12-31' });
    expect(readDate({ kind: 'number', value: 46387.75 })).toEqual({ ok: true, date: '2026-12-31' });
    expect(readDate({ kind: 'number', value: 61 })).toEqual({ ok: true, date: '1900-03-01' });
    expect(readDate({ kind: 'number', value: 20260701 })).toEqual({ ok: true, date: '2026-07-01' });
    expect(readDate({ kind: 'number', value: -3 })).toEqual({ ok: false, reason: 'unrecognised' });
    expect(readDate({ kind: 'empty' })).toEqual({ ok: false, reason: 'missing' });
  });

  it('reads a date cell as the calendar date it shows, even when exceljs lands a hair before midnight', () => {
    expect(readDate(fromExcelValue(new Date('2026-12-31T00:00:00Z')))).toEqual({ ok: true, date: '2026-12-31' });
    expect(readDate(fromExcelValue(new Date('2026-12-30T23:59:59.999Z')))).toEqual({ ok: true, date: '2026-12-31' });
  });
});
