import { EVENT_LABELS, isEventType, type AccountabilityTarget, type UrgeLevel } from '@ledger/contracts/events';
import type { StoredEvent } from '@ledger/event-store';
import { countyDateOf, daysBetween, type TemporalQueries } from '@ledger/read-models';

export interface NameOfThen {
  id: string;
  /** null when the read models know no name for the id at that position. */
  name: string | null;
}

export interface CadreOfThen extends NameOfThen {
  post: string | null;
  /** The cadre's own unit then (a cadre transferred later keeps this one in old entries). */
  unit: NameOfThen | null;
}

/** The names an entry shows, as they were when the event was recorded (never the current tree's). */
export interface TimelineNames {
  /** The handling unit (承办单位) in force after the event. */
  unit: NameOfThen | null;
  /** The responsible cadre (责任人) in force after the event. */
  cadre: CadreOfThen | null;
  /** The acting user's unit (unit users); null for county-level roles. */
  actorUnit: NameOfThen | null;
  leader?: NameOfThen;
  /** Reassignments: the unit and cadre before. */
  previousUnit?: NameOfThen;
  previousCadre?: CadreOfThen;
  /** Accountability referrals and decisions: their target. */
  targets?: (NameOfThen & { kind: AccountabilityTarget['kind'] })[];
}

type Data = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The Chinese label of an event type (EVENT_LABELS); the stored name when unknown. */
export function labelOf(type: string): string {
  return isEventType(type) ? EVENT_LABELS[type] : type;
}

/**
 * For each event of an item's stream, the names of units and cadres as they stood at its position,
 * from the temporal read models (unit and cadre versions valid from one position to another).
 */
export async function namesOfThen(temporal: TemporalQueries, events: StoredEvent[]): Promise<TimelineNames[]> {
  const unitIds = new Set<string>();
  const cadreIds = new Set<string>();
  let unitId: string | null = null;
  let cadreId: string | null = null;
  let leaderId: string | null = null;
  const steps = events.map((e) => {
    const d = (e.data ?? {}) as Data;
    const previousUnitId = e.type === 'ItemReassigned' ? str(d.previousUnitId) : null;
    const previousCadreId = e.type === 'ItemReassigned' ? str(d.previousCadreId) : null;
    if (e.type === 'ItemAssigned' || e.type === 'ItemReassigned') {
      unitId = str(d.unitId) ?? unitId;
      cadreId = str(d.cadreId) ?? cadreId;
      if (e.type === 'ItemAssigned') leaderId = str(d.leaderId);
    }
    const actorUnitId = str((e.metadata?.actor as Data | undefined)?.unitId);
    const target = d.target as AccountabilityTarget | undefined;
    const targets = target && typeof target.id === 'string' ? [target] : [];
    for (const id of [unitId, previousUnitId, actorUnitId, ...targets.filter((t) => t.kind === 'unit').map((t) => t.id)]) if (id) unitIds.add(id);
    for (const id of [cadreId, leaderId, previousCadreId, ...targets.filter((t) => t.kind === 'cadre').map((t) => t.id)]) if (id) cadreIds.add(id);
    return { position: Number(e.position), unitId, cadreId, leaderId, actorUnitId, previousUnitId, previousCadreId, targets };
  });
  const cadreAt = await temporal.cadresAt([...cadreIds]);
  for (const id of cadreIds)
    for (const s of steps) {
      const c = cadreAt(id, s.position);
      if (c) unitIds.add(c.unitId);
    }
  const unitAt = await temporal.unitNamesAt([...unitIds].map((id) => ({ id, position: 0 })));
  const unit = (id: string | null, position: number): NameOfThen | null => (id ? { id, name: unitAt(id, position)?.name ?? null } : null);
  const cadre = (id: string | null, position: number): CadreOfThen | null => {
    if (!id) return null;
    const c = cadreAt(id, position);
    return { id, name: c?.name ?? null, post: c?.post ?? null, unit: c ? unit(c.unitId, position) : null };
  };
  return steps.map((s) => {
    const names: TimelineNames = {
      unit: unit(s.unitId, s.position),
      cadre: cadre(s.cadreId, s.position),
      actorUnit: unit(s.actorUnitId, s.position),
    };
    if (s.leaderId) names.leader = { id: s.leaderId, name: cadreAt(s.leaderId, s.position)?.name ?? null };
    if (s.previousUnitId) names.previousUnit = unit(s.previousUnitId, s.position)!;
    if (s.previousCadreId) names.previousCadre = cadre(s.previousCadreId, s.position)!;
    if (s.targets.length) {
      names.targets = s.targets.map((t) => ({
        kind: t.kind,
        id: t.id,
        name: t.kind === 'unit' ? (unitAt(t.id, s.position)?.name ?? null) : (cadreAt(t.id, s.position)?.name ?? null),
      }));
    }
    return names;
  });
}

/** `GET /items/:id/figures`: what the item's closed loop took, counted from its own stream. */
export interface ItemFigures {
  itemId: string;
  /** County date of the assignment (定责). */
  assignedOn: string | null;
  /** The date the latest conclusion states (办结); null while never concluded. */
  concludedOn: string | null;
  /** Calendar days from assignedOn to concludedOn. */
  daysToConclusion: number | null;
  returns: number;
  extensionRequests: number;
  extensions: number;
  extensionRefusals: number;
  urges: number;
  urgesByLevel: Record<UrgeLevel, number>;
  reopenings: number;
  deadlinesMissed: number;
  accountabilityDecisions: number;
}

export function itemFigures(itemId: string, events: StoredEvent[]): ItemFigures {
  const f: ItemFigures = {
    itemId,
    assignedOn: null,
    concludedOn: null,
    daysToConclusion: null,
    returns: 0,
    extensionRequests: 0,
    extensions: 0,
    extensionRefusals: 0,
    urges: 0,
    urgesByLevel: { reminder: 0, urge: 0, notice: 0, listed: 0 },
    reopenings: 0,
    deadlinesMissed: 0,
    accountabilityDecisions: 0,
  };
  for (const e of events) {
    const d = (e.data ?? {}) as Data;
    switch (e.type) {
      case 'ItemAssigned':
        f.assignedOn = countyDateOf(e.recordedAt);
        break;
      case 'ItemConcluded':
        f.concludedOn = str(d.concludedOn);
        break;
      case 'CompletionReturned':
        f.returns++;
        break;
      case 'ExtensionRequested':
        f.extensionRequests++;
        break;
      case 'ExtensionGranted':
        f.extensions++;
        break;
      case 'ExtensionRefused':
        f.extensionRefusals++;
        break;
      case 'ItemUrged':
        f.urges++;
        if (typeof d.level === 'string' && d.level in f.urgesByLevel) f.urgesByLevel[d.level as UrgeLevel]++;
        break;
      case 'ItemReopened':
        f.reopenings++;
        break;
      case 'DeadlineMissed':
        f.deadlinesMissed++;
        break;
      case 'AccountabilityDecided':
        f.accountabilityDecisions++;
        break;
    }
  }
  if (f.assignedOn && f.concludedOn) f.daysToConclusion = daysBetween(f.assignedOn, f.concludedOn);
  return f;
}
