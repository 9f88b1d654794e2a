import { createHash } from 'node:crypto';
import { FixedClock } from '@ledger/platform';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshot, signedIn as signedInAt } from './web/browser';
import { ensureWebBuilt, startLedger, type Ledger } from './web/harness';

/**
 * The web app against the real back end (API + projector in this process, SQLite in a temp folder),
 * driven in Debian's Chromium: a unit ticks an item off and the county dashboard shows it; an
 * inspector returns it; a unit cannot open another township's item by URL.
 */
describe('web app in a browser', () => {
  let ledger: Ledger;
  let browser: Browser;
  const ids = {
    county: 'u-county',
    cg: 'u-chengguan',
    dh: 'u-dahua',
    hm: 'u-huangmao',
    c1: 'c-liming',
    c2: 'c-wangfang',
    sheet: 's-2026-01',
    item1: '',
    item2: '',
    item3: '',
  };
  const tokens = { admin: '', org: '', inspector: '', discipline: '', cg: '', dh: '' };

  /** 09:00 on 2026-03-02 in the county (UTC+8): the server's clock and every page's Date, whatever day the suite runs. */
  const NOW = new Date('2026-03-02T01:00:00Z');
  const signedIn = (b: Browser, url: string, token: string, viewport?: { width: number; height: number }) => signedInAt(b, url, token, { viewport, at: NOW });

  beforeAll(async () => {
    ensureWebBuilt();
    ledger = await startLedger({ clock: new FixedClock(NOW) });
    tokens.admin = ledger.token({ sub: 'admin-1', role: 'admin', name: '系统管理员' });
    tokens.org = ledger.token({ sub: 'org-1', role: 'org_dept', name: '张组织' });
    tokens.inspector = ledger.token({ sub: 'insp-1', role: 'inspector', name: '赵督查' });
    tokens.discipline = ledger.token({ sub: 'disc-1', role: 'discipline', name: '钱纪检' });
    tokens.cg = ledger.token({ sub: 'unit-cg', role: 'unit', unitId: ids.cg, name: '李明' });
    tokens.dh = ledger.token({ sub: 'unit-dh', role: 'unit', unitId: ids.dh, name: '王芳' });

    // A small county, through the public API only.
    await ledger.post(tokens.admin, '/units', { id: ids.county, name: '湟源县委', kind: 'county_committee' });
    await ledger.post(tokens.admin, '/units', { id: ids.cg, name: '城关镇党委', kind: 'township_committee', parentId: ids.county });
    await ledger.post(tokens.admin, '/units', { id: ids.dh, name: '大华镇党委', kind: 'township_committee', parentId: ids.county });
    await ledger.post(tokens.admin, '/units', { id: ids.hm, name: '大华镇黄茂村党支部', kind: 'branch', parentId: ids.dh });
    await ledger.post(tokens.admin, '/cadres', { id: ids.c1, name: '李明', unitId: ids.cg, post: '书记' });
    await ledger.post(tokens.admin, '/cadres', { id: ids.c2, name: '王芳', unitId: ids.dh, post: '书记' });
    await ledger.post(tokens.org, '/sheets', { id: ids.sheet, number: '源组交〔2026〕1号', title: '基层党建重点任务交办单', issuedOn: '2026-03-02' });
    const item = (title: string, unitId: string, cadreId: string, dueDate: string) =>
      ledger.post(tokens.org, '/items', { sheetId: ids.sheet, title, requirements: '按期完成并上传佐证材料', unitId, cadreId, dueDate });
    ids.item1 = (await item('落实“三会一课”制度自查整改', ids.cg, ids.c1, '2026-03-12')).id;
    ids.item2 = (await item('村级集体经济发展项目督导', ids.dh, ids.c2, '2026-03-04')).id;
    ids.item3 = (await item('党员发展工作规范化整改', ids.hm, ids.c2, '2026-03-22')).id;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await ledger?.close();
  });

  const fig = (page: Page, name: string) => page.locator(`[data-test=figures] [data-fig=${name}]`);

  it('a unit ticks an item off and the county dashboard shows the new figures', async () => {
    // The county's dashboard before: nothing awaits review.
    const org = await signedIn(browser, ledger.url, tokens.org);
    await org.page.goto(`${ledger.url}/dashboard`);
    await org.page.locator('[data-fig=open]').filter({ hasText: '3' }).waitFor();
    expect(await fig(org.page, 'awaitingReview').textContent()).toBe('0');
    expect(await fig(org.page, 'closureRate').textContent()).toBe('0.0%');
    // On 2026-03-02 the item due 03-04 is due soon (3 days' warning) and none is overdue; the period
    // ends today and begins seven weeks before, in the page's clock as in the server's.
    expect(await fig(org.page, 'dueSoon').textContent()).toBe('1');
    expect(await fig(org.page, 'overdue').textContent()).toBe('0');
    const period = org.page.locator('input[type=date]');
    expect([await period.nth(0).inputValue(), await period.nth(1).inputValue()]).toEqual(['2026-01-12', '2026-03-02']);
    await expect(org.page.locator('[data-test=who] [data-test=role]').textContent()).resolves.toBe('县委组织部');

    // The township: its workbench, who it is, and the item ticked off in two clicks and a summary.
    const unit = await signedIn(browser, ledger.url, tokens.cg);
    expect(new URL(unit.page.url()).pathname).toBe('/workbench');
    await expect(unit.page.locator('[data-test=who] [data-test=role]').textContent()).resolves.toBe('承办单位');
    await expect(unit.page.locator('header nav').textContent()).resolves.not.toContain('全县统计');
    const card = unit.page.locator(`[data-test=todo] [data-item="${ids.item1}"]`);
    await card.locator('[data-test=tick]').click();
    await card.locator('[data-test=summary]').fill('已召开支部委员会，完成自查并整改到位。');
    const evidence = Buffer.from('%PDF-1.4\n三会一课自查报告（测试）\n%%EOF', 'utf8');
    await card.locator('[data-test=files]').setInputFiles({ name: '自查报告.pdf', mimeType: 'application/pdf', buffer: evidence });
    await card.locator('[data-test=tick-submit]').click();
    await unit.page.locator('[data-test=notice]').filter({ hasText: '已反馈办结' }).waitFor();
    await unit.page.locator(`[data-test=awaiting]`).getByText('落实“三会一课”制度自查整改').waitFor();
    await screenshot(unit.page, 'workbench');

    // The file was uploaded: the ledger holds its name, size and SHA-256, and that it is stored.
    const history = await ledger.get<Array<{ type: string; data: { evidence?: Array<{ name: string; size: number; sha256: string }> } }>>(
      tokens.org,
      `/items/${ids.item1}/history`,
    );
    const reported = history.find((e) => e.type === 'CompletionReported');
    expect(reported?.data.evidence).toEqual([
      { name: '自查报告.pdf', size: evidence.length, sha256: createHash('sha256').update(evidence).digest('hex'), stored: true },
    ]);

    // The dashboard after: one awaits review, in the county and in 城关镇's row of the ranking.
    await org.page.reload();
    await org.page.locator('[data-fig=awaitingReview]').filter({ hasText: /^1$/ }).waitFor();
    const row = org.page.locator(`[data-test=ranking] [data-unit="${ids.cg}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('城关镇党委');
    const figures = await ledger.get<{ awaitingReview: number; open: number }>(tokens.org, `/units/${ids.county}/outstanding?subtree=true`);
    // Still three open (reported counts as open until concluded), one of them awaiting review.
    expect({ open: figures.open, awaitingReview: figures.awaitingReview }).toEqual({ open: 3, awaitingReview: 1 });
    expect(await fig(org.page, 'open').textContent()).toBe('3');
    await org.page.locator('[data-test=trend] canvas').waitFor();
    await screenshot(org.page, 'dashboard');
    expect([...org.errors, ...unit.errors]).toEqual([]);
    await org.context.close();
    await unit.context.close();
  });

  it('an inspector returns the reported item, and the unit sees the return', async () => {
    const insp = await signedIn(browser, ledger.url, tokens.inspector);
    expect(new URL(insp.page.url()).pathname).toBe('/review');
    const row = insp.page.locator(`[data-test=item-table] [data-item="${ids.item1}"]`);
    await row.locator('[data-test=return]').click();
    await row.locator('[data-test=review-text]').fill('佐证材料不全，请补充会议记录。');
    await row.locator('[data-test=review-submit]').click();
    await insp.page.locator('[data-test=notice]').filter({ hasText: '已退回' }).waitFor();
    await expect(row.count()).resolves.toBe(0);
    const item = await ledger.get<{ status: string }>(tokens.org, `/items/${ids.item1}`);
    expect(item.status).toBe('in_progress');

    // The timeline of the item, as the inspector reads it.
    await insp.page.goto(`${ledger.url}/items/${ids.item1}`);
    const timeline = insp.page.locator('[data-test=timeline]');
    await timeline.locator('[data-event=CompletionReturned]').waitFor();
    const text = await timeline.textContent();
    for (const word of ['交办', '签收', '办结反馈', '退回', '佐证材料不全']) expect(text).toContain(word);
    await screenshot(insp.page, 'timeline');

    // Back on the township's workbench (phone width): the return is addressed to it.
    const unit = await signedIn(browser, ledger.url, tokens.cg, { width: 390, height: 844 });
    await unit.page.locator('[data-test=messages]').getByText('佐证材料不全，请补充会议记录。').waitFor();
    await unit.page.locator(`[data-test=todo] [data-item="${ids.item1}"]`).waitFor();
    await screenshot(unit.page, 'workbench-phone');
    expect([...insp.errors, ...unit.errors]).toEqual([]);
    await insp.context.close();
    await unit.context.close();
  });

  it("a unit cannot open another township's item by URL", async () => {
    const unit = await signedIn(browser, ledger.url, tokens.cg);
    await unit.page.goto(`${ledger.url}/items/${ids.item2}`);
    const denied = unit.page.locator('[data-test=denied]');
    await denied.waitFor();
    expect(await denied.textContent()).toContain('无权查看');
    expect(await unit.page.locator('[data-test=item-detail] h1').first().textContent()).toBe('无权查看');
    await expect(unit.page.getByText('村级集体经济发展项目督导').count()).resolves.toBe(0);
    // Nor the county dashboard, which is not a unit's page.
    await unit.page.goto(`${ledger.url}/dashboard`);
    await unit.page.locator('[data-test=denied]').filter({ hasText: '无权查看' }).waitFor();
    await unit.context.close();
  });

  it('records an urge with its level, and explains a bad token in Chinese', async () => {
    const org = await signedIn(browser, ledger.url, tokens.org);
    // An urge at the highest level, recorded and shown in the timeline in Chinese.
    await org.page.goto(`${ledger.url}/items/${ids.item3}`);
    await org.page.locator('[data-test=act-urge]').click();
    await org.page.locator('[data-test=urge-level]').selectOption('listed');
    await org.page.locator('[data-test=submit-action]').click();
    await org.page.locator('[data-test=notice]').filter({ hasText: '已督促' }).waitFor();
    await org.page.locator('[data-test=timeline] [data-event=ItemUrged]').getByText('挂牌督办').waitFor();
    // A bad token: a readable sentence on the sign-in page.
    const page = await org.context.newPage();
    await page.goto(`${ledger.url}/signin?token`);
    await page.evaluate('localStorage.clear()');
    await page.locator('[data-test=token]').fill('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4Iiwicm9sZSI6InVuaXQifQ.bad');
    await page.locator('[data-test=signin]').click();
    await page.getByRole('alert').filter({ hasText: '令牌' }).waitFor();
    await org.context.close();
  });
});
