// The split between the two builds (README, "Builds"), pinned both ways on one page: the campaign
// session (context.campaign / context.clickIds, localStorage `_df_s`), gzip of batches over 1 KB,
// the `hashChange` option and SPA page views are in dist/d.full.js only; dist/d.js sends plain
// text, no campaign context, counts no hash-only change, whatever the page asks for, and makes no
// page event on history.pushState (the site calls `_df.page()` itself). Each build's assertions are
// the other's negation, so neither can pass on the other build.
import type { Request } from '@playwright/test';
import { withStub, test, expect, stubPage, collectorLoaded, batchOf, names } from './support/fixtures';

const LANDING = '?utm_source=x&gclid=y';

for (const full of [false, true]) {
  const build = full ? 'd.full.js' : 'd.js';
  test(`${build}: campaign context and _df_s ${full ? 'on' : 'off'}, a batch over 1 KB ${full ? 'gzip' : 'plain text'}, hashChange ${full ? 'honoured' : 'ignored'}`, async ({
    page,
    gw,
    site,
    errors,
  }) => {
    // Every batch request as the browser sent it: gzip or not (first bytes 1f 8b), size, events.
    const sent: { gz: boolean; bytes: number; text?: string; events: any[] }[] = [];
    page.on('request', (r: Request) => {
      if (!r.url().includes('/v1/batch')) return;
      const b = r.postDataBuffer() || Buffer.alloc(0);
      const gz = b[0] == 0x1f && b[1] == 0x8b;
      sent.push({ gz, bytes: b.length, text: gz ? undefined : b.toString('utf8'), events: batchOf(r) });
    });
    const url = site.set(
      `/builds/${full ? 'full' : 'core'}`,
      await stubPage(gw, {
        full,
        head: `<script>window.hashSeen = 0; addEventListener('hashchange', function () { hashSeen++; });</script>`,
        body: `<script>_df.init({ hashChange: true })</script><a id="hash-link" href="#two">two</a><h2 id="two">2</h2>`,
      }),
    );
    await page.goto(url + LANDING);
    await collectorLoaded(page);
    await gw.waitFor(1);

    // A hash-only change, then a marker: any page event the hash change makes comes before it
    // (a pending page view is made before the next call: README, "Single-page apps").
    await page.click('#hash-link');
    await page.waitForFunction(() => (window as any).hashSeen == 1);
    expect(await page.evaluate(() => location.hash)).toBe('#two');
    await page.evaluate(() => (window as any)._df.track('after_hash'));
    await expect.poll(async () => names(await gw.events()).includes('after_hash')).toBe(true);
    const nav = await gw.events();
    expect(names(nav)).toEqual(full ? ['page', 'page', 'after_hash'] : ['page', 'after_hash']);
    if (full) expect(nav[1].context.page.url).toBe(url + LANDING + '#two');

    // A batch over 1 KB: ten events of ~300 B in one task.
    await page.evaluate(() => {
      for (let i = 0; i < 10; i++) (window as any)._df.track('big', { i, text: 'lorem ipsum '.repeat(20) });
    });
    const evs = await gw.waitFor(nav.length + 10);
    expect(evs.filter((e) => e.event == 'big').map((e) => e.properties.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await expect.poll(() => sent.filter((s) => s.events.some((e) => e.event == 'big')).length).toBeGreaterThan(0);
    const big = sent.filter((s) => s.events.some((e) => e.event == 'big'));
    const raw = JSON.stringify({ batch: big[0].events }).length;
    expect(raw).toBeGreaterThan(1024);
    expect(big.map((s) => s.gz)).toEqual(big.map(() => full));
    if (full) expect(big[0].bytes).toBeLessThan(raw / 4);
    // d.js: the body is the batch's JSON text itself.
    else expect(JSON.parse(big[0].text!).batch.map((e: any) => e.messageId)).toEqual(big[0].events.map((e) => e.messageId));
    // d.js never sends gzip, whatever the size.
    if (!full) expect(sent.filter((s) => s.gz)).toEqual([]);

    // The campaign session: on every event and stored (d.full.js); nowhere (d.js).
    for (const e of evs) {
      expect(e.context.campaign, `${e.type} ${e.event || ''}`).toEqual(full ? { source: 'x' } : undefined);
      expect(e.context.clickIds, `${e.type} ${e.event || ''}`).toEqual(full ? { gclid: 'y' } : undefined);
    }
    const stored = await page.evaluate(() => localStorage.getItem('_df_s'));
    if (full) expect(JSON.parse(stored!)).toEqual({ campaign: { source: 'x' }, clickIds: { gclid: 'y' }, t: expect.any(Number) });
    else expect(stored).toBeNull();
    expect(errors).toEqual([]);
  });

  test(`${build}: SPA page views ${full ? 'on' : 'off'}: history.pushState ${full ? 'makes a page event' : 'makes none; page() does'}`, async ({
    page,
    gw,
    site,
    errors,
  }) => {
    const native = () => Function.prototype.toString.call(history.pushState).includes('[native code]');
    const { url } = await withStub(page, gw, site, `/builds/spa-${full ? 'full' : 'core'}`, { full });
    await gw.waitFor(1);
    // d.js leaves history alone; d.full.js wraps it (README, "Single-page apps").
    expect(await page.evaluate(native)).toBe(!full);
    await page.evaluate(() => history.pushState({}, '', '/b'));
    // A marker: any page event the push makes comes before it (a pending page view is made before
    // the next call: README, "Single-page apps").
    await page.evaluate(() => (window as any)._df.track('after_push'));
    // What d.js sites do instead: page() after the client-side navigation.
    await page.evaluate(() => (window as any)._df.page());
    const evs = await gw.waitFor(full ? 4 : 3);
    await page.evaluate(() => (window as any)._df.flush());
    const all = (await gw.events()).map((e: any) => [e.type == 'track' ? e.event : e.type, e.context.page.url]);
    const b = site.url + '/b';
    expect(all).toEqual(
      full
        ? [
            ['page', url],
            ['page', b],
            ['after_push', b],
            ['page', b],
          ]
        : [
            ['page', url],
            ['after_push', b],
            ['page', b],
          ],
    );
    if (full) expect(evs[1].context.page.referrer).toBe(url);
    expect(errors).toEqual([]);
  });
}
