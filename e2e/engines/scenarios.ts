// The cross-engine scenarios, written once and run per engine (one test file per engine, so the
// engines run as parallel processes): the core collector path through the pasted stub, and the
// delivery proof table with the unload rows past the 64 KB keepalive budget.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startSite, type Site } from '../support/site';
import { collectorLoaded, waitInPage, type Engine, type Tab } from './driver';
import { startGateway, startCdn, stubPage, collect, ranges, describe as showLog, type Gw, type Row } from './harness';
import { report, started } from './report';
import { names, UUID_V4 } from '../support/events';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Chrome's keepalive budget, the one the collector plans for. */
const BUDGET = 65536;
/** `{"batch":[` ... `],"sentAt":"..."}` around a batch's events. */
const ENVELOPE = 60;
/** Padding for the unload rows: 50 events of ~2.6 KB, ~130 KB pending. */
const PAD = 2000;

const INIT = (o = '') => `<script>_df.init({ autoPage: false${o} })</script>`;

/** Fires n track calls tagged with the scenario, numbered from..from+n-1, each padded by `pad` bytes. */
const fire = (tab: Tab, tag: string, n: number, from = 0, pad = 0) =>
  tab.run(
    `(a) => { var p = new Array(a.pad + 1).join('x'); for (var i = a.from; i < a.from + a.n; i++) window._df.track('evt', a.pad ? { scenario: a.tag, n: i, pad: p } : { scenario: a.tag, n: i }); }`,
    { tag, n, from, pad },
  );

export interface Ctx {
  engine: Engine;
  gw: Gw;
  site: Site;
  cdn: { url: string };
  /** Opens a tab (closed after the test if the test didn't). */
  open(url: string): Promise<Tab>;
  /** Adds a row to the delivery proof table (before asserting on it). */
  row(r: Omit<Row, 'engine'>): Row;
}

/** Every scenario, registered for one engine. `extra` adds engine-specific scenarios. */
export function runEngine(name: Engine['name'], launch: () => Promise<Engine>, extra?: (s: typeof scenario, c: () => Ctx) => void): void {
  const t0 = Date.now();
  started(name);
  const rows: Row[] = [];
  const results: { scenario: string; result: string; ms: number }[] = [];
  let engine: Engine | undefined;
  let gw: (Gw & { close(): Promise<void> }) | undefined;
  let cdn: { url: string; close(): Promise<void> } | undefined;
  let site: Site | undefined;
  let tabs: Tab[] = [];
  let launchMs = 0;

  const ctx = (): Ctx => ({
    engine: engine!,
    gw: gw!,
    site: site!,
    cdn: cdn!,
    async open(url) {
      const tab = await engine!.open(url);
      const close = tab.close;
      tab.close = () => ((tabs = tabs.filter((t) => t != tab)), close());
      tabs.push(tab);
      return tab;
    },
    row(r) {
      const full = { engine: name, ...r };
      rows.push(full);
      return full;
    },
  });

  /** A test whose outcome also goes into the engine's matrix; `na`: why it can't run here. */
  function scenario(
    title: string,
    o: { timeout?: number; row?: string; na?: (c: Ctx) => string | false },
    fn: (c: Ctx) => Promise<void>,
  ): void {
    test(`${name}: ${title}`, { timeout: o.timeout || 60000 }, async (t) => {
      const start = Date.now();
      const na = o.na && o.na(ctx());
      if (na) {
        results.push({ scenario: title, result: 'n/a: ' + na, ms: 0 });
        if (o.row) ctx().row({ scenario: o.row, sent: 0, received: 0, 'duplicates after dedup': 0, lost: 0, note: 'not run: ' + na });
        return t.skip(na);
      }
      await gw!.reset();
      // A site server (so an origin, so a localStorage) of its own per scenario: nothing a
      // scenario left stored is adopted by the next one. Set up and torn down here rather than in
      // beforeEach/afterEach hooks, so no path (skip, failure, timeout) leaves one listening.
      const own = (site = await startSite());
      try {
        await fn(ctx());
        results.push({ scenario: title, result: 'pass', ms: Date.now() - start });
      } catch (e: any) {
        results.push({
          scenario: title,
          result:
            'FAIL: ' +
            String(e && e.message)
              .split('\n')[0]
              .slice(0, 300),
          ms: Date.now() - start,
        });
        throw e;
      } finally {
        for (const tab of tabs.slice()) await tab.close().catch(() => 0);
        tabs = [];
        await own.close();
      }
    });
  }

  describe(`${name}`, () => {
    before(async () => {
      [gw, cdn] = await Promise.all([startGateway(), startCdn()]);
      const l0 = Date.now();
      engine = await launch();
      launchMs = Date.now() - l0;
    });
    after(async () => {
      await engine?.quit();
      await Promise.all([gw?.close(), cdn?.close()]);
      await report(name, engine ? engine.version : '(did not launch)', rows, results, { wallMs: Date.now() - t0, launchMs });
    });

    // ---- The core collector path --------------------------------------------------------------

    scenario('replay: seed group() payload through the stub, d.js 1 s late', {}, async ({ gw, site, cdn, open }) => {
      const url = site.set(
        '/settings/account',
        await stubPage(gw, { src: cdn.url + '/d.js?delay=1000', body: `<script>_df.group('company-456')</script>` }),
      );
      const tab = await open(url + '?utm_source=x&gclid=abc');
      const evs = await gw.waitFor(2);
      assert.deepEqual(names(evs), ['page', 'group']);
      const g = evs[1];
      assert.deepEqual(Object.keys(g).sort(), ['anonymousId', 'context', 'groupId', 'messageId', 'timestamp', 'traits', 'type'].sort());
      assert.equal(g.groupId, 'company-456');
      assert.deepEqual(g.traits, {});
      assert.match(g.anonymousId, UUID_V4);
      assert.match(g.messageId.slice(3), UUID_V4);
      assert.equal(g.messageId.slice(0, 3), 'df-');
      assert.match(g.timestamp, ISO);
      assert.deepEqual(g.context.page, {
        url: url + '?utm_source=x&gclid=abc',
        path: '/settings/account',
        referrer: '',
        title: 'Test page',
        search: '?utm_source=x&gclid=abc',
      });
      assert.ok(g.context.screen.width > 0 && g.context.screen.height > 0, 'screen ' + JSON.stringify(g.context.screen));
      const [tz, ua, lang] = await tab.run(
        `() => [Intl.DateTimeFormat().resolvedOptions().timeZone, navigator.userAgent, navigator.language]`,
      );
      // The browser's own language (MiniBrowser under a bare "C" process locale says "C").
      assert.equal(g.context.locale, lang);
      if (lang != 'C') assert.match(g.context.locale, /^[a-z]{2}/);
      assert.equal(g.context.timezone, tz);
      assert.equal(g.context.userAgent, ua);
      assert.deepEqual(g.context.library, { name: '@datafly/collector', version: VERSION });
      assert.equal(evs[0].anonymousId, g.anonymousId);
      // The calls were made before d.js arrived: the stub queued them.
      const late = await tab.run(
        `() => { var r = performance.getEntriesByType('resource').filter(function (e) { return e.name.indexOf('/d.js') > 0; })[0]; return r ? r.responseEnd - r.startTime : -1; }`,
      );
      assert.ok(late >= 900, `d.js took ${late} ms to arrive, expected >= 1000 (the CDN delay)`);
    });

    scenario(
      'replay is FIFO: queued, re-entrant, ready and live calls keep their place (d.js 0.8 s late)',
      {},
      async ({ gw, site, cdn, open }) => {
        const url = site.set(
          '/fifo',
          await stubPage(gw, {
            src: cdn.url + '/d.js?delay=800',
            body: `<script>
          window.order = [];
          _df.track('q1', { get sneaky() { _df.track('reentrant'); return 1; } });
          _df.ready(function () { window.order.push('ready1'); _df.track('from_ready'); });
          _df.track('q2');
          _df.identify('u-1');
          _df.track('q3');
        </script>`,
          }),
        );
        const tab = await open(url);
        await collectorLoaded(tab);
        const late = await tab.run(
          `() => { var ran = false; window._df.ready(function () { ran = true; }); window._df.track('live'); return ran; }`,
        );
        assert.equal(late, true, 'a ready() callback registered after load runs at once');
        const evs = await gw.waitFor(8);
        assert.deepEqual(names(evs), ['page', 'q1', 'q2', 'identify', 'q3', 'reentrant', 'from_ready', 'live']);
        assert.equal(evs[1].userId, undefined);
        assert.equal(evs[4].userId, 'u-1');
        assert.deepEqual(evs[1].properties, { sneaky: 1 });
        assert.deepEqual(await tab.run(`() => window.order`), ['ready1']);
      },
    );

    scenario('identity and traits survive a reload', {}, async ({ gw, site, open }) => {
      const url = site.set('/persist', await stubPage(gw));
      const tab = await open(url);
      await collectorLoaded(tab);
      await tab.run(
        `() => { window._df.identify('user-123', { email: 'jane@acme.com' }); window._df.group('company-456', { name: 'Acme Corp' }); }`,
      );
      const first = await gw.waitFor(3);
      const anon = first[0].anonymousId;
      assert.equal(await tab.run(`() => window._df.getAnonymousId()`), anon);
      await tab.reload();
      await collectorLoaded(tab);
      await tab.run(`() => { window._df.identify('user-123', { plan: 'pro' }); window._df.group('company-456', { plan: 'enterprise' }); }`);
      const evs = await gw.waitFor(6);
      const [pv, ident, grp] = evs.slice(3);
      assert.deepEqual([pv.type, pv.anonymousId, pv.userId, pv.groupId], ['page', anon, 'user-123', 'company-456']);
      assert.deepEqual(ident.traits, { email: 'jane@acme.com', plan: 'pro' });
      assert.deepEqual(grp.traits, { name: 'Acme Corp', plan: 'enterprise' });
    });

    // gzip is in the full build only (README, "Builds"): this page loads d.full.js.
    scenario('a batch over 1 KB goes gzip and arrives whole', {}, async ({ gw, site, open }) => {
      const url = site.set('/gz', await stubPage(gw, { full: true, body: INIT() }));
      const tab = await open(url);
      await collectorLoaded(tab);
      const hasCs = await tab.run(`() => typeof CompressionStream == 'function'`);
      await fire(tab, 'gz', 30, 0, 100);
      const r = await collect(gw, 'gz', 30, 15000);
      const gz = gw.requests().filter((q) => q.gzip && q.status == 200 && q.events.some((e) => e.tag == 'gz'));
      assert.equal(r.received, 30, `received ${r.received}/30, missing ${ranges(r.missing)}`);
      assert.equal(r.duplicates, 0);
      assert.ok(hasCs, 'CompressionStream is missing in this engine');
      assert.ok(gz.length > 0, `no gzip request among ${showLog(gw.requests())}`);
    });

    // The full build's chunks (README, "Builds"): d.full.js loads each from beside itself only for
    // the feature turned on; the first event waits for d.ids.js, a tag call for d.tags.js.
    scenario("d.full.js loads a feature's chunk: vendor IDs on the first event, a tag injected", {}, async ({ gw, site, open }) => {
      site.set('/chunk-tag.js', 'window.tagRan = (window.tagRan || 0) + 1', { 'content-type': 'text/javascript' });
      const body = `<script>_df.init({ vendorIds: ['ga'] }); _df.injectTag({ id: 't', src: location.origin + '/chunk-tag.js', category: 'essential' })</script>`;
      const tab = await open(site.set('/chunks', await stubPage(gw, { full: true, body })));
      await collectorLoaded(tab);
      const [pv] = await gw.waitFor(1);
      assert.equal(pv.type, 'page');
      assert.match(pv.context.vendorIds?._ga || '', /^GA1\.1\.\d+\.\d{10}$/, JSON.stringify(pv.context));
      assert.equal(await waitInPage(tab, `() => window.tagRan || { error: 'not yet' }`, null, 10000, 'the injected tag to run'), 1);
    });

    // ---- The delivery proof -------------------------------------------------------------------

    /** Records the row, then asserts nothing was lost or doubled. */
    const noLoss = (c: Ctx, scenario: string, sent: number, r: { received: number; duplicates: number; missing: number[] }, note = '') => {
      const row = c.row({
        scenario,
        sent,
        received: r.received,
        'duplicates after dedup': r.duplicates,
        lost: r.missing.length,
        note: (r.missing.length ? 'missing ' + ranges(r.missing) + '; ' : '') + note,
      });
      assert.equal(
        row.received,
        sent,
        `${name} "${scenario}": received ${row.received}/${sent}, missing ${ranges(r.missing)}; requests: ${showLog(c.gw.requests())}`,
      );
      assert.equal(row['duplicates after dedup'], 0, `${name} "${scenario}": ${row['duplicates after dedup']} duplicates after dedup`);
    };

    scenario('1. tab closed right after 50 track calls', {}, async (c) => {
      const tab = await c.open(c.site.set('/s1', await stubPage(c.gw, { body: INIT() })));
      await collectorLoaded(tab);
      await fire(tab, 's1', 50);
      await tab.close();
      // No other page of the site is opened: only requests made while closing can deliver these.
      noLoss(c, '1. tab closed after 50 calls', 50, await collect(c.gw, 's1', 50, 10000));
    });

    scenario('2b. navigation to another site right after 50 track calls', {}, async (c) => {
      const tab = await c.open(c.site.set('/s2', await stubPage(c.gw, { body: INIT() })));
      const other = c.site
        .set('/elsewhere', '<!doctype html><title>Another site</title><p>elsewhere</p>')
        .replace('localhost', '127.0.0.1');
      await collectorLoaded(tab);
      await fire(tab, 's2', 50);
      await tab.goto(other);
      noLoss(c, '2b. navigation away after 50 calls (no later page view)', 50, await collect(c.gw, 's2', 50, 10000));
    });

    scenario('3a. gateway answers 500 for 10 s, then recovers', { timeout: 90000 }, async (c) => {
      const tab = await c.open(c.site.set('/s3', await stubPage(c.gw, { body: INIT() })));
      await collectorLoaded(tab);
      await c.gw.faults({ status: 500, forMs: 10000 });
      const t0 = Date.now();
      await fire(tab, 's3a', 40);
      // More events while it is still failing (after two refused attempts, as the gateway saw them).
      await c.gw.waitRequests((l) => l.filter((q) => q.status == 500).length >= 2, 'two 500 answers', 15000);
      await fire(tab, 's3a', 10, 40);
      const r = await collect(c.gw, 's3a', 50, 60000);
      const log = c.gw.requests();
      const n500 = log.filter((q) => q.status == 500).length;
      const firstOk = log.find((q) => q.status == 200 && q.events.some((e) => e.tag == 's3a'));
      noLoss(
        c,
        '3a. 500 for 10 s, then recovery',
        50,
        r,
        `${n500} requests answered 500; first accepted ${firstOk ? ((firstOk.t - t0) / 1000).toFixed(1) + ' s' : '-'} after the outage began`,
      );
      // Backoff: a handful of failed attempts, not one per event or per second.
      assert.ok(n500 < 12, `${n500} requests answered 500 in 10 s (expected a backoff: < 12)`);
      assert.ok(firstOk && firstOk.t - t0 >= 9900, `an event was accepted ${firstOk && firstOk.t - t0} ms into a 10 s outage`);
    });

    scenario('3b. 429 with Retry-After: 2 is honoured', {}, async (c) => {
      const tab = await c.open(c.site.set('/s3b', await stubPage(c.gw, { body: INIT() })));
      await collectorLoaded(tab);
      await c.gw.faults({ status: 429, count: 1, retryAfter: 2 });
      await fire(tab, 's3b', 10);
      const r = await collect(c.gw, 's3b', 10, 15000);
      const log = c.gw.requests().filter((q) => q.events.some((e) => e.tag == 's3b'));
      // The gap the gateway measured between the refused request and the retry.
      const gap = log.length >= 2 ? log[1].t - log[0].t : NaN;
      noLoss(c, '3b. 429 + Retry-After: 2', 10, r, `${log.length} requests; retry ${gap} ms after the 429 (gateway clock)`);
      assert.equal(log[0].status, 429);
      assert.equal(log.length, 2, `expected 2 requests (the 429 and one retry): ${showLog(log)}`);
      assert.ok(gap >= 1950, `retry came ${gap} ms after the 429, expected >= 2000 ms`);
    });

    scenario(
      '4. offline for 5 s, events made while offline',
      {
        timeout: 60000,
        row: '4. offline 5 s, then online',
        na: (c) => !c.engine.offline && `${name} can't be taken offline by its driver (WebDriver classic has no network emulation)`,
      },
      async (c) => {
        const tab = await c.open(c.site.set('/s4', await stubPage(c.gw, { body: INIT() })));
        await collectorLoaded(tab);
        await c.engine.offline!(tab, true);
        await waitInPage(tab, `() => navigator.onLine === false`, null, 5000, 'navigator.onLine to be false');
        await fire(tab, 's4', 20);
        // A negative check needs a window of time: nothing may be tried while offline.
        await sleep(3000);
        await fire(tab, 's4', 10, 20);
        await sleep(2000);
        const tried = c.gw.requests().filter((q) => q.events.some((e) => e.tag == 's4')).length;
        await c.engine.offline!(tab, false);
        const r = await collect(c.gw, 's4', 30, 15000);
        noLoss(c, '4. offline 5 s, then online', 30, r, `${tried} requests reached the gateway while offline`);
        assert.equal(tried, 0, `${tried} requests reached the gateway while the browser was offline`);
      },
    );

    scenario('6b. localStorage full', {}, async (c) => {
      const tab = await c.open(c.site.set('/s6b', await stubPage(c.gw, { body: INIT() })));
      await collectorLoaded(tab);
      const filled = await tab.run(
        `() => { var chunk = new Array(256 * 1024 + 1).join('x'); var i = 0; try { for (; i < 200; i++) localStorage.setItem('junk' + i, chunk); } catch (e) { return i; } return -1; }`,
      );
      assert.ok(filled > 0, 'localStorage never filled up: ' + filled);
      await fire(tab, 's6b', 30);
      noLoss(c, '6b. localStorage full', 30, await collect(c.gw, 's6b', 30, 10000), `storage full after ${filled} × 256 KB`);
    });

    for (const how of ['navigation', 'tab close'] as const) {
      const tag = how == 'navigation' ? 'u-nav' : 'u-close';
      scenario(
        `9${how == 'navigation' ? 'a' : 'b'}. ~130 KB pending, a batch in flight, ${how}: a 64 KB budget's worth of the oldest leaves`,
        {},
        (c) => bigUnload(c, how, tag),
      );
    }

    extra?.(scenario, ctx);
  });

  /**
   * 50 events of ~2.6 KB pending (~130 KB, twice the keepalive budget) while a normal batch is in
   * flight (the gateway holds its answer 5 s), then the page goes. Only what the page sends as it
   * goes can arrive (no later page view of the site is opened): at least the oldest events that
   * fit in 64 KB minus the bytes in flight must arrive.
   */
  async function bigUnload(c: Ctx, how: 'navigation' | 'tab close', tag: string): Promise<void> {
    const tab = await c.open(c.site.set('/u', await stubPage(c.gw, { body: INIT(', flushInterval: 60000') })));
    const other = c.site.set('/elsewhere', '<!doctype html><title>Another site</title>').replace('localhost', '127.0.0.1');
    await collectorLoaded(tab);
    await c.gw.faults({ delayMs: 5000, count: 1 });
    await tab.run(`() => { window._df.track('inflight', { scenario: 'inflight' }); window._df.flush(); }`);
    const log = await c.gw.waitRequests(
      (l) => l.some((q) => q.events.some((e) => e.tag == 'inflight')),
      'the normal batch to reach the gateway',
    );
    const inflight = log.find((q) => q.events.some((e) => e.tag == 'inflight'))!.bytes;
    await fire(tab, tag, 50, 0, PAD);
    // The sizes as stored (what the unload path sends), oldest first.
    const sizes: number[] = await tab.run(
      `(tag) => { var k = Object.keys(localStorage).filter(function (k) { return k.indexOf('_df_q.') == 0; })[0]; var q = JSON.parse(localStorage.getItem(k)); return q.e.filter(function (e) { return e.properties && e.properties.scenario == tag; }).map(function (e) { return new TextEncoder().encode(JSON.stringify(e)).length; }); }`,
      tag,
    );
    assert.equal(sizes.length, 50, 'stored queue holds ' + sizes.length + ' of the 50 events');
    const pending = sizes.reduce((a, b) => a + b, 0);
    let need = 0;
    for (let bytes = ENVELOPE; need < 50 && bytes + sizes[need] + 1 <= BUDGET - inflight; need++) bytes += sizes[need] + 1;
    if (how == 'navigation') await tab.goto(other);
    else await tab.close();
    // Until the needed oldest events are in and nothing more came for 1.5 s (at most 10 s).
    const end = Date.now() + 10000;
    let r = await collect(c.gw, tag, 50, 0);
    let last = r.received;
    let still = Date.now();
    for (;;) {
      const prefix = r.missing.length ? r.missing[0] : 50;
      if (Date.now() > end || r.received == 50 || (prefix >= need && Date.now() - still > 1500)) break;
      await sleep(200);
      r = await collect(c.gw, tag, 50, 0);
      if (r.received != last) ((last = r.received), (still = Date.now()));
    }
    const prefix = r.missing.length ? r.missing[0] : 50;
    const reqs = c.gw.requests().filter((q) => q.events.some((e) => e.tag == tag));
    const arrived = [...Array(50).keys()].filter((n) => !r.missing.includes(n));
    const kb = (n: number) => (n / 1024).toFixed(1) + ' KB';
    const note =
      `oldest ${prefix} in a row arrived (needed ${need} = ${kb(sizes.slice(0, need).reduce((a, b) => a + b, 0))}: 64 KB − ${inflight} B in flight); ` +
      `${r.received}/50 of ${kb(pending)} at unload (n ${ranges(arrived)}); ${reqs.length} requests ${showLog(reqs)}`;
    c.row({
      scenario: `9${how == 'navigation' ? 'a' : 'b'}. ~130 KB pending + batch in flight, ${how}`,
      sent: 50,
      received: r.received,
      'duplicates after dedup': r.duplicates,
      lost: Math.max(0, need - prefix),
      note,
    });
    assert.ok(
      prefix >= need,
      `${name} ${how} with ~130 KB pending: the oldest ${prefix} events arrived in a row, expected >= ${need} (a 64 KB budget's worth); ${r.received}/50 in all (n ${ranges(arrived)}); requests ${showLog(reqs)}`,
    );
    assert.equal(r.duplicates, 0);
  }
}
