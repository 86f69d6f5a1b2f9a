// Consent: the state on every event, consent_update events, the CMP readers (OneTrust, Cookiebot,
// IAB TCF v2) driven by fake banners clicked in Chromium, and the hold-until-consent mode.
import type { Page, BrowserContext } from '@playwright/test';
import { warningsOf, test, expect, withStub, stubPage, collectorLoaded, delayCollector, names, UUID_V4 } from './support/fixtures';
import {
  oneTrustHead,
  oneTrustBanner,
  cookiebotHead,
  cookiebotBanner,
  tcfHead,
  tcfBanner,
  tcfCategories,
  TCF_ACCEPT,
} from './support/cmp-banners';

const ALL = { essential: true, functional: true, analytics: true, marketing: true, personalization: true };
const NONE = { essential: true, functional: false, analytics: false, marketing: false, personalization: false };
/** Both views of context.consent as one flat object (the CMP codes and the canonical five). */
const flat = (e: any) => ({ ...e.context.consent.categories, ...e.context.consent.canonical });

/** What the collector has stored on the site: `_df*` localStorage keys and the `_df_aid` cookie. */
async function stored(page: Page, context: BrowserContext, siteUrl: string) {
  const keys = await page.evaluate(() =>
    Object.keys(localStorage)
      .filter((k) => k.indexOf('_df') == 0)
      .sort(),
  );
  const cookies = (await context.cookies(siteUrl)).filter((c) => c.name.indexOf('_df') == 0).map((c) => c.name);
  return { keys, cookies };
}

/** Waits `ms` and asserts the gateway still has exactly `n` events. */
async function stillAt(page: Page, gw: any, n: number, ms = 1500) {
  await page.waitForTimeout(ms);
  expect((await gw.events()).length).toBe(n);
}

test.describe('consent state through the API', () => {
  test('default: every event carries all five categories granted', async ({ page, gw, site, errors }) => {
    const url = site.set('/consent/default', await stubPage(gw, { body: `<script>_df.track('a'); _df.identify('u1')</script>` }));
    await page.goto(url);
    const evs = await gw.waitFor(3);
    expect(names(evs)).toEqual(['page', 'a', 'identify']);
    for (const e of evs) expect(e.context.consent).toEqual({ categories: {}, canonical: ALL });
    await stillAt(page, gw, 3, 800); // no consent_update when nothing changed
    expect(errors).toEqual([]);
  });

  test('_df.consent(): a consent_update is sent at once, once per change, across page views; later events carry the state', async ({
    page,
    gw,
    site,
    errors,
  }) => {
    // flushInterval 10 s: anything arriving sooner was sent "at once", not with the batch timer.
    await withStub(page, gw, site, '/consent/api', { body: `<script>_df.init({ flushInterval: 10000 })</script>` });
    const t0 = Date.now();
    await page.evaluate(() => (window as any)._df.consent({ analytics: true, marketing: false }));
    let evs = await gw.waitFor(2, 4000);
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(names(evs)).toEqual(['page', 'consent_update']);
    const want = { ...ALL, marketing: false };
    // The state is in context.consent (both views); the update has no properties.
    expect(evs[1].properties).toBeUndefined();
    expect(evs[1].context.consent).toEqual({ categories: { analytics: true, marketing: false }, canonical: want });
    expect(await page.evaluate(() => (window as any)._df.getConsent())).toEqual(want);

    // The same state again: nothing new. Non-booleans for canonical categories are ignored,
    // a CMP-like string code is kept.
    await page.evaluate(() => {
      const df = (window as any)._df;
      df.consent({ analytics: true, marketing: false });
      df.consent({ analytics: 'yes', functional: 1 });
      df.consent({ personalization: false, tcString: 'CPabc' });
      df.track('after');
    });
    const want2 = {
      categories: { analytics: true, marketing: false, personalization: false, tcString: 'CPabc' },
      canonical: { ...want, personalization: false },
    };
    await expect
      .poll(async () => names(await gw.events()), { timeout: 4000 })
      .toEqual(['page', 'consent_update', 'consent_update', 'after']);
    evs = await gw.events();
    expect(evs[2].context.consent).toEqual(want2);
    expect(evs[3].context.consent).toEqual(want2);

    // Next page view: the same state told again is not a change; a different one is.
    await page.reload();
    await collectorLoaded(page);
    await page.evaluate(() =>
      (window as any)._df.consent({ analytics: true, marketing: false, personalization: false, tcString: 'CPabc' }),
    );
    await page.evaluate(() => (window as any)._df.flush());
    await stillAt(page, gw, 5, 500);
    expect(names(await gw.events())).toEqual(['page', 'consent_update', 'consent_update', 'after', 'page']);
    await page.evaluate(() => (window as any)._df.consent({ marketing: true }));
    evs = await gw.waitFor(6, 4000);
    expect(evs[5].context.consent).toEqual({
      categories: { ...want2.categories, marketing: true },
      canonical: { ...want2.canonical, marketing: true },
    });
    expect(errors).toEqual([]);
  });
});

test.describe('OneTrust', () => {
  test('requireConsent: nothing stored or sent before the banner; Accept sends what was held with its own times, then persists', async ({
    page,
    context,
    gw,
    site,
    errors,
  }) => {
    const url = site.set(
      '/consent/ot-hold',
      await stubPage(gw, {
        full: true,
        head: oneTrustHead(),
        body: `<script>_df.init({ cmp: 'onetrust', requireConsent: true }); _df.track('early_click', { n: 1 })</script>${oneTrustBanner()}`,
      }),
    );
    await page.goto(url + '?utm_source=news&gclid=G1');
    await collectorLoaded(page);
    await page.evaluate(() => (window as any)._df.identify('user-7', { plan: 'pro' }));
    await stillAt(page, gw, 0, 1500);
    expect(await stored(page, context, site.url)).toEqual({ keys: [], cookies: [] });
    const anon = await page.evaluate(() => (window as any)._df.getAnonymousId());
    expect(anon).toMatch(UUID_V4);
    expect(await page.evaluate(() => (window as any)._df.getConsent())).toEqual(NONE);
    // The anonymous id lived in memory only: in a fresh page view it is another one.
    const before = Date.now();
    await page.click('#onetrust-accept-btn-handler');
    const evs = await gw.waitFor(4);
    await stillAt(page, gw, 4, 1200);
    expect(names(evs)).toEqual(['page', 'early_click', 'identify', 'consent_update']);
    const want = { categories: { C0001: true, C0002: true, C0003: true, C0004: true }, canonical: ALL };
    for (const e of evs) {
      expect(e.anonymousId).toBe(anon);
      expect(e.context.consent).toEqual(want);
      expect(e.context.campaign).toEqual({ source: 'news' });
      expect(e.context.clickIds).toEqual({ gclid: 'G1' });
    }
    for (const e of evs.slice(0, 3)) expect(Date.parse(e.timestamp)).toBeLessThan(before - 1000);
    expect(evs[2].userId).toBe('user-7');
    expect(evs[3].properties).toBeUndefined();
    expect(await page.evaluate(() => (window as any).pageWrapperCalls)).toBe(1);
    // Persisted as usual from now on.
    const s = await stored(page, context, site.url);
    expect(s.cookies).toEqual(['_df_aid']);
    expect(s.keys).toEqual(expect.arrayContaining(['_df_id', '_df_s', '_df_cs']));
    expect((await context.cookies(site.url)).find((c) => c.name == '_df_aid')!.value).toBe(anon);

    // Next page view: consent read from the OptanonConsent cookie at start; same state, so no
    // new consent_update; same visitor.
    await page.goto(url);
    await collectorLoaded(page);
    const all = await gw.waitFor(6);
    await stillAt(page, gw, 6, 1500);
    expect(names(all.slice(4))).toEqual(['page', 'early_click']);
    expect(all[4].anonymousId).toBe(anon);
    expect(all[4].userId).toBe('user-7');
    expect(canon(all[4])).toEqual(ALL);
    expect(errors).toEqual([]);
  });

  test('requireConsent: a fresh page view before any answer has a new in-memory anonymousId', async ({ page, context, gw, site }) => {
    await withStub(page, gw, site, '/consent/ot-mem', {
      full: true,
      body: `<script>_df.init({ cmp: 'onetrust', requireConsent: true })</script>${oneTrustBanner()}`,
    });
    const a = await page.evaluate(() => (window as any)._df.getAnonymousId());
    await page.reload();
    await collectorLoaded(page);
    const b = await page.evaluate(() => (window as any)._df.getAnonymousId());
    expect(a).toMatch(UUID_V4);
    expect(b).toMatch(UUID_V4);
    expect(b).not.toBe(a);
    expect(await stored(page, context, site.url)).toEqual({ keys: [], cookies: [] });
    await stillAt(page, gw, 0, 500);
  });

  test('cmp only: Reject, then Accept, then withdraw on the banner; one consent_update per change with mapped categories and current codes', async ({
    page,
    gw,
    site,
    errors,
  }) => {
    await withStub(page, gw, site, '/consent/ot-change', {
      full: true,
      head: oneTrustHead(),
      body: `<script>_df.init({ cmp: 'onetrust' })</script>${oneTrustBanner()}`,
    });
    let evs = await gw.waitFor(1);
    expect(flat(evs[0])).toEqual(NONE); // managed by a CMP: unknown = not granted

    await page.click('#onetrust-reject-all-handler');
    evs = await gw.waitFor(2);
    expect(flat(evs[1])).toEqual({ ...NONE, C0001: true });

    await page.click('#ot-save-stats'); // performance (C0002) only → analytics
    evs = await gw.waitFor(3);
    expect(flat(evs[2])).toEqual({ ...NONE, analytics: true, C0001: true, C0002: true });

    await page.click('#onetrust-accept-btn-handler');
    evs = await gw.waitFor(4);
    expect(flat(evs[3])).toEqual({ ...ALL, C0001: true, C0002: true, C0003: true, C0004: true });

    // Withdrawal: OnetrustActiveGroups is ",C0001," again. No code may still claim a group is on.
    await page.click('#onetrust-reject-all-handler');
    await page.evaluate(() => (window as any)._df.track('after_withdraw'));
    evs = await gw.waitFor(6);
    await stillAt(page, gw, 6, 1200);
    expect(names(evs)).toEqual(['page', 'consent_update', 'consent_update', 'consent_update', 'consent_update', 'after_withdraw']);
    const last = flat(evs[4]);
    expect({
      essential: last.essential,
      functional: last.functional,
      analytics: last.analytics,
      marketing: last.marketing,
      personalization: last.personalization,
    }).toEqual(NONE);
    expect({ C0001: last.C0001, C0002: last.C0002 === true, C0003: last.C0003 === true, C0004: last.C0004 === true }).toEqual({
      C0001: true,
      C0002: false,
      C0003: false,
      C0004: false,
    });
    expect(flat(evs[5])).toEqual(last);
    expect(await page.evaluate(() => (window as any).pageWrapperCalls)).toBe(4);
    expect(errors).toEqual([]);
  });

  test('the OptanonConsent cookie of an earlier visit is read at start (URL-encoded groups)', async ({ page, context, gw, site }) => {
    const url = site.set(
      '/consent/ot-cookie',
      await stubPage(gw, { full: true, body: `<script>_df.init({ cmp: 'onetrust', requireConsent: true })</script>` }),
    );
    await context.addCookies([
      {
        name: 'OptanonConsent',
        value: 'isGpcEnabled=0&datestamp=x&version=202409.1.0&groups=C0001%3A1%2CC0002%3A1%2CC0003%3A0%2CC0004%3A0&hosts=',
        url: site.url,
      },
      { name: 'OptanonAlertBoxClosed', value: '2026-11-01T00:00:00.000Z', url: site.url },
    ]);
    await page.goto(url);
    const evs = await gw.waitFor(2);
    const want = { ...NONE, analytics: true, C0001: true, C0002: true, C0003: false, C0004: false };
    expect(names(evs).sort()).toEqual(['consent_update', 'page']);
    for (const e of evs) expect(flat(e)).toEqual(want);
  });
});

test('OneTrust at load, before the visitor chooses (defaults, OptanonWrapper called): held, not dropped', async ({
  page,
  gw,
  site,
  errors,
}) => {
  await withStub(page, gw, site, '/consent/ot-load', {
    full: true,
    head: oneTrustHead(),
    body: `<script>_df.init({ cmp: 'onetrust', requireConsent: true }); _df.track('early_click')</script>${oneTrustBanner()}`,
  });
  // What the real SDK does as it loads: its defaults (necessary only), then OptanonWrapper().
  await page.evaluate(() => {
    (window as any).OnetrustActiveGroups = ',C0001,';
    (window as any).OptanonWrapper();
  });
  await page.waitForTimeout(1200);
  expect(await gw.events()).toEqual([]);
  await page.click('#onetrust-accept-btn-handler');
  const evs = await gw.waitFor(3);
  expect(names(evs).sort()).toEqual(['consent_update', 'early_click', 'page']);
  expect(errors).toEqual([]);
});

test.describe('Cookiebot', () => {
  test('requireConsent: Cookiebot present but unanswered holds (not drops); Allow all sends it; Deny later stops sending', async ({
    page,
    gw,
    site,
    errors,
  }) => {
    await withStub(page, gw, site, '/consent/cb', {
      full: true,
      head: cookiebotHead(),
      body: `<script>_df.init({ cmp: 'cookiebot', requireConsent: true }); _df.track('early')</script>${cookiebotBanner()}`,
    });
    await stillAt(page, gw, 0, 1200);
    await page.click('#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll');
    const want = { ...ALL, necessary: true, preferences: true, statistics: true };
    const evs = await gw.waitFor(1);
    await stillAt(page, gw, evs.length, 1200);
    const got = await gw.events();
    expect(names(got)).toEqual(['page', 'early', 'consent_update']);
    for (const e of got) expect(flat(e)).toEqual(want);
    expect(errors).toEqual([]);
  });

  test('the CookieConsent cookie is read at start; Deny on the banner is a consent_update and gates tracking', async ({
    page,
    context,
    gw,
    site,
  }) => {
    const url = site.set(
      '/consent/cb-cookie',
      await stubPage(gw, {
        full: true,
        body: `<script>_df.init({ cmp: 'cookiebot' })</script>${cookiebotBanner()}<script>window.Cookiebot = window.Cookiebot || {}</script>`,
      }),
    );
    await context.addCookies([
      {
        name: 'CookieConsent',
        value: '{stamp:%27x%27%2Cnecessary:true%2Cpreferences:false%2Cstatistics:true%2Cmarketing:false%2Cmethod:%27explicit%27%2Cver:1}',
        url: site.url,
      },
    ]);
    await page.goto(url);
    let evs = await gw.waitFor(2);
    const want = { ...NONE, analytics: true, necessary: true, preferences: false, statistics: false };
    want.statistics = true;
    expect(names(evs).sort()).toEqual(['consent_update', 'page']);
    for (const e of evs) expect(flat(e)).toEqual(want);
    await page.click('#CybotCookiebotDialogBodyButtonDecline');
    evs = await gw.waitFor(3);
    expect(flat(evs[2])).toEqual({ ...NONE, necessary: true, preferences: false, statistics: false });
  });
});

test.describe('IAB TCF v2', () => {
  test("requireConsent 'marketing': measurement-only is a denial (held dropped and counted); Accept all later sends from then on", async ({
    page,
    context,
    gw,
    site,
    errors,
  }) => {
    const warnings = warningsOf(page);
    await withStub(page, gw, site, '/consent/tcf', {
      full: true,
      head: tcfHead(),
      body: `<script>_df.init({ cmp: 'tcf', requireConsent: 'marketing', debug: true }); _df.track('landing_cta')</script>${tcfBanner()}`,
    });
    await stillAt(page, gw, 0, 1200);
    await page.click('#tcf-measure'); // P1 + P8: analytics yes, marketing no
    await expect.poll(() => warnings.some((w) => /dropped 2 held events/.test(w))).toBe(true);
    expect(await page.evaluate(() => (window as any)._df.getConsent())).toEqual({ ...NONE, functional: true, analytics: true });
    await page.evaluate(() => (window as any)._df.track('after_deny'));
    await stillAt(page, gw, 0, 1500);
    expect(await stored(page, context, site.url)).toEqual({ keys: [], cookies: [] });

    await page.click('#tcf-accept');
    await page.evaluate(() => (window as any)._df.track('after_grant'));
    const evs = await gw.waitFor(2);
    await stillAt(page, gw, 2, 1200);
    expect(names(evs)).toEqual(['consent_update', 'after_grant']);
    // The TCF reading: the TC string and both purpose maps as the CMP passed them, and the five.
    const want = { categories: tcfCategories(...TCF_ACCEPT), canonical: ALL };
    expect(evs[0].context.consent).toEqual(want);
    expect(evs[1].context.consent).toEqual(want);
    expect(evs[0].context.consent.categories.tcString).toBe('CP-fake-12345678910');
    expect((await stored(page, context, site.url)).cookies).toEqual(['_df_aid']);
    expect(errors).toEqual([]);
  });

  test('TCF mapping per purpose, and gdprApplies:false grants everything', async ({ page, gw, site }) => {
    const url = site.set(
      '/consent/tcf-map',
      await stubPage(gw, {
        full: true,
        head: tcfHead({ stored: [1, 5, 6] }),
        body: `<script>_df.init({ cmp: 'tcf', autoPage: false })</script>`,
      }),
    );
    await page.goto(url);
    let evs = await gw.waitFor(1);
    expect(evs[0].context.consent).toEqual({
      categories: tcfCategories([1, 5, 6]),
      canonical: { ...NONE, functional: true, personalization: true },
    });
    expect(evs[0].context.consent.categories.tcString).toBe('CP-fake-156');
    const url2 = site.set(
      '/consent/tcf-nogdpr',
      await stubPage(gw, {
        full: true,
        head: tcfHead({ gdprApplies: false }),
        body: `<script>_df.init({ cmp: 'tcf', requireConsent: true })</script>`,
      }),
    );
    await page.goto(url2);
    evs = await gw.waitFor(3);
    expect(names(evs.slice(1)).sort()).toEqual(['consent_update', 'page']);
    // No purpose consented to in the TC data, yet all granted: gdprApplies false.
    for (const e of evs.slice(1)) expect(e.context.consent).toEqual({ categories: tcfCategories([]), canonical: ALL });
  });
});

test.describe('hold until consent through the API', () => {
  test('held events are bounded (500, newest kept), keep their timestamps, and go on grant', async ({ page, gw, site, errors }) => {
    await withStub(page, gw, site, '/consent/bounded', { body: `<script>_df.init({ requireConsent: true, batchSize: 100 })</script>` });
    const t = await page.evaluate(() => {
      const df = (window as any)._df;
      for (let i = 0; i < 600; i++) df.track('t' + i);
      return Date.now();
    });
    await page.waitForTimeout(300);
    await page.evaluate(() => (window as any)._df.consent({ analytics: true }));
    const evs = await gw.waitFor(501);
    await stillAt(page, gw, 501, 1500);
    expect(names(evs.slice(0, 500))).toEqual(Array.from({ length: 500 }, (_, i) => 't' + (i + 100)));
    expect(names(evs.slice(500))).toEqual(['consent_update']);
    for (const e of evs.slice(0, 500)) expect(Date.parse(e.timestamp)).toBeLessThanOrEqual(t);
    expect(errors).toEqual([]);
  });

  test('deny drops what was held; nothing is sent; a later grant sends only what follows', async ({ page, context, gw, site }) => {
    const warnings = warningsOf(page);
    await delayCollector(page, 300);
    await withStub(page, gw, site, '/consent/deny', {
      body: `<script>_df.init({ requireConsent: true, debug: true }); _df.track('a'); _df.track('b')</script>`,
    });
    await page.evaluate(() => (window as any)._df.consent({ analytics: false }));
    await expect.poll(() => warnings.some((w) => /dropped 3 held events/.test(w))).toBe(true);
    await stillAt(page, gw, 0, 1200);
    expect(await stored(page, context, site.url)).toEqual({ keys: [], cookies: [] });
    await page.evaluate(() => {
      const df = (window as any)._df;
      df.consent({ analytics: true });
      df.track('c');
    });
    const evs = await gw.waitFor(2);
    await stillAt(page, gw, 2, 1200);
    expect(names(evs)).toEqual(['consent_update', 'c']);
  });
});

/**
 * Records every storage write the page makes to `_df*` names once `window.__watch` is set:
 * localStorage/sessionStorage setItem and cookie assignments that are not deletions. Removals are
 * not writes (they are what a withdrawal does).
 */
async function recordWrites(page: Page) {
  await page.addInitScript(() => {
    const w = window as any;
    w.__writes = [];
    const set = Storage.prototype.setItem;
    Storage.prototype.setItem = function (k: string, v: string) {
      if (w.__watch && String(k).indexOf('_df') == 0) w.__writes.push('ls:' + k);
      return set.call(this, k, v);
    };
    const d = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie')!;
    Object.defineProperty(Document.prototype, 'cookie', {
      configurable: true,
      get() {
        return d.get!.call(this);
      },
      set(v: string) {
        if (w.__watch && /^_df/.test(v) && !/max-age=(0|-)/.test(v)) w.__writes.push('cookie:' + v.split('=')[0]);
        d.set!.call(this, v);
      },
    });
  });
}

const canon = (e: any) => e.context.consent.canonical;

test.describe('withdrawal, order and late configuration', () => {
  test('withdrawal: earlier events delivered, ONE consent_update (anonymousId + consent only), nothing written from then on, stored identity and queue removed; re-grant starts afresh', async ({
    page,
    context,
    gw,
    site,
    errors,
  }) => {
    const warnings = warningsOf(page);
    await recordWrites(page);
    await withStub(page, gw, site, '/consent/withdraw', {
      body: `<script>_df.init({ requireConsent: true, debug: true })</script>`,
    });
    await page.evaluate(() => {
      const df = (window as any)._df;
      df.consent({ analytics: true });
      df.identify('u1', { email: 'a@example.com' });
      df.group('g1', { plan: 'pro' });
    });
    await gw.waitFor(4);
    const anon = await page.evaluate(() => (window as any)._df.getAnonymousId());
    expect((await stored(page, context, site.url)).cookies).toEqual(['_df_aid']);
    // Withdrawal, with an event of the same task before it, and identity calls after it.
    await page.evaluate(() => {
      const w = window as any,
        df = w._df;
      df.track('before', { n: 1 });
      w.__watch = 1;
      df.consent({ analytics: false });
      df.identify('u2', { email: 'typed-after-refusal@example.com' });
      df.alias('u3');
      df.reset();
      df.group('g2');
      df.track('after');
    });
    const evs = await gw.waitFor(6);
    await stillAt(page, gw, 6, 1500);
    expect(names(evs)).toEqual(['page', 'consent_update', 'identify', 'group', 'before', 'consent_update']);
    const w = evs[5];
    expect(Object.keys(w).sort()).toEqual(['anonymousId', 'context', 'event', 'messageId', 'timestamp', 'type']);
    expect(w.anonymousId).toBe(anon);
    expect(canon(w)).toEqual(NONE);
    expect(evs[4].userId).toBe('u1');
    expect(canon(evs[4]).analytics).toBe(true);
    expect(await page.evaluate(() => (window as any).__writes)).toEqual([]);
    // Its own storage is gone once the earlier events are delivered (the page's own keys stay).
    await expect.poll(() => stored(page, context, site.url)).toEqual({ keys: [], cookies: [] });
    expect(warnings.some((x) => /after dropped: no analytics consent/.test(x))).toBe(true);
    expect(JSON.stringify(await gw.events())).not.toContain('typed-after-refusal');
    // Re-grant: a new anonymousId, nothing of the old user.
    await page.evaluate(() => {
      const w = window as any;
      w.__watch = 0;
      w._df.consent({ analytics: true });
      w._df.track('again');
    });
    const all = await gw.waitFor(8);
    expect(names(all.slice(6))).toEqual(['consent_update', 'again']);
    for (const e of all.slice(6)) {
      expect(e.anonymousId).toMatch(UUID_V4);
      expect(e.anonymousId).not.toBe(anon);
      expect(e.userId).toBeUndefined();
      expect(e.groupId).toBeUndefined();
    }
    const c = (await context.cookies(site.url)).find((x) => x.name == '_df_aid')!;
    expect(c.value).toBe(all[7].anonymousId);
    expect(errors).toEqual([]);
  });

  test('deny from the start writes nothing, not even _df_cs', async ({ page, context, gw, site }) => {
    await recordWrites(page);
    await withStub(page, gw, site, '/consent/deny-nowrite', {
      body: `<script>window.__watch = 1; _df.init({ requireConsent: true }); _df.track('a')</script>`,
    });
    await page.evaluate(() => {
      const df = (window as any)._df;
      df.consent({ analytics: false });
      df.identify('u1', { email: 'x@example.com' });
      df.alias('u2');
      df.reset();
    });
    await stillAt(page, gw, 0, 1200);
    expect(await page.evaluate(() => (window as any).__writes)).toEqual([]);
    expect(await stored(page, context, site.url)).toEqual({ keys: [], cookies: [] });
  });

  test('reset() before the grant is not undone by the grant', async ({ page, context, gw, site }) => {
    await withStub(page, gw, site, '/consent/reset-first', { body: `<script>_df.init({ requireConsent: true })</script>` });
    await page.evaluate(() => {
      const df = (window as any)._df;
      df.consent({ analytics: true });
      df.identify('u1', { plan: 'pro' });
      df.group('g1');
    });
    await gw.waitFor(4);
    const anon = await page.evaluate(() => (window as any)._df.getAnonymousId());
    // Next page view: consent not yet known (no CMP); the user logs out, then consent comes.
    await page.reload();
    await collectorLoaded(page);
    await page.evaluate(() => {
      const df = (window as any)._df;
      df.reset();
      df.track('logged_out');
      df.consent({ analytics: true });
    });
    // (the same consent as last time: no consent_update)
    const evs = (await gw.waitFor(6)).slice(4);
    expect(names(evs).sort()).toEqual(['logged_out', 'page']);
    for (const e of evs.filter((e) => e.type == 'track')) {
      expect(e.anonymousId).not.toBe(anon);
      expect(e.userId).toBeUndefined();
      expect(e.groupId).toBeUndefined();
    }
    const u = await page.evaluate(() => (window as any)._df.user());
    expect(u.userId).toBeUndefined();
    expect(u.anonymousId).not.toBe(anon);
    const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('_df_id')!));
    expect(saved.userId).toBeUndefined();
    expect(saved.groupId).toBeUndefined();
    expect(saved.anonymousId).toBe(u.anonymousId);
    expect((await context.cookies(site.url)).find((c) => c.name == '_df_aid')!.value).toBe(u.anonymousId);
  });

  test('the same userId identified while consent is pending: stored traits merged on grant', async ({ page, gw, site }) => {
    await withStub(page, gw, site, '/consent/merge', { body: `<script>_df.init({ requireConsent: true })</script>` });
    await page.evaluate(() => {
      const df = (window as any)._df;
      df.consent({ analytics: true });
      df.identify('u1', { plan: 'pro', n: 1 });
      df.group('g1', { size: 5 });
    });
    await gw.waitFor(4);
    await page.reload();
    await collectorLoaded(page);
    await page.evaluate(() => {
      const df = (window as any)._df;
      df.identify('u1', { name: 'Ann', n: 2 });
      df.group('g1', { tier: 'a' });
      df.consent({ analytics: true });
    });
    await gw.waitFor(7);
    const u = await page.evaluate(() => (window as any)._df.user());
    expect(u.traits).toEqual({ plan: 'pro', name: 'Ann', n: 2 });
    expect(u.groupTraits).toEqual({ size: 5, tier: 'a' });
    expect((await page.evaluate(() => JSON.parse(localStorage.getItem('_df_id')!))).traits).toEqual({ plan: 'pro', name: 'Ann', n: 2 });
  });

  test('late init({requireConsent}) after start: gates what follows, its stored identity removed, held until the grant; debug names what it could not change', async ({
    page,
    context,
    gw,
    site,
    errors,
  }) => {
    const warnings = warningsOf(page);
    const url = site.set(
      '/consent/late-init',
      await stubPage(gw, { body: `<script>_df.ready(function () { window.readyFired = true })</script>` }),
    );
    await page.goto(url);
    await page.waitForFunction(() => (window as any).readyFired === true);
    await gw.waitFor(1);
    expect((await stored(page, context, site.url)).cookies).toEqual(['_df_aid']);
    const anon = await page.evaluate(() => (window as any)._df.getAnonymousId());
    await recordWrites(page); // (for the next page view)
    await page.evaluate(() => {
      const df = (window as any)._df;
      df.init({ requireConsent: true, debug: true, pipelineKey: 'dk_test_other', autoPage: true });
      df.track('late');
      df.identify('u1');
    });
    await stillAt(page, gw, 1, 1500);
    await expect.poll(() => stored(page, context, site.url)).toEqual({ keys: [], cookies: [] });
    expect(await page.evaluate(() => (window as any)._df.getConsent())).toEqual(NONE);
    for (const k of ['pipelineKey', 'autoPage']) expect(warnings.some((w) => w.includes('too late to change ' + k))).toBe(true);
    expect(warnings.some((w) => /too late.*(requireConsent|debug)/.test(w))).toBe(false);
    await page.evaluate(() => (window as any)._df.consent({ analytics: true }));
    const evs = await gw.waitFor(4);
    expect(names(evs)).toEqual(['page', 'late', 'identify', 'consent_update']);
    for (const e of evs) expect(e.anonymousId).toBe(anon);
    expect((await context.cookies(site.url)).find((c) => c.name == '_df_aid')!.value).toBe(anon);
    expect(errors).toEqual([]);
  });

  test('late init() in the full build: batchSize and flushInterval apply; a late cmp is read', async ({ page, gw, site, errors }) => {
    const url = site.set(
      '/consent/late-full',
      await stubPage(gw, {
        full: true,
        head: oneTrustHead(),
        body: `<script>_df.ready(function () { window.readyFired = true })</script>${oneTrustBanner()}`,
      }),
    );
    await page.goto(url);
    await page.waitForFunction(() => (window as any).readyFired === true);
    await gw.waitFor(1);
    // batchSize 3: a full batch goes at once; the rest waits for the 60 s interval (the defaults,
    // 10 and 1 s, would have sent all five within a second).
    await page.evaluate(() => {
      const df = (window as any)._df;
      df.init({ batchSize: 3, flushInterval: 60000 });
      for (const n of ['a', 'b', 'c', 'd', 'e']) df.track(n);
    });
    expect(names(await gw.waitFor(4))).toEqual(['page', 'a', 'b', 'c']);
    await stillAt(page, gw, 4, 1500);
    await page.evaluate(() => (window as any)._df.track('f'));
    expect(names(await gw.waitFor(7))).toEqual(['page', 'a', 'b', 'c', 'd', 'e', 'f']);
    await page.evaluate(() => (window as any)._df.init({ cmp: 'onetrust' }));
    await page.click('#ot-save-stats');
    await expect.poll(() => page.evaluate(() => (window as any)._df.getConsent())).toEqual({ ...NONE, analytics: true });
    expect(errors).toEqual([]);
  });

  test('context.consent has both views: the CMP codes verbatim (or what the page passed) and the canonical five; getConsent() is the canonical view', async ({
    page,
    gw,
    site,
  }) => {
    await withStub(page, gw, site, '/consent/schema', {
      full: true,
      head: oneTrustHead(),
      body: `<script>_df.init({ cmp: 'onetrust', autoPage: false })</script>${oneTrustBanner()}`,
    });
    await page.click('#ot-save-stats');
    let evs = await gw.waitFor(1);
    const codes = evs[0].context.consent.categories;
    expect(codes).toMatchObject({ C0001: true, C0002: true });
    expect(Object.keys(codes).every((k) => /^C000\d$/.test(k))).toBe(true);
    expect(evs[0].context.consent.canonical).toEqual({ ...NONE, analytics: true });
    expect(await page.evaluate(() => (window as any)._df.getConsent())).toEqual({ ...NONE, analytics: true });
    await page.evaluate(() => {
      const df = (window as any)._df;
      df.consent({ marketing: true, vendor_x: 'granted' });
    });
    evs = await gw.waitFor(2);
    expect(evs[1].context.consent).toEqual({
      categories: { ...codes, marketing: true, vendor_x: 'granted' },
      canonical: { ...NONE, analytics: true, marketing: true },
    });
  });
});
