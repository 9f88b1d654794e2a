import { randomUUID } from 'node:crypto';
import { SCHEMA_VERSIONS, STREAM_PREFIX, type Actor, type EventPayloads, type EventType } from '@ledger/contracts/events';
import type { EventStore, NewEvent } from '@ledger/event-store';
import { prng } from '@ledger/read-models/testing/random-county';

/*
 * A county of `units` units (county → townships → villages), one cadre per unit, `items` items spread
 * over the villages and townships, and enough events on them to reach `targetEvents`: assigned,
 * acknowledged, progress reports and urges, some reported, concluded, struck off or withdrawn.
 * Events go straight to the store in rounds (every item's n-th event in round n, so streams interleave
 * as in real life), many appends in flight so that group commit writes thousands per transaction.
 */

export interface BenchCounty {
  units: string[];
  villages: string[];
  townships: string[];
  countyId: string;
  /** Open items (assigned or in progress) and the unit each is assigned to: the commands' targets. */
  openItems: { id: string; unitId: string }[];
  sheets: string[];
  cadres: string[];
  events: number;
}

const ORG: Actor = { userId: 'bench-org', role: 'org_dept', unitId: null, name: '县委组织部' };
const INSPECTOR: Actor = { userId: 'bench-inspector', role: 'inspector', unitId: null, name: '督查室' };

function dayOffset(base: Date, days: number): string {
  return new Date(base.getTime() + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
}

type Planned = { type: EventType; data: unknown; actor: Actor };

export async function generateBenchCounty(
  store: EventStore,
  options: { units: number; items: number; targetEvents: number; seed?: number; onProgress?: (events: number) => void },
): Promise<BenchCounty> {
  const rnd = prng(options.seed ?? 7);
  const today = new Date();
  const recordedAt = new Date(today.getTime() - 30 * 86_400_000).toISOString();
  let events = 0;
  let pending: Promise<unknown>[] = [];
  let pendingEvents = 0;
  const flush = async () => {
    await Promise.all(pending);
    pending = [];
    pendingEvents = 0;
    options.onProgress?.(events);
  };
  const append = async (stream: string, planned: Planned[]) => {
    const batch: NewEvent[] = planned.map((p) => ({
      id: randomUUID(),
      type: p.type,
      schemaVersion: SCHEMA_VERSIONS[p.type],
      data: p.data,
      metadata: { actor: p.actor, correlationId: randomUUID(), causationId: randomUUID(), recordedAt },
    }));
    pending.push(store.append(stream, batch, 'any'));
    events += batch.length;
    pendingEvents += batch.length;
    if (pendingEvents >= 4000) await flush();
  };
  const ev = <K extends EventType>(type: K, data: EventPayloads[K], actor: Actor = ORG): Planned => ({ type, data, actor });

  // The tree: a county committee, townships of about 40 villages each.
  const countyId = 'U0000';
  const townshipCount = Math.max(1, Math.round((options.units - 1) / 41));
  const units: string[] = [countyId];
  const townships: string[] = [];
  const villages: string[] = [];
  await append(STREAM_PREFIX.unit + countyId, [ev('UnitRegistered', { unitId: countyId, name: '湟源县委', kind: 'county_committee', parentId: null })]);
  for (let t = 0; t < townshipCount; t++) {
    const id = `U${String(units.length).padStart(4, '0')}`;
    units.push(id);
    townships.push(id);
    await append(STREAM_PREFIX.unit + id, [ev('UnitRegistered', { unitId: id, name: `第${t + 1}乡镇党委`, kind: 'township_committee', parentId: countyId })]);
  }
  for (let v = 0; units.length < options.units; v++) {
    const id = `U${String(units.length).padStart(4, '0')}`;
    const parent = townships[v % townships.length];
    units.push(id);
    villages.push(id);
    await append(STREAM_PREFIX.unit + id, [ev('UnitRegistered', { unitId: id, name: `${parent}-${v}村党支部`, kind: 'branch', parentId: parent })]);
  }
  const cadres: string[] = [];
  for (const u of units) {
    const id = `K${u}`;
    cadres.push(id);
    await append(STREAM_PREFIX.cadre + id, [ev('CadreRegistered', { cadreId: id, name: `干部${u}`, unitId: u, post: '书记' })]);
  }
  const sheets: string[] = [];
  const sheetCount = Math.max(1, Math.round(options.items / 2000));
  for (let s = 0; s < sheetCount; s++) {
    const id = `S${s}`;
    sheets.push(id);
    await append(STREAM_PREFIX.sheet + id, [
      ev('SheetIssued', {
        sheetId: id,
        number: `湟组督〔2026〕${s + 1}号`,
        title: `第${s + 1}批责任清单`,
        source: '县委常委会',
        issuedOn: dayOffset(today, -120),
      }),
    ]);
  }
  await flush();

  // Items: one life each, planned up front; round n appends every item's n-th event.
  const fixedEvents = events;
  // Assigned-only lives (10%) hold one event and withdrawn ones (3%) two: the rest make up the target.
  const perItem = Math.max(1, (options.targetEvents - fixedEvents - 0.16 * options.items) / (0.87 * options.items));
  const lives: { id: string; unitId: string; plan: Planned[]; open: boolean }[] = [];
  for (let i = 0; i < options.items; i++) {
    const id = `I${String(i).padStart(6, '0')}`;
    const unitId = rnd() < 0.9 ? villages[Math.floor(rnd() * villages.length)] : townships[Math.floor(rnd() * townships.length)];
    const dueDate = dayOffset(today, Math.floor(rnd() * 150) - 60);
    const plan: Planned[] = [
      ev('ItemAssigned', {
        itemId: id,
        sheetId: sheets[i % sheets.length],
        title: `关于${unitId}落实“三会一课”制度问题的整改（第${i + 1}项）`,
        requirements: '对照问题清单逐项整改，建立整改台账，按期报送整改情况和佐证材料。',
        unitId,
        supportUnitIds: [],
        cadreId: `K${unitId}`,
        leaderId: null,
        dueDate,
      }),
    ];
    const r = rnd();
    // Roughly: 10% assigned, 55% in progress, 10% reported, 15% concluded, 7% struck off, 3% withdrawn.
    const fate = r < 0.1 ? 'assigned' : r < 0.65 ? 'in_progress' : r < 0.75 ? 'reported' : r < 0.9 ? 'concluded' : r < 0.97 ? 'struck_off' : 'withdrawn';
    const unitActor: Actor = { userId: `bench-${unitId}`, role: 'unit', unitId, name: '支部书记' };
    // Target length of this life, around the mean.
    const length = Math.max(1, Math.round(perItem * (0.5 + rnd())));
    if (fate === 'withdrawn') plan.push(ev('ItemWithdrawn', { itemId: id, reason: '重复交办' }));
    else if (fate !== 'assigned') {
      plan.push(ev('ItemAcknowledged', { itemId: id, unitId }, unitActor));
      const closing = fate === 'in_progress' ? 0 : fate === 'reported' ? 1 : fate === 'concluded' ? 2 : 3;
      while (plan.length < length - closing) {
        plan.push(
          rnd() < 0.6
            ? ev('ProgressReported', { itemId: id, note: '已召开专题会议，制定整改方案，正在逐项推进。', evidence: [] }, unitActor)
            : ev('ItemUrged', { itemId: id, level: rnd() < 0.7 ? 'reminder' : 'urge', channel: null, note: '请按期完成' }, INSPECTOR),
        );
      }
      if (closing >= 1) plan.push(ev('CompletionReported', { itemId: id, summary: '整改已完成，附佐证材料。', evidence: [] }, unitActor));
      if (closing >= 2) {
        const concludedOn = dayOffset(today, -Math.floor(rnd() * 20));
        plan.push(ev('ItemConcluded', { itemId: id, note: null, concludedOn, dueDate, onTime: concludedOn <= dueDate }, INSPECTOR));
      }
      if (closing >= 3) plan.push(ev('ItemStruckOff', { itemId: id, note: '核验销号' }));
    }
    lives.push({ id, unitId, plan, open: fate === 'assigned' || fate === 'in_progress' });
  }
  const rounds = Math.max(...lives.map((l) => l.plan.length));
  for (let round = 0; round < rounds; round++) {
    for (const life of lives) {
      const p = life.plan[round];
      if (p) await append(STREAM_PREFIX.item + life.id, [p]);
    }
  }
  await flush();
  return {
    units,
    villages,
    townships,
    countyId,
    openItems: lives.filter((l) => l.open).map((l) => ({ id: l.id, unitId: l.unitId })),
    sheets,
    cadres,
    events,
  };
}
