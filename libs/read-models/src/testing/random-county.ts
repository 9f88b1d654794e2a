import { prng } from '@ledger/platform/seeded';
import type { EventScript } from './county-script';

/** A small deterministic PRNG (mulberry32): the same seed gives the same county. */
export { prng };

type Status = 'assigned' | 'in_progress' | 'reported' | 'concluded' | 'struck_off' | 'withdrawn';

/**
 * Drives a county through plausible lives: townships and villages, cadres, items that are
 * acknowledged, reported, returned, concluded, struck off, withdrawn, reassigned and extended, units
 * moved between townships and renamed. `step()` appends one event.
 */
export class RandomCounty {
  private readonly rnd: () => number;
  private readonly townships: string[] = [];
  private readonly villages: string[] = [];
  private readonly cadres: string[] = [];
  private readonly items: { id: string; status: Status; due: string; unit: string; cadre: string; decisions: number }[] = [];
  private seq = 0;
  private started = false;

  constructor(
    private readonly script: EventScript,
    seed = 42,
    private readonly shape = { townships: 4, villagesEach: 3 },
  ) {
    this.rnd = prng(seed);
  }

  private pick<T>(xs: T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)];
  }

  private day(): string {
    return `2026-0${3 + Math.floor(this.rnd() * 3)}-${String(1 + Math.floor(this.rnd() * 28)).padStart(2, '0')}`;
  }

  private async setup(): Promise<void> {
    await this.script.unit('C', '湟源县委', null, 'county_committee');
    for (let t = 0; t < this.shape.townships; t++) {
      const id = `T${t}`;
      this.townships.push(id);
      await this.script.unit(id, `乡镇${t}党委`, 'C', 'township_committee');
      for (let v = 0; v < this.shape.villagesEach; v++) {
        const vid = `${id}V${v}`;
        this.villages.push(vid);
        await this.script.unit(vid, `村${t}-${v}党支部`, id);
        const cid = `K${vid}`;
        this.cadres.push(cid);
        await this.script.cadre(cid, `干部${vid}`, vid);
      }
    }
    await this.script.sheet('s1', 'R-1');
  }

  async step(): Promise<void> {
    if (!this.started) {
      this.started = true;
      await this.setup();
      return;
    }
    const s = this.script;
    const r = this.rnd();
    const open = this.items.filter((i) => i.status === 'assigned' || i.status === 'in_progress' || i.status === 'reported');
    if (r < 0.25 || open.length < 5) {
      const id = `I${++this.seq}`;
      const unit = this.pick(this.villages);
      const cadre = `K${unit}`;
      const due = this.day();
      this.items.push({ id, status: 'assigned', due, unit, cadre, decisions: 0 });
      await s.assign(id, unit, cadre, due);
      return;
    }
    if (r < 0.27) {
      const v = this.pick(this.villages);
      const to = this.pick(this.townships);
      await s.append('UnitMoved', { unitId: v, parentId: to, previousParentId: null });
      return;
    }
    if (r < 0.28) {
      const v = this.pick(this.villages);
      await s.append('UnitRenamed', { unitId: v, name: `村${v}新名`, previousName: '' });
      return;
    }
    const concluded = this.items.filter((i) => i.status === 'concluded');
    const item = concluded.length && this.rnd() < 0.2 ? this.pick(concluded) : this.pick(open);
    const x = this.rnd();
    if (item.status === 'assigned') {
      if (x < 0.6) await s.acknowledge(item.id, item.unit);
      else if (x < 0.7) await s.withdraw(item.id);
      else if (x < 0.85) {
        const unit = this.pick(this.villages);
        await s.append('ItemReassigned', {
          itemId: item.id,
          unitId: unit,
          cadreId: `K${unit}`,
          previousUnitId: item.unit,
          previousCadreId: item.cadre,
          reason: '调整',
        });
        item.unit = unit;
        item.cadre = `K${unit}`;
        return;
      } else {
        const newDue = this.day();
        await s.append('ExtensionGranted', { itemId: item.id, newDueDate: newDue, previousDueDate: item.due, note: null, extensionNumber: 1 });
        item.due = newDue;
        return;
      }
      item.status = x < 0.6 ? 'in_progress' : 'withdrawn';
    } else if (item.status === 'in_progress') {
      if (x < 0.3) await s.urge(item.id, this.pick(['reminder', 'urge', 'notice', 'listed'] as const));
      else if (x < 0.4) {
        item.decisions++;
        await s.append('AccountabilityDecided', {
          itemId: item.id,
          decisionId: `${item.id}-D${item.decisions}`,
          target: { kind: 'cadre', id: item.cadre },
          form: 'admonishment',
          dispositionForm: 1,
          decidedBy: '县纪委监委',
          decidedOn: this.day(),
          documentNo: null,
          effectMonths: null,
          reason: '逾期',
        });
      } else {
        await s.report(item.id);
        item.status = 'reported';
      }
    } else if (item.status === 'reported') {
      if (x < 0.3) {
        await s.returnIt(item.id);
        item.status = 'in_progress';
      } else {
        const on = this.day();
        await s.conclude(item.id, on, item.due);
        item.status = 'concluded';
      }
    } else if (item.status === 'concluded') {
      await s.strikeOff(item.id);
      item.status = 'struck_off';
    } else {
      await s.urge(item.id, 'reminder');
    }
  }
}
