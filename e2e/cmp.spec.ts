// The CMP watchers (src/cmp/watch.ts) in Chromium, through the pasted stub and the full build, each
// against a faithful fake of that CMP's documented API (e2e/support/cmp-banners.ts): a CMP that
// arrives after `load` or a collector started after `load`, a TCF CMP in the
// parent frame, `cmp: 'auto'` adding no global, Didomi, Osano and the config-driven reader.
import type { Page } from '@playwright/test';
import { warningsOf, test, expect, withStub, stubPage, collectorLoaded, KEY, names } from './support/fixtures';
import { buildStub } from '../snippet/build.mjs';
import {
  tcfScript,
  tcfHead,
  tcfBanner,
  tcfCategories,
  TCF_ACCEPT,
  TCF_MEASURE,
  TCF_REJECT,
  oneTrustBanner,
  oneTrustSdk,
  didomiPage,
  didomiToken,
  DIDOMI_PURPOSES,
  osanoPage,
  cookieYesBanner,
} from './support/cmp-banners';

const NONE = { essential: true, functional: false, analytics: false, marketing: false, personalization: false };
const ALL = { essential: true, functional: true, analytics: true, marketing: true, personalization: true };

async function stillAt(page: Page, gw: any, n: number, ms = 1500) {
  await page.waitForTimeout(ms);
  expect((await gw.events()).length).toBe(n);
}

/** getConsent(): the canonical view only (the CMP's codes are on each event's context.consent.categories). */
const consentOf = (page: Page) => page.evaluate(() => (window as any)._df.getConsent());

test.describe('TCF: a CMP or a collector that comes after load', () => {
  test('the CMP arrives 1.5 s after window.load: it is found and its answer read', async ({ page, gw, site, errors }) => {
    await withStub(page, gw, site, '/cmp/tcf-late', {
      full: true,
      head: tcfScript(),
      body: `<script>_df.init({ cmp: 'tcf', requireConsent: true })</script>${tcfBanner()}
<script>addEventListener('load', function () { setTimeout(__installTcf, 1500); });</script>`,
    });
    await page.waitForFunction(() => typeof (window as any).__tcfapi == 'function');
    await stillAt(page, gw, 0, 800);
    await page.click('#tcf-measure'); // purposes 1 + 8: analytics
    const evs = await gw.waitFor(2);
    expect(names(evs).sort()).toEqual(['consent_update', 'page']);
    for (const e of evs)
      expect(e.context.consent).toEqual({
        categories: tcfCategories(...TCF_MEASURE),
        canonical: { ...NONE, functional: true, analytics: true },
      });
    expect(evs.map((e) => e.context.consent.categories.tcString)).toEqual(['CP-fake-18', 'CP-fake-18']);
    expect(errors).toEqual([]);
  });

  test('a collector started after load (a tag manager) and a CMP arriving after it: read', async ({ page, gw, site, errors }) => {
    const stub = await buildStub({ src: gw.url + '/d.full.js', key: KEY });
    const url = site.set(
      '/cmp/tcf-tagmanager',
      `<!doctype html><html><head><meta charset="utf-8"><title>TM</title>${tcfScript({ stored: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] })}</head><body>
<script>
var STUB = ${JSON.stringify(stub)};
addEventListener('load', function () {
  setTimeout(function () {
    var s = document.createElement('script');
    s.text = STUB;
    document.head.appendChild(s);
    _df.init({ cmp: 'tcf', requireConsent: true });
    setTimeout(__installTcf, 1200);
  }, 300);
});
</script></body></html>`,
    );
    await page.goto(url);
    await collectorLoaded(page);
    const evs = await gw.waitFor(2);
    expect(names(evs).sort()).toEqual(['consent_update', 'page']);
    for (const e of evs) expect(e.context.consent).toEqual({ categories: tcfCategories([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), canonical: ALL });
    expect(evs[0].context.consent.categories.tcString).toBe('CP-fake-12345678910');
    expect(await consentOf(page)).toEqual(ALL);
    expect(errors).toEqual([]);
  });

  test('legitimate interest for measurement counts; purpose 1 still needs consent', async ({ page, gw, site }) => {
    await withStub(page, gw, site, '/cmp/tcf-li', {
      full: true,
      head: tcfHead(),
      body: `<script>_df.init({ cmp: 'tcf', requireConsent: 'analytics' })</script>${tcfBanner()}`,
    });
    await page.click('#tcf-li'); // consent: 1; legitimate interest: 2, 7, 8, 9, 10, 11
    await gw.waitFor(2);
    expect(await consentOf(page)).toMatchObject({ ...NONE, functional: true, analytics: true });
  });
});

test.describe('TCF: the CMP in a parent frame, through __tcfapiLocator and postMessage', () => {
  test('a collector in a cross-origin iframe reads the parent page CMP and follows its changes', async ({ page, gw, site, errors }) => {
    const child = site.set(
      '/cmp/tcf-child',
      await stubPage(gw, { full: true, body: `<script>_df.init({ cmp: 'tcf', requireConsent: true }); _df.track('in_frame')</script>` }),
    );
    // The child on 127.0.0.1, the parent on localhost: two origins.
    const childUrl = child.replace('//localhost:', '//127.0.0.1:');
    const parent = site.set(
      '/cmp/tcf-parent',
      `<!doctype html><html><head><meta charset="utf-8"><title>Parent</title>${tcfHead({ locator: true })}</head>
<body>${tcfBanner()}<iframe id="child" src="${childUrl}"></iframe></body></html>`,
    );
    await page.goto(parent);
    const frame = page.frameLocator('#child');
    await expect.poll(() => page.frames().length).toBeGreaterThanOrEqual(3); // parent, locator, child
    const childFrame = page.frames().find((f) => f.url().startsWith(childUrl))!;
    await childFrame.waitForFunction(() => typeof (window as any)._df?.version == 'string');
    await expect.poll(() => page.evaluate(() => (window as any).__tcfapiCalls || 0)).toBeGreaterThan(0);
    await stillAt(page, gw, 0, 800); // the banner is up: cmpuishown is not an answer
    await page.click('#tcf-accept');
    const evs = await gw.waitFor(3);
    expect(names(evs).sort()).toEqual(['consent_update', 'in_frame', 'page']);
    for (const e of evs) expect(e.context.consent).toEqual({ categories: tcfCategories(...TCF_ACCEPT), canonical: ALL });
    expect(evs[0].context.consent.categories.tcString).toBe('CP-fake-12345678910');
    // A later change on the parent's banner reaches the frame too: a withdrawal, so the frame's
    // collector sends its one consent_update carrying the parent CMP's new reading.
    await page.click('#tcf-reject');
    await expect.poll(() => childFrame.evaluate(() => (window as any)._df.getConsent())).toEqual(NONE);
    const all = await gw.waitFor(4);
    expect(names(all)[3]).toBe('consent_update');
    expect(all[3].context.consent).toEqual({ categories: tcfCategories(...TCF_REJECT), canonical: NONE });
    expect(all[3].context.consent.categories.tcString).toBe('CP-fake-');
    void frame;
    expect(errors).toEqual([]);
  });
});

test.describe("cmp: 'auto' and OneTrust's OptanonWrapper", () => {
  test('no OneTrust on the page: no OptanonWrapper, no global but the one', async ({ page, gw, site, errors }) => {
    await withStub(page, gw, site, '/cmp/auto-none', {
      full: true,
      body: `<script>window.__keys = Object.keys(window); _df.init({ cmp: 'auto' })</script>`,
    });
    await page.waitForTimeout(1500);
    expect(await page.evaluate(() => 'OptanonWrapper' in window)).toBe(false);
    const added = await page.evaluate(() => Object.keys(window).filter((k) => k != '__keys' && (window as any).__keys.indexOf(k) < 0));
    expect(added).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('OneTrust arriving after load is wrapped then, and its answer read', async ({ page, gw, site, errors }) => {
    await withStub(page, gw, site, '/cmp/auto-ot-late', {
      full: true,
      body: `<script>_df.init({ cmp: 'auto', requireConsent: true })</script>${oneTrustBanner()}${oneTrustSdk(800)}`,
    });
    expect(await page.evaluate(() => typeof (window as any).OptanonWrapper)).toBe('undefined');
    await page.waitForFunction(() => (window as any).oneTrustArrived);
    await expect.poll(() => page.evaluate(() => typeof (window as any).OptanonWrapper)).toBe('function');
    await stillAt(page, gw, 0, 500);
    await page.click('#onetrust-accept-btn-handler');
    const evs = await gw.waitFor(2);
    expect(names(evs).sort()).toEqual(['consent_update', 'page']);
    for (const e of evs)
      expect(e.context.consent).toEqual({ categories: { C0001: true, C0002: true, C0003: true, C0004: true }, canonical: ALL });
    expect(await consentOf(page)).toEqual(ALL);
    expect(errors).toEqual([]);
  });
});

test.describe('Didomi', () => {
  test('SDK ready after load: held until the notice is answered (a custom purpose in the map); Disagree withdraws', async ({
    page,
    gw,
    site,
    errors,
  }) => {
    await withStub(page, gw, site, '/cmp/didomi', {
      full: true,
      body: `<script>_df.init({ cmp: 'didomi', requireConsent: true, consentSource: { format: 'json', map: { 'analytics-XYZ123': 'analytics' } } })</script>${didomiPage({ afterLoadMs: 600 })}`,
    });
    await page.waitForFunction(() => (window as any).didomiLoaded);
    await stillAt(page, gw, 0, 800);
    expect(await page.evaluate(() => 'didomiOnReady' in window && !('Optanon' in window))).toBe(true);
    await page.click('#didomi-measure'); // cookies + measure_content_performance + analytics-XYZ123
    const evs = await gw.waitFor(2);
    expect(names(evs).sort()).toEqual(['consent_update', 'page']);
    expect(await consentOf(page)).toEqual({ ...NONE, functional: true, analytics: true });
    await page.click('#didomi-notice-disagree-button');
    await expect.poll(() => consentOf(page)).toEqual(NONE);
    expect(errors).toEqual([]);
  });

  test('a returning visitor: the didomi_token cookie is read at start, before the SDK', async ({ page, context, gw, site }) => {
    await context.addCookies([{ name: 'didomi_token', value: didomiToken(DIDOMI_PURPOSES, []), url: site.url }]);
    const url = site.set(
      '/cmp/didomi-cookie',
      await stubPage(gw, { full: true, body: `<script>_df.init({ cmp: 'didomi', requireConsent: true })</script>` }),
    );
    await page.goto(url);
    const evs = await gw.waitFor(2);
    expect(names(evs).sort()).toEqual(['consent_update', 'page']);
    expect(await consentOf(page)).toEqual(ALL);
  });
});

test.describe("cmp: 'auto' finds the other CMPs", () => {
  test('Osano arriving after load, and Didomi without didomiOnReady (Didomi.on), each read under auto', async ({
    page,
    gw,
    site,
    errors,
  }) => {
    await withStub(page, gw, site, '/cmp/auto-osano', {
      full: true,
      body: `<script>_df.init({ cmp: 'auto', requireConsent: true })</script>${osanoPage({ afterLoadMs: 700 })}`,
    });
    await page.waitForFunction(() => (window as any).Osano?.cm);
    await stillAt(page, gw, 0, 500);
    await page.click('.osano-cm-accept-all');
    const evs = await gw.waitFor(2);
    expect(names(evs).sort()).toEqual(['consent_update', 'page']);
    const osanoAll = { ESSENTIAL: true, STORAGE: true, ANALYTICS: true, MARKETING: true, PERSONALIZATION: true, OPT_OUT: false };
    for (const e of evs) expect(e.context.consent).toEqual({ categories: osanoAll, canonical: ALL });
    expect(await consentOf(page)).toEqual(ALL);

    const url2 = site.set(
      '/cmp/auto-didomi',
      await stubPage(gw, {
        full: true,
        body: `<script>_df.init({ cmp: 'auto', requireConsent: true, autoPage: false }); _df.track('d')</script>${didomiPage({ afterLoadMs: 500, noQueues: true })}`,
      }),
    );
    await page.goto(url2);
    await collectorLoaded(page);
    await page.waitForFunction(() => (window as any).didomiLoaded);
    expect(await page.evaluate(() => 'didomiOnReady' in window || 'didomiEventListeners' in window)).toBe(false);
    await page.click('#didomi-measure');
    await expect.poll(() => consentOf(page)).toEqual({ ...NONE, functional: true, analytics: true });
    const evs2 = (await gw.waitFor(4)).slice(2);
    expect(names(evs2).sort()).toEqual(['consent_update', 'd']);
    for (const e of evs2) {
      expect(e.context.consent.canonical).toEqual({ ...NONE, functional: true, analytics: true });
      expect(e.context.consent.categories.purposes).toMatchObject({ cookies: true, measure_content_performance: true });
    }
    expect(errors).toEqual([]);
  });
});

test.describe('Osano', () => {
  test('held until saved; Analytics only, then Deny; the encrypted stored record is not mistaken for an answer', async ({
    page,
    gw,
    site,
    errors,
  }) => {
    const warnings = warningsOf(page);
    await withStub(page, gw, site, '/cmp/osano', {
      full: true,
      body: `<script>_df.init({ cmp: 'osano', requireConsent: true, debug: true })</script>${osanoPage({ afterLoadMs: 300 })}`,
    });
    await page.waitForFunction(() => (window as any).Osano?.cm);
    await stillAt(page, gw, 0, 800);
    await page.click('#osano-analytics-only');
    const evs = await gw.waitFor(2);
    expect(names(evs).sort()).toEqual(['consent_update', 'page']);
    const codes = { ESSENTIAL: true, STORAGE: false, ANALYTICS: true, MARKETING: false, PERSONALIZATION: false, OPT_OUT: false };
    for (const e of evs) expect(e.context.consent).toEqual({ categories: codes, canonical: { ...NONE, analytics: true } });
    expect(await consentOf(page)).toEqual({ ...NONE, analytics: true });
    await page.click('.osano-cm-deny');
    await expect.poll(() => consentOf(page)).toEqual(NONE);
    // The withdrawal's one consent_update carries Osano's new record.
    const withdrawn = await gw.waitFor(3);
    expect(names(withdrawn)[2]).toBe('consent_update');
    expect(withdrawn[2].context.consent).toEqual({ categories: { ...codes, ANALYTICS: false }, canonical: NONE });
    // Next page view: the stored record is encrypted; Osano.cm's initialized event answers. An
    // answer (a denial) drops the held page event; no answer would keep holding it.
    await page.reload();
    await collectorLoaded(page);
    await page.waitForFunction(() => (window as any).Osano?.cm);
    await expect.poll(() => warnings.some((w) => /dropped 1 held events/.test(w))).toBe(true);
    expect(await consentOf(page)).toEqual(NONE);
    await stillAt(page, gw, 3, 500);
    expect(errors).toEqual([]);
  });
});

test.describe('config-driven reader (consentSource)', () => {
  test('a CookieYes-like cookie (comma format) is followed without any CMP event', async ({ page, gw, site, errors }) => {
    await withStub(page, gw, site, '/cmp/custom', {
      full: true,
      body: `<script>_df.init({ cmp: 'custom', requireConsent: true, consentSource: { cookie: 'cookieyes-consent', format: 'comma', map: { functional: 'functional', analytics: 'analytics', performance: 'analytics', advertisement: 'marketing' } } })</script>${cookieYesBanner()}`,
    });
    await stillAt(page, gw, 0, 1200);
    await page.click('.cky-btn-accept');
    const evs = await gw.waitFor(2, 5000);
    expect(names(evs).sort()).toEqual(['consent_update', 'page']);
    const cky = {
      consentid: false,
      consent: true,
      action: true,
      necessary: true,
      functional: true,
      analytics: true,
      performance: true,
      advertisement: true,
      other: true,
    };
    for (const e of evs) expect(e.context.consent).toEqual({ categories: cky, canonical: { ...ALL, personalization: false } });
    await page.click('.cky-btn-reject');
    await expect.poll(() => consentOf(page)).toEqual(NONE);
    // The withdrawal's one consent_update carries the cookie's new codes.
    const all = await gw.waitFor(3, 5000);
    expect(names(all)[2]).toBe('consent_update');
    expect(all[2].context.consent).toEqual({
      categories: { ...cky, consent: false, functional: false, analytics: false, performance: false, advertisement: false, other: false },
      canonical: NONE,
    });
    expect(errors).toEqual([]);
  });
});
