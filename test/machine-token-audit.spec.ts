/**
 * API.md, version 2: a version 1 `ledger token --role R --sub S` whose sub names no account "acts as a
 * machine client of that role, and every use is audited as such". Through the real app: every request
 * such a token authenticates leaves one access-audit entry naming it a machine token (actor = the sub,
 * the role, the route, the outcome), whether or not the request is one the trail records for people;
 * a token whose sub is an account's id is not so labelled.
 */
import { accountStream } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { eventually } from '@ledger/platform/testing/eventually';
import { EVENT_STORE } from '../apps/api/src/platform/tokens';
import { startLedger, type Ledger } from './support/ledger';

interface Entry {
  actor: string | null;
  role: string | null;
  action: string;
  target: string;
  outcome: string;
  status: number | null;
  detail: Record<string, unknown> | null;
}

describe('a ledger token whose sub names no account', () => {
  let ledger: Ledger;
  const entriesOf = async (actor: string): Promise<Entry[]> =>
    (await ledger.as('auditadmin', undefined, { sub: 'mt-audit' }).get(`/audit/access?actor=${actor}&pageSize=500`, 200)).body.entries;

  beforeAll(async () => {
    ledger = await startLedger({ engine: 'sqlite' });
    await ledger
      .as('sysadmin', undefined, { sub: 'mt-sys' })
      .post('/accounts', { id: 'acct-org', login: 'acct.org', name: '组织部账号', roles: ['org_dept'] }, 201);
  }, 60_000);
  afterAll(async () => {
    await ledger?.close();
  });

  it('leaves one entry per request, each naming it a machine token with no account, refusals included', async () => {
    const bot = ledger.as('org_dept', undefined, { sub: 'nightly-script' });
    const N = 7;
    for (let i = 0; i < N; i++) await bot.get('/units', 200);
    await bot.get('/accountability', 200);
    await bot.post('/units', { id: 'C', name: '湟源县委', kind: 'county_committee' }, 201);
    await bot.get('/audit/verify', 403);

    const entries = await entriesOf('nightly-script');
    const shape = entries.map((e) => [e.actor, e.role, e.action, e.target, e.outcome, e.status, e.detail?.machineToken]);
    expect(shape).toEqual([
      ...Array.from({ length: N }, () => ['nightly-script', 'org_dept', 'machine-token-use', 'GET /api/v1/units', 'ok', 200, true]),
      ['nightly-script', 'org_dept', 'register-read', 'GET /api/v1/accountability', 'ok', 200, true],
      ['nightly-script', 'org_dept', 'machine-token-use', 'POST /api/v1/units', 'ok', 201, true],
      ['nightly-script', 'org_dept', 'refused', 'GET /api/v1/audit/verify', 'refused', 403, true],
    ]);
  });

  it('does not label a token whose sub is an account', async () => {
    const person = ledger.as('org_dept', undefined, { sub: 'acct-org' });
    for (let i = 0; i < 3; i++) await person.get('/units', 200);
    await person.get('/accountability', 200);
    const entries = await entriesOf('acct-org');
    // A plain list by an account is not recorded; the register read is, without the machine label.
    expect(entries.map((e) => [e.action, e.target, e.detail])).toEqual([['register-read', 'GET /api/v1/accountability', null]]);
    const labelled = (await ledger.as('auditadmin', undefined, { sub: 'mt-audit' }).get('/audit/access?action=machine-token-use&pageSize=500', 200)).body
      .entries as Entry[];
    expect(labelled.filter((e) => e.actor === 'acct-org')).toEqual([]);
  });

  it('reads the ledger once for such a sub, not on every request, and honours an account opened for it later', async () => {
    const store = ledger.app.get<EventStore>(EVENT_STORE);
    const read = store.readStream.bind(store);
    const reads: string[] = [];
    // The app's own store, counted: which streams the requests below read.
    store.readStream = (stream, ...rest) => {
      reads.push(stream);
      return read(stream, ...rest);
    };
    try {
      const bot = ledger.as('org_dept', undefined, { sub: 'opened-later' });
      for (let i = 0; i < 10; i++) await bot.get('/accountability', 200);
      expect(reads.filter((s) => s === accountStream('opened-later'))).toHaveLength(1);
      expect((await entriesOf('opened-later')).map((e) => e.detail?.machineToken)).toEqual(Array.from({ length: 10 }, () => true));

      // The sub becomes an account: the same token's uses stop being labelled as soon as the guard learns of it.
      await ledger
        .as('sysadmin', undefined, { sub: 'mt-sys' })
        .post('/accounts', { id: 'opened-later', login: 'opened.later', name: '后开的账号', roles: ['org_dept'] }, 201);
      await eventually(
        'a use of the token after the account was opened is not labelled',
        async () => {
          await bot.get('/accountability', 200);
          return (await entriesOf('opened-later')).at(-1)?.detail === null;
        },
        { timeoutMs: 30_000 },
      );
    } finally {
      store.readStream = read;
    }
  });
});
