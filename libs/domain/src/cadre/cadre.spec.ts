import type { EventOf } from '@ledger/contracts/events';
import { specFor } from '../shared/specification';
import { contextFor } from '../testing';
import { cadreDecider, cadreStream, type CadreCommand } from './cadre';

const { given } = specFor(cadreDecider);
const org = contextFor('org_dept');
const live = { exists: true, dissolved: false };

const registered: EventOf<'CadreRegistered'> = {
  type: 'CadreRegistered',
  data: { cadreId: 'c1', name: '张三', unitId: 'chaqu', post: '第一书记' },
};
const left: EventOf<'CadreLeft'> = { type: 'CadreLeft', data: { cadreId: 'c1', reason: '退休' } };
const register = (unit = live, context = org): CadreCommand => ({
  type: 'RegisterCadre',
  context,
  data: { cadreId: 'c1', name: '张三', unitId: 'chaqu', post: '第一书记' },
  facts: { unit },
});
const transfer = (unitId: string, post?: string, unit = live): CadreCommand => ({
  type: 'TransferCadre',
  context: org,
  data: { cadreId: 'c1', unitId, post },
  facts: { unit },
});
const leave: CadreCommand = { type: 'LeaveCadre', context: org, data: { cadreId: 'c1', reason: '退休' } };

describe('cadre decider', () => {
  it('names its stream cadre-<id>', () => expect(cadreStream('c1')).toBe('cadre-c1'));

  describe('RegisterCadre', () => {
    it('registers a cadre in a live unit', () => void given([]).when(register()).then([registered]));
    it('rejects an unknown or dissolved unit', () => {
      given([])
        .when(register({ exists: false, dissolved: false }))
        .thenRejects('UNIT_NOT_FOUND');
      given([])
        .when(register({ exists: true, dissolved: true }))
        .thenRejects('UNIT_DISSOLVED');
    });
    it('rejects registering twice', () => void given([registered]).when(register()).thenRejects('CADRE_ALREADY_EXISTS'));
    it('requires a post', () => {
      given([])
        .when({ type: 'RegisterCadre', context: org, data: { ...registered.data, post: '' }, facts: { unit: live } })
        .thenRejects('POST_REQUIRED');
    });
    it('is for admin and the organisation department only', () => {
      given([])
        .when(register(live, contextFor('admin')))
        .then([registered]);
      given([])
        .when(register(live, contextFor('inspector')))
        .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
    });
  });

  describe('TransferCadre', () => {
    it('moves the cadre to another unit, keeping the post unless a new one is given', () => {
      given([registered])
        .when(transfer('mobula'))
        .then([{ type: 'CadreTransferred', data: { cadreId: 'c1', unitId: 'mobula', post: '第一书记', previousUnitId: 'chaqu', previousPost: '第一书记' } }]);
      given([registered])
        .when(transfer('chaqu', '书记'))
        .then([{ type: 'CadreTransferred', data: { cadreId: 'c1', unitId: 'chaqu', post: '书记', previousUnitId: 'chaqu', previousPost: '第一书记' } }]);
    });
    it('rejects a transfer that changes nothing', () => void given([registered]).when(transfer('chaqu')).thenRejects('TRANSFER_CHANGES_NOTHING'));
    it('rejects a dissolved or unknown target unit', () => {
      given([registered])
        .when(transfer('old', undefined, { exists: true, dissolved: true }))
        .thenRejects('UNIT_DISSOLVED');
      given([registered])
        .when(transfer('nowhere', undefined, { exists: false, dissolved: false }))
        .thenRejects('UNIT_NOT_FOUND');
    });
    it('rejects transferring a cadre who left, or an unknown one', () => {
      given([registered, left]).when(transfer('mobula')).thenRejects('CADRE_HAS_LEFT');
      given([]).when(transfer('mobula')).thenRejects('CADRE_NOT_FOUND');
    });
  });

  describe('LeaveCadre', () => {
    it('records the departure', () => void given([registered]).when(leave).then([left]));
    it('rejects leaving twice', () => void given([registered, left]).when(leave).thenRejects('CADRE_HAS_LEFT'));
    it('rejects an unknown cadre', () => void given([]).when(leave).thenRejects('CADRE_NOT_FOUND'));
  });
});
