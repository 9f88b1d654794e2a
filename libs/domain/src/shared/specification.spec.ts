import { sheetNumberDecider, type ClaimSheetNumber } from '../sheet';
import { specFor } from './specification';

const context = { actor: { userId: 'u1', role: 'org_dept' as const, unitId: null }, now: '2026-03-01T09:00:00+08:00', today: '2026-03-01' };
const claim = (sheetId: string): ClaimSheetNumber => ({ type: 'ClaimSheetNumber', context, data: { number: 'HY-1', sheetId } });
const claimed = { type: 'SheetNumberClaimed' as const, data: { number: 'HY-1', sheetId: 's1' } };
const { given } = specFor(sheetNumberDecider);

describe('the given/when/then helper', () => {
  it('passes when the events match and fails when they differ', () => {
    expect(given([]).when(claim('s1')).then([claimed])).toEqual([claimed]);
    expect(() => given([]).when(claim('s2')).then([claimed])).toThrow(/unexpected events/);
  });

  it('fails when events were expected but the decider rejected, and the other way round', () => {
    expect(() => given([claimed]).when(claim('s2')).then([])).toThrow(/got a rejection/);
    expect(() => given([]).when(claim('s1')).thenRejects('SHEET_NUMBER_TAKEN')).toThrow(/got events/);
  });

  it('checks the rejection code and, when asked, whether it is a 403', () => {
    expect(given([claimed]).when(claim('s2')).thenRejects('SHEET_NUMBER_TAKEN').code).toBe('SHEET_NUMBER_TAKEN');
    expect(() => given([claimed]).when(claim('s2')).thenRejects('OTHER')).toThrow(/unexpected rejection/);
    expect(() => given([claimed]).when(claim('s2')).thenRejects('SHEET_NUMBER_TAKEN', { forbidden: true })).toThrow(/forbidden/);
  });
});
