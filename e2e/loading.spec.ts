// Loading in Chromium: when d.js starts (not before the document is parsed, so a page's own init()
// always applies first), the options on the script tag, and the queues pages break: malformed
// entries, a kept stub with the npm package, a page's own plain `_df` array.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { withStub, test, expect, stubPage, delayCollector, collectorLoaded, KEY, names } from './support/fixtures';
import { guard, dfLines, stubCode, doc } from './support/hostile-kit';
import { snippetTag } from '../snippet/build.mjs';

const dist = (f: string) => readFileSync(new URL('../dist/' + f, import.meta.url)).toString();

/** What the collector stored on the device: its cookie and localStorage keys. */
const stored = (page: Page) =>
  page.evaluate(() => ({
    cookie: /(^|; )_df_aid=/.test(document.cookie),
    keys: Object.keys(localStorage).filter((k) => k.startsWith('_df')),
  }));

/**
 * Holds the page's parser on a script at `path` until d.js has run (its global has a version): the
 * HTML streams with a gap, so d.js is there before the rest of the page's own scripts.
 */
async function gapUntilCollector(page: Page, path: string) {
  await page.route('**' + path, async (route) => {
    for (;;) {
      try {
        if (await page.evaluate(() => typeof (window as any)._df?.version == 'string')) break;
      } catch {} // the navigation's context is not there yet
      await new Promise((r) => setTimeout(r, 25));
    }
    await route.fulfill({ body: '/* gap */', contentType: 'text/javascript' });
  });
}

test.describe('configuration cannot race: nothing starts before the document is parsed', () => {
  test('init({requireConsent}) in a page script after the stub, when d.js arrived first (the HTML streamed with a gap)', async ({
    page,
    gw,
    site,
  }) => {
    const g = await guard(page);
    await gapUntilCollector(page, '/gap.js');
    await withStub(page, gw, site, '/late-init', {
      body: `<script>_df.track('before_gap')</script><script src="/gap.js"></script><script>_df.init({ requireConsent: true }); _df.track('after_init')</script>`,
    });
    await page.evaluate(() => (window as any)._df.flush());
    // Nothing stored, nothing sent: the init applied before the collector started.
    expect(await stored(page)).toEqual({ cookie: false, keys: [] });
    expect(await gw.events()).toEqual([]);
    await page.evaluate(() => (window as any)._df.consent({ analytics: true }));
    const evs = await gw.waitFor(3);
    expect(names(evs).filter((n) => n != 'consent_update')).toEqual(['page', 'before_gap', 'after_init']);
    expect((await stored(page)).cookie).toBe(true);
    expect(g.errors).toEqual([]);
  });

  test('plain script tag (sync), init({requireConsent}) in the next script: applies before anything is stored or sent', async ({
    page,
    gw,
    site,
  }) => {
    const g = await guard(page);
    const url = site.set(
      '/tag-then-init',
      doc(
        `<script src="${gw.url}/d.js" data-pipeline-key="${KEY}"></script>`,
        `<script>
      window.before = { version: typeof _df.version, user: _df.user() };
      _df.init({ requireConsent: true });
      _df.track('after_init');
    </script>`,
      ),
    );
    await page.goto(url);
    await page.evaluate(() => (window as any)._df.flush());
    expect(await stored(page)).toEqual({ cookie: false, keys: [] });
    expect(await gw.events()).toEqual([]);
    // Before the start, the global is there and user() answers (from storage, like the stub's).
    expect(await page.evaluate(() => (window as any).before)).toEqual({ version: 'string', user: {} });
    await page.evaluate(() => (window as any)._df.consent({ analytics: true }));
    const evs = await gw.waitFor(2);
    expect(names(evs).filter((n) => n != 'consent_update')).toEqual(['page', 'after_init']);
    expect(g.errors).toEqual([]);
  });

  test('the order holds across the start: queued, pre-start and live calls, ready() once the replay is done', async ({
    page,
    gw,
    site,
  }) => {
    const g = await guard(page);
    await gapUntilCollector(page, '/gap2.js');
    const url = site.set(
      '/order',
      await stubPage(gw, {
        body: `<script>_df.track('a'); _df.ready(function () { _df.track('ready') })</script><script src="/gap2.js"></script>
        <script>_df.track('b')</script><p>${'text '.repeat(2000)}</p><script>_df.track('c')</script>`,
      }),
    );
    await page.goto(url);
    await page.evaluate(() => (window as any)._df.track('live'));
    const evs = await gw.waitFor(6);
    expect(names(evs)).toEqual(['page', 'a', 'b', 'c', 'ready', 'live']);
    expect(g.errors).toEqual([]);
  });

  test('init({requireConsent}) after the start gates what comes next', async ({ page, gw, site }) => {
    const url = site.set('/after-start', await stubPage(gw));
    await page.goto(url);
    await gw.waitFor(1);
    await page.evaluate(() => {
      (window as any)._df.init({ requireConsent: true });
      (window as any)._df.track('gated');
      return (window as any)._df.flush();
    });
    expect(names(await gw.events())).toEqual(['page']);
  });

  test('init() after the start is handed to the collector, not dropped', async ({ page, gw, site }) => {
    const g = await guard(page);
    const url = site.set('/after-start-debug', await stubPage(gw));
    await page.goto(url + '?df_debug=1');
    await gw.waitFor(1);
    await page.evaluate(() => (window as any)._df.init({ autoPage: false }));
    // Either the collector's own answer to a late init, or (before it has one) "unknown method init":
    // what matters here is that the call arrived.
    await expect.poll(() => dfLines(g).some((l) => /\binit\b/.test(l))).toBe(true);
  });
});

test.describe('options on the script tag hold from the first byte', () => {
  test('data-require-consent from the snippet (--require-consent): nothing stored or sent before consent', async ({ page, gw, site }) => {
    const tag = await snippetTag({ src: gw.url + '/d.js', key: KEY, requireConsent: true });
    expect(tag).toContain('requireConsent="analytics"');
    const url = site.set('/attr-stub', doc(tag, `<script>_df.track('held')</script>`));
    await page.goto(url);
    await collectorLoaded(page);
    await page.evaluate(() => (window as any)._df.flush());
    expect(await gw.events()).toEqual([]);
    expect(await stored(page)).toEqual({ cookie: false, keys: [] });
    await page.evaluate(() => (window as any)._df.consent({ analytics: true }));
    expect(names(await gw.waitFor(3)).filter((n) => n != 'consent_update')).toEqual(['page', 'held']);
  });

  test('data-require-consent="marketing" on a plain script tag gates on that category', async ({ page, gw, site }) => {
    const url = site.set(
      '/attr-tag',
      doc(`<script async src="${gw.url}/d.js" data-pipeline-key="${KEY}" data-require-consent="marketing"></script>`),
    );
    await page.goto(url);
    await collectorLoaded(page);
    await page.evaluate(() => (window as any)._df.consent({ analytics: true }));
    await page.evaluate(() => (window as any)._df.flush());
    expect(await gw.events()).toEqual([]);
    await page.evaluate(() => (window as any)._df.consent({ marketing: true }));
    expect(names(await gw.waitFor(2)).filter((n) => n != 'consent_update')).toEqual(['page']);
  });

  test('data-cmp="onetrust" with data-require-consent (full build): the stored OneTrust choice is read at start', async ({
    page,
    context,
    gw,
    site,
  }) => {
    const url = site.set(
      '/attr-cmp',
      doc(`<script async src="${gw.url}/d.full.js" data-pipeline-key="${KEY}" data-cmp="onetrust" data-require-consent></script>`),
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
    const page0 = evs.find((e) => e.type == 'page');
    expect(JSON.stringify(page0.context.consent)).toContain('"C0002":true');
  });
});

test.describe('queues pages break', () => {
  test("malformed entries in _df.q (null, a hole, ['ready'], a non-array) are skipped with a warning; nothing after them is lost", async ({
    page,
    gw,
    site,
  }) => {
    const g = await guard(page);
    await delayCollector(page, 300);
    const url = site.set(
      '/bad-queue',
      await stubPage(gw, {
        body: `<script>
        _df.track('first');
        var q = _df.q;
        q.push(null);
        q[q.length + 1] = ['track', ['after_hole'], Date.now(), location.href]; // leaves a hole
        q.push(['ready']);
        q.push('track');
        q.push({ 0: 'track' });
        _df.track('second');
      </script>`,
      }),
    );
    await page.goto(url + '?df_debug=1');
    await collectorLoaded(page);
    await page.evaluate(() => (window as any)._df.track('live'));
    const evs = await gw.waitFor(5);
    expect(names(evs)).toEqual(['page', 'first', 'after_hole', 'second', 'live']);
    expect(dfLines(g, 'warning').filter((l) => /malformed/.test(l))).toEqual(['[Datafly] skipped 5 malformed queued calls']);
    expect(g.errors).toEqual([]);
  });

  test('npm package + stub: calls through a kept reference to the stub, made before and after the npm init(), all arrive', async ({
    page,
    gw,
    site,
  }) => {
    const g = await guard(page);
    site.set('/index.mjs', dist('index.mjs'), { 'content-type': 'text/javascript' });
    await delayCollector(page, 1000);
    const dLoaded = page.waitForResponse((r) => r.url().endsWith('/d.js'));
    const code = await stubCode(gw);
    await page.goto(
      site.set(
        '/npm-kept',
        doc(
          `<script>${code}</script><script>window.saved = _df; saved.track('saved_early')</script>`,
          `<script type="module">
      import datafly from '/index.mjs';
      datafly.track('npm_before_init');
      datafly.init({ pipelineKey: '${KEY}', endpoint: '${gw.url}' });
      saved.track('saved_after_init');
      window.done = 1;
    </script>`,
        ),
      ),
    );
    await page.waitForFunction(() => (window as any).done == 1);
    await page.evaluate(() => (window as any).saved.track('saved_live'));
    const evs = await gw.waitFor(5);
    expect(names(evs)).toEqual(['page', 'saved_early', 'npm_before_init', 'saved_after_init', 'saved_live']);
    // d.js, when it finally comes, finds the collector and stays out.
    await dLoaded;
    await page.evaluate(() => (window as any)._df.flush());
    expect((await gw.events()).length).toBe(5);
    expect(g.errors).toEqual([]);
  });

  test('a page that ran `window._df = window._df || []` before the stub still gets its collector; entries in our call format are kept', async ({
    page,
    gw,
    site,
  }) => {
    const g = await guard(page);
    const code = await stubCode(gw);
    const url = site.set(
      '/own-array',
      doc(`<script>
        window._df = window._df || [];
        _df.push(['track', ['own_entry'], Date.now(), location.href]);
        _df.push(['track', 'other_snippet_format']);
      </script><script>${code}</script><script>_df.track('after_stub')</script>`),
    );
    await page.goto(url + '?df_debug=1');
    await collectorLoaded(page);
    const evs = await gw.waitFor(3);
    expect(names(evs)).toEqual(['page', 'own_entry', 'after_stub']);
    expect(dfLines(g, 'warning').filter((l) => /malformed/.test(l))).toEqual(['[Datafly] skipped 1 malformed queued calls']);
    expect(g.errors).toEqual([]);
  });
});
