import { routeCommand, type LedgerCommand } from '@ledger/domain';
import type { Actor } from '@ledger/contracts/events';
import { COUNTY_OFFSET, countyDate, FixedClock, loadConfig, openEventStore, seededDice } from '@ledger/platform';
import { openReadModels, rebuildReadModels } from '@ledger/read-models';
import { eventsBetween } from '@ledger/event-store';
import { v4 as uuidv4 } from 'uuid';
import { createApp } from '../../../api/src/create-app';
import { CommandLoop, handleCommand, type CommandMeta } from '@ledger/application';
import { GIVEN, ITEM_TITLES, POSTS_TOWNSHIP, POSTS_VILLAGE, SURNAMES } from '../demo/huangyuan';

/**
 * A county at scale: the Huangyuan tree grown to about a thousand units, hundreds of
 * cadres, a year of sheets and items moving through every status, written through the one command path
 * (read → fold → decide → append with the expected revision), in-process, on a simulated clock.
 */
export interface GenerateCountyOptions {
  dataDir: string;
  /** Events to write (the generator stops planning items once it is reached; ± one item's worth). */
  targetEvents: number;
  seed?: number;
  /** Also project the read models at the end (default true). */
  project?: boolean;
  onProgress?: (p: ScaleProgress) => void;
  /** Extra environment for loadConfig (engine, durability); LEDGER_DATA_DIR is `dataDir`. */
  env?: NodeJS.ProcessEnv;
  /** The end of the simulated year (default: now). */
  now?: Date;
  /** Item acts in flight at once (default 256). */
  concurrency?: number;
}

/**
 * A province at scale: a province committee at the root, `counties` county trees under it (each the
 * county generator's tree, with a county name of its own), and the counties' years run side by side on
 * one simulated clock, so every county's commands interleave in the one store as they would live.
 */
export interface GenerateProvinceOptions extends Omit<GenerateCountyOptions, 'targetEvents'> {
  counties: number;
  eventsPerCounty: number;
  provinceName?: string;
}

export interface ScaleProgress {
  phase: 'write' | 'project';
  events: number;
  /** The simulated day being written (0 … 365), during the write phase. */
  day?: number;
  target: number;
  commands: number;
  elapsedMs: number;
}

export interface ScaleResult {
  events: number;
  commands: number;
  units: number;
  cadres: number;
  sheets: number;
  items: number;
  writeSeconds: number;
  eventsPerSecond: number;
  projectSeconds: number | null;
  eventTypes: Record<string, number>;
  /** Planned commands a rule turned down (skipped), by "<command> <code>". */
  refused: Record<string, number>;
}

export interface CountyResult {
  name: string;
  rootId: string;
  /** Units of this county's tree, its root included. */
  unitIds: string[];
  cadres: number;
  sheets: number;
  /** Items this county's AssignItem commands created (each answered `appended`). */
  itemsAssigned: number;
}

export interface ProvinceResult extends ScaleResult {
  provinceId: string | null;
  counties: CountyResult[];
}

const DAY = 86_400_000;
/** Item acts in flight at once: enough for the store's group commit to fill its transactions. */
const CONCURRENCY = 256;
const HUANGYUAN: CountySpec = { name: '湟源县', short: '湟' };
/** Counties of Qinghai and Gansu: a province's counties get these names in turn (a number after the 104th). */
const COUNTY_NAMES = (
  '湟源 大通 湟中 平安 民和 乐都 互助 化隆 循化 门源 祁连 海晏 刚察 同仁 尖扎 泽库 河南 共和 同德 贵德 兴海 贵南 玛沁 班玛 甘德 达日 久治 玛多 ' +
  '玉树 杂多 称多 治多 囊谦 曲麻莱 格尔木 德令哈 乌兰 都兰 天峻 茫崖 榆中 皋兰 永登 永昌 靖远 会宁 景泰 清水 秦安 甘谷 武山 张家川 民勤 古浪 ' +
  '天祝 肃南 民乐 临泽 高台 山丹 泾川 灵台 崇信 庄浪 静宁 金塔 瓜州 肃北 阿克塞 庆城 环县 华池 合水 正宁 宁县 镇原 通渭 陇西 渭源 临洮 漳县 岷县 ' +
  '成县 文县 宕昌 康县 西和 礼县 徽县 两当 临夏 康乐 永靖 广河 和政 东乡 积石山 临潭 卓尼 舟曲 迭部 玛曲 碌曲 夏河'
).split(' ');

/** A county of a generated ledger: its name and the stem of its document numbers (unique in the ledger). */
interface CountySpec {
  name: string;
  short: string;
}

export function provinceCountyNames(n: number): CountySpec[] {
  return Array.from({ length: n }, (_, k) => {
    const stem = COUNTY_NAMES[k % COUNTY_NAMES.length] + (k >= COUNTY_NAMES.length ? String(Math.floor(k / COUNTY_NAMES.length) + 1) : '');
    return { name: stem.endsWith('县') ? stem : `${stem}县`, short: stem };
  });
}
const YEAR_DAYS = 365;

const localDate = (ms: number) => countyDate(new Date(ms));

const TOWNSHIPS = ['城关镇', '大华镇', '东峡镇', '日月藏族乡', '和平乡', '波航乡', '申中乡', '巴燕乡', '寺寨乡'];
const VILLAGE_STEMS =
  '茶曲 莫布拉 前沟 长岭 黄茂 池汉 下脖项 兔尔干 上胡丹 韭菜沟 大石头 拉拉口 红土湾 纳隆 尕庄 响河 塔湾 光华 小高陵 寺台 北极山 窑洞 阴坡 哈城 扎藏 卡路 甘河 东沟 西沟 白水 红崖 石崖'.split(
    ' ',
  );
const AGENCIES =
  '教育局 卫健局 农业农村局 水利局 交通运输局 自然资源局 住建局 民政局 人社局 财政局 发改局 市场监管局 文旅局 应急管理局 林草局 司法局 统计局 审计局 医保局 乡村振兴局'.split(
    ' ',
  );

interface UnitPlan {
  id: string;
  name: string;
  kind: 'province_committee' | 'county_committee' | 'township_committee' | 'working_committee' | 'general_branch' | 'branch' | 'party_group';
  parentId: string | null;
  actorUnit: string | null;
  /** Index of the county in the ledger's counties (-1: the province root). */
  county: number;
}

/** One scheduled act on an item: run at `at` (ms), in the order scheduled. */
type Act = {
  item: number;
  type: LedgerCommand['type'];
  data: Record<string, unknown>;
  actor: 'org' | 'inspector' | 'discipline' | 'unit' | 'system';
  events: number;
};

export async function generateCounty(options: GenerateCountyOptions): Promise<ScaleResult> {
  const {
    counties: _counties,
    provinceId: _provinceId,
    ...result
  } = await generateLedger(options, null, [{ ...HUANGYUAN, targetEvents: options.targetEvents, seed: options.seed ?? 7 }]);
  return result;
}

/** `counties` county trees of about `eventsPerCounty` events each under one province root, a year side by side. */
export async function generateProvince(options: GenerateProvinceOptions): Promise<ProvinceResult> {
  if (!Number.isInteger(options.counties) || options.counties < 1) throw new Error(`counties: a whole number ≥ 1, got ${options.counties}`);
  const seed = options.seed ?? 7;
  const specs = provinceCountyNames(options.counties).map((c, k) => ({ ...c, targetEvents: options.eventsPerCounty, seed: seed + k }));
  return generateLedger(options, { name: options.provinceName ?? '中共青海省委员会' }, specs);
}

async function generateLedger(
  options: Omit<GenerateCountyOptions, 'targetEvents'>,
  province: { name: string } | null,
  specs: Array<CountySpec & { targetEvents: number; seed: number }>,
): Promise<ProvinceResult> {
  const dice = specs.map((c) => seededDice(c.seed));
  const targetEvents = specs.reduce((sum, c) => sum + c.targetEvents, 0);
  const concurrency = options.concurrency ?? CONCURRENCY;

  const config = loadConfig({
    LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL',
    ...options.env,
    LEDGER_DATA_DIR: options.dataDir,
    LEDGER_DEADLINE_WORKER: 'off',
    LEDGER_JWT_SECRET: options.env?.LEDGER_JWT_SECRET ?? 'scale-generator-secret-000000',
  });
  const nowMs = (options.now ?? new Date()).getTime();
  const start = Date.parse(`${localDate(nowMs - YEAR_DAYS * DAY)}T08:30:00${COUNTY_OFFSET}`);
  const clock = new FixedClock(new Date(start - DAY));
  const store = await openEventStore(config, { clock });
  if ((await store.headPosition()) > 0n) {
    await store.close();
    throw new Error(`${options.dataDir} already holds events: the scale generator writes into an empty data folder`);
  }
  const app = await createApp({ config, clock, store, logger: ['error'] });
  await app.init();
  const loop = app.get(CommandLoop);
  const began = Date.now();
  let events = 0;
  let commands = 0;
  const eventTypes: Record<string, number> = {};
  let today = -1;
  const report = (phase: ScaleProgress['phase'], evts = events) =>
    options.onProgress?.({ phase, events: evts, target: targetEvents, commands, elapsedMs: Date.now() - began, day: today });

  const actors = {
    admin: { userId: 'scale-admin', role: 'admin', unitId: null, name: '系统管理员' } as Actor,
    org: { userId: 'scale-org', role: 'org_dept', unitId: null, name: '组织部' } as Actor,
    inspector: { userId: 'scale-inspector', role: 'inspector', unitId: null, name: '督查室' } as Actor,
    discipline: { userId: 'scale-discipline', role: 'discipline', unitId: null, name: '纪委监委' } as Actor,
    system: { userId: 'system', role: 'system', unitId: null, name: '系统' } as Actor,
  };
  const unitActors = new Map<string, Actor>();
  const unitActor = (unitId: string): Actor => {
    let a = unitActors.get(unitId);
    if (!a) unitActors.set(unitId, (a = { userId: `scale-unit-${unitId.slice(0, 8)}`, role: 'unit', unitId, name: '联络员' }));
    return a;
  };

  /** The one command path, as a route handler would call it; the facts are what the generator knows. */
  const send = async (command: Omit<LedgerCommand, 'context'>, actor: Actor, mode: 'create' | 'existing') => {
    const route = routeCommand(command as LedgerCommand);
    const meta: CommandMeta = { actor, correlationId: uuidv4(), commandId: uuidv4(), idempotencyKey: null, ifMatch: null };
    const outcome = await handleCommand(
      loop,
      {
        name: command.type,
        stream: route.stream,
        decider: route.decider,
        mode,
        id: route.stream,
        build: (_f, context) => ({ ...command, context }) as LedgerCommand,
      },
      meta,
    );
    if (outcome.kind === 'rejected') throw new PlanRefused(command.type, outcome.rejection.code);
    if (outcome.kind !== 'appended')
      throw new Error(`${command.type} on ${route.stream}: ${JSON.stringify(outcome, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
    commands++;
    return outcome;
  };
  const assigned = specs.map(() => 0);
  const refused: Record<string, number> = {};
  const count = (type: string, n = 1) => {
    events += n;
    eventTypes[type] = (eventTypes[type] ?? 0) + n;
  };

  try {
    // ── the tree: [province →] county → 9 townships → 22 villages each → 3 party groups; county organs → 40 agencies → 3 groups
    const units: UnitPlan[] = [];
    const provinceRoot: UnitPlan | null = province
      ? { id: uuidv4(), name: province.name, kind: 'province_committee', parentId: null, actorUnit: null, county: -1 }
      : null;
    if (provinceRoot) units.push(provinceRoot);
    const countyRoots = specs.map((spec, k) => {
      const county: UnitPlan = {
        id: uuidv4(),
        name: `中共${spec.name}委员会`,
        kind: 'county_committee',
        parentId: provinceRoot?.id ?? null,
        actorUnit: null,
        county: k,
      };
      units.push(county);
      const organs: UnitPlan = { id: uuidv4(), name: '县直机关党工委', kind: 'working_committee', parentId: county.id, actorUnit: null, county: k };
      units.push(organs);
      for (const t of TOWNSHIPS) {
        const town: UnitPlan = { id: uuidv4(), name: `中共${t}委员会`, kind: 'township_committee', parentId: county.id, actorUnit: null, county: k };
        town.actorUnit = town.id;
        units.push(town);
        for (let v = 0; v < 22; v++) {
          const vname = `${t}${VILLAGE_STEMS[v % VILLAGE_STEMS.length]}${v >= VILLAGE_STEMS.length ? '二' : ''}村`;
          const branch: UnitPlan = { id: uuidv4(), name: `${vname}党支部`, kind: 'branch', parentId: town.id, actorUnit: town.id, county: k };
          units.push(branch);
          for (let g = 1; g <= 3; g++)
            units.push({
              id: uuidv4(),
              name: `${vname}第${'一二三'[g - 1]}党小组`,
              kind: 'party_group',
              parentId: branch.id,
              actorUnit: town.id,
              county: k,
            });
        }
      }
      for (let a = 0; a < 40; a++) {
        const agency: UnitPlan = {
          id: uuidv4(),
          name: `县${AGENCIES[a % AGENCIES.length]}${a >= AGENCIES.length ? '机关第二' : ''}党总支`,
          kind: 'general_branch',
          parentId: organs.id,
          actorUnit: null,
          county: k,
        };
        agency.actorUnit = agency.id;
        units.push(agency);
        for (let g = 1; g <= 3; g++)
          units.push({
            id: uuidv4(),
            name: `${agency.name.replace('党总支', '')}第${'一二三'[g - 1]}党支部`,
            kind: 'branch',
            parentId: agency.id,
            actorUnit: agency.id,
            county: k,
          });
      }
      return county;
    });
    // Level by level (a parent before its children), each level at once.
    const depth = new Map<string, number>();
    for (const u of units) depth.set(u.id, u.parentId ? depth.get(u.parentId)! + 1 : 0);
    for (let level = 0; units.some((u) => depth.get(u.id) === level); level++) {
      const these = units.filter((u) => depth.get(u.id) === level);
      await inChunks(
        these.map(
          (u) => () =>
            send(
              {
                type: 'RegisterUnit',
                data: { unitId: u.id, name: u.name, kind: u.kind, parentId: u.parentId },
                facts: { parent: u.parentId ? { exists: true, dissolved: false } : null },
              } as never,
              actors.admin,
              'create',
            ),
        ),
        concurrency,
      );
      count('UnitRegistered', these.length);
    }
    // ── cadres: a township's committee members, a village's secretary and work team, an agency's secretary
    const cadresOf = new Map<string, string[]>();
    const registrations: Array<() => Promise<unknown>> = [];
    for (const u of units) {
      if (u.kind === 'province_committee' || u.kind === 'county_committee' || u.kind === 'working_committee' || u.kind === 'party_group') continue;
      const posts = u.kind === 'township_committee' ? POSTS_TOWNSHIP : u.kind === 'branch' ? POSTS_VILLAGE.slice(0, 2) : ['党总支书记'];
      const ids: string[] = [];
      const { pick } = dice[u.county];
      for (const post of posts) {
        const cadreId = uuidv4();
        const cadre = { cadreId, name: pick(SURNAMES) + pick(GIVEN), unitId: u.id, post };
        registrations.push(() =>
          send({ type: 'RegisterCadre', data: cadre, facts: { unit: { exists: true, dissolved: false } } } as never, actors.org, 'create'),
        );
        count('CadreRegistered');
        ids.push(cadreId);
      }
      cadresOf.set(u.id, ids);
    }
    await inChunks(registrations, concurrency);
    const cadreCount = [...cadresOf.values()].reduce((s, c) => s + c.length, 0);
    report('write');

    // ── a year of sheets and items, planned as day buckets of acts, then run in time order
    const acts = new Map<number, Act[]>();
    const schedule = (day: number, act: Act): boolean => {
      if (start + day * DAY > nowMs) return false;
      const list = acts.get(day);
      if (list) list.push(act);
      else acts.set(day, [act]);
      return true;
    };
    interface ItemPlan {
      id: string;
      unit: UnitPlan;
      cadreId: string;
      sheet: number;
      county: number;
    }
    const items: ItemPlan[] = [];
    const sheets: Array<{ id: string; day: number; number: string; county: number }> = [];
    for (const [k, spec] of specs.entries()) {
      const { chance, between, pick } = dice[k];
      const own = units.filter((u) => u.county === k);
      const assignable = own.filter((u) => cadresOf.has(u.id));
      let planned = own.length + assignable.reduce((sum, u) => sum + cadresOf.get(u.id)!.length, 0);
      const budget = spec.targetEvents;
      const decidedBy = `${spec.name}纪委监委`;
      // About 300 sheets a year at scale (fewer, smaller ones for a small county), spread over the year.
      const itemsPerSheet = Math.max(5, Math.min(400, Math.round(budget / 7 / 300)));
      const spacing = (YEAR_DAYS - 25) / Math.max(1, budget / 7 / itemsPerSheet);
      for (let s = 0; planned < budget; s++) {
        const day = Math.floor(s * spacing) % (YEAR_DAYS - 20);
        const sheet = { id: uuidv4(), day, number: `${spec.short}组交〔${2025 + Math.floor(s / 400)}〕${(s % 400) + 1}号`, county: k };
        sheets.push(sheet);
        planned += 2; // claim + issue
        for (let i = 0; i < itemsPerSheet && planned < budget; i++) {
          const unit = pick(assignable);
          const cadres = cadresOf.get(unit.id)!;
          const it: ItemPlan = { id: uuidv4(), unit, cadreId: cadres[0], sheet: sheets.length - 1, county: k };
          const n = items.push(it) - 1;
          let due = day + between(15, 120);
          let t = day;
          const at = (d: number, act: Omit<Act, 'item'>) => {
            const ok = schedule(d, { item: n, ...act });
            if (ok) planned += act.events;
            return ok;
          };
          const [title, requirements] = pick(ITEM_TITLES);
          at(day, { type: 'AssignItem', actor: 'org', events: 1, data: { title, requirements, dueDate: localDate(start + due * DAY) } });
          // The system's reminder three days before the due date, for items not yet reported by then.
          const remind = (d: number) =>
            at(d - 3, { type: 'UrgeItem', actor: 'system', events: 1, data: { level: 'reminder', channel: '系统提醒', note: '临期提醒' } });
          const missed = (d: number) => at(d + 1, { type: 'RecordDeadlineMissed', actor: 'system', events: 1, data: {} });
          if (chance(0.03)) {
            at(t + between(2, 10), { type: 'WithdrawItem', actor: 'org', events: 1, data: { reason: '任务调整' } });
            continue;
          }
          if (chance(0.06)) {
            // never acknowledged: reminded, missed, urged up the ladder, sometimes held accountable
            remind(due);
            missed(due);
            at(due + 2, { type: 'UrgeItem', actor: 'inspector', events: 1, data: { level: 'urge', channel: '电话', note: '已逾期，请立即办理' } });
            at(due + 10, { type: 'UrgeItem', actor: 'inspector', events: 1, data: { level: 'notice', channel: '督办通知', note: '黄牌督办' } });
            if (chance(0.5)) {
              at(due + 20, {
                type: 'ReferAccountability',
                actor: 'inspector',
                events: 1,
                data: { target: { kind: 'unit', id: unit.id }, to: 'discipline', note: '逾期未办' },
              });
              at(due + 30, {
                type: 'DecideAccountability',
                actor: 'discipline',
                events: 1,
                data: {
                  decisionId: uuidv4(),
                  target: { kind: 'unit', id: unit.id },
                  form: 'circulated_criticism',
                  dispositionForm: null,
                  decidedBy,
                  decidedOn: localDate(start + (due + 30) * DAY),
                  documentNo: `${spec.short}纪问〔2025〕${between(1, 99)}号`,
                  effectMonths: null,
                  reason: '逾期未办',
                },
              });
            }
            continue;
          }
          at((t += between(1, 3)), { type: 'AcknowledgeItem', actor: 'unit', events: 1, data: {} });
          if (chance(0.1) && t + 5 < due) {
            const newDue = due + between(10, 30);
            at((t += 2), {
              type: 'RequestExtension',
              actor: 'unit',
              events: 1,
              data: { newDueDate: localDate(start + newDue * DAY), reason: '涉及多部门协调' },
            });
            if (chance(0.75)) {
              if (at((t += 1), { type: 'GrantExtension', actor: 'org', events: 1, data: { note: '同意延期' } })) due = newDue;
            } else at((t += 1), { type: 'RefuseExtension', actor: 'org', events: 1, data: { reason: '不符合延期条件' } });
          }
          for (let p = between(0, 2); p > 0; p--)
            at((t += between(3, 10)), { type: 'ReportProgress', actor: 'unit', events: 1, data: { note: '正在推进落实' } });
          const late = chance(0.22);
          // Never before the last progress report (reports can run past the due date): concluded items take no reports.
          const completeDay = Math.max(t + 1, late ? due + between(2, 25) : Math.min(due, t + between(3, 40)));
          if (completeDay > due - 3) remind(due);
          if (late) {
            missed(due);
            if (completeDay > due + 7)
              at(due + 7, { type: 'UrgeItem', actor: 'inspector', events: 1, data: { level: 'urge', channel: '电话', note: '请抓紧办理' } });
            if (completeDay > due + 15)
              at(due + 15, { type: 'UrgeItem', actor: 'discipline', events: 1, data: { level: 'listed', channel: '县委督查通报', note: '挂牌督办' } });
            if (completeDay > due + 15 && chance(0.4)) {
              const target = chance(0.5) ? { kind: 'cadre', id: it.cadreId } : { kind: 'unit', id: unit.id };
              const form = target.kind === 'cadre' ? pick(['admonishment', 'circulated_criticism']) : pick(['inspection', 'circulated_criticism']);
              at(due + 16, {
                type: 'DecideAccountability',
                actor: 'discipline',
                events: 1,
                data: {
                  decisionId: uuidv4(),
                  target,
                  form,
                  dispositionForm: form === 'admonishment' ? 1 : null,
                  decidedBy,
                  decidedOn: localDate(start + (due + 16) * DAY),
                  documentNo: `${spec.short}纪问〔2025〕${between(1, 99)}号`,
                  effectMonths: form === 'admonishment' ? 6 : null,
                  reason: '履行责任不力',
                },
              });
            }
          }
          t = completeDay;
          if (!at(t, { type: 'ReportCompletion', actor: 'unit', events: 1, data: { summary: '已按要求完成', evidence: [] } })) continue;
          if (chance(0.15)) {
            at((t += between(1, 3)), { type: 'ReturnCompletion', actor: 'inspector', events: 1, data: { reason: '佐证材料不全' } });
            at((t += between(1, 4)), { type: 'ReportCompletion', actor: 'unit', events: 1, data: { summary: '已补充佐证材料', evidence: [] } });
          }
          if (chance(0.1)) continue; // awaiting review
          at((t += between(1, 4)), { type: 'ConcludeItem', actor: 'inspector', events: 1, data: { note: '经核查已完成' } });
          if (chance(0.4)) continue;
          at((t += between(2, 10)), { type: 'StrikeOffItem', actor: 'org', events: 1, data: { note: '验收合格，予以销号' } });
          if (chance(0.02)) at((t += between(5, 15)), { type: 'ReopenItem', actor: 'inspector', events: 1, data: { reason: '回头看发现问题反弹' } });
        }
      }
    }

    const run = async (act: Act): Promise<void> => {
      const it = items[act.item];
      const actor = act.actor === 'unit' ? unitActor(it.unit.actorUnit!) : actors[act.actor];
      const data =
        act.type === 'AssignItem'
          ? { itemId: it.id, sheetId: sheets[it.sheet].id, unitId: it.unit.id, cadreId: it.cadreId, leaderId: null, supportUnitIds: [], ...act.data }
          : { itemId: it.id, ...act.data };
      const facts =
        act.type === 'AssignItem'
          ? { sheet: { exists: true }, unit: { exists: true, dissolved: false }, cadre: { exists: true, left: false }, inActorScope: true }
          : act.type === 'GrantExtension'
            ? { previousApprover: null, inActorScope: true } // one extension per item at most
            : act.type === 'ReferAccountability' || act.type === 'DecideAccountability'
              ? { targetExists: true, inActorScope: true }
              : { inActorScope: true };
      try {
        await send({ type: act.type, data, facts } as never, actor, act.type === 'AssignItem' ? 'create' : 'existing');
        count(act.type, act.events);
        if (act.type === 'AssignItem') assigned[it.county]++;
      } catch (e) {
        // A plan that a rule turns down is skipped, as a user's would be, and counted in the result.
        if (!(e instanceof PlanRefused)) throw e;
        const key = `${e.command} ${e.code}`;
        refused[key] = (refused[key] ?? 0) + 1;
      }
    };
    const sheetsByDay = new Map<number, typeof sheets>();
    for (const s of sheets) {
      const list = sheetsByDay.get(s.day);
      if (list) list.push(s);
      else sheetsByDay.set(s.day, [s]);
    }
    const lastDay = Math.floor((nowMs - start) / DAY);
    for (let day = 0; day <= lastDay; day++) {
      today = day;
      const dayStart = start + day * DAY;
      clock.set(new Date(dayStart));
      // The day's sheets at once (a province issues dozens a day); each claims its number, then issues.
      await inChunks(
        (sheetsByDay.get(day) ?? []).map((s) => async () => {
          await send({ type: 'ClaimSheetNumber', data: { number: s.number, sheetId: s.id } } as never, actors.org, 'create');
          await send(
            {
              type: 'IssueSheet',
              data: { sheetId: s.id, number: s.number, title: `${s.number} 重点任务交办单`, source: '县委组织部', issuedOn: localDate(dayStart) },
            } as never,
            actors.org,
            'create',
          );
          count('SheetIssued', 2);
        }),
        concurrency,
      );
      const dayActs = acts.get(day) ?? [];
      acts.delete(day);
      // Waves: the k-th act of every item that day runs at once (the store commits concurrent appends
      // as one group); an item's own acts stay in order, and the clock only moves forward.
      const chains = new Map<number, Act[]>();
      for (const act of dayActs) {
        const chain = chains.get(act.item);
        if (chain) chain.push(act);
        else chains.set(act.item, [act]);
      }
      const lists = [...chains.values()];
      for (let wave = 0; lists.length > 0; wave++) {
        clock.set(new Date(dayStart + Math.min(wave * 15, 9 * 60) * 60_000));
        const now = lists.map((l) => l[wave]).filter((a): a is Act => a !== undefined);
        if (now.length === 0) break;
        for (let i = 0; i < now.length; i += concurrency) await Promise.all(now.slice(i, i + concurrency).map(run));
        report('write');
      }
    }
    const head = await store.headPosition();
    events = Number(await eventsBetween(store, 0n, head));
    const writeSeconds = (Date.now() - began) / 1000;
    report('write');
    const eventsPerSecond = events / writeSeconds;
    const counted = await countTypes(store);

    let projectSeconds: number | null = null;
    if (options.project !== false) {
      const p0 = Date.now();
      const ds = await openReadModels(config);
      try {
        await rebuildReadModels(ds, store, {
          onProgress: (p) => options.onProgress?.({ phase: 'project', events: p.events, target: events, commands, elapsedMs: Date.now() - began }),
        });
      } finally {
        await ds.destroy();
      }
      projectSeconds = (Date.now() - p0) / 1000;
    }
    return {
      events,
      commands,
      units: units.length,
      cadres: cadreCount,
      sheets: sheets.length,
      items: items.length,
      writeSeconds,
      eventsPerSecond,
      projectSeconds,
      eventTypes: counted,
      refused,
      provinceId: provinceRoot?.id ?? null,
      counties: specs.map((spec, k) => {
        const own = units.filter((u) => u.county === k);
        return {
          name: spec.name,
          rootId: countyRoots[k].id,
          unitIds: own.map((u) => u.id),
          cadres: own.reduce((sum, u) => sum + (cadresOf.get(u.id)?.length ?? 0), 0),
          sheets: sheets.filter((sh) => sh.county === k).length,
          itemsAssigned: assigned[k],
        };
      }),
    };
  } finally {
    await app.close();
    await store.close();
  }
}

/** A planned command that a domain rule turned down. */
class PlanRefused extends Error {
  constructor(
    readonly command: string,
    readonly code: string,
  ) {
    super(`${command} refused: ${code}`);
  }
}

/** Runs the tasks `width` at a time (a province's registrations would otherwise all start at once). */
async function inChunks(tasks: Array<() => Promise<unknown>>, width: number): Promise<void> {
  for (let i = 0; i < tasks.length; i += width) await Promise.all(tasks.slice(i, i + width).map((t) => t()));
}

async function countTypes(store: Awaited<ReturnType<typeof openEventStore>>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (let after = 0n; ;) {
    const batch = await store.readAll({ after, limit: 20_000 });
    if (batch.length === 0) return out;
    for (const e of batch) out[e.type] = (out[e.type] ?? 0) + 1;
    after = batch[batch.length - 1].position;
  }
}
