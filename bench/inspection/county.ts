import { randomUUID } from 'node:crypto';
import { SCHEMA_VERSIONS, STREAM_PREFIX, type Actor, type EventPayloads, type EventType } from '@ledger/contracts/events';
import type { EventStore, NewEvent } from '@ledger/event-store';
import { prng } from '@ledger/read-models/testing/random-county';

/*
 * A county with history over `days` days: units (townships of 40 villages), one cadre per unit,
 * items assigned, acknowledged, urged, returned, extended, reassigned, concluded, struck off or
 * withdrawn; a few renames, moves and cadre transfers along the way. Every event is recorded at an
 * instant that grows with the log (so `asOf` instants spread over the whole history).
 */
export interface AsOfCounty {
  countyId: string;
  townships: string[];
  items: string[];
  firstMs: number;
  lastMs: number;
  events: number;
}

const ORG: Actor = { userId: 'bench-org', role: 'org_dept', unitId: null, name: '县委组织部' };
const INSPECTOR: Actor = { userId: 'bench-inspector', role: 'inspector', unitId: null, name: '督查室' };
const DAY = 86_400_000;

type Planned = { stream: string; type: EventType; data: unknown; actor: Actor };

export async function generateAsOfCounty(
  store: EventStore,
  options: { units: number; items: number; targetEvents: number; days: number; seed?: number; onProgress?: (n: number) => void },
): Promise<AsOfCounty> {
  const rnd = prng(options.seed ?? 11);
  const firstMs = Date.parse('2025-09-01T01:00:00Z');
  const lastMs = firstMs + options.days * DAY;
  const day = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
  const ev = <K extends EventType>(stream: string, type: K, data: EventPayloads[K], actor: Actor = ORG): Planned => ({ stream, type, data, actor });

  const countyId = 'U0000';
  const townshipCount = Math.max(1, Math.round((options.units - 1) / 41));
  const setup: Planned[] = [
    ev(STREAM_PREFIX.unit + countyId, 'UnitRegistered', { unitId: countyId, name: '湟源县委', kind: 'county_committee', parentId: null }),
  ];
  const townships: string[] = [];
  const villages: string[] = [];
  const units: string[] = [countyId];
  for (let t = 0; t < townshipCount; t++) {
    const id = `U${String(units.length).padStart(4, '0')}`;
    units.push(id);
    townships.push(id);
    setup.push(ev(STREAM_PREFIX.unit + id, 'UnitRegistered', { unitId: id, name: `第${t + 1}乡镇党委`, kind: 'township_committee', parentId: countyId }));
  }
  for (let v = 0; units.length < options.units; v++) {
    const id = `U${String(units.length).padStart(4, '0')}`;
    units.push(id);
    villages.push(id);
    setup.push(
      ev(STREAM_PREFIX.unit + id, 'UnitRegistered', {
        unitId: id,
        name: `${townships[v % townshipCount]}-${v}村党支部`,
        kind: 'branch',
        parentId: townships[v % townshipCount],
      }),
    );
  }
  for (const u of units) setup.push(ev(STREAM_PREFIX.cadre + `K${u}`, 'CadreRegistered', { cadreId: `K${u}`, name: `干部${u}`, unitId: u, post: '书记' }));
  setup.push(
    ev(STREAM_PREFIX.sheet + 'S0', 'SheetIssued', { sheetId: 'S0', number: '湟组督〔2025〕1号', title: '责任清单', source: null, issuedOn: day(firstMs) }),
  );

  // Item lives, interleaved in rounds; the organisation's own changes spread over the rounds.
  const perItem = Math.max(2, (options.targetEvents - setup.length) / options.items);
  const lives: Planned[][] = [];
  const items: string[] = [];
  for (let i = 0; i < options.items; i++) {
    const id = `I${String(i).padStart(7, '0')}`;
    items.push(id);
    const s = STREAM_PREFIX.item + id;
    const unitId = rnd() < 0.9 ? villages[Math.floor(rnd() * villages.length)] : townships[Math.floor(rnd() * townships.length)];
    const unitActor: Actor = { userId: `u-${unitId}`, role: 'unit', unitId, name: '支部书记' };
    let dueDate = day(firstMs + Math.floor(rnd() * options.days) * DAY);
    const plan: Planned[] = [
      ev(s, 'ItemAssigned', {
        itemId: id,
        sheetId: 'S0',
        title: `整改事项${i}`,
        requirements: '按期办结',
        unitId,
        supportUnitIds: [],
        cadreId: `K${unitId}`,
        leaderId: null,
        dueDate,
      }),
    ];
    const length = Math.max(2, Math.round(perItem * (0.5 + rnd())));
    const r = rnd();
    if (r < 0.03) plan.push(ev(s, 'ItemWithdrawn', { itemId: id, reason: '重复交办' }));
    else {
      plan.push(ev(s, 'ItemAcknowledged', { itemId: id, unitId }, unitActor));
      const closing = r < 0.5 ? 0 : r < 0.6 ? 1 : r < 0.85 ? 2 : 3;
      while (plan.length < length - closing) {
        const k = rnd();
        if (k < 0.45) plan.push(ev(s, 'ProgressReported', { itemId: id, note: '正在推进', evidence: [] }, unitActor));
        else if (k < 0.8) plan.push(ev(s, 'ItemUrged', { itemId: id, level: k < 0.7 ? 'reminder' : 'urge', channel: null, note: null }, INSPECTOR));
        else if (k < 0.9) {
          const next = day(Date.parse(`${dueDate}T00:00:00Z`) + 14 * DAY);
          plan.push(ev(s, 'ExtensionGranted', { itemId: id, newDueDate: next, previousDueDate: dueDate, note: null, extensionNumber: 1 }));
          dueDate = next;
        } else {
          plan.push(ev(s, 'CompletionReported', { itemId: id, summary: '已完成', evidence: [] }, unitActor));
          plan.push(ev(s, 'CompletionReturned', { itemId: id, reason: '材料不全' }, INSPECTOR));
        }
      }
      if (closing >= 1) plan.push(ev(s, 'CompletionReported', { itemId: id, summary: '已完成', evidence: [] }, unitActor));
      if (closing >= 2) plan.push(ev(s, 'ItemConcluded', { itemId: id, note: null, concludedOn: dueDate, dueDate, onTime: true }, INSPECTOR));
      if (closing >= 3) plan.push(ev(s, 'ItemStruckOff', { itemId: id, note: '核验销号' }));
    }
    lives.push(plan);
  }
  const rounds = Math.max(...lives.map((l) => l.length));
  const ordered: Planned[] = [...setup];
  for (let round = 0; round < rounds; round++) {
    for (const life of lives) if (life[round]) ordered.push(life[round]);
    // Now and then the tree changes: a village renamed or moved to another township.
    for (let k = 0; k < 3; k++) {
      const v = villages[Math.floor(rnd() * villages.length)];
      if (rnd() < 0.5) ordered.push(ev(STREAM_PREFIX.unit + v, 'UnitRenamed', { unitId: v, name: `${v}村党支部（第${round}轮更名）`, previousName: '' }));
      else {
        const to = townships[Math.floor(rnd() * townships.length)];
        ordered.push(ev(STREAM_PREFIX.unit + v, 'UnitMoved', { unitId: v, parentId: to, previousParentId: null }));
      }
    }
  }

  let pending: Promise<unknown>[] = [];
  for (let i = 0; i < ordered.length; i++) {
    const p = ordered[i];
    const recordedAt = new Date(firstMs + Math.floor(((lastMs - firstMs) * i) / ordered.length)).toISOString();
    const e: NewEvent = {
      id: randomUUID(),
      type: p.type,
      schemaVersion: SCHEMA_VERSIONS[p.type],
      data: p.data,
      metadata: { actor: p.actor, correlationId: randomUUID(), causationId: randomUUID(), recordedAt },
    };
    pending.push(store.append(p.stream, [e], 'any'));
    if (pending.length >= 4000) {
      await Promise.all(pending);
      pending = [];
      options.onProgress?.(i + 1);
    }
  }
  await Promise.all(pending);
  return { countyId, townships, items, firstMs, lastMs, events: ordered.length };
}
