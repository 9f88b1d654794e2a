import { channelsFor, DEFAULT_DELIVERY, NotifyConfigError, parseNotifyConfig } from './routing';

const good = {
  link: 'https://ledger.example.gov.cn/',
  channels: {
    hook: { type: 'webhook', url: 'https://hooks.example/x', secret: 's' },
    ding: { type: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=t' },
    sms: { type: 'sms', url: 'https://sms.example/send', to: ['13800000000'], template: { text: '{{text}}' } },
  },
  routes: [
    { roles: ['unit', 'leader'], channels: ['hook'] },
    { roles: ['unit'], units: ['T1', 'T2'], channels: ['ding', 'hook'] },
    { roles: ['leader'], units: ['T1'], channels: ['sms'] },
  ],
};

function problems(config: unknown): string[] {
  try {
    parseNotifyConfig(typeof config === 'string' ? config : JSON.stringify(config));
  } catch (e) {
    if (e instanceof NotifyConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('the notification configuration', () => {
  it('routes each audience to the union of the channels of the routes that match it', () => {
    const config = parseNotifyConfig(JSON.stringify(good));
    expect(config.link).toBe('https://ledger.example.gov.cn');
    expect(config.delivery).toEqual(DEFAULT_DELIVERY);
    expect(channelsFor(config, { role: 'unit', unitId: 'T1' })).toEqual(['hook', 'ding']);
    expect(channelsFor(config, { role: 'unit', unitId: 'T3' })).toEqual(['hook']);
    expect(channelsFor(config, { role: 'leader', unitId: 'T1' })).toEqual(['hook', 'sms']);
    expect(channelsFor(config, { role: 'inspector', unitId: null })).toEqual([]);
  });

  it('refuses a bad file naming every problem', () => {
    expect(problems('{ "routes": [')).toEqual([expect.stringMatching(/^not JSON: /)]);
    expect(problems([])).toEqual(['the file must hold a JSON object']);
    expect(
      problems({
        link: 'ftp://x',
        lnk: 'typo',
        delivery: { maxAttempts: 0, timeoutMs: 1.5, retries: 3 },
        channels: {
          'bad name!': { type: 'fax', url: 'x' },
          hook: { type: 'webhook', url: 'https://h.example' },
          sms: { type: 'sms', url: 'https://s.example', to: [] },
        },
        routes: [{ roles: ['mayor'], channels: ['nowhere'], unit: 'T1' }, 'x'],
      }),
    ).toEqual([
      'lnk is not a setting (expected link, delivery, retention, channels, routes, bulletins)',
      'link must be an http(s) URL',
      'delivery.maxAttempts must be a whole number from 1 to 100',
      'delivery.timeoutMs must be a whole number from 1 to 600000',
      'delivery.retries is not a setting (expected maxAttempts, backoffMs, maxBackoffMs, timeoutMs)',
      'channels.bad name!: a channel name is 1 to 64 letters, digits, _ . -',
      'channels.bad name!.type must be one of webhook, dingtalk, wecom, sms',
      'channels.bad name!.url must be an http(s) URL',
      'channels.hook: a webhook needs a secret to sign its messages with',
      'channels.sms.to must list the phone numbers',
      "channels.sms.template must give the gateway's JSON body",
      'routes[0].unit is not a setting (expected roles, units, unitsUnder, channels)',
      'routes[0].roles must list some of unit, leader, inspector, discipline, org_dept',
      'routes[0].channels names "nowhere", which is not a channel',
      'routes[1] must be an object',
    ]);
  });
});

describe('subtree routes (unitsUnder)', () => {
  const config = parseNotifyConfig(
    JSON.stringify({
      ...good,
      routes: [
        { roles: ['unit'], unitsUnder: ['town-a'], channels: ['ding'] },
        { roles: ['leader'], units: ['v9'], unitsUnder: ['town-b'], channels: ['sms'] },
      ],
    }),
  );

  it('matches the root and every unit whose line up the tree passes through it, and nothing it cannot place', () => {
    // A hand-built line: village v1 under town-a under the county.
    expect(channelsFor(config, { role: 'unit', unitId: 'v1' }, ['v1', 'town-a', 'county'])).toEqual(['ding']);
    expect(channelsFor(config, { role: 'unit', unitId: 'town-a' }, ['town-a', 'county'])).toEqual(['ding']);
    expect(channelsFor(config, { role: 'unit', unitId: 'v2' }, ['v2', 'town-b', 'county'])).toEqual([]);
    expect(channelsFor(config, { role: 'unit', unitId: 'county' }, ['county'])).toEqual([]);
    // Without the tree only the unit itself is known: under nothing.
    expect(channelsFor(config, { role: 'unit', unitId: 'v1' })).toEqual([]);
    expect(channelsFor(config, { role: 'inspector', unitId: null }, [])).toEqual([]);
  });

  it('with units on the same route, a unit matches if either does', () => {
    expect(channelsFor(config, { role: 'leader', unitId: 'v9' }, ['v9', 'town-a', 'county'])).toEqual(['sms']);
    expect(channelsFor(config, { role: 'leader', unitId: 'v3' }, ['v3', 'town-b', 'county'])).toEqual(['sms']);
    expect(channelsFor(config, { role: 'leader', unitId: 'v1' }, ['v1', 'town-a', 'county'])).toEqual([]);
  });

  it('is validated like units', () => {
    const route = (r: object) => problems({ ...good, routes: [{ roles: ['unit'], channels: ['ding'], ...r }] });
    expect(route({ unitsUnder: [] })).toEqual(['routes[0].unitsUnder must list the unit ids whose subtrees it covers (leave it out for every unit)']);
    expect(route({ unitsUnder: 'town-a' })).toEqual(['routes[0].unitsUnder must list the unit ids whose subtrees it covers (leave it out for every unit)']);
    expect(route({ unitsUnder: [''] })).toEqual(['routes[0].unitsUnder must list the unit ids whose subtrees it covers (leave it out for every unit)']);
    expect(route({ subtree: true })).toEqual(['routes[0].subtree is not a setting (expected roles, units, unitsUnder, channels)']);
  });
});

describe('the retention of delivered messages', () => {
  const retention = (r: unknown) => parseNotifyConfig(JSON.stringify({ ...good, retention: r })).retention;

  it('keeps a delivered message 30 days unless told otherwise; 0 keeps it forever', () => {
    expect(parseNotifyConfig(JSON.stringify(good)).retention).toEqual({ deliveredDays: 30 });
    expect(retention({})).toEqual({ deliveredDays: 30 });
    expect(retention({ deliveredDays: 0 })).toEqual({ deliveredDays: 0 });
    expect(retention({ deliveredDays: 365 })).toEqual({ deliveredDays: 365 });
  });

  it('refuses what is not a number of days, and unknown settings', () => {
    const days = 'retention.deliveredDays must be a whole number of days from 0 (keep forever) to 3650';
    expect(problems({ ...good, retention: { deliveredDays: -1 } })).toEqual([days]);
    expect(problems({ ...good, retention: { deliveredDays: 1.5 } })).toEqual([days]);
    expect(problems({ ...good, retention: { deliveredDays: '30' } })).toEqual([days]);
    expect(problems({ ...good, retention: { deliveredDays: 3651 } })).toEqual([days]);
    expect(problems({ ...good, retention: { deadDays: 30 } })).toEqual(['retention.deadDays is not a setting (expected deliveredDays)']);
    expect(problems({ ...good, retention: 30 })).toEqual(['retention must be an object']);
  });
});
