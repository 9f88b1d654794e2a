import type { EventOf } from '@ledger/contracts/events';
import { specFor } from '../shared/specification';
import { contextFor } from '../testing';
import { unitDecider, unitStream, type UnitCommand } from './unit';

const { given } = specFor(unitDecider);
const org = contextFor('org_dept');
const live = { exists: true, dissolved: false };

const countyRegistered: EventOf<'UnitRegistered'> = {
  type: 'UnitRegistered',
  data: { unitId: 'county', name: '湟源县委', kind: 'county_committee', parentId: null },
};
const townshipRegistered: EventOf<'UnitRegistered'> = {
  type: 'UnitRegistered',
  data: { unitId: 'hp', name: '和平乡党委', kind: 'township_committee', parentId: 'county' },
};
const registerTownship = (over: Partial<Extract<UnitCommand, { type: 'RegisterUnit' }>> = {}): UnitCommand => ({
  type: 'RegisterUnit',
  context: org,
  data: { unitId: 'hp', name: '和平乡党委', kind: 'township_committee', parentId: 'county' },
  facts: { parent: live },
  ...over,
});
const rename = (name: string): UnitCommand => ({ type: 'RenameUnit', context: org, data: { unitId: 'hp', name } });
const move = (parentId: string, facts = { parent: live, newParentIsSelfOrDescendant: false }): UnitCommand => ({
  type: 'MoveUnit',
  context: org,
  data: { unitId: 'hp', parentId },
  facts,
});
const dissolve = (facts = { liveChildren: 0, openItems: 0 }): UnitCommand => ({
  type: 'DissolveUnit',
  context: org,
  data: { unitId: 'hp', reason: '乡镇合并' },
  facts,
});
const dissolved: EventOf<'UnitDissolved'> = { type: 'UnitDissolved', data: { unitId: 'hp', reason: '乡镇合并' } };

describe('unit decider', () => {
  it('names its stream unit-<id>', () => expect(unitStream('hp')).toBe('unit-hp'));

  describe('RegisterUnit', () => {
    it('registers a unit under a live parent', () => {
      given([]).when(registerTownship()).then([townshipRegistered]);
    });
    it('lets the county committee stand at the root', () => {
      given([])
        .when({ type: 'RegisterUnit', context: org, data: { ...countyRegistered.data }, facts: { parent: null } })
        .then([countyRegistered]);
    });
    it('lets a province committee stand at the root, with county committees under it', () => {
      const province = { unitId: 'qh', name: '青海省委', kind: 'province_committee' as const, parentId: null };
      given([])
        .when({ type: 'RegisterUnit', context: org, data: province, facts: { parent: null } })
        .then([{ type: 'UnitRegistered', data: province }]);
      given([])
        .when({ type: 'RegisterUnit', context: org, data: { ...countyRegistered.data, parentId: 'qh' }, facts: { parent: live } })
        .then([{ ...countyRegistered, data: { ...countyRegistered.data, parentId: 'qh' } }]);
    });
    it('requires a parent for every other kind', () => {
      given([])
        .when(registerTownship({ data: { ...townshipRegistered.data, parentId: null }, facts: { parent: null } }))
        .thenRejects('PARENT_REQUIRED');
    });
    it('rejects a parent that does not exist', () => {
      given([])
        .when(registerTownship({ facts: { parent: { exists: false, dissolved: false } } }))
        .thenRejects('PARENT_NOT_FOUND');
    });
    it('rejects a dissolved parent', () => {
      given([])
        .when(registerTownship({ facts: { parent: { exists: true, dissolved: true } } }))
        .thenRejects('PARENT_DISSOLVED');
    });
    it('rejects a unit that is its own parent', () => {
      given([])
        .when(registerTownship({ data: { ...townshipRegistered.data, parentId: 'hp' } }))
        .thenRejects('MOVE_WOULD_CREATE_CYCLE');
    });
    it('rejects an unknown kind and an empty name', () => {
      given([])
        .when(registerTownship({ data: { ...townshipRegistered.data, kind: 'bureau' as never } }))
        .thenRejects('INVALID_UNIT_KIND');
      given([])
        .when(registerTownship({ data: { ...townshipRegistered.data, name: '  ' } }))
        .thenRejects('NAME_REQUIRED');
    });
    it('rejects registering the same id twice', () => {
      given([townshipRegistered]).when(registerTownship()).thenRejects('UNIT_ALREADY_EXISTS');
    });
    it('is for admin and the organisation department only', () => {
      given([])
        .when(registerTownship({ context: contextFor('admin') }))
        .then([townshipRegistered]);
      for (const role of ['unit', 'inspector', 'discipline', 'system'] as const) {
        given([])
          .when(registerTownship({ context: contextFor(role) }))
          .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
      }
    });
  });

  describe('RenameUnit', () => {
    it('renames, keeping the previous name in the event', () => {
      given([townshipRegistered])
        .when(rename('和平乡委员会'))
        .then([{ type: 'UnitRenamed', data: { unitId: 'hp', name: '和平乡委员会', previousName: '和平乡党委' } }]);
    });
    it('rejects renaming to the same name', () => {
      given([townshipRegistered]).when(rename('和平乡党委')).thenRejects('UNIT_NAME_UNCHANGED');
    });
    it('rejects an unknown or dissolved unit', () => {
      given([]).when(rename('x')).thenRejects('UNIT_NOT_FOUND');
      given([townshipRegistered, dissolved]).when(rename('x')).thenRejects('UNIT_DISSOLVED');
    });
  });

  describe('MoveUnit', () => {
    it('moves under another live parent', () => {
      given([townshipRegistered])
        .when(move('wc'))
        .then([{ type: 'UnitMoved', data: { unitId: 'hp', parentId: 'wc', previousParentId: 'county' } }]);
    });
    it('never makes a cycle: not under itself, not under a descendant', () => {
      given([townshipRegistered]).when(move('hp')).thenRejects('MOVE_WOULD_CREATE_CYCLE');
      given([townshipRegistered])
        .when(move('chaqu', { parent: live, newParentIsSelfOrDescendant: true }))
        .thenRejects('MOVE_WOULD_CREATE_CYCLE');
    });
    it('rejects a missing or dissolved parent, and a move to the same parent', () => {
      given([townshipRegistered])
        .when(move('wc', { parent: { exists: false, dissolved: false }, newParentIsSelfOrDescendant: false }))
        .thenRejects('PARENT_NOT_FOUND');
      given([townshipRegistered])
        .when(move('wc', { parent: { exists: true, dissolved: true }, newParentIsSelfOrDescendant: false }))
        .thenRejects('PARENT_DISSOLVED');
      given([townshipRegistered]).when(move('county')).thenRejects('UNIT_PARENT_UNCHANGED');
    });
    it('fails closed when the application did not resolve the ancestry', () => {
      given([townshipRegistered])
        .when({ type: 'MoveUnit', context: org, data: { unitId: 'hp', parentId: 'wc' } } as unknown as UnitCommand)
        .thenRejects('MOVE_WOULD_CREATE_CYCLE');
    });
    it('rejects moving a dissolved unit', () => {
      given([townshipRegistered, dissolved]).when(move('wc')).thenRejects('UNIT_DISSOLVED');
    });
  });

  describe('DissolveUnit', () => {
    it('dissolves a unit without live children or open items', () => {
      given([townshipRegistered]).when(dissolve()).then([dissolved]);
    });
    it('rejects a unit with live children', () => {
      given([townshipRegistered])
        .when(dissolve({ liveChildren: 2, openItems: 0 }))
        .thenRejects('UNIT_HAS_LIVE_CHILDREN');
    });
    it('rejects a unit with open items', () => {
      given([townshipRegistered])
        .when(dissolve({ liveChildren: 0, openItems: 1 }))
        .thenRejects('UNIT_HAS_OPEN_ITEMS');
    });
    it('rejects dissolving twice, and an unknown unit', () => {
      given([townshipRegistered, dissolved]).when(dissolve()).thenRejects('UNIT_ALREADY_DISSOLVED');
      given([]).when(dissolve()).thenRejects('UNIT_NOT_FOUND');
    });
    it('fails closed when the application did not count children and items', () => {
      given([townshipRegistered])
        .when({ type: 'DissolveUnit', context: org, data: { unitId: 'hp', reason: '乡镇合并' } } as unknown as UnitCommand)
        .thenRejects('UNIT_HAS_LIVE_CHILDREN');
    });
    it('requires a reason', () => {
      given([townshipRegistered])
        .when({ type: 'DissolveUnit', context: org, data: { unitId: 'hp', reason: '' }, facts: { liveChildren: 0, openItems: 0 } })
        .thenRejects('REASON_REQUIRED');
    });
  });

  it('folds its history: renamed, moved, dissolved', () => {
    const { state } = given([
      townshipRegistered,
      { type: 'UnitRenamed', data: { unitId: 'hp', name: '新名', previousName: '和平乡党委' } },
      { type: 'UnitMoved', data: { unitId: 'hp', parentId: 'wc', previousParentId: 'county' } },
      dissolved,
    ]);
    expect(state).toEqual({ status: 'dissolved', unitId: 'hp', name: '新名', kind: 'township_committee', parentId: 'wc', reason: '乡镇合并' });
  });
});
