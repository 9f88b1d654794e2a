import { createHash } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { signedIn as signedInAt, startTownshipInBrowser, type TownshipTokens } from './web/browser';
import type { Ledger } from './web/harness';

/**
 * The item page's action forms in Chromium: no body (签收), evidence (报告进展), extension request,
 * reason (不予延期), referral and decision (urge: web-browser.spec). What the ledger recorded is read
 * back through the API, not from the page.
 */
describe('web item page: one form per kind of body', () => {
  let ledger: Ledger;
  let browser: Browser;
  let tokens: TownshipTokens;
  let itemId = '';
  const NOW = new Date('2026-03-02T01:00:00Z');
  type Entry = { type: string; data: Record<string, unknown> };
  const history = () => ledger.get<Entry[]>(tokens.org, `/items/${itemId}/history`);
  const last = async (type: string) => (await history()).filter((e) => e.type === type).at(-1);

  beforeAll(async () => {
    const scene = await startTownshipInBrowser({ at: NOW, sheetNumber: '源组交〔2026〕2号' });
    ({ ledger, browser, tokens } = scene);
    itemId = await scene.assign({ title: '村级阵地规范化建设', dueDate: '2026-03-20' });
  });

  afterAll(async () => {
    await browser?.close();
    await ledger?.close();
  });

  const open = async (token: string) => {
    const session = await signedInAt(browser, ledger.url, token, { at: NOW });
    await session.page.goto(`${ledger.url}/items/${itemId}`);
    await session.page.locator('[data-test=actions]').waitFor();
    return session;
  };
  const notice = (page: Page, text: string) => page.locator('[data-test=notice]').filter({ hasText: text }).waitFor();
  const button = (page: Page, label: string) => page.locator('[data-test=actions] button').filter({ hasText: label });

  it('a unit acknowledges, reports progress with evidence and asks for more time', async () => {
    const unit = await open(tokens.unit);
    const buttons = async () => (await unit.page.locator('[data-test=actions] button').allTextContents()).map((t) => t.trim());
    expect(await buttons()).toEqual(['签收', '报告进展', '反馈办结', '申请延期']);

    await unit.page.locator('[data-test=act-acknowledge]').click();
    await notice(unit.page, '已签收');
    expect(await buttons()).toEqual(['报告进展', '反馈办结', '申请延期']);

    await unit.page.locator('[data-test=act-progress]').click();
    await unit.page.locator('[data-test=action-form] textarea').fill('已完成阵地选址。');
    const file = Buffer.from('%PDF-1.4\n选址会议纪要\n%%EOF', 'utf8');
    await unit.page.locator('[data-test=action-form] input[type=file]').setInputFiles({ name: '纪要.pdf', mimeType: 'application/pdf', buffer: file });
    await unit.page.locator('[data-test=submit-action]').click();
    await notice(unit.page, '进展已报告');
    expect((await last('ProgressReported'))?.data).toMatchObject({
      note: '已完成阵地选址。',
      evidence: [{ name: '纪要.pdf', size: file.length, sha256: createHash('sha256').update(file).digest('hex'), stored: true }],
    });

    await unit.page.locator('[data-test=act-extension]').click();
    await unit.page.locator('[data-test=action-form] input[type=date]').fill('2026-03-31');
    await unit.page.locator('[data-test=action-form] textarea').fill('施工队进场推迟。');
    await unit.page.locator('[data-test=submit-action]').click();
    await notice(unit.page, '延期申请已提交');
    expect((await last('ExtensionRequested'))?.data).toMatchObject({ newDueDate: '2026-03-31', reason: '施工队进场推迟。' });
    expect(unit.errors).toEqual([]);
    await unit.context.close();
  });

  it('the Organisation Department answers the request; a refusal needs a reason', async () => {
    const org = await open(tokens.org);
    await button(org.page, '批准延期').waitFor();
    await button(org.page, '不予延期').click();
    // The reason is required: the browser keeps the form until it is given.
    await org.page.locator('[data-test=submit-action]').click();
    await expect(
      org.page.locator('[data-test=reason]').evaluate((t) => (t as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing),
    ).resolves.toBe(true);
    await org.page.locator('[data-test=reason]').fill('时限已是最宽。');
    await org.page.locator('[data-test=submit-action]').click();
    await notice(org.page, '已不予延期');
    expect((await last('ExtensionRefused'))?.data).toMatchObject({ newDueDate: '2026-03-31', reason: '时限已是最宽。' });
    await expect(button(org.page, '批准延期').count()).resolves.toBe(0);
    expect(org.errors).toEqual([]);
    await org.context.close();
  });

  it('the Discipline Inspection Commission refers and records a decision', async () => {
    const disc = await open(tokens.discipline);
    await button(disc.page, '移送问责').click();
    await disc.page.locator('[data-test=action-form] select').first().selectOption('unit');
    await disc.page.locator('[data-test=submit-action]').click();
    await notice(disc.page, '已移送问责');
    expect((await last('AccountabilityReferred'))?.data).toMatchObject({ target: { kind: 'unit', id: 'u-cg' }, to: 'discipline' });

    await disc.page.locator('[data-test=act-decide]').click();
    await disc.page.locator('[data-test=decision-form]').selectOption('circulated_criticism');
    await disc.page.locator('[data-test=action-form] textarea').fill('阵地建设进度滞后。');
    await disc.page.locator('[data-test=submit-action]').click();
    await notice(disc.page, '问责决定已记录');
    expect((await last('AccountabilityDecided'))?.data).toMatchObject({
      target: { kind: 'cadre', id: 'c-liming' },
      form: 'circulated_criticism',
      dispositionForm: 1,
      decidedBy: '县纪委监委',
      decidedOn: '2026-03-02',
      reason: '阵地建设进度滞后。',
    });
    expect(disc.errors).toEqual([]);
    await disc.context.close();
  });
});
