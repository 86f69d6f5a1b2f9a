// Outside attack on the consent promise: "nothing the collector stores or sends may outrun the
// consent it was given, in any order of calls, tags or CMP answers" (README: Consent, Options on the
// script tag, Identity, Vendor IDs and cross-domain links).
// BUG tests FAIL while the bug exists. PINNED tests pin a subtle promise that holds today.
import type { Page, BrowserContext } from '@playwright/test';
import { withStub, test, expect, stubPage, collectorLoaded, KEY } from './support/fixtures';
import { oneTrustHead, oneTrustBanner } from './support/cmp-banners';
import { snippetTag } from '../snippet/build.mjs';

const names = (evs: any[]) => evs.map((e) => (e.type == 'track' ? e.event : e.type));

/** The collector's storage on the site: `_df*` localStorage keys and `_df*` cookies. */
async function stored(page: Page, context: BrowserContext, siteUrl: string) {
  const keys = await page.evaluate(() =>
    Object.keys(localStorage)
      .filter((k) => k.indexOf('_df') == 0)
      .sort(),
  );
  const cookies = (await context.cookies(siteUrl))
    .filter((c) => c.name.indexOf('_df') == 0)
    .map((c) => c.name)
    .sort();
  return { keys, cookies };
}
const NOTHING = { keys: [], cookies: [] };

/** A page with the snippet printed by `npm run -s snippet -- ... --require-consent [CAT]`. */
async function snippetPage(gw: any, o: { body?: string; head?: string; full?: boolean; requireConsent?: boolean | string }) {
  const tag = await snippetTag({ src: gw.url + (o.full ? '/d.full.js' : '/d.js'), key: KEY, requireConsent: o.requireConsent });
  return `<!doctype html><html><head><meta charset="utf-8"><title>T</title>${o.head || ''}${tag}</head><body>${o.body || ''}</body></html>`;
}

/** Waits `ms` (proving that nothing arrives) and returns what the gateway has. */
async function after(page: Page, gw: any, ms = 1500) {
  await page.waitForTimeout(ms);
  return gw.events();
}

test.describe('BUG', () => {
  test('B1 a polluted Object.prototype.analytics grants consent that was never given', async ({ page, context, gw, site }) => {
    // Prototype pollution by some other library on the page, before d.js. No consent() call at all.
    const url = site.set(
      '/b1',
      await snippetPage(gw, {
        requireConsent: true,
        head: `<script>Object.prototype.analytics = true</script>`,
        body: `<script>_df.track('x')</script>`,
      }),
    );
    await page.goto(url);
    await collectorLoaded(page);
    // README: unknown (start) → stored "nothing", sent "nothing", events held.
    expect(names(await after(page, gw))).toEqual([]);
    expect(await stored(page, context, site.url)).toEqual(NOTHING);
    expect((await page.evaluate(() => (window as any)._df.getConsent())).analytics).toBe(false);
  });

  test('B2 a queued init({requireConsent: undefined}) switches off data-require-consent from the snippet', async ({
    page,
    context,
    gw,
    site,
  }) => {
    // A site passing its config through: _df.init({ requireConsent: cfg.requireConsent }) with cfg unset.
    // README: "Options on the script tag hold from the first byte, whatever the page's scripts do";
    // undefined is not a value for the key (null, 0 and '' do the same today).
    const url = site.set(
      '/b2',
      await snippetPage(gw, {
        requireConsent: true,
        body: `<script>_df.init({ requireConsent: undefined }); _df.identify('u1'); _df.track('x')</script>`,
      }),
    );
    await page.goto(url);
    await collectorLoaded(page);
    expect(names(await after(page, gw))).toEqual([]); // today: page, identify, x sent
    expect(await stored(page, context, site.url)).toEqual(NOTHING); // today: _df_aid, _df_id, _df_s
  });

  test('B3 cross-domain links carry the anonymousId while the consent gate (marketing) is unanswered', async ({ page, gw, site }) => {
    // requireConsent 'marketing': "nothing stored or sent until it is granted" (vendor IDs: "in
    // consent-first mode the gate category too"). Only analytics is granted here.
    const url = site.set(
      '/b3',
      await stubPage(gw, {
        full: true,
        body: `<a id="l" href="https://shop.example.org/x">go</a><script>_df.init({ requireConsent: 'marketing', crossDomain: { linkedDomains: ['shop.example.org'] } }); _df.consent({ analytics: true })</script>`,
      }),
    );
    await page.route('https://shop.example.org/**', (r) => r.fulfill({ body: 'ok' }));
    await page.goto(url);
    await collectorLoaded(page);
    await page.click('#l');
    await page.waitForURL(/shop\.example\.org/);
    expect(page.url()).not.toContain('_dfl='); // today: ?_dfl=<in-memory anonymousId>.<time>.<sum>
    expect(await gw.events()).toEqual([]);
  });

  test('B3b a tag of a granted category is not injected while the consent gate (marketing) is unanswered', async ({ page, gw, site }) => {
    // README Tag injection: a tag waits for its category; consent-first mode: nothing until the gate is granted.
    const url = site.set(
      '/b3b',
      await stubPage(gw, {
        full: true,
        body: `<script>_df.init({ requireConsent: 'marketing' }); _df.consent({ analytics: true })</script>`,
      }),
    );
    await page.route('https://tags.example.org/**', (r) => r.fulfill({ body: '', contentType: 'text/javascript' }));
    await page.goto(url);
    await collectorLoaded(page);
    await page.evaluate(() => new Promise((r) => (window as any)._df.ready(r)));
    const added = await page.evaluate(() =>
      (window as any)._df.injectTag({ id: 'an', src: 'https://tags.example.org/a.js', category: 'analytics' }),
    );
    expect(added).toBe(false);
    expect(await page.locator('script[src="https://tags.example.org/a.js"]').count()).toBe(0);
    await page.evaluate(() => (window as any)._df.consent({ marketing: true }));
    await expect.poll(() => page.locator('script[src="https://tags.example.org/a.js"]').count()).toBe(1);
  });

  test('B4 two tabs, OneTrust: after a Reject in tab A, tab B writes the withdrawn identity back', async ({ page, context, gw, site }) => {
    const { url } = await withStub(page, gw, site, '/b4', {
      full: true,
      head: oneTrustHead(),
      body: `<script>_df.init({ requireConsent: true, cmp: 'onetrust' })</script>` + oneTrustBanner(),
    });
    await page.click('#onetrust-accept-btn-handler');
    await gw.waitFor(2);
    const b = await context.newPage();
    await b.goto(url); // reads the OptanonConsent cookie: granted
    await collectorLoaded(b);
    await gw.waitFor(3);
    await page.click('#onetrust-reject-all-handler'); // withdrawal: _df_aid, _df_id, ... removed
    await expect.poll(() => stored(b, context, site.url)).toEqual(NOTHING);
    const n = (await gw.events()).length;
    // Tab B, still showing the page: the OptanonConsent cookie now says C0002:0.
    await b.evaluate(() => {
      (window as any)._df.identify('bob');
      (window as any)._df.track('b_after');
    });
    const evs = await after(page, gw);
    // README withdrawal: "from that moment nothing" stored; today B re-creates _df_aid and _df_id
    // (the same anonymousId the withdrawal erased) and sends identify + b_after.
    expect(await stored(b, context, site.url)).toEqual(NOTHING);
    expect(names(evs.slice(n))).toEqual([]);
  });

  test('B5 with data-require-consent, the stub answers _df.user() from storage before any consent', async ({ page, gw, site }) => {
    const a = site.set('/b5a', await stubPage(gw, { body: `<script>_df.identify('alice', { email: 'a@example.com' })</script>` }));
    await page.goto(a);
    await gw.waitFor(2); // an earlier page view stored alice
    const b = site.set('/b5b', await snippetPage(gw, { requireConsent: true, body: `<script>window.early = _df.user()</script>` }));
    await page.goto(b);
    await collectorLoaded(page);
    // README unknown (start): stored "nothing: no cookie, no localStorage, nothing read".
    // Today the stub reads _df_id: {userId: 'alice', traits: {email}} (the started collector says {} user).
    const early = await page.evaluate(() => (window as any).early);
    expect(early.userId).toBeUndefined();
    expect(early.traits?.email).toBeUndefined();
  });

  test('B5b with data-require-consent on the script tag, _df.user() before the start does not read storage', async ({ page, gw, site }) => {
    const a = site.set('/b5c', await stubPage(gw, { body: `<script>_df.identify('alice', { email: 'a@example.com' })</script>` }));
    await page.goto(a);
    await gw.waitFor(2);
    // d.js loaded synchronously: installed, not started (the document is still being parsed).
    const b = site.set(
      '/b5d',
      `<!doctype html><html><head><meta charset="utf-8"><title>T</title><script src="${gw.url}/d.js" data-pipeline-key="${KEY}" data-require-consent="analytics"></script><script>window.early = _df.user()</script></head><body></body></html>`,
    );
    await page.goto(b);
    await collectorLoaded(page);
    const early = await page.evaluate(() => (window as any).early);
    expect(early).toEqual({});
  });

  test("B8 a withdrawal's consent_update carries the anonymousId and the consent only: no campaign, no click ids", async ({
    page,
    gw,
    site,
  }) => {
    const url = site.set(
      '/b8',
      // The campaign session is in the full build (README, "Builds").
      await stubPage(gw, { full: true, body: `<script>_df.init({ requireConsent: true }); _df.consent({ analytics: true })</script>` }),
    );
    await page.goto(url + '?utm_source=news&utm_campaign=spring&gclid=abc123');
    await collectorLoaded(page);
    const [p] = await gw.waitFor(2);
    expect(p.context.campaign).toBeTruthy(); // the session has them
    expect(p.context.clickIds).toBeTruthy();
    await page.evaluate(() => (window as any)._df.consent({ analytics: false }));
    const evs = await gw.waitFor(3);
    expect(names(evs)).toEqual(['page', 'consent_update', 'consent_update']);
    expect(evs[2].context.campaign).toBeUndefined();
    expect(evs[2].context.clickIds).toBeUndefined();
    expect(evs[2].anonymousId).toBe(p.anonymousId);
  });

  test('B9 a queue left by a closed tab is sent at start, not a flushInterval later', async ({ page, gw, site }) => {
    const a = site.set('/b9a', await stubPage(gw, { body: `<script>_df.track('old')</script>` }));
    await page.goto(a);
    const [, old] = await gw.waitFor(2);
    // What a tab that died before delivering leaves: its queue, heartbeat 0 (unloaded).
    const left = { ...old, messageId: '5b1f3c6e-0d2a-4c8e-9f7a-1e2d3c4b5a69', event: 'left_behind' };
    await page.evaluate((e) => localStorage.setItem('_df_q.deadbeef', JSON.stringify({ h: 0, e: [e] })), left);
    const b = site.set('/b9b', await stubPage(gw, { body: `<script>_df.init({ flushInterval: 10000 })</script>` }));
    await page.goto(b);
    await collectorLoaded(page);
    const evs = await gw.waitFor(4, 5000); // today: page at once, left_behind only after 10 s
    expect(names(evs).slice(2).sort()).toEqual(['left_behind', 'page']);
  });

  test('B6 a withdrawal made while a batch is in flight: its consent_update is not sent at once but waits for flushInterval', async ({
    page,
    gw,
    site,
  }) => {
    // README: "Each change is sent at once as a track event named consent_update". flushInterval 10 s:
    // arriving within 5 s means "at once" (with nothing in flight it arrives in milliseconds).
    await withStub(page, gw, site, '/b6', { body: `<script>_df.init({ requireConsent: true, flushInterval: 10000 })</script>` });
    await gw.faults({ delayMs: 1500 }); // the gateway answers the first batch slowly
    await page.evaluate(() => (window as any)._df.consent({ analytics: true })); // page + consent_update in flight
    await page.waitForTimeout(300);
    await gw.faults({ clear: true });
    await page.evaluate(() => (window as any)._df.consent({ analytics: false })); // withdrawal
    const evs = await gw.waitFor(3, 5000); // today: still 2 after 5 s (page, the grant's consent_update)
    expect(names(evs)).toEqual(['page', 'consent_update', 'consent_update']);
    expect(evs[2].context.consent.canonical.analytics).toBe(false);
  });
});

test.describe('PINNED (holds today)', () => {
  test('P1 hostile consent() input never grants: JSON __proto__, arrays, strings, inherited, non-booleans, throwing getters/proxies', async ({
    page,
    context,
    gw,
    site,
    errors,
  }) => {
    await withStub(page, gw, site, '/p1', {
      body: `<script>_df.init({ requireConsent: true });
      _df.consent(JSON.parse('{"__proto__": {"analytics": true}}')); _df.consent(['analytics']); _df.consent('analytics');
      _df.consent(Object.create({ analytics: true })); _df.consent({ analytics: 'true' }); _df.consent({ analytics: 1 });
      _df.consent({ get analytics() { throw new Error('boom') } }); _df.consent(new Proxy({}, { ownKeys() { throw 1 }, get() { throw 2 } }));
      _df.track('x')</script>`,
    });
    expect(names(await after(page, gw))).toEqual([]);
    expect(await stored(page, context, site.url)).toEqual(NOTHING);
    expect((await page.evaluate(() => (window as any)._df.getConsent())).analytics).toBe(false);
    expect(({} as any).analytics).toBeUndefined();
    expect(errors).toEqual([]);
  });

  test('P2 grant → identify → withdraw → identify → re-grant in one task: fresh id, what was set while denied forgotten', async ({
    page,
    gw,
    site,
  }) => {
    await withStub(page, gw, site, '/p2', { body: `<script>_df.init({ requireConsent: true })</script>` });
    await page.evaluate(() => {
      const d = (window as any)._df;
      d.consent({ analytics: true });
      d.identify('u1', { a: 1 });
      d.track('a');
      d.consent({ analytics: false });
      d.identify('u2');
      d.track('b');
      d.reset();
      d.consent({ analytics: true });
      d.track('c');
    });
    const evs = await gw.waitFor(7);
    expect(names(evs)).toEqual(['page', 'consent_update', 'identify', 'a', 'consent_update', 'consent_update', 'c']);
    const [first, , , , withdrawal, regrant, c] = evs;
    expect(withdrawal.anonymousId).toBe(first.anonymousId);
    expect(withdrawal.userId ?? null).toBeNull();
    expect(regrant.anonymousId).not.toBe(first.anonymousId);
    expect(c.userId ?? null).toBeNull();
    const id = await page.evaluate(() => JSON.parse(localStorage._df_id));
    expect(id.userId).toBeUndefined();
    expect(id.anonymousId).toBe(regrant.anonymousId);
  });

  test("P3 a granted page view's stored queue is not sent by a later page view before its own answer, nor after a deny", async ({
    page,
    context,
    gw,
    site,
  }) => {
    const a = site.set(
      '/p3a',
      await stubPage(gw, {
        body: `<script>_df.init({ requireConsent: true }); _df.consent({ analytics: true }); _df.track('old')</script>`,
      }),
    );
    const b = site.set('/p3b', await stubPage(gw, { body: `<script>_df.init({ requireConsent: true })</script>` }));
    await gw.faults({ status: 500, forMs: 60000 });
    await page.goto(a);
    await collectorLoaded(page);
    await expect.poll(async () => (await stored(page, context, site.url)).keys.some((k) => k.startsWith('_df_q.'))).toBe(true);
    await page.goto(b);
    await collectorLoaded(page);
    await gw.faults({ clear: true });
    expect(await after(page, gw, 2000)).toEqual([]);
    await page.evaluate(() => (window as any)._df.consent({ analytics: false }));
    expect(await after(page, gw)).toEqual([]);
  });

  test('P4 a late init({requireConsent: false}) does not release events held under data-require-consent', async ({
    page,
    context,
    gw,
    site,
  }) => {
    const url = site.set(
      '/p4',
      await snippetPage(gw, { requireConsent: true, body: `<script>_df.identify('u1'); _df.track('x')</script>` }),
    );
    await page.goto(url);
    await collectorLoaded(page);
    await page.evaluate(() => new Promise((r) => (window as any)._df.ready(r)));
    await page.evaluate(() => (window as any)._df.init({ requireConsent: false }));
    expect(await after(page, gw)).toEqual([]);
    expect(await stored(page, context, site.url)).toEqual(NOTHING);
  });
});
