import type { EventOf } from '@ledger/contracts/events';
import { specFor } from '../shared/specification';
import { contextFor } from '../testing';
import { sheetDecider, sheetStream, type IssueSheet } from './sheet';
import { sheetNumberDecider, sheetNumberStream, type ClaimSheetNumber } from './sheet-number';

const org = contextFor('org_dept');

describe('sheet decider (交办单)', () => {
  const { given } = specFor(sheetDecider);
  const issue = (over: Partial<IssueSheet['data']> = {}, context = org): IssueSheet => ({
    type: 'IssueSheet',
    context,
    data: { sheetId: 's1', number: '湟组交〔2026〕1号', title: '基层党建重点任务', issuedOn: '2026-03-01', ...over },
  });
  const issued: EventOf<'SheetIssued'> = {
    type: 'SheetIssued',
    data: { sheetId: 's1', number: '湟组交〔2026〕1号', title: '基层党建重点任务', source: null, issuedOn: '2026-03-01' },
  };

  it('names its stream sheet-<id>', () => expect(sheetStream('s1')).toBe('sheet-s1'));
  it('issues a sheet', () => void given([]).when(issue()).then([issued]));
  it('rejects issuing the same sheet twice', () => void given([issued]).when(issue()).thenRejects('SHEET_ALREADY_ISSUED'));
  it('requires a number, a title and a county date', () => {
    given([])
      .when(issue({ number: ' ' }))
      .thenRejects('SHEET_NUMBER_REQUIRED');
    given([])
      .when(issue({ title: '' }))
      .thenRejects('NAME_REQUIRED');
    given([])
      .when(issue({ issuedOn: '2026-3-1' }))
      .thenRejects('INVALID_DATE');
  });
  it('is for the organisation department only', () => {
    for (const role of ['admin', 'unit', 'inspector', 'discipline'] as const) {
      given([])
        .when(issue({}, contextFor(role)))
        .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
    }
  });
});

describe('sheet number claim decider', () => {
  const { given } = specFor(sheetNumberDecider);
  const claim = (sheetId: string, context = org): ClaimSheetNumber => ({ type: 'ClaimSheetNumber', context, data: { number: 'HY-7', sheetId } });
  const claimed: EventOf<'SheetNumberClaimed'> = { type: 'SheetNumberClaimed', data: { number: 'HY-7', sheetId: 's1' } };

  it('names its stream sheet_number-<number>', () => expect(sheetNumberStream('HY-7')).toBe('sheet_number-HY-7'));
  it('claims a free number', () => void given([]).when(claim('s1')).then([claimed]));
  it('rejects a number another sheet holds', () => void given([claimed]).when(claim('s2')).thenRejects('SHEET_NUMBER_TAKEN'));
  it('is idempotent for the sheet that holds it', () => void given([claimed]).when(claim('s1')).then([]));
  it('is for the organisation department only', () => {
    given([])
      .when(claim('s1', contextFor('unit')))
      .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
  });
});
