import { AUDIENCE_ROLES, type Audience, type AudienceRole } from './rules';

/**
 * The county's notification configuration (LEDGER_NOTIFY_CONFIG, a JSON file it edits while the
 * notifier runs): the channels, which audiences each reaches, and how delivery retries.
 *
 * {
 *   "link": "https://ledger.example.gov.cn",          // messages link back to <link>/items/<id>
 *   "delivery": { "maxAttempts": 8, "backoffMs": 1000, "maxBackoffMs": 3600000, "timeoutMs": 10000 },
 *   "channels": {
 *     "hook":   { "type": "webhook",  "url": "https://…", "secret": "…" },
 *     "ding":   { "type": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=…", "secret": "SEC…" },
 *     "wecom":  { "type": "wecom",    "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…" },
 *     "sms":    { "type": "sms",      "url": "https://gateway/…", "to": ["138…"], "headers": {…}, "template": { "mobile": "{{to}}", "content": "{{text}}" } }
 *   },
 *   "routes": [ { "roles": ["unit", "leader"], "units": ["T1"], "channels": ["ding", "sms"] }, { "roles": ["inspector"], "channels": ["wecom"] } ]
 * }
 *
 * "bulletins": { "monthly": { "day": 1, "channels": ["ding"] } } sends each month's 督查通报 (its headline
 * figures and a link to /api/v1/bulletins/<YYYY-MM>) once, from that county day of the next month on.
 * "bulletins": { "weekly": { "weekday": 1, "channels": ["ding"] } } sends each ISO week's (<YYYY-Www>, Monday
 * to Sunday) once, from that county weekday (1 Monday … 7 Sunday) of the next week on. Both may be set.
 *
 * A route without "units" matches every unit. "unitsUnder": ["town-a"] matches town-a and every unit
 * under it in the organisation tree as it stands at the event notified (a unit registered under it later
 * is covered, one moved out is not); with "units" too, a unit matches if either does. An audience gets
 * the union of the channels of every route that matches it.
 *
 * "retention": { "deliveredDays": 30 } deletes delivered messages (and their attempts) that many days
 * after delivery; 0 keeps them forever. Dead letters stay until an administrator replays them.
 */
export type ChannelType = 'webhook' | 'dingtalk' | 'wecom' | 'sms';
export const CHANNEL_TYPES: readonly ChannelType[] = ['webhook', 'dingtalk', 'wecom', 'sms'];

export interface ChannelConfig {
  type: ChannelType;
  url: string;
  /** webhook: the HMAC key (required); dingtalk: the robot's 加签 secret (optional). */
  secret?: string;
  /** sms: the numbers, joined by commas into {{to}}. */
  to?: string[];
  /** sms: the JSON body, with {{id}} {{to}} {{title}} {{text}} {{link}} replaced in its strings. */
  template?: unknown;
  /** sms: extra request headers (the gateway's key). */
  headers?: Record<string, string>;
}

export interface RouteConfig {
  roles: AudienceRole[];
  units?: string[];
  /** Roots of subtrees: the unit itself and every unit under it. */
  unitsUnder?: string[];
  channels: string[];
}

export interface DeliveryConfig {
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
}

/** The monthly bulletin: sent from county day `day` (1 to 28, so every month has it) of the month after the period. */
export interface BulletinSchedule {
  day: number;
  channels: string[];
}

/** The weekly bulletin: sent from county weekday `weekday` (1 Monday … 7 Sunday, ISO-8601) of the week after the period. */
export interface WeeklyBulletinSchedule {
  weekday: number;
  channels: string[];
}

/** How long the outbox keeps a delivered message: `deliveredDays` after its delivery (0: forever). */
export interface RetentionConfig {
  deliveredDays: number;
}

export interface NotifyConfig {
  link: string;
  delivery: DeliveryConfig;
  retention: RetentionConfig;
  channels: Record<string, ChannelConfig>;
  routes: RouteConfig[];
  bulletins: { monthly: BulletinSchedule | null; weekly: WeeklyBulletinSchedule | null };
}

export const DEFAULT_DELIVERY: DeliveryConfig = { maxAttempts: 8, backoffMs: 1000, maxBackoffMs: 3_600_000, timeoutMs: 10_000 };
/** A month of delivered messages is kept to answer "was it sent?"; the outbox does not grow forever. */
export const DEFAULT_RETENTION: RetentionConfig = { deliveredDays: 30 };
const MAX_RETENTION_DAYS = 3650;

export class NotifyConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`notification configuration refused: ${problems.join('; ')}`);
    this.name = 'NotifyConfigError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length > 0);

/** The configuration in `text`, or NotifyConfigError naming every problem (nothing half-applied). */
export function parseNotifyConfig(text: string): NotifyConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new NotifyConfigError([`not JSON: ${(e as Error).message}`]);
  }
  const problems: string[] = [];
  if (!isObject(raw)) throw new NotifyConfigError(['the file must hold a JSON object']);
  // A misspelt key would otherwise be ignored in silence (a route that never matches, a link never sent).
  const unknown = (at: string, o: Record<string, unknown>, known: string[]) => {
    for (const k of Object.keys(o)) if (!known.includes(k)) problems.push(`${at}${k} is not a setting (expected ${known.join(', ')})`);
  };
  unknown('', raw, ['link', 'delivery', 'retention', 'channels', 'routes', 'bulletins']);
  const link = raw.link ?? '';
  if (typeof link !== 'string' || (link !== '' && !/^https?:\/\//.test(link))) problems.push('link must be an http(s) URL');

  const delivery = { ...DEFAULT_DELIVERY };
  if (raw.delivery !== undefined) {
    if (!isObject(raw.delivery)) problems.push('delivery must be an object');
    else {
      const bounds: Record<keyof DeliveryConfig, [number, number]> = {
        maxAttempts: [1, 100],
        backoffMs: [1, 86_400_000],
        maxBackoffMs: [1, 86_400_000],
        timeoutMs: [1, 600_000],
      };
      for (const [key, value] of Object.entries(raw.delivery)) {
        const range = bounds[key as keyof DeliveryConfig];
        if (!range) problems.push(`delivery.${key} is not a setting (expected ${Object.keys(bounds).join(', ')})`);
        else if (!Number.isInteger(value) || (value as number) < range[0] || (value as number) > range[1])
          problems.push(`delivery.${key} must be a whole number from ${range[0]} to ${range[1]}`);
        else delivery[key as keyof DeliveryConfig] = value as number;
      }
    }
  }

  const retention = { ...DEFAULT_RETENTION };
  if (raw.retention !== undefined) {
    if (!isObject(raw.retention)) problems.push('retention must be an object');
    else {
      unknown('retention.', raw.retention, ['deliveredDays']);
      const days = raw.retention.deliveredDays;
      if (days !== undefined) {
        if (!Number.isInteger(days) || (days as number) < 0 || (days as number) > MAX_RETENTION_DAYS)
          problems.push(`retention.deliveredDays must be a whole number of days from 0 (keep forever) to ${MAX_RETENTION_DAYS}`);
        else retention.deliveredDays = days as number;
      }
    }
  }

  const channels: Record<string, ChannelConfig> = {};
  if (!isObject(raw.channels)) problems.push('channels must be an object of named channels');
  else {
    for (const [name, c] of Object.entries(raw.channels)) {
      const at = `channels.${name}`;
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) problems.push(`${at}: a channel name is 1 to 64 letters, digits, _ . -`);
      if (!isObject(c)) {
        problems.push(`${at} must be an object`);
        continue;
      }
      unknown(`${at}.`, c, ['type', 'url', 'secret', 'to', 'template', 'headers']);
      if (!CHANNEL_TYPES.includes(c.type as ChannelType)) problems.push(`${at}.type must be one of ${CHANNEL_TYPES.join(', ')}`);
      if (typeof c.url !== 'string' || !/^https?:\/\/[^\s]+$/.test(c.url)) problems.push(`${at}.url must be an http(s) URL`);
      if (c.secret !== undefined && (typeof c.secret !== 'string' || c.secret === '')) problems.push(`${at}.secret must be a non-empty string`);
      if (c.type === 'webhook' && c.secret === undefined) problems.push(`${at}: a webhook needs a secret to sign its messages with`);
      if (c.type === 'sms') {
        if (!isStrings(c.to) || c.to.length === 0) problems.push(`${at}.to must list the phone numbers`);
        if (c.template === undefined) problems.push(`${at}.template must give the gateway's JSON body`);
        if (c.headers !== undefined && !(isObject(c.headers) && Object.values(c.headers).every((v) => typeof v === 'string')))
          problems.push(`${at}.headers must map names to strings`);
      }
      channels[name] = c as unknown as ChannelConfig;
    }
  }

  const routes: RouteConfig[] = [];
  if (!Array.isArray(raw.routes)) problems.push('routes must be a list');
  else {
    raw.routes.forEach((r: unknown, i) => {
      const at = `routes[${i}]`;
      if (!isObject(r)) return void problems.push(`${at} must be an object`);
      unknown(`${at}.`, r, ['roles', 'units', 'unitsUnder', 'channels']);
      const roles = r.roles;
      if (!isStrings(roles) || roles.length === 0 || !roles.every((x) => (AUDIENCE_ROLES as string[]).includes(x)))
        problems.push(`${at}.roles must list some of ${AUDIENCE_ROLES.join(', ')}`);
      if (r.units !== undefined && (!isStrings(r.units) || r.units.length === 0)) problems.push(`${at}.units must list unit ids (leave it out for every unit)`);
      if (r.unitsUnder !== undefined && (!isStrings(r.unitsUnder) || r.unitsUnder.length === 0))
        problems.push(`${at}.unitsUnder must list the unit ids whose subtrees it covers (leave it out for every unit)`);
      if (!isStrings(r.channels) || r.channels.length === 0) problems.push(`${at}.channels must list channel names`);
      else for (const c of r.channels) if (isObject(raw.channels) && !(c in raw.channels)) problems.push(`${at}.channels names "${c}", which is not a channel`);
      routes.push(r as unknown as RouteConfig);
    });
  }
  let monthly: BulletinSchedule | null = null;
  let weekly: WeeklyBulletinSchedule | null = null;
  /** A schedule's channels: named, and each one a channel of the file. */
  const scheduleChannels = (at: string, list: unknown) => {
    if (!isStrings(list) || list.length === 0) problems.push(`${at}.channels must list channel names`);
    else for (const c of list) if (isObject(raw.channels) && !(c in raw.channels)) problems.push(`${at}.channels names "${c}", which is not a channel`);
  };
  if (raw.bulletins !== undefined) {
    if (!isObject(raw.bulletins)) problems.push('bulletins must be an object');
    else {
      unknown('bulletins.', raw.bulletins, ['monthly', 'weekly']);
      const w = raw.bulletins.weekly;
      if (w !== undefined) {
        if (!isObject(w)) problems.push('bulletins.weekly must be an object');
        else {
          unknown('bulletins.weekly.', w, ['weekday', 'channels']);
          if (!Number.isInteger(w.weekday) || (w.weekday as number) < 1 || (w.weekday as number) > 7)
            problems.push('bulletins.weekly.weekday must be a whole number from 1 (Monday) to 7 (Sunday)');
          scheduleChannels('bulletins.weekly', w.channels);
          weekly = { weekday: w.weekday as number, channels: w.channels as string[] };
        }
      }
      const m = raw.bulletins.monthly;
      if (m !== undefined) {
        if (!isObject(m)) problems.push('bulletins.monthly must be an object');
        else {
          unknown('bulletins.monthly.', m, ['day', 'channels']);
          if (!Number.isInteger(m.day) || (m.day as number) < 1 || (m.day as number) > 28)
            problems.push('bulletins.monthly.day must be a whole number from 1 to 28');
          if (!isStrings(m.channels) || m.channels.length === 0) problems.push('bulletins.monthly.channels must list channel names');
          else
            for (const c of m.channels)
              if (isObject(raw.channels) && !(c in raw.channels)) problems.push(`bulletins.monthly.channels names "${c}", which is not a channel`);
          monthly = { day: m.day as number, channels: m.channels as string[] };
        }
      }
    }
  }
  if (problems.length) throw new NotifyConfigError(problems);
  return { link: (link as string).replace(/\/+$/, ''), delivery, retention, channels, routes, bulletins: { monthly, weekly } };
}

/** Whether a route's units and subtrees take in the unit whose line up the tree is `line` (itself first, the root last). */
function routeTakes(r: RouteConfig, line: readonly string[]): boolean {
  if (!r.units && !r.unitsUnder) return true;
  if (line.length === 0) return false;
  return (r.units?.includes(line[0]) ?? false) || (r.unitsUnder?.some((root) => line.includes(root)) ?? false);
}

/**
 * The channels that reach `audience`, in the order the configuration first names them. `line` is the
 * audience's unit and its ancestors up to the root, from the tree as it stands at the event; without it
 * the unit alone (no subtree route matches what it cannot place).
 */
export function channelsFor(config: NotifyConfig, audience: Audience, line?: readonly string[]): string[] {
  const out = new Set<string>();
  const units = audience.unitId === null ? [] : (line ?? [audience.unitId]);
  for (const r of config.routes) {
    if (!r.roles.includes(audience.role)) continue;
    if (!routeTakes(r, units)) continue;
    for (const c of r.channels) out.add(c);
  }
  return [...out];
}
