import type { Browser } from 'playwright-core';
import { launchBrowser } from './web/browser';
import { ensureWebBuilt, startLedger, type Ledger } from './web/harness';

/**
 * The Content-Security-Policy against the pages it guards, in Chromium: the sign-in page
 * and the OpenAPI page render, and the browser refuses nothing of theirs (each refusal is a console
 * message); a script injected inline is refused.
 */
describe('Content-Security-Policy in a browser', () => {
  let ledger: Ledger;
  let browser: Browser;
  beforeAll(async () => {
    ensureWebBuilt();
    ledger = await startLedger();
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await ledger?.close();
  });

  const open = async (path: string, ready: string) => {
    const page = await browser.newPage();
    const refusals: string[] = [];
    page.on('console', (m) => void (/Content Security Policy/i.test(m.text()) && refusals.push(m.text())));
    page.on('pageerror', (e) => refusals.push(e.message));
    await page.goto(ledger.url + path);
    await page.locator(ready).first().waitFor({ timeout: 30_000 });
    return { page, refusals };
  };

  it('the app and the API docs run with nothing refused', async () => {
    const app = await open('/signin?token', '[data-test=token]');
    expect(app.refusals).toEqual([]);
    const docs = await open('/api/docs', '.swagger-ui .info');
    expect(docs.refusals).toEqual([]);
    await app.page.close();
    await docs.page.close();
  }, 120_000);

  it('an injected inline script does not run', async () => {
    const { page, refusals } = await open('/signin?token', '[data-test=token]');
    // Evaluated through the DevTools protocol, which the page's CSP does not govern; the script it adds is the page's own.
    const ran = await page.evaluate(`(async () => {
      const refused = new Promise((r) => document.addEventListener('securitypolicyviolation', r, { once: true }));
      const s = document.createElement('script');
      s.textContent = 'window.injected = true';
      document.body.appendChild(s);
      // An inline script that is allowed runs during appendChild; a refused one fires the violation event.
      if (window.injected === true) return true;
      await refused;
      return window.injected === true;
    })()`);
    expect(ran).toBe(false);
    expect(refusals.join('\n')).toMatch(/inline script violates the following Content Security Policy directive 'script-src 'self''/);
    await page.close();
  }, 120_000);
});
