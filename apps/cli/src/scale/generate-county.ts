import { routeCommand, type LedgerCommand } from '@ledger/domain';
import type { Actor } from '@ledger/contracts/events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COUNTY_OFFSET, countyDate, FixedClock, loadConfig, openEventStore, seededDice, seededUuids } from '@ledger/platform';
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
  /**
   * Go on with an interrupted run in this data folder (its parameters are in `generator-run.json`): the
   * days before the last one written are skipped, the last one is sent again, and the store answers what
   * it already holds (every command carries an idempotency key and seeded ids). An empty store starts afresh.
   */
  resume?: boolean;
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
  /** Events the store held when this run began (a resumed run's earlier ones). */
  eventsAtStart?: number;
}

export interface ScaleResult {
  events: number;
  commands: number;
  units: number;
  cadres: number;
  sheets: number;
  items: number;
  /** Seconds spent writing, over every run of a resumed generation. */
  writeSeconds: number;
  eventsPerSecond: number;
  /** How many runs wrote this ledger (1, or more after resumes). */
  runs: number;
  /** Commands this run sent again that the store already held (a resumed run's last day). */
  replayed: number;
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
  /** The act's place among its item's acts: its idempotency key is the item's id and this. */
  seq: number;
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
  const seed = options.seed ?? 7;
  const newId = seededUuids(seed ^ 0x1d5);
  const runPath = path.join(options.dataDir, RUN_FILE);
  const thisRun: GeneratorRun = {
    version: 1,
    seed,
    nowMs: (options.now ?? new Date()).getTime(),
    province: province?.name ?? null,
    counties: specs.map(({ name, short, targetEvents: target, seed: s }) => ({ name, short, targetEvents: target, seed: s })),
    segments: [],
  };
  // Set to the simulated year's start below (the year is known once a resumed run's parameters are read).
  const clock = new FixedClock(new Date(thisRun.nowMs));
  const store = await openEventStore(config, { clock });
  const headAtStart = await store.headPosition();
  let lastWritten: number | null = null;
  if (headAtStart > 0n) {
    const refuse = async (why: string) => {
      await store.close();
      throw new Error(`${options.dataDir} already holds events: ${why}`);
    };
    if (!options.resume) await refuse('the scale generator writes into an empty data folder (or, to go on with an interrupted run, resume it)');
    const before = readRun(runPath);
    if (!before) await refuse(`there is no ${RUN_FILE} in it, so they are not an interrupted generator run to resume`);
    const differs = sameRunAs(before!, thisRun, options.now !== undefined);
    if (differs) await refuse(`they were written by a generator run with another ${differs}; resume with the same parameters`);
    thisRun.nowMs = before!.nowMs;
    thisRun.segments = before!.segments;
    const [last] = await store.readAll({ after: headAtStart - 1n, limit: 1 });
    lastWritten = Date.parse(last.recordedAt);
  }
  const nowMs = thisRun.nowMs;
  const start = Date.parse(`${localDate(nowMs - YEAR_DAYS * DAY)}T08:30:00${COUNTY_OFFSET}`);
  /** Days before this one were written whole (a day's acts all finish before the next day's begin). */
  const resumeDay = lastWritten === null ? -Infinity : Math.floor((lastWritten - start) / DAY);
  clock.set(new Date(start - DAY));
  const app = await createApp({ config, clock, store, logger: ['error'] });
  await app.init();
  const loop = app.get(CommandLoop);
  const began = Date.now();
  const eventsAtStart = Number(headAtStart);
  let events = eventsAtStart;
  let commands = 0;
  let replayed = 0;
  const refused: Record<string, number> = {};
  const eventTypes: Record<string, number> = {};
  let today = -1;
  const segment: GeneratorRun['segments'][number] = {
    startedAt: new Date(began).toISOString(),
    seconds: 0,
    commands: 0,
    eventsAtStart,
    eventsAtEnd: eventsAtStart,
  };
  thisRun.segments.push(segment);
  let savedAt = 0;
  const saveRun = (force = false) => {
    if (!force && Date.now() - savedAt < 5000) return;
    savedAt = Date.now();
    Object.assign(segment, { seconds: (savedAt - began) / 1000, commands, eventsAtEnd: events, refused });
    fs.writeFileSync(`${runPath}.tmp`, JSON.stringify(thisRun, null, 1));
    fs.renameSync(`${runPath}.tmp`, runPath);
  };
  saveRun(true);
  const report = (phase: ScaleProgress['phase'], evts = events) => {
    if (phase === 'write') saveRun();
    options.onProgress?.({ phase, events: evts, target: targetEvents, commands, elapsedMs: Date.now() - began, day: today, eventsAtStart });
  };

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
  const send = async (command: Omit<LedgerCommand, 'context'>, actor: Actor, mode: 'create' | 'existing', key: string): Promise<'appended' | 'replayed'> => {
    const route = routeCommand(command as LedgerCommand);
    const meta: CommandMeta = { actor, correlationId: uuidv4(), commandId: uuidv4(), idempotencyKey: `scale-generator\n${key}`, ifMatch: null };
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
    if (outcome.kind === 'replayed') {
      replayed++;
      return 'replayed';
    }
    if (outcome.kind !== 'appended')
      throw new Error(`${command.type} on ${route.stream}: ${JSON.stringify(outcome, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
    commands++;
    return 'appended';
  };
  const assigned = specs.map(() => 0);
  const count = (type: string, n = 1) => {
    events += n;
    eventTypes[type] = (eventTypes[type] ?? 0) + n;
  };

  try {
    // ── the tree: [province →] county → 9 townships → 22 villages each → 3 party groups; county organs → 40 agencies → 3 groups
    const units: UnitPlan[] = [];
    const provinceRoot: UnitPlan | null = province
      ? { id: newId(), name: province.name, kind: 'province_committee', parentId: null, actorUnit: null, county: -1 }
      : null;
    if (provinceRoot) units.push(provinceRoot);
    const countyRoots = specs.map((spec, k) => {
      const county: UnitPlan = {
        id: newId(),
        name: `中共${spec.name}委员会`,
        kind: 'county_committee',
        parentId: provinceRoot?.id ?? null,
        actorUnit: null,
        county: k,
      };
      units.push(county);
      const organs: UnitPlan = { id: newId(), name: '县直机关党工委', kind: 'working_committee', parentId: county.id, actorUnit: null, county: k };
      units.push(organs);
      for (const t of TOWNSHIPS) {
        const town: UnitPlan = { id: newId(), name: `中共${t}委员会`, kind: 'township_committee', parentId: county.id, actorUnit: null, county: k };
        town.actorUnit = town.id;
        units.push(town);
        for (let v = 0; v < 22; v++) {
          const vname = `${t}${VILLAGE_STEMS[v % VILLAGE_STEMS.length]}${v >= VILLAGE_STEMS.length ? '二' : ''}村`;
          const branch: UnitPlan = { id: newId(), name: `${vname}党支部`, kind: 'branch', parentId: town.id, actorUnit: town.id, county: k };
          units.push(branch);
          for (let g = 1; g <= 3; g++)
            units.push({
              id: newId(),
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
          id: newId(),
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
            id: newId(),
            name: `${agency.name.replace('党总支', '')}第${'一二三'[g - 1]}党支部`,
            kind: 'branch',
            parentId: agency.id,
            actorUnit: agency.id,
            county: k,
          });
      }
      return county;
    });
    // Level by level (a parent before its children), each level at once; a resumed run past them plans them only.
    const depth = new Map<string, number>();
    for (const u of units) depth.set(u.id, u.parentId ? depth.get(u.parentId)! + 1 : 0);
    for (let level = 0; resumeDay < 0 && units.some((u) => depth.get(u.id) === level); level++) {
      const these = units.filter((u) => depth.get(u.id) === level);
      await pooled(
        these.map(
          (u) => async () =>
            (await send(
              {
                type: 'RegisterUnit',
                data: { unitId: u.id, name: u.name, kind: u.kind, parentId: u.parentId },
                facts: { parent: u.parentId ? { exists: true, dissolved: false } : null },
              } as never,
              actors.admin,
              'create',
              `unit ${u.id}`,
            )) === 'appended' && count('UnitRegistered'),
        ),
        concurrency,
      );
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
        const cadreId = newId();
        const cadre = { cadreId, name: pick(SURNAMES) + pick(GIVEN), unitId: u.id, post };
        registrations.push(
          async () =>
            (await send(
              { type: 'RegisterCadre', data: cadre, facts: { unit: { exists: true, dissolved: false } } } as never,
              actors.org,
              'create',
              `cadre ${cadreId}`,
            )) === 'appended' && count('CadreRegistered'),
        );
        ids.push(cadreId);
      }
      cadresOf.set(u.id, ids);
    }
    if (resumeDay < 0) await pooled(registrations, concurrency);
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
        const sheet = { id: newId(), day, number: `${spec.short}组交〔${2025 + Math.floor(s / 400)}〕${(s % 400) + 1}号`, county: k };
        sheets.push(sheet);
        planned += 2; // claim + issue
        for (let i = 0; i < itemsPerSheet && planned < budget; i++) {
          const unit = pick(assignable);
          const cadres = cadresOf.get(unit.id)!;
          const it: ItemPlan = { id: newId(), unit, cadreId: cadres[0], sheet: sheets.length - 1, county: k };
          const n = items.push(it) - 1;
          let due = day + between(15, 120);
          let t = day;
          let seq = 0;
          const at = (d: number, act: Omit<Act, 'item' | 'seq'>) => {
            const ok = schedule(d, { item: n, seq: seq++, ...act });
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
                  decisionId: newId(),
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
                  decisionId: newId(),
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
        const done = await send({ type: act.type, data, facts } as never, actor, act.type === 'AssignItem' ? 'create' : 'existing', `act ${it.id} ${act.seq}`);
        if (done === 'appended') count(act.type, act.events);
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
      const dayActs = acts.get(day) ?? [];
      acts.delete(day);
      if (day < resumeDay) {
        // Written whole by an earlier run of this generator.
        for (const act of dayActs) if (act.type === 'AssignItem') assigned[items[act.item].county]++;
        continue;
      }
      // The day's sheets at once (a province issues dozens a day); each claims its number, then issues.
      await pooled(
        (sheetsByDay.get(day) ?? []).map((s) => async () => {
          const claimed = await send({ type: 'ClaimSheetNumber', data: { number: s.number, sheetId: s.id } } as never, actors.org, 'create', `claim ${s.id}`);
          const issued = await send(
            {
              type: 'IssueSheet',
              data: { sheetId: s.id, number: s.number, title: `${s.number} 重点任务交办单`, source: '县委组织部', issuedOn: localDate(dayStart) },
            } as never,
            actors.org,
            'create',
            `issue ${s.id}`,
          );
          count('SheetIssued', (claimed === 'appended' ? 1 : 0) + (issued === 'appended' ? 1 : 0));
        }),
        concurrency,
      );
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
        await pooled(
          now.map((act) => () => run(act)),
          concurrency,
        );
        report('write');
      }
    }
    const head = await store.headPosition();
    events = Number(await eventsBetween(store, 0n, head));
    report('write');
    saveRun(true);
    // A resumed run's figures are its runs' together: the time each spent writing, the commands each appended.
    const writeSeconds = thisRun.segments.reduce((sum, x) => sum + x.seconds, 0);
    const eventsPerSecond = events / writeSeconds;
    const refusedInAll: Record<string, number> = {};
    for (const x of thisRun.segments) for (const [key, n] of Object.entries(x.refused ?? {})) refusedInAll[key] = (refusedInAll[key] ?? 0) + n;
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
      commands: thisRun.segments.reduce((sum, x) => sum + x.commands, 0),
      runs: thisRun.segments.length,
      replayed,
      units: units.length,
      cadres: cadreCount,
      sheets: sheets.length,
      items: items.length,
      writeSeconds,
      eventsPerSecond,
      projectSeconds,
      eventTypes: counted,
      refused: refusedInAll,
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
    saveRun(true);
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

/**
 * Runs the tasks with `width` in flight, each worker taking the next as it finishes (slices of `width`
 * awaited whole would leave the store's group commit a thinning tail at the end of every slice). After a
 * failure no new task starts.
 */
async function pooled(tasks: Array<() => Promise<unknown>>, width: number): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < tasks.length) {
      const task = tasks[next++];
      try {
        await task();
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
}

const RUN_FILE = 'generator-run.json';

/** What a generator run was asked for, and how long each of its runs (segments) wrote: kept beside the data to resume. */
interface GeneratorRun {
  version: 1;
  seed: number;
  nowMs: number;
  province: string | null;
  counties: Array<{ name: string; short: string; targetEvents: number; seed: number }>;
  segments: Array<{
    startedAt: string;
    seconds: number;
    commands: number;
    eventsAtStart: number;
    eventsAtEnd: number;
    refused?: Record<string, number>;
  }>;
}

function readRun(file: string): GeneratorRun | null {
  try {
    const run = JSON.parse(fs.readFileSync(file, 'utf8')) as GeneratorRun;
    return run.version === 1 ? run : null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** The first parameter in which the stored run differs from this one, or null. */
function sameRunAs(before: GeneratorRun, now: GeneratorRun, nowGiven: boolean): string | null {
  if (before.seed !== now.seed) return `seed (${before.seed})`;
  if (before.province !== now.province) return `province (${before.province ?? 'none'})`;
  if (before.counties.length !== now.counties.length) return `number of counties (${before.counties.length})`;
  if (before.counties.some((c, k) => JSON.stringify(c) !== JSON.stringify(now.counties[k])))
    return `size per county (${before.counties[0].targetEvents} events)`;
  if (nowGiven && before.nowMs !== now.nowMs) return `end of the simulated year (${new Date(before.nowMs).toISOString()})`;
  return null;
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
