import { draftFor, type NotifiedEvent, type NotifiedItem } from './rules';

const item: NotifiedItem = { itemId: 'i1', title: '落实三会一课', unitId: 'V1', leaderId: 'K3', dueDate: '2026-03-05' };
const escalated = (level: 'reminder' | 'urge' | 'notice' | 'listed', step: number, daysOverdue: number): NotifiedEvent<'ItemEscalated'> => ({
  type: 'ItemEscalated',
  data: { itemId: 'i1', step, level, dueDate: '2026-03-05', daysOverdue },
  actorRole: 'system',
});

describe('notifications of the escalation ladder (ItemEscalated)', () => {
  it('挂牌督办 goes to the unit and its responsible leader', () => {
    expect(draftFor(escalated('listed', 15, 15), item)).toEqual({
      kind: 'escalated',
      audiences: [
        { role: 'unit', unitId: 'V1' },
        { role: 'leader', unitId: 'V1' },
      ],
      title: '【挂牌督办】落实三会一课',
      lines: ['完成时限 2026-03-05 已过 15 天，请立即办结并反馈。'],
    });
  });
  it('催办 and 督办 go to the unit alone; 提醒 on the due date says so', () => {
    expect(draftFor(escalated('urge', 3, 3), item)).toMatchObject({ title: '【催办】落实三会一课', audiences: [{ role: 'unit', unitId: 'V1' }] });
    expect(draftFor(escalated('notice', 7, 9), item)).toMatchObject({
      title: '【督办】落实三会一课',
      lines: ['完成时限 2026-03-05 已过 9 天，请立即办结并反馈。'],
    });
    expect(draftFor(escalated('reminder', 0, 0), item)).toMatchObject({ title: '【提醒】落实三会一课', lines: ['今天是完成时限（2026-03-05），请按期办结。'] });
  });
});
