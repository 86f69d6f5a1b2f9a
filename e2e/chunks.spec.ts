// The full build's chunks (README, "Builds"; src/load-chunk.ts, loader/load-chunk.ts): d.full.js
// fetches d.cmp.js, d.ids.js, d.link.js and d.tags.js only for the feature a site turns on, from
// beside itself; SRI on d.full.js covers them; a chunk that fails or stalls costs only its feature.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import type { Gw } from './support/events';
import type { Site } from './support/site';
import { test, expect, warningsOf, stubPage, collectorLoaded, names, tagsLoaded, KEY } from './support/fixtures';
import { htmlPage } from './support/page';

/** The chunk files a page asked for, in order (d.<name>.js, with the path and query they had). */
function chunkRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (/\/d\.(cmp|ids|link|tags)\.js$/.test(u.pathname)) seen.push(u.pathname.replace(/^.*\//, '') + u.search);
  });
  return seen;
}

/**
 * Opens a d.full.js page with vendor IDs on whose d.ids.js never answers (the start waits its 3 s)
 * and a track('queued') in the stub; resolves once the collector is installed, still waiting.
 */
async function openStalled(page: Page, gw: Gw, site: Site, path: string): Promise<void> {
  await page.route('**/d.ids.js', () => {});
  const body = `<script>_df.init({ vendorIds: ['ga'] }); _df.track('queued')</script>`;
  // (A script that never answers holds the window's load event back, as any script would.)
  await page.goto(site.set(path, await stubPage(gw, { full: true, body })), { waitUntil: 'domcontentloaded' });
  await collectorLoaded(page);
}

const DIST = new URL('../dist/', import.meta.url);
const sri = (file: string, alg = 'sha384') =>
  alg +
  '-' +
  createHash(alg)
    .update(readFileSync(new URL(file, DIST)))
    .digest('base64');

// A vendor tag for injectTag: counts its runs.
test.beforeEach(
  ({ site }) =>
    void site.set('/vendor.js', 'window.vendorRuns = (window.vendorRuns || 0) + 1; window.vendorLoaded = true;', {
      'content-type': 'text/javascript',
    }),
);

test.describe('chunks of d.full.js', () => {
  test('each chunk is fetched only for its feature, once, from beside d.full.js', async ({ page, gw, site, errors }) => {
    const seen = chunkRequests(page);
    // Nothing turned on: no chunk at all.
    await page.goto(site.set('/chunks/none', await stubPage(gw, { full: true })));
    await collectorLoaded(page);
    expect(names(await gw.waitFor(1))).toEqual(['page']);
    await page.evaluate(() => (window as any)._df.track('x'));
    await gw.waitFor(2);
    expect(seen).toEqual([]);

    // Each option, its own chunk.
    const cases: [string, string, string][] = [
      ['cmp', `<script>_df.init({ cmp: 'onetrust' })</script>`, 'd.cmp.js'],
      ['ids', `<script>_df.init({ vendorIds: ['ga'] })</script>`, 'd.ids.js'],
      ['link', `<script>_df.init({ crossDomain: { linkedDomains: ['example.org'] } })</script>`, 'd.link.js'],
      [
        'tags',
        `<script>_df.injectTag({ id: 't', src: location.origin + '/vendor.js', category: 'essential' }); _df.removeTag({ id: 'nope' })</script>`,
        'd.tags.js',
      ],
    ];
    for (const [name, body, file] of cases) {
      seen.length = 0;
      await page.goto(site.set('/chunks/' + name, await stubPage(gw, { full: true, body })));
      await collectorLoaded(page);
      await expect.poll(() => seen.slice()).toEqual([file]);
    }
    // Tags applied in order once d.tags.js came: the queued injectTag ran.
    await page.waitForFunction(() => (window as any).vendorLoaded === true);
    // A second feature call reuses the chunk.
    await page.evaluate(() => (window as any)._df.injectTag({ id: 't2', src: location.origin + '/vendor.js?2', category: 'essential' }));
    await expect.poll(() => page.evaluate(() => (window as any).vendorRuns)).toBe(2);
    expect(seen).toEqual(['d.tags.js']);
    // d.js never fetches one, whatever it is asked.
    seen.length = 0;
    await page.goto(
      site.set(
        '/chunks/core',
        await stubPage(gw, {
          body: `<script>_df.init({ cmp: 'onetrust', vendorIds: ['ga'], crossDomain: { linkedDomains: ['example.org'] } }); _df.injectTag({ id: 't', src: '/vendor.js' })</script>`,
        }),
      ),
    );
    await collectorLoaded(page);
    await page.evaluate(() => (window as any)._df.track('core'));
    await expect.poll(async () => names(await gw.events()).includes('core')).toBe(true);
    expect(seen).toEqual([]);
    expect(errors).toEqual([]);
  });

  test("the chunk URL is d.full.js's own directory and query (a versioned CDN path)", async ({ page, gw, site }) => {
    const seen = chunkRequests(page);
    // A CDN path of our own: /cdn/v7/<file>?rev=3 serves the gateway's built files.
    await page.route('**/cdn/v7/*', async (route) => {
      const file = new URL(route.request().url()).pathname.split('/').pop()!;
      await route.fulfill({ status: 200, contentType: 'text/javascript', body: readFileSync(new URL(file, DIST)) });
    });
    const src = site.url + '/cdn/v7/d.full.js?rev=3';
    await page.goto(
      site.set(
        '/chunks/cdn',
        htmlPage(`<script async src="${src}" data-pipeline-key="${KEY}" data-endpoint="${gw.url}" data-vendor-ids="ga"></script>`),
      ),
    );
    const evs = await gw.waitFor(1);
    expect(seen).toEqual(['d.ids.js?rev=3']);
    expect(Object.keys(evs[0].context.vendorIds)).toEqual(['_ga']);
  });

  test('SRI on d.full.js pins its chunks too: a changed chunk is refused, the page view goes on without it', async ({ page, gw, site }) => {
    const warned = warningsOf(page);
    const sent = async (path: string) =>
      (await gw.events()).filter((e) => e.type == 'page' && new URL(e.context.page.url).pathname == path);
    /** d.full.js by a plain script tag (with SRI or not) and vendor IDs on; debug on by the URL. */
    const open = async (path: string, integrity: boolean) => {
      const attrs = integrity ? ` integrity="${sri('d.full.js')}" crossorigin="anonymous"` : '';
      await page.goto(
        site.set(
          path,
          htmlPage(`<script async src="${gw.url}/d.full.js"${attrs} data-pipeline-key="${KEY}" data-vendor-ids="ga"></script>`),
        ) + '?df_debug=1',
      );
      await expect.poll(async () => (await sent(path)).length).toBe(1);
      return (await sent(path))[0];
    };
    // Untouched: d.ids.js loads under its built-in integrity value (sha256) and works.
    expect(Object.keys((await open('/chunks/sri-ok', true)).context.vendorIds)).toEqual(['_ga']);
    expect(await page.evaluate(() => (document.querySelector('script[src$="/d.ids.js"]') as HTMLScriptElement).integrity)).toBe(
      sri('d.ids.js', 'sha256'),
    );

    // One statement more in d.ids.js: the browser refuses it (it never runs); events go without vendor IDs.
    await page.route('**/d.ids.js', async (route) => {
      const r = await route.fetch();
      await route.fulfill({ response: r, body: (await r.text()) + ';window.tampered=1' });
    });
    expect((await open('/chunks/sri-bad', true)).context.vendorIds).toBeUndefined();
    expect(await page.evaluate(() => (window as any).tampered)).toBeUndefined();
    expect(warned.filter((w) => /d\.ids\.js did not load/.test(w)).length).toBe(1);

    // Control: without SRI on d.full.js the same changed chunk runs (the refusal above is SRI's doing).
    expect(Object.keys((await open('/chunks/no-sri', false)).context.vendorIds)).toEqual(['_ga']);
    expect(await page.evaluate(() => (window as any).tampered)).toBe(1);
  });

  test('a chunk that fails: its feature is off with a debug warning; events, their order and the URL cleaning go on', async ({
    page,
    gw,
    site,
  }) => {
    const warned = warningsOf(page);
    await page.route(/\/d\.(cmp|ids|link|tags)\.js/, (route) => route.abort());
    const url = site.set(
      '/chunks/fail',
      await stubPage(gw, {
        full: true,
        body: `<script>_df.init({ debug: true, vendorIds: ['ga'], crossDomain: { linkedDomains: ['example.org'] } }); _df.track('queued')</script>`,
      }),
    );
    await page.goto(url + '?a=1&_dfl=abc.def.ghi');
    await collectorLoaded(page);
    const evs = await gw.waitFor(2);
    expect(names(evs)).toEqual(['page', 'queued']);
    for (const e of evs) {
      expect(e.context.vendorIds).toBeUndefined();
      // The link token never leaves the page, even without d.link.js.
      expect(e.context.page.url).toBe(url + '?a=1');
    }
    expect(warned.filter((w) => /did not load/.test(w)).length).toBe(2);

    // Tags: the first call answers false and is dropped with a warning once the chunk failed; so is the next.
    expect(
      await page.evaluate(() => (window as any)._df.injectTag({ id: 'a', src: location.origin + '/vendor.js', category: 'essential' })),
    ).toBe(false);
    await expect.poll(() => warned.filter((w) => /d\.tags\.js did not load/.test(w)).length).toBe(1);
    expect(
      await page.evaluate(() => (window as any)._df.injectTag({ id: 'b', src: location.origin + '/vendor.js', category: 'essential' })),
    ).toBe(false);
    expect(warned.filter((w) => /d\.tags\.js did not load/.test(w)).length).toBe(2);
    expect(await page.evaluate(() => document.querySelectorAll('script[src*="vendor.js"]').length)).toBe(0);

    // A CMP whose readers did not load: events wait for consent as with a CMP that never answers,
    // and consent() still releases them.
    await page.evaluate(() => (window as any)._df.init({ cmp: 'onetrust' }));
    await page.evaluate(() => (window as any)._df.track('held'));
    await expect.poll(() => warned.filter((w) => /d\.cmp\.js did not load/.test(w)).length).toBe(1);
    await page.evaluate(() => (window as any)._df.consent({ analytics: true }));
    await expect.poll(async () => names(await gw.events())).toContain('held');
  });

  test('a chunk that stalls holds the start at most 3 s: then the page view starts without it, calls in order', async ({
    page,
    gw,
    site,
  }) => {
    await openStalled(page, gw, site, '/chunks/stall');
    // Made while the start waits: they keep their place after the stub's calls.
    await page.evaluate(() => (window as any)._df.track('while_waiting'));
    const evs = await gw.waitFor(3, 15000);
    expect(names(evs)).toEqual(['page', 'queued', 'while_waiting']);
    for (const e of evs) expect(e.context.vendorIds).toBeUndefined();
  });

  test('tag calls made while d.tags.js loads answer false and apply in order when it comes', async ({ page, gw, site }) => {
    await page.goto(site.set('/chunks/tag-order', await stubPage(gw, { full: true })));
    await collectorLoaded(page);
    await gw.waitFor(1);
    const r = await page.evaluate(() => {
      const df = (window as any)._df;
      const t = (id: string) => ({ id, src: location.origin + '/vendor.js?' + id, category: 'essential', attributes: { id } });
      return [df.injectTag(t('a')), df.injectTag(t('b')), df.removeTag({ id: 'a' }), df.injectTag(t('a2'))];
    });
    expect(r).toEqual([false, false, false, false]);
    await tagsLoaded(page);
    // In call order: a in, b in, a out (had the removal come first, a would still be there), a2 in.
    await expect
      .poll(() => page.evaluate(() => Array.from(document.querySelectorAll('script[src*="/vendor.js"]')).map((s) => s.id)))
      .toEqual(['b', 'a2']);
    // Loaded: answers at once.
    expect(await page.evaluate(() => (window as any)._df.removeTag({ id: 'b' }))).toBe(true);
  });
});

test('leaving the page while the start waits for a chunk: what was queued is delivered, not lost', async ({ page, gw, site }) => {
  site.set('/chunks/elsewhere', '<!doctype html><title>no collector here</title>');
  await openStalled(page, gw, site, '/chunks/leave');
  await page.evaluate(() => (window as any)._df.track('before_leaving'));
  // Away at once, to a page without the collector: only this page's unload can send them.
  await page.goto(site.url + '/chunks/elsewhere', { waitUntil: 'commit' });
  const evs = await gw.waitFor(3, 10000);
  expect(names(evs)).toEqual(['page', 'queued', 'before_leaving']);
});

for (const file of ['d.js', 'd.full.js'])
  test(`DOM clobbering (${file}): an <img name="currentScript"> chooses neither the endpoint nor where chunks come from`, async ({
    page,
    gw,
    site,
  }) => {
    const reqs: string[] = [];
    page.on('request', (r) => reqs.push(r.url()));
    site.set('/evil/d.ids.js', 'window.pwned = 1', { 'content-type': 'text/javascript' });
    // User content the page lets through (an image with data- attributes), and the collector
    // injected by a tag manager after load, so that document.currentScript is what decides.
    const body =
      `<img name="currentScript" src="${site.url}/evil/${file}" data-pipeline-key="${KEY}" data-endpoint="${site.url}/evil" data-vendor-ids="ga">` +
      `<script>addEventListener('load', () => { const s = document.createElement('script'); s.src = '${gw.url}/${file}';` +
      ` s.dataset.pipelineKey = '${KEY}'; s.dataset.vendorIds = 'ga'; document.head.append(s); })</script>`;
    await page.goto(site.set('/chunks/clobber', htmlPage('', body)));
    // The page event reached the real gateway: the collector started (after any chunk it fetched).
    expect(names(await gw.waitFor(1))).toEqual(['page']);
    expect(reqs.filter((u) => u.includes('/evil/') && !/\/evil\/d(\.full)?\.js$/.test(u))).toEqual([]);
    expect(await page.evaluate(() => (window as any).pwned)).toBeUndefined();
  });

test('the link token never reaches an event, its referrer or the address bar, even without d.link.js', async ({ page, gw, site }) => {
  await page.route('**/d.link.js', (route) => route.abort());
  const body = `<script>_df.init({ crossDomain: { linkedDomains: ['example.org'] } })</script><a id="next" href="/chunks/tok/next">next</a>`;
  const land = site.set('/chunks/tok', await stubPage(gw, { full: true, body }));
  site.set('/chunks/tok/next', await stubPage(gw, { full: true, body }));
  // A page without the collector whose own URL has a token links here: the token is in the referrer.
  site.set('/chunks/plain', htmlPage('', `<a id="go" href="/chunks/tok">go</a>`));
  await page.goto(site.url + '/chunks/plain?_dfl=abc.123.xyz');
  await page.click('#go');
  await collectorLoaded(page);
  let evs = await gw.waitFor(1);
  expect(evs[0].context.page.referrer).toBe(site.url + '/chunks/plain');
  // Landing with a token, d.link.js blocked: the address bar is cleaned all the same.
  await page.goto(land + '?a=1&_dfl=abc.123.xyz#h');
  await expect.poll(() => page.url()).toBe(land + '?a=1#h');
  // A client-side navigation (its referrer is the landing URL as the page had it), and the next page view.
  await page.evaluate(() => history.pushState({}, '', '/chunks/tok/b'));
  await page.click('#next');
  evs = await gw.waitFor(4);
  expect(names(evs)).toEqual(['page', 'page', 'page', 'page']);
  for (const e of evs) expect(JSON.stringify(e.context.page)).not.toContain('_dfl');
});

test("the npm package's chunks are import()s: an unbundled ES module page fetches only the ones its options need, and they work", async ({
  page,
  gw,
  site,
}) => {
  const seen: string[] = [];
  page.on('request', (r) => /\/npm\//.test(r.url()) && seen.push(new URL(r.url()).pathname));
  site.set('/index.mjs', readFileSync(new URL('index.mjs', DIST), 'utf8'), { 'content-type': 'text/javascript' });
  for (const f of ['watch', 'vendor-ids', 'link-decoration', 'tags'])
    site.set(`/npm/${f}.mjs`, readFileSync(new URL(`npm/${f}.mjs`, DIST), 'utf8'), { 'content-type': 'text/javascript' });
  const html = htmlPage(
    `<script type="module">
      import datafly from '/index.mjs';
      datafly.init({ pipelineKey: '${KEY}', endpoint: '${gw.url}', vendorIds: ['ga'] });
      datafly.injectTag({ id: 't', src: location.origin + '/vendor.js', category: 'essential' });
      datafly.track('npm_event');
    </script>`,
  );
  await page.goto(site.set('/chunks/npm', html));
  const evs = await gw.waitFor(2);
  expect(names(evs)).toEqual(['page', 'npm_event']);
  for (const e of evs) expect(Object.keys(e.context.vendorIds)).toEqual(['_ga']);
  await page.waitForFunction(() => (window as any).vendorLoaded === true);
  expect(seen.sort()).toEqual(['/npm/tags.mjs', '/npm/vendor-ids.mjs']);
});
