/**
 * Over HTTP: DOMAIN.md's approval of extensions. The first any org_dept officer
 * grants; a second or later one only an org_dept user of leader rank (部领导, `ledger token --rank
 * leader`), and never the one who granted the extension before. A refusal is a 403 problem detail
 * with a stable code, and writes nothing.
 */
import { tokenCommand } from '../apps/cli/src/token';
import { startLedger, type Client, type Ledger } from './support/ledger';

describe('who may grant a second extension (SQLite)', () => {
  let ledger: Ledger;
  let unit: Client;
  afterAll(() => ledger?.close());

  beforeAll(async () => {
    ledger = await startLedger({ engine: 'sqlite' });
    const org = ledger.as('org_dept');
    await org.post('/units', { id: 'C', name: '湟源县委', kind: 'county_committee' }, 201);
    await org.post('/units', { id: 'V1', name: '茶曲村党支部', kind: 'branch', parentId: 'C' }, 201);
    await org.post('/cadres', { id: 'K1', name: '张三', unitId: 'V1', post: '书记' }, 201);
    await org.post('/sheets', { id: 's1', number: '湟组交〔2026〕3号', title: '任务', issuedOn: '2026-03-02' }, 201);
    await org.post('/items', { id: 'I1', sheetId: 's1', title: '换届选举', unitId: 'V1', cadreId: 'K1', dueDate: '2026-03-20' }, 201);
    unit = ledger.as('unit', 'V1');
  }, 60_000);

  const officer = (n: number) => ledger.as('org_dept', undefined, { sub: `org-officer-${n}` });
  const leader = (n: number) => ledger.as('org_dept', undefined, { sub: `org-leader-${n}`, rank: 'leader' });
  const item = async () => (await ledger.as('inspector').get('/items/I1', 200)).body as { dueDate: string; revision: number };

  /** A refused grant: 403, problem+json with the rule's code, the item as it was. */
  async function refused(by: Client, code: string): Promise<void> {
    const before = await item();
    const res = await by.post('/items/I1/extension/grant', { note: '同意' }, 403);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 403, code });
    expect(typeof res.body.detail).toBe('string');
    expect(await item()).toEqual(before);
  }

  it('the first by an officer; the second not by another officer, only by a leader', async () => {
    await unit.post('/items/I1/extension/request', { newDueDate: '2026-04-10', reason: '冬季施工受限' }, 200);
    await officer(1).post('/items/I1/extension/grant', {}, 200);
    expect((await item()).dueDate).toBe('2026-04-10');

    await unit.post('/items/I1/extension/request', { newDueDate: '2026-04-30', reason: '材料未到' }, 200);
    await refused(officer(2), 'EXTENSION_NEEDS_COUNTY_APPROVER');
    await refused(officer(1), 'EXTENSION_NEEDS_COUNTY_APPROVER');
    await leader(1).post('/items/I1/extension/grant', { note: '部领导同意' }, 200);
    expect((await item()).dueDate).toBe('2026-04-30');
  });

  it('a third not by the leader who granted the second; another leader may', async () => {
    await unit.post('/items/I1/extension/request', { newDueDate: '2026-05-15', reason: '再次受阻' }, 200);
    await refused(leader(1), 'EXTENSION_SAME_APPROVER');
    await refused(officer(1), 'EXTENSION_NEEDS_COUNTY_APPROVER');
    await leader(2).post('/items/I1/extension/grant', {}, 200);
    expect((await item()).dueDate).toBe('2026-05-15');

    // The history names each approver, and the rank they acted with.
    const history = (await ledger.as('inspector').get('/items/I1/history', 200)).body as Array<{ type: string; actor: { userId: string; rank?: string } }>;
    const grants = history.filter((e) => e.type === 'ExtensionGranted').map((e) => [e.actor.userId, e.actor.rank ?? null]);
    expect(grants).toEqual([
      ['org-officer-1', null],
      ['org-leader-1', 'leader'],
      ['org-leader-2', 'leader'],
    ]);
  });

  it('ledger token takes --rank leader and refuses any other rank', () => {
    expect(() => tokenCommand(ledger.config, { role: 'org_dept', sub: 'x', rank: 'chief' })).toThrow(/--rank must be leader/);
    const payload = JSON.parse(Buffer.from(tokenCommand(ledger.config, { role: 'org_dept', sub: 'x', rank: 'leader' }).split('.')[1], 'base64url').toString());
    expect(payload).toMatchObject({ sub: 'x', role: 'org_dept', rank: 'leader' });
  });
});
