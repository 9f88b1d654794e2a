import type { Browser } from 'playwright-core';
import { launchBrowser, signedIn } from './web/browser';
import { ensureWebBuilt, startLedger, type Ledger } from './web/harness';

/**
 * Issue 18, point 6: a checkpoint printed at the foot of a 督查通报 (text or QR code) is checked in the
 * browser against today's grown ledger: 一致; the same print with its root changed: 不一致.
 */
describe('web app: 核验检查点', () => {
  let ledger: Ledger;
  let browser: Browser;
  let admin = '';
  let inspector = '';
  let printed = '';
  let qrPng = Buffer.alloc(0);

  const fetchText = async (route: string): Promise<Response> => {
    const res = await fetch(`${ledger.url}/api/v1${route}`, { headers: { Authorization: `Bearer ${inspector}` } });
    if (!res.ok) throw new Error(`${route} → ${res.status} ${await res.text()}`);
    return res;
  };

  beforeAll(async () => {
    ensureWebBuilt();
    ledger = await startLedger();
    admin = ledger.token({ sub: 'admin-1', role: 'admin', name: '系统管理员' });
    inspector = ledger.token({ sub: 'insp-1', role: 'inspector', name: '赵督查' });
    await ledger.post(admin, '/units', { id: 'C', name: '湟源县委', kind: 'county_committee' });
    await ledger.post(admin, '/units', { id: 'T1', name: '城关镇党委', kind: 'township_committee', parentId: 'C' });
    await ledger.post(admin, '/units', { id: 'T2', name: '大华镇党委', kind: 'township_committee', parentId: 'C' });
    // What the county printed last month ...
    printed = await (await fetchText('/log/checkpoint?format=text')).text();
    qrPng = Buffer.from(await (await fetchText('/log/checkpoint?format=png')).arrayBuffer());
    // ... and the ledger has grown since.
    for (const [id, name] of [
      ['T3', '日月乡党委'],
      ['T4', '波航乡党委'],
      ['T5', '申中乡党委'],
    ])
      await ledger.post(admin, '/units', { id, name, kind: 'township_committee', parentId: 'C' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await ledger?.close();
  });

  const verdictOf = async (page: import('playwright-core').Page): Promise<{ word: string; text: string }> => {
    const verdict = page.locator('[data-test=verdict]');
    const alert = page.locator('.error-box');
    await Promise.race([verdict.waitFor(), alert.waitFor().then(async () => Promise.reject(new Error(`error box: ${await alert.textContent()}`)))]);
    return { word: (await verdict.locator('[data-test=verdict-word]').textContent())!.trim(), text: (await verdict.textContent())! };
  };

  it('a pasted print from the smaller tree is 一致 with the grown ledger; the same print with its root changed is 不一致', async () => {
    const grown = await ledger.get<{ treeSize: number }>(inspector, '/log/checkpoint');
    const printedSize = Number(/事件总数：(\d+)/.exec(printed)![1]);
    expect(grown.treeSize).toBeGreaterThan(printedSize);

    const s = await signedIn(browser, ledger.url, inspector);
    await s.page.goto(`${ledger.url}/checkpoint`);
    await s.page.locator('[data-test=printed-text]').fill(printed);
    await s.page.locator('[data-test=check]').click();
    const ok = await verdictOf(s.page);
    expect(ok.word).toBe('一致');
    expect(ok.text).toContain(`今天的账本（${grown.treeSize} 条事件）包含印刷时的 ${printedSize} 条`);

    // One hex digit of the root changed on the 校验码 line.
    const tampered = printed.replace(/(校验码：LCP1;[^;]+;\d+;)([0-9a-f])/, (_m, head: string, c: string) => `${head}${c === '0' ? '1' : '0'}`);
    expect(tampered).not.toBe(printed);
    await s.page.locator('[data-test=printed-text]').fill(tampered);
    await s.page.locator('[data-test=check]').click();
    await s.page.locator('[data-test=verdict-word]').filter({ hasText: '不一致' }).waitFor();
    expect(await s.page.locator('[data-test=verdict]').textContent()).toContain('签名与印刷的检查点不符');
    expect(s.errors).toEqual([]);
    await s.context.close();
  });

  it('a photo of the QR code is read in the page and checked: 一致', async () => {
    const s = await signedIn(browser, ledger.url, ledger.token({ sub: 'disc-1', role: 'discipline', name: '钱纪检' }));
    await s.page.goto(`${ledger.url}/checkpoint`);
    await s.page.locator('[data-test=qr-photo]').setInputFiles({ name: 'foot.png', mimeType: 'image/png', buffer: qrPng });
    expect((await verdictOf(s.page)).word).toBe('一致');
    expect(await s.page.locator('[data-test=printed-text]').inputValue()).toBe(/校验码：(\S+)/.exec(printed)![1]);
    await s.context.close();
  });

  // (The audit administrator is offered it too; the token box checks a token with GET /units, which 三员 keeps from them.)
  it('is in the menu of an inspector, and refused to a township', async () => {
    const insp = await signedIn(browser, ledger.url, inspector);
    await insp.page.locator('[data-test=nav-checkpoint]').filter({ hasText: '核验检查点' }).click();
    await insp.page.locator('[data-test=checkpoint-check]').waitFor();
    await insp.context.close();
    const unit = await signedIn(browser, ledger.url, ledger.token({ sub: 'u-1', role: 'unit', unitId: 'T1', name: '城关镇' }));
    expect(await unit.page.locator('[data-test=nav-checkpoint]').count()).toBe(0);
    await unit.page.goto(`${ledger.url}/checkpoint`);
    await unit.page.locator('[data-test=denied]').waitFor();
    await unit.context.close();
  });
});
