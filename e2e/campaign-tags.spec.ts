// Campaign and click-id context kept for the session; consent-gated tag injection (injectTag /
// removeTag) including CSP nonces; alias(); user() before the collector has loaded.
import type { Page } from '@playwright/test';
import {
  warningsOf,
  test,
  expect,
  withStub,
  stubPage,
  collectorLoaded,
  delayCollector,
  names,
  tagsLoaded,
  UUID_V4,
} from './support/fixtures';
import { oneTrustBanner } from './support/cmp-banners';

// A vendor tag: records that it ran (and the document's readyState then), sets a cookie and storage.
const VENDOR = `window.vendorRuns = (window.vendorRuns || 0) + 1; window.vendorLoaded = true;
(window.vendorStates = window.vendorStates || []).push((document.currentScript && document.currentScript.id) + ':' + document.readyState);
document.cookie = '_vnd_x=1; path=/'; document.cookie = '_vnd_y=2; path=/'; localStorage.setItem('vnd_k', '1'); sessionStorage.setItem('vnd_s', '1');`;

test.beforeEach(({ site }) => void site.set('/vendor.js', VENDOR, { 'content-type': 'text/javascript' }));

test.describe('campaign and click ids', () => {
  // The campaign session is in the full build only (README, "Builds"): these pages load d.full.js.
  const LANDING =
    '?utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale&utm_term=running+shoes&utm_content=hero&gclid=G-1&fbclid=F-1&ttclid=T-1&msclkid=M-1&li_fat_id=L-1&ScCid=S-1&epik=E-1&other=x';
  const CAMPAIGN = { source: 'newsletter', medium: 'email', name: 'spring_sale', term: 'running shoes', content: 'hero' };
  const CLICK = { gclid: 'G-1', fbclid: 'F-1', ttclid: 'T-1', msclkid: 'M-1', li_fat_id: 'L-1', ScCid: 'S-1', epik: 'E-1' };

  test('utm_* and click ids of the landing URL are on every event of the session, across page views and SPA navigation', async ({
    page,
    gw,
    site,
    errors,
  }) => {
    const land = site.set('/camp/landing', await stubPage(gw, { full: true, body: `<script>_df.track('hero_click')</script>` }));
    const next = site.set('/camp/next', await stubPage(gw, { full: true }));
    await page.goto(land + LANDING);
    let evs = await gw.waitFor(2);
    expect(names(evs)).toEqual(['page', 'hero_click']);
    expect(evs[0].context.page.url).toBe(land + LANDING);
    expect(evs[0].context.page.search).toBe(LANDING);
    for (const e of evs) {
      expect(e.context.campaign).toEqual(CAMPAIGN);
      expect(e.context.clickIds).toEqual(CLICK);
    }
    // A later page view of the same session, no parameters: still attributed.
    await page.goto(next);
    await collectorLoaded(page);
    await page.evaluate(() => {
      history.pushState({}, '', '/camp/spa-step');
      (window as any)._df.identify('u-9');
    });
    evs = await gw.waitFor(5);
    // The navigation's page event comes before identify (a call after it in the same task).
    expect(names(evs.slice(2))).toEqual(['page', 'page', 'identify']);
    expect(evs[2].context.page.url).toBe(next);
    expect(evs[3].context.page.url).toBe(site.url + '/camp/spa-step');
    for (const e of evs.slice(2)) {
      expect(e.context.campaign).toEqual(CAMPAIGN);
      expect(e.context.clickIds).toEqual(CLICK);
    }
    // A new landing with its own campaign replaces the campaign.
    await page.goto(next + '?utm_source=partner&utm_medium=referral');
    evs = await gw.waitFor(6);
    expect(evs[5].context.campaign).toEqual({ source: 'partner', medium: 'referral' });
    expect(errors).toEqual([]);
  });

  test('the session ends 30 minutes after the last activity: kept at 29 min, gone at 31 min', async ({ page, gw, site }) => {
    const land = site.set('/camp/expiry', await stubPage(gw, { full: true }));
    await page.goto(land + '?utm_source=ads&gclid=G-2');
    await gw.waitFor(1);
    const age = (min: number) =>
      page.evaluate((m) => {
        const s = JSON.parse(localStorage.getItem('_df_s')!);
        s.t = Date.now() - m * 60000;
        localStorage.setItem('_df_s', JSON.stringify(s));
      }, min);
    await age(29);
    await page.goto(land);
    let evs = await gw.waitFor(2);
    expect(evs[1].context.campaign).toEqual({ source: 'ads' });
    expect(evs[1].context.clickIds).toEqual({ gclid: 'G-2' });
    await age(31);
    await page.goto(land);
    evs = await gw.waitFor(3);
    expect(evs[2].context.campaign).toBeUndefined();
    expect(evs[2].context.clickIds).toBeUndefined();
  });

  test('a tab left idle for over 30 minutes: the next event is no longer attributed', async ({ page, gw, site }) => {
    await page.clock.install();
    const land = site.set('/camp/idle', await stubPage(gw, { full: true }));
    await page.goto(land + '?utm_source=ads&gclid=G-3');
    await collectorLoaded(page);
    await page.clock.runFor(2000);
    await gw.waitFor(1);
    await page.clock.fastForward('31:00');
    await page.evaluate(() => (window as any)._df.track('after_idle'));
    await page.clock.runFor(3000);
    const evs = await gw.waitFor(2);
    expect(evs[1].event).toBe('after_idle');
    expect(evs[1].context.campaign).toBeUndefined();
    expect(evs[1].context.clickIds).toBeUndefined();
  });
});

const tag = (site: any, id: string, extra: Record<string, unknown> = {}) => ({ id, src: site.url + '/vendor.js?' + id, ...extra });
const scripts = (page: Page) =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll('script[src*="/vendor.js"]')).map(
      (s) => (s as HTMLScriptElement).id || s.getAttribute('src')!.split('?')[1],
    ),
  );

test.describe('tags', () => {
  test('injectTag / removeTag: attributes, duplicate ids refused, invalid refused, removal clears cookie prefixes and storage keys', async ({
    page,
    context,
    gw,
    site,
    errors,
  }) => {
    await withStub(page, gw, site, '/tags/basic', {
      full: true,
      body: `<script>document.cookie = 'keep=1; path=/'; localStorage.setItem('keep_k', '1')</script>`,
    });
    await tagsLoaded(page);
    const r = await page.evaluate(
      (t) => {
        const df = (window as any)._df;
        return {
          first: df.injectTag({
            ...t,
            attributes: { id: 'vnd', 'data-vendor': 'acme' },
            cookiePrefixes: ['_vnd_x'],
            storageKeys: ['vnd_'],
          }),
          dup: df.injectTag({ ...t }),
          noSrc: df.injectTag({ id: 'x1' }),
          jsUrl: df.injectTag({ id: 'x2', src: 'javascript:alert(1)' }),
          noId: df.injectTag({ src: t.src }),
          notObj: df.injectTag('https://evil.example/x.js'),
        };
      },
      tag(site, 'vnd'),
    );
    expect(r).toEqual({ first: true, dup: false, noSrc: false, jsUrl: false, noId: false, notObj: false });
    await page.waitForFunction(() => (window as any).vendorLoaded === true);
    expect(
      await page.evaluate(() => {
        const s = document.getElementById('vnd') as HTMLScriptElement;
        return {
          async: s.async,
          data: s.dataset.vendor,
          n: document.querySelectorAll('script[src*="/vendor.js"]').length,
          runs: (window as any).vendorRuns,
        };
      }),
    ).toEqual({ async: true, data: 'acme', n: 1, runs: 1 });
    expect((await context.cookies(site.url)).map((c) => c.name).sort()).toEqual(expect.arrayContaining(['_vnd_x', '_vnd_y', 'keep']));
    // Removal: the script goes; the registered prefix (_vnd_x) and the one given now (_vnd_y) are cleared.
    expect(await page.evaluate(() => (window as any)._df.removeTag({ id: 'vnd', cookiePrefixes: ['_vnd_y'] }))).toBe(true);
    expect(await scripts(page)).toEqual([]);
    const cookies = (await context.cookies(site.url)).map((c) => c.name);
    expect(cookies.filter((n) => n.startsWith('_vnd'))).toEqual([]);
    expect(cookies).toContain('keep');
    expect(
      await page.evaluate(() => ({
        k: localStorage.getItem('vnd_k'),
        s: sessionStorage.getItem('vnd_s'),
        keep: localStorage.getItem('keep_k'),
      })),
    ).toEqual({ k: null, s: null, keep: '1' });
    expect(await page.evaluate(() => (window as any)._df.removeTag({ id: 'vnd' }))).toBe(false);
    // The id is free again.
    expect(await page.evaluate((t) => (window as any)._df.injectTag(t), tag(site, 'vnd'))).toBe(true);
    expect(errors).toEqual([]);
  });

  test('capacity: 20 tags (pending ones count); the 21st is refused until one is removed', async ({ page, gw, site }) => {
    await withStub(page, gw, site, '/tags/cap', { full: true, body: `<script>_df.init({ cmp: 'onetrust' })</script>` });
    await tagsLoaded(page);
    const r = await page.evaluate((base) => {
      const df = (window as any)._df;
      const out: boolean[] = [];
      for (let i = 0; i < 10; i++) out.push(df.injectTag({ id: 'e' + i, src: base + '/vendor.js?e' + i, category: 'essential' }));
      for (let i = 0; i < 10; i++) out.push(df.injectTag({ id: 'm' + i, src: base + '/vendor.js?m' + i })); // marketing: pending
      out.push(df.injectTag({ id: 'e21', src: base + '/vendor.js?e21', category: 'essential' }));
      out.push(df.removeTag({ id: 'm0' }));
      out.push(df.injectTag({ id: 'e21', src: base + '/vendor.js?e21', category: 'essential' }));
      return out;
    }, site.url);
    expect(r).toEqual([...Array(10).fill(true), ...Array(10).fill(false), false, true, true]);
    await expect.poll(() => page.evaluate(() => (window as any).vendorRuns)).toBe(11);
    expect((await scripts(page)).sort()).toEqual([...Array.from({ length: 10 }, (_, i) => 'e' + i), 'e21'].sort());
  });

  test('consent gating with a CMP banner: nothing injected before or after Reject; Accept injects exactly the granted ones; removed pending tags stay out', async ({
    page,
    gw,
    site,
    errors,
  }) => {
    await delayCollector(page, 300);
    await withStub(page, gw, site, '/tags/gated', {
      full: true,
      body: `<script>_df.init({ cmp: 'onetrust' });
        _df.injectTag({ id: 'ads', src: location.origin + '/vendor.js?ads', attributes: { id: 'ads' } });
        _df.injectTag({ id: 'stats', src: location.origin + '/vendor.js?stats', category: 'analytics', attributes: { id: 'stats' } });
        _df.injectTag({ id: 'gone', src: location.origin + '/vendor.js?gone', category: 'analytics' });
        _df.removeTag({ id: 'gone' });
      </script>${oneTrustBanner()}`,
    });
    await page.waitForTimeout(500);
    expect(await scripts(page)).toEqual([]);
    expect(await page.evaluate(() => (window as any)._df.injectTag({ id: 'ads', src: location.origin + '/vendor.js?ads2' }))).toBe(false); // pending id: still a duplicate
    await page.click('#onetrust-reject-all-handler');
    await page.waitForTimeout(500);
    expect(await scripts(page)).toEqual([]);
    await page.click('#ot-save-stats'); // analytics only
    await expect.poll(() => scripts(page)).toEqual(['stats']);
    await page.click('#onetrust-accept-btn-handler');
    await expect.poll(async () => (await scripts(page)).sort()).toEqual(['ads', 'stats']);
    await expect.poll(() => page.evaluate(() => (window as any).vendorRuns)).toBe(2);
    // Consent changing again does not inject twice.
    await page.click('#onetrust-accept-btn-handler');
    await page.evaluate(() => (window as any)._df.consent({ marketing: true, analytics: true }));
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => (window as any).vendorRuns)).toBe(2);
    expect(errors).toEqual([]);
  });

  test('timing: immediate runs before the load event, load after it, idle once idle', async ({ page, gw, site }) => {
    // A slow image holds the load event back for 1.5 s.
    await page.route('**/slow.gif', async (r) => {
      await new Promise((res) => setTimeout(res, 1500));
      await r.fulfill({ status: 200, contentType: 'image/gif', body: Buffer.from('R0lGODlhAQABAAAAACw=', 'base64') });
    });
    const url = site.set(
      '/tags/timing',
      await stubPage(gw, {
        full: true,
        body: `<img src="/slow.gif"><script>
        window.loadFired = false; addEventListener('load', function () { window.loadFired = true; });
        _df.injectTag({ id: 'now', src: location.origin + '/vendor.js?now', attributes: { id: 'now' }, category: 'essential' });
        _df.injectTag({ id: 'onload', src: location.origin + '/vendor.js?onload', attributes: { id: 'onload' }, category: 'essential', timing: 'load' });
        _df.injectTag({ id: 'idle', src: location.origin + '/vendor.js?idle', attributes: { id: 'idle' }, category: 'essential', timing: 'idle' });
      </script>`,
      }),
    );
    await page.goto(url, { waitUntil: 'commit' });
    await collectorLoaded(page);
    await expect.poll(() => page.evaluate(() => (window as any).vendorRuns), { timeout: 10000 }).toBe(3);
    const states: string[] = await page.evaluate(() => (window as any).vendorStates);
    expect(states.find((s) => s.startsWith('now:'))).not.toBe('now:complete');
    expect(states.find((s) => s.startsWith('onload:'))).toBe('onload:complete');
    expect(states.some((s) => s.startsWith('idle:'))).toBe(true);
    // 'now' is added at once, the others later: first in the document (scripts that are added
    // together may run in any order: their fetches race).
    expect(await page.evaluate(() => Array.from(document.querySelectorAll('script[src*="/vendor.js"]')).map((s) => s.id)[0])).toBe('now');
  });

  test('CSP nonce: d.js gets the stub nonce and passes it to injected tags, which run under script-src nonce', async ({
    page,
    gw,
    site,
    errors,
  }) => {
    const nonce = 'n0nce-e2e-123';
    const url = site.set(
      '/tags/csp',
      await stubPage(gw, {
        full: true,
        nonce,
        body: `<script nonce="${nonce}">_df.injectTag({ id: 'vnd', src: location.origin + '/vendor.js?csp', attributes: { id: 'vnd' } });
        window.blocked = 0; document.addEventListener('securitypolicyviolation', function (e) { if (/control/.test(e.blockedURI)) window.blocked++; });</script>`,
      }),
      { 'content-security-policy': `script-src 'nonce-${nonce}'` },
    );
    await page.goto(url);
    await collectorLoaded(page);
    await page.waitForFunction(() => (window as any).vendorLoaded === true, null, { timeout: 5000 });
    expect(await page.evaluate(() => (document.getElementById('vnd') as HTMLScriptElement).nonce)).toBe(nonce);
    // Control: the same vendor without the nonce is blocked by this CSP.
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.src = location.origin + '/vendor.js?control';
      document.head.appendChild(s);
    });
    await expect.poll(() => page.evaluate(() => (window as any).blocked)).toBe(1);
    expect(await page.evaluate(() => (window as any).vendorRuns)).toBe(1);
    expect(names(await gw.waitFor(1))).toEqual(['page']);
    expect(errors.filter((e) => !/vendor\.js\?control/.test(e))).toEqual([]);
  });
});

test.describe('tags: bad input is refused, one bad tag stops nothing', () => {
  test("cookiePrefixes/storageKeys that are not arrays of non-empty strings are refused; the collector's own _df names are never cleared", async ({
    page,
    context,
    gw,
    site,
    errors,
  }) => {
    const warnings = warningsOf(page);
    await withStub(page, gw, site, '/tags/prefixes', {
      full: true,
      body: `<script>_df.init({ debug: true }); document.cookie = '_ga=GA1; path=/'; document.cookie = 'keep=1; path=/'; localStorage.setItem('page_key', '1'); localStorage.setItem('_df_q.othertab', '{"h":' + Date.now() + ',"e":[]}')</script>`,
    });
    await gw.waitFor(1);
    await tagsLoaded(page);
    const res = await page.evaluate(() => {
      const df = (window as any)._df;
      const t = (id: string) => ({ id, src: location.origin + '/vendor.js?' + id });
      return [
        df.injectTag({ ...t('s1'), cookiePrefixes: '_fbp' }),
        df.injectTag({ ...t('s2'), storageKeys: 'fb_' }),
        df.injectTag({ ...t('s3'), cookiePrefixes: [''] }),
        df.injectTag({ ...t('s4'), storageKeys: [1] }),
        df.injectTag({ ...t('ok'), cookiePrefixes: ['_d'], storageKeys: ['_df'] }),
        df.removeTag({ id: 'ok', cookiePrefixes: '_g', storageKeys: 'pk' }),
        df.removeTag({ id: 'ok', cookiePrefixes: ['_df_'], storageKeys: ['_d'] }),
      ];
    });
    expect(res).toEqual([false, false, false, false, true, false, true]);
    expect(warnings.filter((w) => /injectTag|removeTag/.test(w)).length).toBeGreaterThanOrEqual(5);
    const cookies = (await context.cookies(site.url)).map((c) => c.name).sort();
    expect(cookies).toEqual(expect.arrayContaining(['_df_aid', '_ga', 'keep']));
    const keys = await page.evaluate(() => Object.keys(localStorage).sort());
    expect(keys).toEqual(expect.arrayContaining(['_df_id', '_df_q.othertab', 'page_key']));
    expect(errors).toEqual([]);
  });

  test('attributes may not set src, nonce, integrity or an on* handler (any case)', async ({ page, gw, site, errors }) => {
    await withStub(page, gw, site, '/tags/attrs', { full: true });
    await tagsLoaded(page);
    const r = await page.evaluate(() => {
      const df = (window as any)._df;
      const t = (id: string, attributes: any) => ({ id, src: location.origin + '/vendor.js?' + id, category: 'essential', attributes });
      (window as any).ran = 0;
      return [
        df.injectTag(t('a1', { src: 'data:text/javascript,window.ran++' })),
        df.injectTag(t('a2', { onload: 'window.ran++' })),
        df.injectTag(t('a3', { ONERROR: 'window.ran++' })),
        df.injectTag(t('a4', { Nonce: 'x' })),
        df.injectTag(t('a5', { integrity: 'sha384-x' })),
        df.injectTag(t('a6', { SRC: 'data:text/javascript,window.ran++' })),
        df.injectTag(t('ok', { id: 'ok', 'data-ok': '1' })),
      ];
    });
    expect(r).toEqual([false, false, false, false, false, false, true]);
    await page.waitForFunction(() => (window as any).vendorLoaded === true);
    expect(await scripts(page)).toEqual(['ok']);
    expect(await page.evaluate(() => (window as any).ran)).toBe(0);
    expect(errors).toEqual([]);
  });

  test('a tag whose attribute name is invalid is isolated: warned, not injected; the other tags and the consent_update still happen', async ({
    page,
    gw,
    site,
    errors,
  }) => {
    const warnings = warningsOf(page);
    await withStub(page, gw, site, '/tags/isolated', {
      full: true,
      body: `<script>_df.init({ cmp: 'onetrust', debug: true });
      _df.injectTag({ id: 'bad', src: location.origin + '/vendor.js?bad', attributes: { 'data x': '1' } });
      _df.injectTag({ id: 'good', src: location.origin + '/vendor.js?good', attributes: { id: 'good' } });
    </script>`,
    });
    await gw.waitFor(1);
    await page.evaluate(() => (window as any)._df.consent({ marketing: true }));
    const evs = await gw.waitFor(2);
    expect(names(evs)).toEqual(['page', 'consent_update']);
    await expect.poll(() => scripts(page)).toEqual(['good']);
    expect(warnings.some((w) => /bad/.test(w))).toBe(true);
    expect(errors).toEqual([]);
  });
});

test.describe('alias and user()', () => {
  test('alias(): previousId is the anonymousId, then the old userId; later events carry the new userId', async ({ page, gw, site }) => {
    await delayCollector(page, 500);
    const url = site.set(
      '/alias',
      await stubPage(gw, {
        body: `<script>_df.alias('lead-1'); _df.track('as_lead'); _df.identify('user-1'); _df.alias('user-2'); _df.track('as_user2')</script>`,
      }),
    );
    await page.goto(url);
    const evs = await gw.waitFor(6);
    expect(names(evs)).toEqual(['page', 'alias', 'as_lead', 'identify', 'alias', 'as_user2']);
    const anon = evs[0].anonymousId;
    expect(evs[1]).toMatchObject({ type: 'alias', userId: 'lead-1', previousId: anon, anonymousId: anon });
    expect(evs[2].userId).toBe('lead-1');
    expect(evs[4]).toMatchObject({ type: 'alias', userId: 'user-2', previousId: 'user-1' });
    expect(evs[5].userId).toBe('user-2');
    expect(await page.evaluate(() => (window as any)._df.user().userId)).toBe('user-2');
  });

  test('user() works before d.js has loaded: {} on a first visit, the stored identity later; never throws', async ({
    page,
    gw,
    site,
    errors,
  }) => {
    await delayCollector(page, 800);
    const url = site.set(
      '/user-early',
      await stubPage(gw, {
        body: `<script>window.early = { user: _df.user(), loaded: typeof _df.version == 'string' }; try { window.early.anon = _df.getAnonymousId(); } catch (e) { window.early.threw = String(e); }</script>`,
      }),
    );
    await page.goto(url);
    expect(await page.evaluate(() => (window as any).early)).toEqual({ user: {}, loaded: false, anon: undefined });
    await collectorLoaded(page);
    await page.evaluate(() => (window as any)._df.identify('user-5', { plan: 'pro' }));
    const anon = await page.evaluate(() => (window as any)._df.getAnonymousId());
    await gw.waitFor(2);
    await page.reload();
    const early = await page.evaluate(() => (window as any).early);
    expect(early.loaded).toBe(false);
    expect(early.user).toMatchObject({ anonymousId: anon, userId: 'user-5', traits: { plan: 'pro' } });
    await collectorLoaded(page);
    expect(await page.evaluate(() => (window as any)._df.user())).toEqual({
      anonymousId: anon,
      userId: 'user-5',
      traits: { plan: 'pro' },
      groupTraits: {},
    });
    // Broken stored identity: still a safe value.
    await page.evaluate(() => localStorage.setItem('_df_id', '{broken'));
    await page.reload();
    expect((await page.evaluate(() => (window as any).early)).user).toEqual({});
    await collectorLoaded(page);
    expect(await page.evaluate(() => (window as any)._df.user().anonymousId)).toMatch(UUID_V4);
    expect(errors).toEqual([]);
  });
});
