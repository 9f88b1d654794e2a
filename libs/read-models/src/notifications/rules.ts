import { ACCOUNTABILITY_FORM_LABELS, URGE_LEVEL_LABELS, type EventPayloads, type EventType } from '@ledger/contracts/events';

/**
 * Who a message is for: a role, and for the unit's own people the unit. The channel configuration
 * (routing.ts) says which channels reach each audience.
 * - unit: the handling unit's handlers (承办单位经办人);
 * - leader: the unit's accountable leader (分管领导, the item's leaderId);
 * - inspector: 督查室; discipline: 县纪委监委; org_dept: 县委组织部.
 */
export type AudienceRole = 'unit' | 'leader' | 'inspector' | 'discipline' | 'org_dept';
export const AUDIENCE_ROLES: readonly AudienceRole[] = ['unit', 'leader', 'inspector', 'discipline', 'org_dept'];

export interface Audience {
  role: AudienceRole;
  /** The unit whose people (unit, leader) it addresses; null for the county's offices. */
  unitId: string | null;
}

export function audienceKey(a: Audience): string {
  return a.unitId === null ? a.role : `${a.role}:${a.unitId}`;
}

/** What a message needs of its item, folded by the notifier itself (nt_item) so it never waits on the read models. */
export interface NotifiedItem {
  itemId: string;
  title: string;
  unitId: string;
  leaderId: string | null;
  dueDate: string;
}

/** An event as the notifier sees it: its payload and who recorded it. */
export interface NotifiedEvent<T extends EventType = EventType> {
  type: T;
  data: EventPayloads[T];
  actorRole: string | null;
}

/** A message before routing: its kind, audiences and words (zh-CN; lines become paragraphs). */
export interface Draft {
  kind: string;
  audiences: Audience[];
  title: string;
  lines: string[];
}

type Rule<T extends EventType> = (e: NotifiedEvent<T>, item: NotifiedItem) => Draft | null;

const unit = (item: NotifiedItem): Audience => ({ role: 'unit', unitId: item.unitId });
const unitAndLeader = (item: NotifiedItem): Audience[] => [unit(item), { role: 'leader', unitId: item.unitId }];
const county = (role: AudienceRole): Audience => ({ role, unitId: null });
const due = (item: NotifiedItem) => `完成时限：${item.dueDate}`;

/**
 * The event → message table: one entry per event type that tells someone something. `item` is the
 * item as it stands after the event. Returning null sends nothing. Add a type here to notify it.
 */
export const NOTIFICATION_RULES: { readonly [T in EventType]?: Rule<T> } = {
  ItemAssigned: (e, item) => ({
    kind: 'assigned',
    audiences: [unit(item)],
    title: `【交办】${item.title}`,
    lines: [e.data.requirements, due(item), '请及时签收办理。'].filter(Boolean),
  }),
  ItemReassigned: (e, item) => ({
    kind: 'assigned',
    audiences: [unit(item)],
    title: `【改派交办】${item.title}`,
    lines: [`改派原因：${e.data.reason}`, due(item), '请及时签收办理。'],
  }),
  CompletionReturned: (e, item) => ({
    kind: 'returned',
    audiences: [unit(item)],
    title: `【退回】${item.title}`,
    lines: [`退回原因：${e.data.reason}`, due(item)],
  }),
  // The deadline process's reminder before the due date is the due-soon notice (to the leader too); anyone else's is an urge.
  ItemUrged: (e, item) =>
    e.actorRole === 'system' && e.data.level === 'reminder'
      ? { kind: 'due_soon', audiences: unitAndLeader(item), title: `【临期】${item.title}`, lines: [due(item), '即将到期，请抓紧办理。'] }
      : {
          kind: 'urged',
          audiences: [unit(item)],
          title: `【${URGE_LEVEL_LABELS[e.data.level]}】${item.title}`,
          lines: [e.data.note ?? '', due(item)].filter(Boolean),
        },
  DeadlineMissed: (e, item) => ({
    kind: 'overdue',
    audiences: unitAndLeader(item),
    title: `【逾期】${item.title}`,
    lines: [`完成时限 ${e.data.dueDate} 已过，事项尚未办结。`],
  }),
  // The escalation ladder: every step to the unit; 挂牌督办 (listed) to its responsible leader too.
  ItemEscalated: (e, item) => ({
    kind: 'escalated',
    audiences: e.data.level === 'listed' ? unitAndLeader(item) : [unit(item)],
    title: `【${URGE_LEVEL_LABELS[e.data.level]}】${item.title}`,
    lines: [
      e.data.daysOverdue === 0
        ? `今天是完成时限（${e.data.dueDate}），请按期办结。`
        : `完成时限 ${e.data.dueDate} 已过 ${e.data.daysOverdue} 天，请立即办结并反馈。`,
    ],
  }),
  CompletionReported: (e, item) => ({
    kind: 'awaiting_review',
    audiences: [county('inspector')],
    title: `【待审核】${item.title}`,
    lines: [`办结报告：${e.data.summary}`],
  }),
  AccountabilityReferred: (e, item) =>
    e.data.to === 'discipline'
      ? { kind: 'accountability', audiences: [county('discipline')], title: `【问责移送】${item.title}`, lines: [e.data.note ?? ''].filter(Boolean) }
      : null,
  AccountabilityDecided: (e, item) => ({
    kind: 'accountability',
    audiences: [county('discipline')],
    title: `【问责决定】${item.title}`,
    lines: [
      `问责方式：${ACCOUNTABILITY_FORM_LABELS[e.data.form]}`,
      `决定机关：${e.data.decidedBy}，${e.data.decidedOn}${e.data.documentNo ? `（${e.data.documentNo}）` : ''}`,
    ],
  }),
  AccountabilityRevoked: (e, item) => ({
    kind: 'accountability',
    audiences: [county('discipline')],
    title: `【问责撤销】${item.title}`,
    lines: [`撤销原因：${e.data.reason}`],
  }),
};

/** The item as the notifier keeps it, after `e` (null: an event of no item it knows). */
export function evolveNotifiedItem(item: NotifiedItem | null, e: NotifiedEvent): NotifiedItem | null {
  switch (e.type) {
    case 'ItemAssigned': {
      const d = e.data as EventPayloads['ItemAssigned'];
      return { itemId: d.itemId, title: d.title, unitId: d.unitId, leaderId: d.leaderId, dueDate: d.dueDate };
    }
    case 'ItemReassigned':
      return item && { ...item, unitId: (e.data as EventPayloads['ItemReassigned']).unitId };
    case 'ExtensionGranted':
      return item && { ...item, dueDate: (e.data as EventPayloads['ExtensionGranted']).newDueDate };
    default:
      return item;
  }
}

export function draftFor(e: NotifiedEvent, item: NotifiedItem): Draft | null {
  const rule = NOTIFICATION_RULES[e.type] as Rule<EventType> | undefined;
  return rule ? rule(e, item) : null;
}
