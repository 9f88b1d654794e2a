import { ConfigError, DEFAULT_API_HEAP_MB, DEFAULT_COMMAND_CACHE_STREAMS, apiNodeFlags, loadConfig } from './config';

describe('configuration: LEDGER_COMMAND_CACHE_STREAMS', () => {
  it('bounds the command path cache: the default, a value, 0 (no cache)', () => {
    expect(loadConfig({}).commandCacheStreams).toBe(DEFAULT_COMMAND_CACHE_STREAMS);
    expect(loadConfig({ LEDGER_COMMAND_CACHE_STREAMS: '2000' }).commandCacheStreams).toBe(2000);
    expect(loadConfig({ LEDGER_COMMAND_CACHE_STREAMS: '0' }).commandCacheStreams).toBe(0);
  });

  it('a value that is not a whole number stops the start with the variable named', () => {
    expect(() => loadConfig({ LEDGER_COMMAND_CACHE_STREAMS: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ LEDGER_COMMAND_CACHE_STREAMS: 'lots' })).toThrow(/LEDGER_COMMAND_CACHE_STREAMS=lots/);
  });
});

describe('configuration: LEDGER_API_HEAP_MB', () => {
  it("bounds the API's V8 old generation through the flags its launchers pass (0 leaves V8's default), and its young generation's semi-spaces at 4 MB", () => {
    expect(apiNodeFlags(loadConfig({}))).toEqual([`--max-old-space-size=${DEFAULT_API_HEAP_MB}`, '--max-semi-space-size=4']);
    expect(apiNodeFlags(loadConfig({ LEDGER_API_HEAP_MB: '512' }))).toEqual(['--max-old-space-size=512', '--max-semi-space-size=4']);
    expect(apiNodeFlags(loadConfig({ LEDGER_API_HEAP_MB: '0' }))).toEqual(['--max-semi-space-size=4']);
  });

  it('a heap too small for the stream heads, or not a number, stops the start with the variable named', () => {
    expect(() => loadConfig({ LEDGER_API_HEAP_MB: '64' })).toThrow(/LEDGER_API_HEAP_MB=64: at least 96/);
    expect(() => loadConfig({ LEDGER_API_HEAP_MB: 'big' })).toThrow(/LEDGER_API_HEAP_MB=big/);
  });
});

describe('configuration: supervision, readiness and the tamper policy', () => {
  it('defaults: 5 restarts from 1 s, 503 after 10,000 events of lag for 30 s, writes refused on tamper', () => {
    expect(loadConfig({})).toMatchObject({ restartLimit: 5, restartBackoffMs: 1000, readyMaxLag: 10_000, readyGraceSeconds: 30, onTamper: 'refuse-writes' });
    expect(
      loadConfig({
        LEDGER_RESTART_LIMIT: '0',
        LEDGER_RESTART_BACKOFF_MS: '50',
        LEDGER_READY_MAX_LAG: '0',
        LEDGER_READY_GRACE_SECONDS: '0',
        LEDGER_ON_TAMPER: 'warn',
      }),
    ).toMatchObject({ restartLimit: 0, restartBackoffMs: 50, readyMaxLag: 0, readyGraceSeconds: 0, onTamper: 'warn' });
  });

  it('a wrong value stops the start with every variable named', () => {
    let message = '';
    try {
      loadConfig({
        LEDGER_RESTART_LIMIT: '-1',
        LEDGER_RESTART_BACKOFF_MS: '0',
        LEDGER_READY_MAX_LAG: '100000',
        LEDGER_READY_GRACE_SECONDS: '1.5',
        LEDGER_ON_TAMPER: 'ignore',
      });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      message = (e as Error).message;
    }
    for (const v of [
      'LEDGER_RESTART_LIMIT=-1',
      'LEDGER_RESTART_BACKOFF_MS=0',
      'LEDGER_READY_MAX_LAG=100000: expected a whole number from 0 to 99999',
      'LEDGER_READY_GRACE_SECONDS=1.5',
      'LEDGER_ON_TAMPER=ignore: expected refuse-writes or warn',
    ]) {
      expect(message).toContain(v);
    }
  });
});

describe('configuration: LEDGER_HOST', () => {
  it('binds to this machine only unless a deployment says otherwise', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ LEDGER_HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ LEDGER_HOST: '::' }).host).toBe('::');
    expect(loadConfig({ LEDGER_HOST: '::1' }).host).toBe('::1');
    expect(loadConfig({ LEDGER_HOST: 'ledger.county.internal' }).host).toBe('ledger.county.internal');
  });

  it.each(['http://0.0.0.0', '0.0.0.0:3000', 'two words', '-bad-', '[::1]'])('%s stops the start with the variable named', (value) => {
    expect(() => loadConfig({ LEDGER_HOST: value })).toThrow(new RegExp(`LEDGER_HOST=${value.replace(/[.[\]]/g, '\\$&')}: expected an IP address`));
  });
});

describe('LEDGER_EVENT_STORE_URL for eventstoredb', () => {
  it('takes every scheme the adapter can open (esdb, kurrentdb and kdb, each with +discover) and refuses others', () => {
    for (const url of [
      'esdb://h:2113',
      'esdb+discover://a:2113,b:2113',
      'kurrentdb://h:2113',
      'kurrentdb+discover://a:2113',
      'kdb://h:2113',
      'kdb+discover://a:2113',
    ]) {
      expect(loadConfig({ LEDGER_EVENT_STORE: 'eventstoredb', LEDGER_EVENT_STORE_URL: url }).eventStoreUrl).toBe(url);
    }
    for (const url of ['http://h:2113', 'postgres://h/db', 'kdbx://h:2113']) {
      expect(() => loadConfig({ LEDGER_EVENT_STORE: 'eventstoredb', LEDGER_EVENT_STORE_URL: url })).toThrow(
        /LEDGER_EVENT_STORE=eventstoredb needs LEDGER_EVENT_STORE_URL/,
      );
    }
  });
});

describe('configuration: single sign-on (LEDGER_OIDC_*)', () => {
  const all = { LEDGER_OIDC_ISSUER: 'https://idp.province.gov.cn/oidc', LEDGER_OIDC_CLIENT_ID: 'ledger-huangyuan', LEDGER_OIDC_CLIENT_SECRET: 's3cret' };

  it('is off without the variables; with issuer, client id and secret it is on, with its defaults', () => {
    expect(loadConfig({}).oidc).toBeNull();
    expect(loadConfig(all).oidc).toEqual({
      issuer: 'https://idp.province.gov.cn/oidc',
      clientId: 'ledger-huangyuan',
      clientSecret: 's3cret',
      loginClaim: 'preferred_username',
      redirectUrl: null,
      label: '统一身份认证登录',
    });
    const chosen = loadConfig({
      ...all,
      LEDGER_OIDC_LOGIN_CLAIM: 'employee_id',
      LEDGER_OIDC_REDIRECT_URL: 'https://ledger.county.gov.cn/api/v1/auth/oidc/callback',
      LEDGER_OIDC_LABEL: '省统一身份认证',
    }).oidc;
    expect(chosen).toMatchObject({ loginClaim: 'employee_id', redirectUrl: 'https://ledger.county.gov.cn/api/v1/auth/oidc/callback', label: '省统一身份认证' });
    // http only on this machine (a provider run beside the ledger).
    expect(loadConfig({ ...all, LEDGER_OIDC_ISSUER: 'http://127.0.0.1:4000' }).oidc?.issuer).toBe('http://127.0.0.1:4000');
  });

  it.each([
    [
      { LEDGER_OIDC_ISSUER: all.LEDGER_OIDC_ISSUER },
      /single sign-on needs all of LEDGER_OIDC_ISSUER, LEDGER_OIDC_CLIENT_ID, LEDGER_OIDC_CLIENT_SECRET or none; missing LEDGER_OIDC_CLIENT_ID, LEDGER_OIDC_CLIENT_SECRET/,
    ],
    [{ LEDGER_OIDC_LOGIN_CLAIM: 'email' }, /LEDGER_OIDC_LOGIN_CLAIM set without LEDGER_OIDC_ISSUER/],
    [
      { ...all, LEDGER_OIDC_ISSUER: 'http://idp.province.gov.cn' },
      /LEDGER_OIDC_ISSUER=http:\/\/idp.province.gov.cn: expected the provider's https:\/\/ issuer URL/,
    ],
    [{ ...all, LEDGER_OIDC_ISSUER: 'idp.province.gov.cn' }, /LEDGER_OIDC_ISSUER=idp.province.gov.cn: expected/],
    [{ ...all, LEDGER_OIDC_LOGIN_CLAIM: 'a claim' }, /LEDGER_OIDC_LOGIN_CLAIM=a claim: expected a claim name/],
    [
      { ...all, LEDGER_OIDC_REDIRECT_URL: 'https://ledger.county.gov.cn/elsewhere' },
      /LEDGER_OIDC_REDIRECT_URL=https:\/\/ledger.county.gov.cn\/elsewhere: expected https:\/\/<the ledger's address>\/api\/v1\/auth\/oidc\/callback/,
    ],
  ])('%j stops the start with the variable named', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('configuration: LEDGER_ESCALATION, the ladder for overdue items', () => {
  it('defaults to 提醒 on the due date, 催办 after 3 days, 督办 after 7, 挂牌督办 after 15', () => {
    expect(loadConfig({}).escalation).toEqual([
      { days: 0, level: 'reminder' },
      { days: 3, level: 'urge' },
      { days: 7, level: 'notice' },
      { days: 15, level: 'listed' },
    ]);
  });
  it('takes a county ladder, spaces allowed, and off', () => {
    expect(loadConfig({ LEDGER_ESCALATION: '1:urge, 10:listed' }).escalation).toEqual([
      { days: 1, level: 'urge' },
      { days: 10, level: 'listed' },
    ]);
    expect(loadConfig({ LEDGER_ESCALATION: 'off' }).escalation).toEqual([]);
  });
  it.each([
    ['3:shout', /unknown level "shout"/],
    ['3-urge', /"3-urge" is not days:level/],
    ['0:reminder,,7:notice', /"" is not days:level/],
    ['7:urge,3:notice', /3 days does not come after 7/],
    ['3:urge,3:notice', /3 days does not come after 3/],
    ['0:notice,7:urge', /urge is not above notice/],
    ['0:urge,400:listed', /400 days is more than a year/],
    ['-1:urge', /"-1:urge" is not days:level/],
  ])('refuses to start on %s, naming the problem and the form', (value, why) => {
    expect(() => loadConfig({ LEDGER_ESCALATION: value })).toThrow(ConfigError);
    expect(() => loadConfig({ LEDGER_ESCALATION: value })).toThrow(why);
    expect(() => loadConfig({ LEDGER_ESCALATION: value })).toThrow(/e\.g\. 0:reminder,3:urge,7:notice,15:listed, or off/);
  });
});
