import { COUNTY_OFFSET, countyDate, seededDice } from '@ledger/platform';
import { COUNTY, demoUnits, GIVEN, ITEM_TITLES, POSTS_TOWNSHIP, POSTS_VILLAGE, SHEETS, SURNAMES } from './huangyuan';

/**
 * Loads the demo county through the public HTTP API, as its users would: the organisation department
 * registers the tree and cadres and issues sheets, townships acknowledge and report, inspectors return and
 * conclude, the discipline commission records decisions. Time is simulated: the server's clock is moved
 * forward day by day from about four months ago to now, so the items spread over every status and light.
 */
export interface DemoHttp {
  post(path: string, body: unknown, token: string): Promise<{ id: string; revision: number; position: string }>;
  /**
   * Waits until the read models include every write so far: unit users act in their subtree, which
   * the API resolves from the read models, so the tree must be projected before they act.
   */
  settle?(): Promise<void>;
}

export interface DemoClockControl {
  set(at: Date): void;
}

export interface DemoClaims {
  sub: string;
  role: 'org_dept' | 'discipline' | 'inspector' | 'unit' | 'admin';
  unitId?: string;
  name: string;
}

export interface DemoUser extends DemoClaims {
  label: string;
  token: string;
}

export interface DemoResult {
  users: DemoUser[];
  units: number;
  cadres: number;
  items: number;
  commands: number;
}

const DAY = 86_400_000;

interface Scheduled {
  at: number;
  seq: number;
  run: () => Promise<unknown>;
}

export async function loadDemoCounty(
  http: DemoHttp,
  clock: DemoClockControl,
  mint: (claims: DemoClaims) => string,
  options: {
    now: Date;
    seed?: number;
    itemsPerSheet?: number[];
    /** Called once per simulated day at 00:30 county time, the clock set there (the deadline process). */
    onDay?: (date: string) => Promise<unknown>;
  } = { now: new Date() },
): Promise<DemoResult> {
  const { rnd, pick, chance, between } = seededDice(options.seed ?? 20260601);
  const uuid = () => {
    const h = Array.from({ length: 32 }, () => Math.floor(rnd() * 16).toString(16));
    h[12] = '4';
    h[16] = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
    const s = h.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  };
  const personName = () => pick(SURNAMES) + pick(GIVEN);

  // 09:30 county time, 120 days ago: the day the first sheet was issued.
  const today0 = Date.parse(`${countyDate(options.now)}T09:30:00${COUNTY_OFFSET}`);
  const start = today0 - 120 * DAY;
  const nowMs = options.now.getTime();
  let commands = 0;
  const post = async (path: string, body: unknown, token: string) => {
    commands++;
    return http.post(path, body, token);
  };

  const users: DemoUser[] = [];
  const user = (label: string, claims: DemoClaims): string => {
    const token = mint(claims);
    users.push({ ...claims, label, token });
    return token;
  };

  clock.set(new Date(start - 2 * DAY));
  const admin = user('系统管理员', { sub: 'demo-admin', role: 'admin', name: '系统管理员' });
  const unitIds = new Map<string, string>();
  const units = demoUnits();
  for (const u of units) {
    const id = uuid();
    unitIds.set(u.key, id);
    await post('/units', { id, name: u.name, kind: u.kind, ...(u.parent ? { parentId: unitIds.get(u.parent) } : {}) }, admin);
  }
  const countyId = unitIds.get(COUNTY.key)!;
  const orgDept = user('县委组织部 · 李组织', { sub: 'demo-org', role: 'org_dept', unitId: countyId, name: '李组织' });
  const discipline = user('县纪委监委 · 马纪检', { sub: 'demo-discipline', role: 'discipline', unitId: countyId, name: '马纪检' });
  const inspector = user('县委督查室 · 张督查', { sub: 'demo-inspector', role: 'inspector', unitId: countyId, name: '张督查' });

  const cadresOf = new Map<string, string[]>();
  let cadreCount = 0;
  for (const u of units) {
    if (u.kind === 'county_committee' || u.kind === 'party_group') continue;
    const posts = u.kind === 'branch' ? POSTS_VILLAGE.slice(0, between(2, 3)) : POSTS_TOWNSHIP.slice(0, between(2, 4));
    const ids: string[] = [];
    for (const post of posts) {
      const id = uuid();
      await post_('/cadres', { id, name: personName(), unitId: unitIds.get(u.key), post });
      ids.push(id);
      cadreCount++;
    }
    cadresOf.set(u.key, ids);
  }
  async function post_(path: string, body: unknown) {
    return post(path, body, orgDept);
  }

  await http.settle?.();
  const townships = units.filter((u) => u.kind === 'township_committee');
  const unitToken = new Map<string, string>();
  for (const t of townships) {
    const token = user(`${t.name.replace(/^中共|委员会$/g, '')}党委 · 承办人`, {
      sub: `demo-${t.key}`,
      role: 'unit',
      unitId: unitIds.get(t.key),
      name: `${t.name.replace(/^中共|委员会$/g, '')}联络员`,
    });
    unitToken.set(t.key, token);
  }
  const organsToken = user('县直机关党工委 · 承办人', { sub: 'demo-organs', role: 'unit', unitId: unitIds.get('organs'), name: '机关党工委联络员' });
  unitToken.set('organs', organsToken);
  const actingToken = (unitKey: string) => unitToken.get(unitKey.split('-')[0])!;

  // Everything after the tree is scheduled on a timeline and run in time order.
  const timeline: Scheduled[] = [];
  let seq = 0;
  const at = (ms: number, run: () => Promise<unknown>) => {
    if (ms <= nowMs) timeline.push({ at: ms, seq: seq++, run });
    return ms <= nowMs;
  };
  const hours = (n: number) => n * 3_600_000;

  const assignable = units.filter((u) => cadresOf.has(u.key) && u.kind !== 'working_committee');
  const perSheet = options.itemsPerSheet ?? [130, 100, 80];
  let itemCount = 0;
  SHEETS.forEach((sheet, s) => {
    const issuedAt = start + s * 35 * DAY;
    const sheetId = uuid();
    at(issuedAt, () =>
      post('/sheets', { id: sheetId, number: sheet.number, title: sheet.title, source: sheet.source, issuedOn: countyDate(new Date(issuedAt)) }, orgDept),
    );
    for (let i = 0; i < perSheet[s]; i++) {
      const unit = pick(assignable);
      const itemId = uuid();
      const [title, requirements] = pick(ITEM_TITLES);
      const assignedAt = issuedAt + hours(1) + between(0, 2) * DAY + i * 60_000;
      let due = assignedAt + between(15, 140) * DAY;
      // Evaluated now: `due` moves when an extension is granted, the assignment keeps the first date.
      const firstDueDate = countyDate(new Date(due));
      const cadres = cadresOf.get(unit.key)!;
      const unitName = unit.name.replace(/^中共|委员会$|党支部$|党总支$/g, '');
      if (
        !at(assignedAt, () =>
          post(
            '/items',
            {
              id: itemId,
              sheetId,
              title: `${unitName}：${title}`,
              requirements,
              unitId: unitIds.get(unit.key),
              cadreId: cadres[0],
              leaderId: cadres[1] ?? null,
              dueDate: firstDueDate,
            },
            orgDept,
          ),
        )
      )
        continue;
      itemCount++;
      const tok = actingToken(unit.key);
      const path = `/items/${itemId}`;
      let t = assignedAt;
      const step = (days: number) => (t += days * DAY + hours(between(0, 6)));

      if (chance(0.03)) {
        at(step(between(3, 20)), () => post(`${path}/withdraw`, { reason: '任务调整，并入其他事项统一办理' }, orgDept));
        continue;
      }
      if (chance(0.12)) {
        // Never acknowledged: still assigned, red once overdue, and urged for it.
        at(due + DAY + hours(2), () => post(`${path}/urge`, { level: 'reminder', channel: '短信', note: '事项尚未签收，请及时办理' }, inspector));
        at(due + 8 * DAY + hours(2), () => post(`${path}/urge`, { level: 'urge', channel: '电话', note: '已逾期，请立即办理' }, inspector));
        continue;
      }
      at(step(between(1, 4)), () => post(`${path}/acknowledge`, {}, tok));
      if (chance(0.1) && t + 5 * DAY < due) {
        const newDue = due + between(10, 30) * DAY;
        at(step(2), () => post(`${path}/extension/request`, { newDueDate: countyDate(new Date(newDue)), reason: '涉及多部门协调，需延长办理时限' }, tok));
        if (chance(0.75)) {
          if (at(step(1), () => post(`${path}/extension/grant`, { note: '同意延期' }, orgDept))) due = newDue;
        } else {
          at(step(1), () => post(`${path}/extension/refuse`, { reason: '不符合延期条件，请按期完成' }, orgDept));
        }
      }
      if (chance(0.7)) at(step(between(3, 12)), () => post(`${path}/progress`, { note: '已制定工作方案，正在推进落实', evidence: [] }, tok));
      const late = chance(0.25);
      const completeAt = late ? due + between(2, 20) * DAY : Math.min(due - between(0, 8) * DAY, t + between(5, 40) * DAY);
      if (completeAt <= t) t = t + DAY;
      else t = completeAt;
      // Overdue items get urged up the ladder while they stay open.
      const urges: Array<[number, string]> = [
        [1, 'reminder'],
        [7, 'urge'],
        [15, 'notice'],
        [30, 'listed'],
      ];
      const stillOpenUntil = chance(0.8) ? t : nowMs + DAY;
      for (const [afterDays, level] of urges) {
        const when = due + afterDays * DAY + hours(2);
        if (when < stillOpenUntil) {
          at(when, () =>
            post(
              `${path}/urge`,
              { level, channel: level === 'listed' ? '县委督查通报' : '电话', note: '请抓紧办理，按期反馈' },
              level === 'listed' ? discipline : inspector,
            ),
          );
          if (level === 'listed' && chance(0.6)) {
            const target = chance(0.5) ? { kind: 'cadre', id: cadres[0] } : { kind: 'unit', id: unitIds.get(unit.key) };
            at(when + DAY, () => post(`${path}/accountability/refer`, { target, to: 'discipline', note: '挂牌督办后仍未完成' }, inspector));
            const form = target.kind === 'cadre' ? pick(['admonishment', 'circulated_criticism']) : pick(['inspection', 'circulated_criticism']);
            at(when + 5 * DAY, () =>
              post(
                `${path}/accountability/decide`,
                {
                  target,
                  form,
                  dispositionForm: form === 'admonishment' ? 1 : null,
                  decidedBy: '湟源县纪委监委',
                  decidedOn: countyDate(new Date(when + 5 * DAY)),
                  documentNo: `湟纪问〔2026〕${between(1, 60)}号`,
                  effectMonths: form === 'admonishment' ? 6 : null,
                  reason: '履行责任不力，任务逾期未完成',
                },
                discipline,
              ),
            );
          }
        }
      }
      if (stillOpenUntil > nowMs) continue;
      at(t, () =>
        post(
          `${path}/complete`,
          {
            summary: '已按要求完成，相关材料已归档',
            evidence: [
              { name: '工作总结.pdf', size: 204800 + between(0, 9999), sha256: Array.from({ length: 64 }, () => Math.floor(rnd() * 16).toString(16)).join('') },
            ],
          },
          tok,
        ),
      );
      if (chance(0.15)) {
        at(step(between(1, 4)), () => post(`${path}/return`, { reason: '佐证材料不全，请补充会议记录和照片' }, inspector));
        at(step(between(2, 6)), () => post(`${path}/complete`, { summary: '已补充佐证材料', evidence: [] }, tok));
      }
      if (chance(0.2)) continue; // awaiting review
      at(step(between(1, 5)), () => post(`${path}/conclude`, { note: '经核查，已完成' }, inspector));
      if (chance(0.45)) continue;
      at(step(between(2, 10)), () => post(`${path}/strike-off`, { note: '验收合格，予以销号' }, orgDept));
      if (chance(0.03)) at(step(between(5, 15)), () => post(`${path}/reopen`, { reason: '回头看发现问题反弹，重新挂账' }, inspector));
    }
  });

  if (options.onDay) {
    const onDay = options.onDay;
    for (let day = start - DAY + (DAY / 24) * 15; day <= nowMs; day += DAY) {
      // 00:30 county time (09:30 − 9 h): before anyone acts that day.
      at(day, async () => {
        await http.settle?.();
        return onDay(countyDate(new Date(day)));
      });
    }
  }
  timeline.sort((a, b) => a.at - b.at || a.seq - b.seq);
  for (const s of timeline) {
    clock.set(new Date(s.at));
    await s.run();
  }
  clock.set(options.now);
  return { users, units: units.length, cadres: cadreCount, items: itemCount, commands };
}
