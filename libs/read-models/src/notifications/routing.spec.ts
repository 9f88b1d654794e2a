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
      'lnk is not a setting (expected link, delivery, channels, routes, bulletins)',
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
      'routes[0].unit is not a setting (expected roles, units, channels)',
      'routes[0].roles must list some of unit, leader, inspector, discipline, org_dept',
      'routes[0].channels names "nowhere", which is not a channel',
      'routes[1] must be an object',
    ]);
  });
});
