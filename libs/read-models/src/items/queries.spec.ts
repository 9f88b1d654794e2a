import type { ItemVersionRow } from '../temporal/entities';
import { toItemView } from './queries';

describe('toItemView', () => {
  // A version as the temporal fold holds it: the item row's columns, its key, its validity and counts.
  const version: ItemVersionRow = {
    id: 'I1',
    fromPosition: 7,
    toPosition: Number.MAX_SAFE_INTEGER,
    fromAt: '2026-03-02T01:00:00.000Z',
    assignedOn: '2026-03-01',
    returns: 1,
    extensions: 0,
    urges: 2,
    sheetId: 'S1',
    title: '整改台账',
    requirements: '按期整改',
    unitId: 'U1',
    supportUnitIds: ['U2'],
    cadreId: 'C1',
    leaderId: null,
    status: 'in_progress',
    dueDate: '2026-03-10',
    originalDueDate: '2026-03-05',
    concludedOn: null,
    onTime: null,
    urgeLevel: 'urge',
    accountabilityCount: 1,
    liveDecisionIds: '["D1"]',
    deadlineMissedFor: '2026-03-05',
    createdAt: '2026-03-01T01:00:00.000Z',
    updatedAt: '2026-03-02T01:00:00.000Z',
    revision: 6,
    position: '7',
  };

  it('shows the stored fields of the view and what depends on today, nothing of the version or the fold', () => {
    // Written out by hand: API.md's ItemView, due in 2 days with a 3-day window (yellow), not overdue.
    expect(toItemView(version, '2026-03-08', 3)).toStrictEqual({
      id: 'I1',
      sheetId: 'S1',
      title: '整改台账',
      requirements: '按期整改',
      unitId: 'U1',
      supportUnitIds: ['U2'],
      cadreId: 'C1',
      leaderId: null,
      status: 'in_progress',
      light: 'yellow',
      overdue: false,
      dueDate: '2026-03-10',
      originalDueDate: '2026-03-05',
      concludedOn: null,
      onTime: null,
      createdAt: '2026-03-01T01:00:00.000Z',
      updatedAt: '2026-03-02T01:00:00.000Z',
      revision: 6,
      position: '7',
      urgeLevel: 'urge',
      accountabilityCount: 1,
    });
  });

  it('answers SQLite 0/1 booleans as booleans, and red once past due', () => {
    const view = toItemView({ ...version, status: 'reported', onTime: 0 as unknown as boolean }, '2026-03-11', 3);
    expect([view.onTime, view.light, view.overdue]).toEqual([false, 'red', true]);
  });
});
