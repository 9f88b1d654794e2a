import { EVENT_TYPES, type LedgerEvent } from '@ledger/contracts/events';
import { contextFor } from './testing';
import {
  AGGREGATES,
  fold,
  handle,
  isRejection,
  ITEM_EVENT_TYPES,
  itemDecider,
  REJECTION_CODES,
  REJECTION_MESSAGES,
  routeCommand,
  unitDecider,
  type LedgerCommand,
} from './index';

const org = contextFor('org_dept');
const registered: LedgerEvent = { type: 'UnitRegistered', data: { unitId: 'county', name: '湟源县委', kind: 'county_committee', parentId: null } };

describe('the registry the generic command path uses', () => {
  it.each<[LedgerCommand, string, string]>([
    [{ type: 'RenameUnit', context: org, data: { unitId: 'u1', name: 'x' } }, 'unit', 'unit-u1'],
    [{ type: 'LeaveCadre', context: org, data: { cadreId: 'c1', reason: 'x' } }, 'cadre', 'cadre-c1'],
    [{ type: 'IssueSheet', context: org, data: { sheetId: 's1', number: 'N-1', title: 't', issuedOn: '2026-03-01' } }, 'sheet', 'sheet-s1'],
    [{ type: 'ClaimSheetNumber', context: org, data: { sheetId: 's1', number: 'N-1' } }, 'sheetNumber', 'sheet_number-N-1'],
    [{ type: 'AcknowledgeItem', context: org, data: { itemId: 'i1' } }, 'item', 'item-i1'],
    [{ type: 'CloseAccount', context: org, data: { accountId: 'a1' } }, 'account', 'account-a1'],
    [{ type: 'ClaimAccountLogin', context: org, data: { accountId: 'a1', login: 'Zhang.San' } }, 'accountLogin', 'account_login-zhang.san'],
  ])('routes %#: %j', (command, aggregate, stream) => {
    const route = routeCommand(command);
    expect(route).toEqual({ aggregate, stream, decider: AGGREGATES[aggregate as keyof typeof AGGREGATES].decider });
  });

  it('folds a stream into state and decides on it', () => {
    expect(fold(unitDecider, [])).toEqual({ status: 'unregistered' });
    expect(fold(unitDecider, [registered])).toMatchObject({ status: 'active', name: '湟源县委' });
    expect(handle(unitDecider, [registered], { type: 'RenameUnit', context: org, data: { unitId: 'county', name: '中共湟源县委' } })).toEqual([
      { type: 'UnitRenamed', data: { unitId: 'county', name: '中共湟源县委', previousName: '湟源县委' } },
    ]);
    const again = handle(unitDecider, [registered], { type: 'RenameUnit', context: org, data: { unitId: 'county', name: '湟源县委' } });
    expect(isRejection(again) && again.code).toBe('UNIT_NAME_UNCHANGED');
  });

  it('leaves a state alone when folding an event of another aggregate', () => {
    expect(fold(itemDecider, [registered])).toEqual({ status: 'unassigned' });
  });

  it('the item decider folds every item event of the catalogue', () => {
    const itemish = EVENT_TYPES.filter((t) => !/^(Unit|Cadre|Sheet|Account(?!ability))/.test(t));
    expect([...ITEM_EVENT_TYPES].sort()).toEqual(itemish.sort());
  });
});

describe('rejection codes', () => {
  it('are unique SCREAMING_SNAKE names, each with a Chinese message', () => {
    expect(new Set(REJECTION_CODES).size).toBe(REJECTION_CODES.length);
    for (const code of REJECTION_CODES) {
      expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(REJECTION_MESSAGES[code]).toMatch(/[\u4e00-\u9fff]/);
    }
  });
  it('include the ones the API documents', () => {
    expect(REJECTION_CODES).toEqual(
      expect.arrayContaining(['ITEM_NOT_REPORTED', 'ROLE_NOT_ALLOWED', 'OUT_OF_SCOPE', 'SHEET_NUMBER_TAKEN', 'DECISION_ALREADY_REVOKED']),
    );
  });
});
