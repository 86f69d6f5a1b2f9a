// Single-page apps: automatic page events on history changes, with a real React Router app
// (bundled by esbuild at test time) and with plain history calls. SPA page views are in the full
// build only (README, "Builds"; d.js makes none: e2e/builds.spec.ts): every page here loads d.full.js.
import type { Page } from '@playwright/test';
import { withStub, test, expect, stubPage, collectorLoaded, byType, KEY } from './support/fixtures';
import { routerAppJs } from './support/spa-build';

const pages = async (gw: any) =>
  byType(await gw.events(), 'page').map((e) => ({ url: e.context.page.url, referrer: e.context.page.referrer }));

/** Waits until the gateway holds `n` page events, then a little longer to see no extra one. */
async function pagesAfter(page: Page, gw: any, n: number) {
  await expect.poll(async () => (await pages(gw)).length, { timeout: 10000 }).toBeGreaterThanOrEqual(n);
  await page.evaluate(() => (window as any)._df.flush());
  await page.waitForTimeout(600);
  return pages(gw);
}

test('React Router: links, a replace redirect, a query-only replace, back/forward; one page event per URL change, referrer = previous URL', async ({
  page,
  gw,
  site,
  errors,
}) => {
  const js = await routerAppJs();
  site.set('/spa-rr/app.js', js, { 'content-type': 'text/javascript' });
  const html = await stubPage(gw, {
    full: true,
    body: `<div id="root"></div><script>window.RR_BASE = '/spa-rr'</script><script src="/spa-rr/app.js"></script>`,
  });
  for (const p of ['/spa-rr', '/spa-rr/', '/spa-rr/about', '/spa-rr/users/1', '/spa-rr/pricing', '/spa-rr/search']) site.set(p, html);
  const u = (p: string) => site.url + '/spa-rr' + p;

  await page.goto(u('/'));
  await collectorLoaded(page);
  await expect(page.locator('#route')).toHaveAttribute('data-route', 'home');
  const expected = [{ url: u('/'), referrer: '' }];
  expect(await pagesAfter(page, gw, 1)).toEqual(expected);

  const step = async (click: string, routeName: string, ev?: { url: string; referrer: string }[]) => {
    await page.click(click);
    await expect(page.locator('#route')).toHaveAttribute('data-route', routeName);
    if (ev) expected.push(...ev);
    // Soft: the walk goes on (the router's rendering is checked at every step) and every
    // mismatching page event is reported at the end.
    expect.soft(await pagesAfter(page, gw, expected.length)).toEqual(expected);
  };
  const check = async () => expect.soft(await pagesAfter(page, gw, expected.length)).toEqual(expected);

  await step('#l-about', 'about', [{ url: u('/about'), referrer: u('/') }]);
  await step('#l-user1', 'user:1', [{ url: u('/users/1'), referrer: u('/about') }]);
  await step('#l-next-user', 'user:2', [{ url: u('/users/2'), referrer: u('/users/1') }]);
  // The same link again: the router pushes the same URL; not a new page.
  await step('#l-next-user', 'user:3', [{ url: u('/users/3'), referrer: u('/users/2') }]);
  // Old pricing redirects with navigate(replace). Whatever the timing, the final URL is the one
  // that counts, and it is counted once.
  await page.click('#l-old');
  await expect(page.locator('#route')).toHaveAttribute('data-route', 'pricing');
  expect(await page.evaluate(() => location.pathname)).toBe('/spa-rr/pricing');
  const afterRedirect = await pagesAfter(page, gw, expected.length + 1);
  const added = afterRedirect.slice(expected.length);
  // Either one event for the final URL, or the moved URL then the redirect target (a replace
  // that changes the path counts); never the target twice.
  expect(added.filter((e) => e.url == u('/pricing')).length).toBe(1);
  expect(added[added.length - 1].url).toBe(u('/pricing'));
  console.log('redirect via navigate(replace) produced page events:', JSON.stringify(added));
  expected.splice(0, expected.length, ...afterRedirect);
  // A button that navigates with replace to a new path: one page event.
  await step('#b-buy', 'thanks', [{ url: u('/thanks'), referrer: u('/pricing') }]);
  // Back: /thanks replaced /pricing, so back goes to /users/3 (the entry before it).
  await page.goBack();
  await expect(page.locator('#route')).toHaveAttribute('data-route', 'user:3');
  expected.push({ url: u('/users/3'), referrer: u('/thanks') });
  await check();
  await page.goBack();
  await expect(page.locator('#route')).toHaveAttribute('data-route', 'user:2');
  expected.push({ url: u('/users/2'), referrer: u('/users/3') });
  await check();
  await page.goForward();
  await expect(page.locator('#route')).toHaveAttribute('data-route', 'user:3');
  expected.push({ url: u('/users/3'), referrer: u('/users/2') });
  await check();

  // Query-only replace (setSearchParams with replace) is not a page view, and the next page's
  // referrer is the URL the visitor actually left (with the replaced query).
  await step('#l-search', 'search:a', [{ url: u('/search?q=a'), referrer: u('/users/3') }]);
  await page.click('#b-filter');
  await expect(page.locator('#route')).toHaveAttribute('data-route', 'search:b');
  await check();
  await step('#l-about', 'about', [{ url: u('/about'), referrer: u('/search?q=b') }]);
  // Back to the filtered search: rendered from the router's own history entry.
  await page.goBack();
  await expect(page.locator('#route')).toHaveAttribute('data-route', 'search:b');
  expected.push({ url: u('/search?q=b'), referrer: u('/about') });
  await check();
  // And the link to ?q=a (a URL seen before, but not the current one) is a page view.
  await step('#l-search', 'search:a', [{ url: u('/search?q=a'), referrer: u('/search?q=b') }]);

  const evs = byType(await gw.events(), 'page');
  expect(new Set(evs.map((e) => e.messageId)).size).toBe(evs.length);
  expect(errors).toEqual([]);
});

// d.full.js: SPA page views and hashChange are in the full build only (README, "Builds").
const plain = async (gw: any, site: any, path: string, init = '') =>
  site.set(
    path,
    await stubPage(gw, {
      full: true,
      body: `<script>${init}</script><a id="hash-link" href="#section-2">section 2</a><h2 id="section-2">2</h2>`,
    }),
  );

test('plain pushState / replaceState / popstate: which changes count', async ({ page, gw, site, errors }) => {
  const url = await plain(gw, site, '/spa-plain');
  const o = site.url;
  await page.goto(url);
  await collectorLoaded(page);
  const h = (f: string) => page.evaluate(f);
  const expected = [{ url, referrer: '' }];
  expect(await pagesAfter(page, gw, 1)).toEqual(expected);

  await h(`history.pushState({ n: 1 }, '', '/spa-plain/a')`);
  expected.push({ url: o + '/spa-plain/a', referrer: url });
  expect(await pagesAfter(page, gw, expected.length)).toEqual(expected);
  await h(`history.pushState({ n: 2 }, '', '/spa-plain/a')`); // same URL: nothing
  expect(await pagesAfter(page, gw, expected.length)).toEqual(expected);
  await h(`history.pushState({ n: 3 }, '', '/spa-plain/a?tab=2')`); // query change by push: counts
  expected.push({ url: o + '/spa-plain/a?tab=2', referrer: o + '/spa-plain/a' });
  expect(await pagesAfter(page, gw, expected.length)).toEqual(expected);
  await h(`history.replaceState({ n: 4 }, '', '/spa-plain/b')`); // replace, new path: counts
  expected.push({ url: o + '/spa-plain/b', referrer: o + '/spa-plain/a?tab=2' });
  expect(await pagesAfter(page, gw, expected.length)).toEqual(expected);
  // A push then a redirecting replace in the same task: one page event, for the final URL.
  await h(`history.pushState({}, '', '/spa-plain/old'); history.replaceState({}, '', '/spa-plain/new')`);
  expected.push({ url: o + '/spa-plain/new', referrer: o + '/spa-plain/b' });
  expect(await pagesAfter(page, gw, expected.length)).toEqual(expected);
  // Entries now: /spa-plain, /a, /a (same-URL push), /b (replaced ?tab=2), /new (replaced /old).
  await page.goBack(); // popstate to /b
  await expect.poll(() => page.evaluate(() => location.pathname)).toBe('/spa-plain/b');
  expect(await page.evaluate(() => history.state)).toEqual({ n: 4 });
  expected.push({ url: o + '/spa-plain/b', referrer: o + '/spa-plain/new' });
  expect(await pagesAfter(page, gw, expected.length)).toEqual(expected);
  await page.goBack(); // popstate to /a
  await expect.poll(() => page.evaluate(() => location.pathname)).toBe('/spa-plain/a');
  expected.push({ url: o + '/spa-plain/a', referrer: o + '/spa-plain/b' });
  expect(await pagesAfter(page, gw, expected.length)).toEqual(expected);
  await page.goBack(); // popstate to the first /a entry: same URL, nothing
  expect(await page.evaluate(() => history.state)).toEqual({ n: 1 });
  await page.goForward(); // and forward again: same URL, nothing
  // Not page views (hashChange off / query-only replace): a hash push, a hash link, a query replace.
  await h(`history.pushState({}, '', '/spa-plain/a#top')`);
  await page.click('#hash-link');
  await h(`history.replaceState({}, '', '/spa-plain/a?tab=3#section-2')`);
  expect(await pagesAfter(page, gw, expected.length)).toEqual(expected);
  expect(await page.evaluate(() => location.href)).toBe(o + '/spa-plain/a?tab=3#section-2');
  expect(errors).toEqual([]);
});

test('plain history: after a query-only replaceState, a push back to the earlier query is a page view whose referrer is the replaced URL', async ({
  page,
  gw,
  site,
}) => {
  const url = await plain(gw, site, '/spa-q');
  const o = site.url;
  await page.goto(url);
  await collectorLoaded(page);
  await page.evaluate(() => history.pushState({}, '', '/spa-q/search?q=a'));
  await pagesAfter(page, gw, 2);
  await page.evaluate(() => history.replaceState({}, '', '/spa-q/search?q=b')); // filter: not a page
  await page.evaluate(() => history.pushState({}, '', '/spa-q/search?q=a')); // a new entry, a new page
  expect(await pagesAfter(page, gw, 3)).toEqual([
    { url, referrer: '' },
    { url: o + '/spa-q/search?q=a', referrer: url },
    { url: o + '/spa-q/search?q=a', referrer: o + '/spa-q/search?q=b' },
  ]);
});

test('plain history: after a query-only replaceState, a hash link (hashChange off) is still not a page view', async ({
  page,
  gw,
  site,
}) => {
  const url = await plain(gw, site, '/spa-qh');
  const o = site.url;
  await page.goto(url);
  await collectorLoaded(page);
  await page.evaluate(() => history.pushState({}, '', '/spa-qh/search?q=a'));
  await pagesAfter(page, gw, 2);
  await page.evaluate(() => history.replaceState({}, '', '/spa-qh/search?q=b')); // filter: not a page
  await page.click('#hash-link'); // hash only: not a page
  expect(await pagesAfter(page, gw, 2)).toEqual([
    { url, referrer: '' },
    { url: o + '/spa-qh/search?q=a', referrer: url },
  ]);
});

test('hashChange: true: a hash link (popstate + hashchange) is one page event; location.hash and pushState with a hash count', async ({
  page,
  gw,
  site,
  errors,
}) => {
  const url = await plain(gw, site, '/spa-hash', `_df.init({ hashChange: true })`);
  await page.goto(url);
  await collectorLoaded(page);
  await pagesAfter(page, gw, 1);
  await page.click('#hash-link');
  expect(await pagesAfter(page, gw, 2)).toEqual([
    { url, referrer: '' },
    { url: url + '#section-2', referrer: url },
  ]);
  await page.evaluate(() => (location.hash = 'three'));
  await page.evaluate(() => history.pushState({}, '', '#four'));
  await page.goBack(); // back to #three: popstate + hashchange, one event
  expect(await pagesAfter(page, gw, 5)).toEqual([
    { url, referrer: '' },
    { url: url + '#section-2', referrer: url },
    { url: url + '#three', referrer: url + '#section-2' },
    { url: url + '#four', referrer: url + '#three' },
    { url: url + '#three', referrer: url + '#four' },
  ]);
  expect(errors).toEqual([]);
});

test('spa: false opts out: history is not patched and no page event follows navigation', async ({ page, gw, site }) => {
  const url = await plain(gw, site, '/spa-off', `_df.init({ spa: false })`);
  await page.goto(url);
  await collectorLoaded(page);
  expect(
    await page.evaluate(() =>
      [history.pushState, history.replaceState].map((f) => Function.prototype.toString.call(f).includes('[native code]')),
    ),
  ).toEqual([true, true]);
  await page.evaluate(() => {
    history.pushState({}, '', '/spa-off/x');
    history.replaceState({}, '', '/spa-off/y');
  });
  await page.goBack();
  expect(await pagesAfter(page, gw, 1)).toEqual([{ url, referrer: '' }]);
  await page.evaluate(() => (window as any)._df.page());
  expect((await pagesAfter(page, gw, 2))[1]).toEqual({ url, referrer: '' });
});

test('history is patched once with two collectors (stub + a second d.full.js on another global); the router-facing behaviour is untouched', async ({
  page,
  gw,
  site,
  errors,
}) => {
  const second = `<script async src="${gw.url}/d.full.js?second" data-pipeline-key="${KEY}" data-global="df2"></script>`;
  const { url } = await withStub(page, gw, site, '/spa-two', {
    full: true,
    head: `<script>window.nativePush = history.pushState; window.navEvents = 0; addEventListener('datafly:navigate', function () { navEvents++; });</script>`,
    body: second,
  });
  await collectorLoaded(page, 'df2');
  expect(await pagesAfter(page, gw, 2)).toEqual([
    { url, referrer: '' },
    { url, referrer: '' },
  ]);
  const r = await page.evaluate(() => {
    const w = window as any;
    const push = history.pushState;
    const out: any = { wrapped: push !== w.nativePush };
    out.ret = history.pushState({ k: 1 }, 'title', '/spa-two/next');
    out.state = history.state;
    out.events = w.navEvents;
    // Same exception as the native one, and nothing dispatched for a failed call.
    try {
      history.pushState({}, '', 'https://elsewhere.example/x');
    } catch (e: any) {
      out.err = e.name;
    }
    try {
      w.nativePush.call(history, {}, '', 'https://elsewhere.example/x');
    } catch (e: any) {
      out.nativeErr = e.name;
    }
    out.eventsAfterError = w.navEvents;
    // Not cloneable state: the native DataCloneError passes through.
    try {
      history.pushState({ f() {} }, '', '/spa-two/bad');
    } catch (e: any) {
      out.cloneErr = e.name;
    }
    out.path = location.pathname;
    return out;
  });
  expect(r).toEqual({
    wrapped: true,
    ret: undefined,
    state: { k: 1 },
    events: 1,
    err: 'SecurityError',
    nativeErr: 'SecurityError',
    eventsAfterError: 1,
    cloneErr: 'DataCloneError',
    path: '/spa-two/next',
  });
  // One page event per collector for the one change.
  expect(await pagesAfter(page, gw, 4)).toEqual([
    { url, referrer: '' },
    { url, referrer: '' },
    { url: site.url + '/spa-two/next', referrer: url },
    { url: site.url + '/spa-two/next', referrer: url },
  ]);
  // Loading d.full.js yet again (a third global) does not wrap the wrapper.
  const before = await page.evaluate(() => history.pushState);
  await page.evaluate(
    (src) =>
      new Promise((res) => {
        const s = document.createElement('script');
        s.src = src;
        s.dataset.pipelineKey = 'dk_test_e2e';
        s.dataset.global = 'df3';
        s.onload = res;
        document.head.appendChild(s);
      }),
    gw.url + '/d.full.js?third',
  );
  await collectorLoaded(page, 'df3');
  expect(await page.evaluate((_b) => history.pushState === (window as any).__keep, before)).toBe(false); // sanity: handles differ across evaluate
  expect(
    await page.evaluate(() => {
      const w = window as any;
      const p = history.pushState;
      w.navEvents = 0;
      history.pushState({}, '', '/spa-two/third');
      return { same: p === history.pushState, events: w.navEvents };
    }),
  ).toEqual({ same: true, events: 1 });
  expect(errors).toEqual([]);
});

// What the gateway stored, in its order: [type:name, url, referrer, title].
const stored = async (gw: any) =>
  (await gw.events()).map((e: any) => [
    e.type == 'track' ? 'track:' + e.event : e.type,
    e.context.page.url,
    e.context.page.referrer,
    e.context.page.title,
  ]);

/** Timestamps as stored never go back. */
const inTimeOrder = async (gw: any) => {
  const t = (await gw.events()).map((e: any) => Date.parse(e.timestamp));
  expect(t).toEqual([...t].sort((a, b) => a - b));
};

test('a call right after pushState in the same task comes after the page event of the navigation, as stored by the gateway', async ({
  page,
  gw,
  site,
  errors,
}) => {
  const url = await plain(gw, site, '/spa-order');
  const o = site.url;
  await page.goto(url);
  await collectorLoaded(page);
  await gw.waitFor(1);
  await page.evaluate(() => {
    history.pushState({}, '', '/spa-order/b');
    (window as any)._df.track('viewed_b');
  });
  await gw.waitFor(3);
  await page.evaluate(() => (window as any)._df.flush());
  expect(await stored(gw)).toEqual([
    ['page', url, '', 'Test page'],
    ['page', o + '/spa-order/b', url, 'Test page'],
    ['track:viewed_b', o + '/spa-order/b', url, 'Test page'],
  ]);
  await inTimeOrder(gw);
  // Nothing else follows: the deferred event found nothing left to send.
  expect(await pagesAfter(page, gw, 2)).toHaveLength(2);
  expect(errors).toEqual([]);
});

test('same-task order with redirects: push + replace then a call is one page event first; a call between push and a path-changing replace sits between two page events', async ({
  page,
  gw,
  site,
  errors,
}) => {
  const url = await plain(gw, site, '/spa-redir');
  const o = site.url;
  await page.goto(url);
  await collectorLoaded(page);
  await gw.waitFor(1);
  await page.evaluate(() => {
    const df = (window as any)._df;
    history.pushState({}, '', '/spa-redir/old');
    history.replaceState({}, '', '/spa-redir/new');
    df.track('after_redirect');
  });
  await gw.waitFor(3);
  await page.evaluate(() => {
    const df = (window as any)._df;
    history.pushState({}, '', '/spa-redir/c');
    df.track('on_c');
    history.replaceState({}, '', '/spa-redir/d');
    df.identify('u-d');
    // A query-only replace is not a page view: no event, and the track after it is on the new URL.
    history.replaceState({}, '', '/spa-redir/d?f=1');
    df.track('on_d');
  });
  await gw.waitFor(8);
  await page.evaluate(() => (window as any)._df.flush());
  expect(await stored(gw)).toEqual([
    ['page', url, '', 'Test page'],
    ['page', o + '/spa-redir/new', url, 'Test page'],
    ['track:after_redirect', o + '/spa-redir/new', url, 'Test page'],
    ['page', o + '/spa-redir/c', o + '/spa-redir/new', 'Test page'],
    ['track:on_c', o + '/spa-redir/c', o + '/spa-redir/new', 'Test page'],
    ['page', o + '/spa-redir/d', o + '/spa-redir/c', 'Test page'],
    ['identify', o + '/spa-redir/d', o + '/spa-redir/c', 'Test page'],
    ['track:on_d', o + '/spa-redir/d?f=1', o + '/spa-redir/c', 'Test page'],
  ]);
  await inTimeOrder(gw);
  expect(await pagesAfter(page, gw, 4)).toHaveLength(4);
  expect(errors).toEqual([]);
});

test('the title of an SPA page event: deferred, the title the app set in the same task; made early by a call, the title at that call', async ({
  page,
  gw,
  site,
}) => {
  const url = await plain(gw, site, '/spa-title');
  const o = site.url;
  await page.goto(url);
  await collectorLoaded(page);
  await gw.waitFor(1);
  // No call after the navigation: the page event waits a tick and carries the new title.
  await page.evaluate(() => {
    history.pushState({}, '', '/spa-title/a');
    document.title = 'A';
  });
  await gw.waitFor(2);
  // A call in the same task, before the app sets its title: the page event is made at the call.
  await page.evaluate(() => {
    history.pushState({}, '', '/spa-title/b');
    (window as any)._df.track('early');
    document.title = 'B';
  });
  await gw.waitFor(4);
  await page.evaluate(() => (window as any)._df.flush());
  expect(await stored(gw)).toEqual([
    ['page', url, '', 'Test page'],
    ['page', o + '/spa-title/a', url, 'A'],
    ['page', o + '/spa-title/b', o + '/spa-title/a', 'A'],
    ['track:early', o + '/spa-title/b', o + '/spa-title/a', 'A'],
  ]);
});
