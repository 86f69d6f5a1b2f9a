// Cross-domain identity by link decoration (full build), on two sites with different host names
// (www.alpha.test and shop.beta.test, mapped to 127.0.0.1): links and forms to the linked domain get
// `_dfl=<token>` when clicked (left, middle, keyboard), the destination adopts the anonymousId and
// removes the token before its first page event; stale tokens, tokens from another browser and
// missing analytics consent adopt nothing.
import type { Page } from '@playwright/test';
import { launchOptions } from '../scripts/chromium.mjs';
import { test, expect, stubPage, collectorLoaded, UUID_V4 } from './support/fixtures';
import { makeToken } from '../src/link-token';

test.use({ launchOptions: { ...launchOptions, args: [...launchOptions.args, '--host-resolver-rules=MAP *.test 127.0.0.1'] } });

const on = (host: string, url: string) => url.replace('localhost', host);
const init = (o: object) => `<script>_df.init(${JSON.stringify(o)})</script>`;
const SRC = { crossDomain: { linkedDomains: ['beta.test', 'other-brand.test'] } };
const DST = { crossDomain: { linkedDomains: ['alpha.test'] } };
const anon = (p: Page) => p.evaluate(() => (window as any)._df.getAnonymousId());

/** Source page (www.alpha.test) with `body`, and the destination page (shop.beta.test), whose URL is returned as `dst`. */
async function sites(gw: any, site: any, o: { src?: object; dst?: object; body?: string; dstBody?: string } = {}) {
  const dst = on('shop.beta.test', site.set('/ld/dst', await stubPage(gw, { full: true, head: init(o.dst || DST), body: o.dstBody })));
  const body = (o.body || '').replace(/DST/g, dst);
  const src = on('www.alpha.test', site.set('/ld/src', await stubPage(gw, { full: true, head: init(o.src || SRC), body })));
  return { src, dst };
}

/** The gateway's events made on the destination. */
const atDst = (evs: any[]) => evs.filter((e) => e.context.page.url.includes('shop.beta.test'));

async function destinationEvents(gw: any, n: number) {
  for (let i = 0; i < 150; i++) {
    const evs = atDst(await gw.events());
    if (evs.length >= n) return evs;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no destination events');
}

test.describe('link decoration', () => {
  test('a click on a link to a linked domain carries the anonymousId across; the destination removes _dfl before its first page event', async ({
    page,
    gw,
    site,
    errors,
  }) => {
    // The link is built after load (links made later are decorated too); the destination queues a
    // call in the stub before d.js loads, at the URL that still has the token.
    const { src, dst } = await sites(gw, site, { dstBody: `<script>_df.track('early')</script>` });
    await page.goto(src);
    await collectorLoaded(page);
    const id = await anon(page);
    await page.evaluate((d) => {
      const a = document.createElement('a');
      a.id = 'go';
      a.href = d + '?x=1&y=a%20b#frag';
      a.textContent = 'to the shop';
      document.body.appendChild(a);
    }, dst);
    const req = page.waitForRequest((r) => r.url().startsWith(dst));
    await page.click('#go');
    const url = (await req).url();
    expect(url).toMatch(new RegExp('^' + dst + '\\?x=1&y=a%20b&_dfl=' + id + '\\.[0-9a-z]+\\.[0-9a-z]+$'));
    await collectorLoaded(page);
    await expect.poll(() => page.url()).toBe(dst + '?x=1&y=a%20b#frag');
    expect(await anon(page)).toBe(id);

    const evs = await destinationEvents(gw, 2);
    expect(evs.map((e) => e.event || e.type)).toEqual(['page', 'early']);
    for (const e of evs) {
      expect(e.anonymousId).toBe(id);
      expect(JSON.stringify(e)).not.toContain('_dfl');
      expect(e.context.page.url).toBe(dst + '?x=1&y=a%20b#frag');
      expect(e.context.page.search).toBe('?x=1&y=a%20b');
      expect(e.context.page.referrer).toBe(new URL(src).origin + '/');
    }
    // The landing page event is marked as linked.
    expect(evs[0].context.linkedAnonymousId).toBe(id);
    expect(evs[1].context.linkedAnonymousId).toBeUndefined();
    // Stored on the destination: the next page view keeps it.
    await page.goto(dst);
    expect(await anon(page)).toBe(id);
    // A client-side navigation afterwards: its referrer is the clean URL.
    await page.evaluate(() => history.pushState({}, '', '/ld/dst-next'));
    const all = await destinationEvents(gw, 5);
    const spa = all.find((e) => e.context.page.url.endsWith('/ld/dst-next'));
    expect(spa.context.page.referrer).toBe(dst);
    expect(errors).toEqual([]);
  });

  test('middle click, keyboard Enter and subdomains of a linked domain are decorated; other hosts, this host and non-http links are not', async ({
    page,
    context,
    gw,
    site,
  }) => {
    const body = `<a id="go" href="DST?m=1">shop</a>
      <a id="sub" href="http://deep.shop.beta.test:PORT/x">sub</a>
      <a id="apex" href="http://other-brand.test:PORT/y">apex</a>
      <a id="near" href="http://notbeta.test:PORT/z">look-alike</a>
      <a id="self" href="/ld/self">self</a>
      <a id="mail" href="mailto:a@beta.test">mail</a>
      <script>document.addEventListener('click', function (e) { var a = e.target.closest('a'); if (a && a.id != 'go') { e.preventDefault(); window.seen = (window.seen || []).concat(a.id + ' ' + a.getAttribute('href')); } });</script>`;
    const port = new URL(site.url).port;
    const { src, dst } = await sites(gw, site, { body: body.replace(/PORT/g, port) });
    await page.goto(src);
    await collectorLoaded(page);
    const id = await anon(page);

    // Middle button: a new tab, decorated (its first URL, before the destination cleans it).
    let opened = '';
    context.once('page', (p) => (opened = p.url()));
    const popup = context.waitForEvent('page');
    await page.click('#go', { button: 'middle' });
    const tab = await popup;
    expect(opened).toContain(dst + '?m=1&_dfl=' + id + '.');
    await collectorLoaded(tab);
    await expect.poll(() => tab.url()).toBe(dst + '?m=1');
    expect(await anon(tab)).toBe(id);
    await tab.close();

    // The other links (their navigation prevented by the page): what their href was at click time.
    for (const sel of ['#sub', '#apex', '#near', '#self', '#mail']) await page.click(sel);
    const seen: string[] = await page.evaluate(() => (window as any).seen);
    expect(seen[0]).toMatch(new RegExp('^sub http://deep\\.shop\\.beta\\.test:' + port + '/x\\?_dfl=' + id + '\\.'));
    expect(seen[1]).toMatch(new RegExp('^apex http://other-brand\\.test:' + port + '/y\\?_dfl=' + id + '\\.'));
    expect(seen.slice(2)).toEqual([`near http://notbeta.test:${port}/z`, 'self /ld/self', 'mail mailto:a@beta.test']);

    // Keyboard: focus the link and press Enter.
    const req2 = page.waitForRequest((r) => r.url().startsWith(dst));
    await page.focus('#go');
    await page.keyboard.press('Enter');
    expect((await req2).url()).toContain('?m=1&_dfl=' + id + '.');
    await collectorLoaded(page);
    await expect.poll(() => page.url()).toBe(dst + '?m=1');
    expect(await anon(page)).toBe(id);
    // Both arrivals were marked as linked on the destination.
    const evs = await destinationEvents(gw, 2);
    expect(evs.map((e) => [e.anonymousId, e.context.linkedAnonymousId, e.context.page.url])).toEqual([
      [id, id, dst + '?m=1'],
      [id, id, dst + '?m=1'],
    ]);
  });

  test('forms: GET gets a hidden _dfl field, POST gets it on the action; both adopt the id', async ({ page, gw, site }) => {
    const body = `<form id="g" action="DST" method="get"><input name="q" value="shoes"><button id="gb">Search</button></form>
      <form id="p" action="DST?from=form" method="post"><input name="action" value="buy"><button id="pb">Buy</button></form>`;
    const { src, dst } = await sites(gw, site, { body });
    await page.goto(src);
    await collectorLoaded(page);
    const id = await anon(page);

    let req = page.waitForRequest((r) => r.url().startsWith(dst));
    await page.click('#gb');
    expect((await req).url()).toMatch(new RegExp('^' + dst + '\\?q=shoes&_dfl=' + id + '\\.[0-9a-z]+\\.[0-9a-z]+$'));
    await collectorLoaded(page);
    await expect.poll(() => page.url()).toBe(dst + '?q=shoes');

    await page.goto(src);
    await collectorLoaded(page);
    req = page.waitForRequest((r) => r.url().startsWith(dst));
    await page.click('#pb');
    const post = await req;
    expect(post.method()).toBe('POST');
    expect(post.url()).toContain('?from=form&_dfl=' + id + '.');
    expect(post.postData()).toBe('action=buy');
    await collectorLoaded(page);
    await expect.poll(() => page.url()).toBe(dst + '?from=form');

    const evs = (await destinationEvents(gw, 2)).filter((e) => e.type == 'page');
    expect(evs.map((e) => [e.anonymousId, e.context.linkedAnonymousId, e.context.page.url])).toEqual([
      [id, id, dst + '?q=shoes'],
      [id, id, dst + '?from=form'],
    ]);
  });

  test('a visitor who already has an id on the destination keeps it; the page event records both', async ({ page, gw, site }) => {
    const { src, dst } = await sites(gw, site, { body: `<a id="go" href="DST">shop</a>` });
    await page.goto(dst);
    await collectorLoaded(page);
    const own = await anon(page);
    await page.goto(src);
    await collectorLoaded(page);
    const id = await anon(page);
    expect(id).not.toBe(own);
    await page.click('#go');
    await collectorLoaded(page);
    await expect.poll(() => page.url()).toBe(dst);
    expect(await anon(page)).toBe(own);
    const evs = await destinationEvents(gw, 2);
    expect(evs[1].anonymousId).toBe(own);
    expect(evs[1].context.linkedAnonymousId).toBe(id);
  });

  test('refused: a stale token, a token from another browser, a forged one; the token still leaves the URL', async ({
    page,
    browser,
    gw,
    site,
  }) => {
    const { src, dst } = await sites(gw, site, { body: `<a id="go" href="DST">shop</a>` });
    await page.goto(src);
    await collectorLoaded(page);
    const id = await anon(page);
    const me = await page.evaluate(() => navigator.userAgent + navigator.language);

    // Made by this very browser 2.5 minutes ago.
    await page.goto(dst + '?a=1&_dfl=' + makeToken(id, Date.now() - 150000, me));
    await collectorLoaded(page);
    await expect.poll(() => page.url()).toBe(dst + '?a=1');
    const fresh = await anon(page);
    expect(fresh).not.toBe(id);
    expect(fresh).toMatch(UUID_V4);

    // A link decorated in this browser, copied into another one (another user agent) at once.
    await page.goto(src);
    await collectorLoaded(page);
    const req = page.waitForRequest((r) => r.url().startsWith(dst));
    await page.click('#go');
    const copied = (await req).url();
    expect(copied).toContain('_dfl=' + id + '.');
    const other = await browser.newContext({
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15',
    });
    const p2 = await other.newPage();
    await p2.goto(copied);
    await collectorLoaded(p2);
    await expect.poll(() => p2.url()).toBe(dst);
    expect(await anon(p2)).not.toBe(id);

    // Same browser, same minute, but the id changed: the checksum does not match.
    await p2.goto(dst + '?_dfl=' + makeToken(id, Date.now(), me).replace(/^./, (c) => (c == 'a' ? 'b' : 'a')));
    await collectorLoaded(p2);
    await expect.poll(() => p2.url()).toBe(dst);
    await other.close();

    const evs = await destinationEvents(gw, 4);
    for (const e of evs) expect(JSON.stringify(e)).not.toContain('_dfl');
    expect(evs.filter((e) => e.context.linkedAnonymousId).map((e) => e.context.linkedAnonymousId)).toEqual([id]);
  });

  test('no analytics consent: the source does not decorate and the destination does not adopt (until analytics is granted)', async ({
    page,
    context,
    gw,
    site,
  }) => {
    const cmp = { requireConsent: true };
    const { src, dst } = await sites(gw, site, {
      src: { ...SRC, ...cmp },
      dst: { ...DST, ...cmp },
      body: `<a id="go" href="DST">shop</a>`,
    });
    await page.goto(src);
    await collectorLoaded(page);
    let req = page.waitForRequest((r) => r.url().startsWith(dst));
    await page.click('#go');
    expect((await req).url()).toBe(dst);

    // Granted on the source: decorated. Denied on the destination: not adopted, nothing stored,
    // the token gone from the URL all the same.
    await page.goto(src);
    await page.evaluate(() => (window as any)._df.consent({ analytics: true }));
    const id = await anon(page);
    req = page.waitForRequest((r) => r.url().startsWith(dst));
    await page.click('#go');
    expect((await req).url()).toContain('_dfl=' + id + '.');
    await collectorLoaded(page);
    await expect.poll(() => page.url()).toBe(dst);
    await page.evaluate(() => (window as any)._df.consent({ analytics: false, marketing: true }));
    expect(await anon(page)).not.toBe(id);
    expect((await context.cookies(dst)).map((c) => c.name)).toEqual([]);
    await page.waitForTimeout(500);
    expect(atDst(await gw.events())).toEqual([]);

    // Granted later in the same page view: adopted, on the first event sent.
    await page.evaluate(() => (window as any)._df.consent({ analytics: true }));
    const evs = await destinationEvents(gw, 1);
    expect(evs[0].event).toBe('consent_update');
    expect(evs[0].anonymousId).toBe(id);
    expect(evs[0].context.linkedAnonymousId).toBe(id);
    expect(await anon(page)).toBe(id);
  });
});
