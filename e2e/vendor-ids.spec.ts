// Vendor IDs (full build): existing first-party vendor cookies kept as they are, missing ones made
// in the vendors' formats on the registrable domain, sent as context.vendorIds on every event,
// gated by consent (_ga: analytics; the others: marketing), and on withdrawal only ours deleted.
// The site runs on real host names (www.shop.test, blog.shop.test) mapped to 127.0.0.1, so that
// the registrable domain (shop.test) differs from the host.
import type { BrowserContext } from '@playwright/test';
import { launchOptions } from '../scripts/chromium.mjs';
import { test, expect, stubPage, collectorLoaded, names, UUID_V4 } from './support/fixtures';

test.use({ launchOptions: { ...launchOptions, args: [...launchOptions.args, '--host-resolver-rules=MAP *.test 127.0.0.1'] } });

const ALL = ['ga', 'meta', 'tiktok', 'pinterest', 'snapchat', 'google_ads'];
const on = (host: string, url: string) => url.replace('localhost', host);
const page_ = (o: object, body = '') => `<script>_df.init(${JSON.stringify(o)})</script>${body}`;

/** The site's cookies by name (what the browser holds for www.shop.test). */
async function jar(context: BrowserContext) {
  const out: Record<string, any> = {};
  for (const c of await context.cookies('http://www.shop.test')) out[c.name] = c;
  return out;
}

test.describe('vendor IDs', () => {
  test('missing IDs are made in each vendor format, on the registrable domain with their lifetimes, and sent on every event', async ({
    page,
    context,
    gw,
    site,
    errors,
  }) => {
    const url = on(
      'www.shop.test',
      site.set(
        '/vid/all',
        await stubPage(gw, { full: true, head: page_({ vendorIds: ALL }), body: `<script>_df.track('early')</script>` }),
      ),
    );
    await page.goto(url + '?utm_source=x&fbclid=IwAR-fb_1&gclid=Cj0-gc_1');
    await collectorLoaded(page);
    await page.evaluate(() => (window as any)._df.track('later'));
    const evs = await gw.waitFor(3);
    expect(names(evs)).toEqual(['page', 'early', 'later']);
    const ids = evs[0].context.vendorIds;
    const now = Date.now();
    expect(Object.keys(ids).sort()).toEqual(['_fbc', '_fbp', '_ga', '_gcl_aw', '_pin_unauth', '_scid', '_ttp']);
    const ga = /^GA1\.1\.(\d{1,10})\.(\d{10})$/.exec(ids._ga)!;
    expect(Number(ga[1])).toBeLessThan(2 ** 31);
    expect(Math.abs(Number(ga[2]) - now / 1000)).toBeLessThan(60);
    const fbp = /^fb\.1\.(\d{13})\.\d{1,10}$/.exec(ids._fbp)!;
    expect(Math.abs(Number(fbp[1]) - now)).toBeLessThan(60000);
    expect(ids._fbc).toMatch(/^fb\.1\.\d{13}\.IwAR-fb_1$/);
    expect(ids._gcl_aw).toMatch(/^GCL\.\d{10}\.Cj0-gc_1$/);
    expect(ids._ttp).toMatch(/^[0-9a-f]{27}\.tt\.1$/);
    const pin = Buffer.from(Buffer.from(ids._pin_unauth, 'base64').toString().replace(/^uid=/, ''), 'base64').toString();
    expect(pin).toMatch(UUID_V4);
    expect(ids._scid).toMatch(UUID_V4);
    // Every event of the page view carries the same ids.
    for (const e of evs) expect(e.context.vendorIds).toEqual(ids);

    // Written first-party on shop.test (not the host), as sent, SameSite=Lax, not Secure on http,
    // with the vendor's lifetime (Chromium caps any cookie at 400 days).
    const c = await jar(context);
    const days = { _ga: 730, _fbp: 90, _fbc: 90, _ttp: 395, _pin_unauth: 365, _scid: 395, _gcl_aw: 90 } as Record<string, number>;
    for (const name in days) {
      expect(c[name].domain, name).toBe('.shop.test');
      expect(decodeURIComponent(c[name].value), name).toBe(ids[name]);
      expect(c[name].sameSite, name).toBe('Lax');
      expect(c[name].secure, name).toBe(false);
      const want = now / 1000 + Math.min(days[name], 400) * 86400;
      expect(Math.abs(c[name].expires - want), name).toBeLessThan(120);
    }
    // The test cookie used to find the registrable domain is gone.
    expect(c._df_rd).toBeUndefined();

    // Another subdomain of the same site, no click ids in its URL: the same ids, kept as they are.
    const blog = on('blog.shop.test', site.set('/vid/blog', await stubPage(gw, { full: true, head: page_({ vendorIds: ALL }) })));
    await page.goto(blog);
    const ev = (await gw.waitFor(4))[3];
    expect(ev.context.page.url).toBe(blog);
    expect(ev.context.vendorIds).toEqual(ids);
    expect(errors).toEqual([]);
  });

  test('existing cookies (a vendor pixel wrote them) are kept and sent as they are; a new fbclid/gclid replaces _fbc/_gcl_aw', async ({
    page,
    context,
    gw,
    site,
  }) => {
    const pixel = {
      _ga: 'GA1.2.111111111.1600000000',
      _fbp: 'fb.1.1600000000000.222',
      _ttp: 'pixel-ttp.tt.1',
      _pin_unauth: 'dWlkPXBpeGVs',
      _scid: 'pixel-scid',
      _fbc: 'fb.1.1600000000000.OLDFB',
      _gcl_aw: 'GCL.1600000000.OLDGC',
    };
    await context.addCookies(Object.entries(pixel).map(([name, value]) => ({ name, value, domain: '.shop.test', path: '/' })));
    const url = on('www.shop.test', site.set('/vid/keep', await stubPage(gw, { full: true, head: page_({ vendorIds: ALL }) })));
    await page.goto(url);
    let evs = await gw.waitFor(1);
    expect(evs[0].context.vendorIds).toEqual(pixel);
    let c = await jar(context);
    for (const name in pixel) expect(c[name].value, name).toBe((pixel as any)[name]);
    // Nothing was ours: no marker.
    expect(c._df_vid).toBeUndefined();

    // A landing with the same click ids: kept (creation time included).
    await page.goto(url + '?fbclid=OLDFB&gclid=OLDGC');
    evs = await gw.waitFor(2);
    expect(evs[1].context.vendorIds).toEqual(pixel);

    // New click ids: _fbc and _gcl_aw replaced, the other ids untouched.
    await page.goto(url + '?fbclid=NEWFB&gclid=NEWGC');
    evs = await gw.waitFor(3);
    const ids = evs[2].context.vendorIds;
    expect(ids._fbc).toMatch(/^fb\.1\.\d{13}\.NEWFB$/);
    expect(ids._gcl_aw).toMatch(/^GCL\.\d{10}\.NEWGC$/);
    expect({ ...ids, _fbc: 0, _gcl_aw: 0 }).toEqual({ ...pixel, _fbc: 0, _gcl_aw: 0 });
    c = await jar(context);
    expect(c._fbc.value).toBe(ids._fbc);
    expect(c._gcl_aw.value).toBe(ids._gcl_aw);
  });

  test('only the vendors turned on; without the option (or on d.js) nothing is read or written', async ({ page, context, gw, site }) => {
    const only = on(
      'www.shop.test',
      site.set('/vid/only', await stubPage(gw, { full: true, head: page_({ vendorIds: ['meta', 'nope', 7] }) })),
    );
    await page.goto(only + '?gclid=G1');
    let evs = await gw.waitFor(1);
    expect(Object.keys(evs[0].context.vendorIds)).toEqual(['_fbp']);
    expect(Object.keys(await jar(context)).sort()).toEqual(['_df_aid', '_df_vid', '_fbp']);

    await context.clearCookies();
    const none = on('www.shop.test', site.set('/vid/none', await stubPage(gw, { full: true })));
    await page.goto(none + '?fbclid=F1');
    const core = on('www.shop.test', site.set('/vid/core', await stubPage(gw, { head: page_({ vendorIds: ALL }) })));
    await page.goto(core + '?fbclid=F1');
    evs = await gw.waitFor(3);
    expect(evs[1].context.vendorIds).toBeUndefined();
    expect(evs[2].context.vendorIds).toBeUndefined();
    expect(Object.keys(await jar(context))).toEqual(['_df_aid']);
  });

  test('cookieDomain overrides the registrable domain; a one-label host (localhost) gets host-only cookies', async ({
    page,
    context,
    gw,
    site,
  }) => {
    const url = on(
      'www.shop.test',
      site.set('/vid/domain', await stubPage(gw, { full: true, head: page_({ vendorIds: ['ga'], cookieDomain: 'www.shop.test' }) })),
    );
    await page.goto(url);
    await gw.waitFor(1);
    expect((await jar(context))._ga.domain).toBe('.www.shop.test');
    const local = site.set('/vid/local', await stubPage(gw, { full: true, head: page_({ vendorIds: ['ga'] }) }));
    await page.goto(local);
    const evs = await gw.waitFor(2);
    const ga = (await context.cookies(local)).find((c) => c.name == '_ga')!;
    expect(ga.domain).toBe('localhost');
    expect(evs[1].context.vendorIds).toEqual({ _ga: ga.value });
  });

  test('consent: nothing before it; _ga with analytics, the rest with marketing, from the next event on; withdrawal deletes only the cookies we made', async ({
    page,
    context,
    gw,
    site,
    errors,
  }) => {
    // A Meta pixel wrote _fbc earlier; we must never delete it.
    await context.addCookies([{ name: '_fbc', value: 'fb.1.1600000000000.PIXEL', domain: '.shop.test', path: '/' }]);
    // cmp set (no CMP on the page): consent is unknown, all categories false; events still flow.
    const url = on(
      'www.shop.test',
      site.set('/vid/consent', await stubPage(gw, { full: true, head: page_({ vendorIds: ['ga', 'meta'], cmp: 'onetrust' }) })),
    );
    await page.goto(url);
    await collectorLoaded(page);
    let evs = await gw.waitFor(1);
    expect(evs[0].context.vendorIds).toBeUndefined();
    let c = await jar(context);
    expect([c._ga, c._fbp, c._df_vid]).toEqual([undefined, undefined, undefined]);

    const df = (f: string) => page.evaluate(f);
    await df(`_df.consent({ analytics: true })`);
    evs = await gw.waitFor(2);
    expect(names(evs)).toEqual(['page', 'consent_update']);
    const ga = (await jar(context))._ga.value;
    expect(evs[1].context.vendorIds).toEqual({ _ga: ga });
    expect((await jar(context))._fbp).toBeUndefined();

    await df(`_df.consent({ marketing: true })`);
    evs = await gw.waitFor(3);
    c = await jar(context);
    expect(c._fbp.value).toMatch(/^fb\.1\./);
    expect(evs[2].context.vendorIds).toEqual({ _ga: ga, _fbp: c._fbp.value, _fbc: 'fb.1.1600000000000.PIXEL' });

    // Marketing withdrawn: our _fbp goes, the pixel's _fbc stays; neither is sent any more.
    await df(`_df.consent({ marketing: false }); _df.track('after_marketing_off')`);
    evs = await gw.waitFor(5);
    expect(names(evs.slice(3))).toEqual(['consent_update', 'after_marketing_off']);
    for (const e of evs.slice(3)) expect(e.context.vendorIds).toEqual({ _ga: ga });
    c = await jar(context);
    expect(c._fbp).toBeUndefined();
    expect(c._fbc.value).toBe('fb.1.1600000000000.PIXEL');
    expect(c._ga.value).toBe(ga);

    // Granted again: a new _fbp (ours). Then a Meta pixel overwrites it with its own value: a
    // withdrawal leaves that one alone.
    await df(`_df.consent({ marketing: true })`);
    await gw.waitFor(6);
    await df(`document.cookie = '_fbp=fb.1.1600000000000.PIXEL2; path=/; domain=shop.test'`);
    await df(`_df.consent({ marketing: false })`);
    await gw.waitFor(7);
    expect((await jar(context))._fbp.value).toBe('fb.1.1600000000000.PIXEL2');

    // Analytics withdrawn: our _ga goes; no event carries vendor ids any more.
    await df(`_df.consent({ analytics: false }); _df.track('after_all_off')`);
    evs = await gw.waitFor(9);
    for (const e of evs.slice(7)) expect(e.context.vendorIds).toBeUndefined();
    c = await jar(context);
    expect(c._ga).toBeUndefined();
    expect(c._fbc.value).toBe('fb.1.1600000000000.PIXEL');
    expect(errors).toEqual([]);
  });

  test('consent-first mode: nothing is read or written before the gate opens, even with marketing granted', async ({
    page,
    context,
    gw,
    site,
  }) => {
    const url = on(
      'www.shop.test',
      site.set('/vid/first', await stubPage(gw, { full: true, head: page_({ vendorIds: ['ga', 'meta'], requireConsent: 'analytics' }) })),
    );
    await page.goto(url);
    await collectorLoaded(page);
    await page.evaluate(() => (window as any)._df.consent({ marketing: true }));
    await page.waitForTimeout(500);
    expect(await jar(context)).toEqual({});
    expect((await gw.events()).length).toBe(0); // a change while the gate is unknown sends nothing
    await page.evaluate(() => (window as any)._df.consent({ analytics: true }));
    // The grant: the held page event, then one consent_update with the whole state (marketing too).
    const evs = await gw.waitFor(2);
    await page.waitForTimeout(500);
    expect(names(await gw.events())).toEqual(['page', 'consent_update']);
    expect(evs[1].context.consent.canonical).toMatchObject({ analytics: true, marketing: true });
    const c = await jar(context);
    // The held page event goes out with the ids the now-granted consent covers.
    expect(evs[0].type).toBe('page');
    expect(evs[0].context.vendorIds).toEqual({ _ga: c._ga.value, _fbp: c._fbp.value });
    expect(evs[1].context.vendorIds).toEqual({ _ga: c._ga.value, _fbp: c._fbp.value });
  });
});
