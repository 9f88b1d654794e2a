import { randomUUID } from 'node:crypto';
import { SCHEMA_VERSIONS, STREAM_PREFIX, type Actor, type EventPayloads, type EventType } from '@ledger/contracts/events';
import type { AppendResult, EventStore } from '@ledger/event-store';

const ACTOR: Actor = { userId: 'u-org', role: 'org_dept', unitId: null, name: '组织部' };

function streamOf(type: EventType, data: Record<string, unknown>): string {
  if (type.startsWith('Unit')) return STREAM_PREFIX.unit + data.unitId;
  if (type.startsWith('Cadre')) return STREAM_PREFIX.cadre + data.cadreId;
  if (type === 'SheetIssued') return STREAM_PREFIX.sheet + data.sheetId;
  if (type === 'SheetNumberClaimed') return STREAM_PREFIX.sheetNumber + data.number;
  return STREAM_PREFIX.item + data.itemId;
}

/** Appends real event envelopes to a real store, as the command side would (test and bench support). */
export class EventScript {
  /** Instant the next events are recorded at; tests move it on. */
  at = '2026-03-01T09:00:00+08:00';

  constructor(readonly store: EventStore) {}

  append<K extends EventType>(type: K, data: EventPayloads[K], options: { schemaVersion?: number } = {}): Promise<AppendResult> {
    return this.store.append(
      streamOf(type, data as unknown as Record<string, unknown>),
      [
        {
          id: randomUUID(),
          type,
          schemaVersion: options.schemaVersion ?? SCHEMA_VERSIONS[type],
          data,
          metadata: { actor: ACTOR, correlationId: randomUUID(), causationId: randomUUID(), recordedAt: this.at },
        },
      ],
      'any',
    );
  }

  unit(unitId: string, name: string, parentId: string | null, kind: EventPayloads['UnitRegistered']['kind'] = 'branch') {
    return this.append('UnitRegistered', { unitId, name, kind, parentId });
  }

  cadre(cadreId: string, name: string, unitId: string, post = '书记') {
    return this.append('CadreRegistered', { cadreId, name, unitId, post });
  }

  sheet(sheetId: string, number: string) {
    return this.append('SheetIssued', { sheetId, number, title: `交办单 ${number}`, source: null, issuedOn: '2026-03-01' });
  }

  assign(itemId: string, unitId: string, cadreId: string, dueDate: string, sheetId = 's1') {
    return this.append('ItemAssigned', {
      itemId,
      sheetId,
      title: `事项 ${itemId}`,
      requirements: '按期办结',
      unitId,
      supportUnitIds: [],
      cadreId,
      leaderId: null,
      dueDate,
    });
  }

  acknowledge(itemId: string, unitId: string) {
    return this.append('ItemAcknowledged', { itemId, unitId });
  }
  report(itemId: string) {
    return this.append('CompletionReported', { itemId, summary: '已完成', evidence: [] });
  }
  returnIt(itemId: string) {
    return this.append('CompletionReturned', { itemId, reason: '材料不全' });
  }
  conclude(itemId: string, concludedOn: string, dueDate: string) {
    return this.append('ItemConcluded', { itemId, note: null, concludedOn, dueDate, onTime: concludedOn <= dueDate });
  }
  strikeOff(itemId: string) {
    return this.append('ItemStruckOff', { itemId, note: '核验销号' });
  }
  withdraw(itemId: string) {
    return this.append('ItemWithdrawn', { itemId, reason: '重复交办' });
  }
  urge(itemId: string, level: EventPayloads['ItemUrged']['level']) {
    return this.append('ItemUrged', { itemId, level, channel: null, note: null });
  }
}
