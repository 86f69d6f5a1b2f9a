// Delivery that loses nothing: every scenario sends a known set of events and counts, at the
// gateway, which arrived and how often. The rows go into the table printed at the end of the run.
import { warningsOf, test, expect, withStub, stubPage, collectorLoaded, watch } from './support/fixtures';
import { prove } from './support/proof';
import type { Page } from '@playwright/test';

/** Fires n track calls tagged with the scenario, numbered 0..n-1. */
const fire = (page: Page, tag: string, n: number, from = 0, pad = 0) =>
  page.evaluate(
    ([tag, n, from, pad]) => {
      const p = 'x'.repeat(pad as number);
      for (let i = from as number; i < (from as number) + (n as number); i++)
        (window as any)._df.track('evt', { scenario: tag, n: i, ...(pad ? { pad: p } : {}) });
    },
    [tag, n, from, pad] as const,
  );

/** Like fire, but each event carries `pad` bytes of random base64 (gzip can't shrink it). */
const fireRandom = (page: Page, tag: string, n: number, from: number, pad: number) =>
  page.evaluate(
    ([tag, n, from, pad]) => {
      for (let i = from; i < from + n; i++) {
        const b = new Uint8Array((pad * 3) >> 2);
        crypto.getRandomValues(b);
        (window as any)._df.track('evt', { scenario: tag, n: i, pad: btoa(String.fromCharCode(...b)) });
      }
    },
    [tag, n, from, pad] as const,
  );

/** What the gateway saw of /v1/batch requests, measured on the server: arrival time, and whether the client hung up before the answer. */
interface Arrival {
  at: number;
  path: string;
  aborted?: boolean;
}
function arrivals(gateway: any, path = '/v1/batch'): Arrival[] {
  const seen: Arrival[] = [];
  gateway.server.on('request', (req: any, res: any) => {
    if (!String(req.url).startsWith(path)) return;
    const a: Arrival = { at: Date.now(), path: req.url };
    seen.push(a);
    res.on('close', () => (a.aborted = !res.writableFinished));
  });
  return seen;
}

const noLoss = (row: { lost: number; 'duplicates after dedup': number; received: number; sent: number }) => {
  expect(row.lost).toBe(0);
  expect(row['duplicates after dedup']).toBe(0);
  expect(row.received).toBe(row.sent);
};

test('1. tab closed right after 50 track calls: the unload path delivers them', async ({ page, gw, site }) => {
  await withStub(page, gw, site, '/s1', { body: `<script>_df.init({ autoPage: false })</script>` });
  await fire(page, 's1', 50);
  await page.close();
  // No other page of the site is opened: only requests made while closing can deliver these.
  noLoss(await prove(gw, 's1', 50, 10000, '1. tab closed after 50 calls'));
});

test('2. navigation to another site mid-batch, back a minute later: the stored queue is sent', async ({ page, gw, site }) => {
  test.setTimeout(120_000);
  const url = site.set('/s2', await stubPage(gw, { body: `<script>_df.init({ autoPage: false, flushInterval: 5000 })</script>` }));
  const other = site.set('/elsewhere', '<!doctype html><title>Another site</title><p>elsewhere</p>').replace('localhost', '127.0.0.1');
  await page.goto(url);
  await collectorLoaded(page);
  // The gateway refuses everything for a while: what leaves at unload is lost in transit, so only
  // the persisted queue can bring these events home.
  await gw.faults({ status: 503, forMs: 4000 });
  await fire(page, 's2', 30);
  await page.goto(other);
  await page.waitForTimeout(60_000);
  expect((await gw.events()).length).toBe(0);
  await page.goBack();
  noLoss(await prove(gw, 's2', 30, 15000, '2. navigate away, back after 60 s'));
});

test('3a. gateway answers 500 for 20 s, then recovers: backoff, nothing lost', async ({ page, gw, site }) => {
  test.setTimeout(120_000);
  await withStub(page, gw, site, '/s3', { body: `<script>_df.init({ autoPage: false })</script>` });
  await gw.faults({ status: 500, forMs: 20000 });
  const t0 = Date.now();
  await fire(page, 's3a', 40);
  await page.waitForTimeout(5000);
  await fire(page, 's3a', 10, 40);
  const row = await prove(gw, 's3a', 50, 60000, '3a. 500 for 20 s');
  noLoss(row);
  const stats = await gw.stats();
  // Backoff with a 30 s cap: a handful of failed attempts in 20 s, not one per event or per second.
  expect(stats.byStatus['500']).toBeLessThan(12);
  expect(Date.now() - t0).toBeGreaterThan(20000);
});

test('3b. 429 with Retry-After: 2 is honoured', async ({ page, gw, site, gateway }) => {
  const times = arrivals(gateway);
  await withStub(page, gw, site, '/s3b', { body: `<script>_df.init({ autoPage: false })</script>` });
  await gw.faults({ status: 429, count: 1, retryAfter: 2 });
  await fire(page, 's3b', 10);
  noLoss(await prove(gw, 's3b', 10, 15000, '3b. 429 + Retry-After: 2'));
  expect(times.length).toBe(2);
  // Measured by the gateway: the retry arrived at least 2 s after the refused request.
  expect(times[1].at - times[0].at).toBeGreaterThanOrEqual(1990);
});

test('4. offline for 30 s, events made while offline', async ({ page, context, gw, site }) => {
  test.setTimeout(90_000);
  let attempts = 0;
  await withStub(page, gw, site, '/s4', { body: `<script>_df.init({ autoPage: false })</script>` });
  await context.setOffline(true);
  page.on('request', (r) => r.url().includes('/v1/') && attempts++);
  await fire(page, 's4', 20);
  await page.waitForTimeout(15000);
  await fire(page, 's4', 10, 20);
  await page.waitForTimeout(15000);
  expect((await gw.events()).length).toBe(0);
  // While the browser says it is offline, no request is even tried.
  expect(attempts).toBe(0);
  await context.setOffline(false);
  noLoss(await prove(gw, 's4', 30, 15000, '4. offline 30 s'));
});

test('5. two tabs sending concurrently, one closed mid-flight', async ({ context, gw, site }) => {
  const url = site.set('/s5', await stubPage(gw, { body: `<script>_df.init({ autoPage: false })</script>` }));
  const a = await context.newPage();
  const b = await context.newPage();
  await Promise.all([a.goto(url), b.goto(url)]);
  await Promise.all([collectorLoaded(a), collectorLoaded(b)]);
  // Answers take 1.5 s: when tab A closes, its requests are still in flight.
  await gw.faults({ delayMs: 1500 });
  await Promise.all([fire(a, 's5', 40), fire(b, 's5', 40, 40)]);
  await a.waitForTimeout(300);
  await a.close();
  await fire(b, 's5', 20, 80);
  noLoss(await prove(gw, 's5', 100, 20000, '5. two tabs, one closed mid-flight'));
});

test('5b. two tabs of one site in normal operation send no event twice', async ({ context, gw, site }) => {
  const url = site.set('/s5b', await stubPage(gw, { body: `<script>_df.init({ autoPage: false })</script>` }));
  const pages = [await context.newPage(), await context.newPage()];
  await Promise.all(pages.map((p) => p.goto(url)));
  await Promise.all(pages.map((p) => collectorLoaded(p)));
  await Promise.all([fire(pages[0], 's5b', 50), fire(pages[1], 's5b', 50, 50)]);
  const row = await prove(gw, 's5b', 100, 15000, '5b. two tabs, normal operation');
  noLoss(row);
  // Nothing was sent twice at all (not even a copy the gateway had to drop).
  expect(row['resends absorbed by dedup']).toBe(0);
  expect((await gw.stats()).received).toBe(100);
});

test("5c. a dead tab's stored queue is adopted by a live tab", async ({ page, gw, site }) => {
  await withStub(page, gw, site, '/s5c', { body: `<script>_df.init({ autoPage: false })</script>` });
  // What a crashed tab leaves behind: its own queue key, heartbeat three minutes old.
  await page.evaluate(() => {
    const df = (window as any)._df;
    const anon = df.getAnonymousId();
    const evs = Array.from({ length: 12 }, (_, n) => ({
      type: 'track',
      event: 'evt',
      properties: { scenario: 's5c', n },
      anonymousId: anon,
      context: {
        page: { url: location.href, path: '/', referrer: '', title: '', search: '' },
        screen: { width: 1, height: 1 },
        locale: 'en',
        timezone: 'UTC',
        userAgent: 'x',
        library: { name: '@datafly/collector', version: df.version },
      },
      timestamp: new Date(Date.now() - 600000).toISOString(),
      messageId: 'df-' + crypto.randomUUID(),
    }));
    localStorage.setItem('_df_q.deadbeef', JSON.stringify({ h: Date.now() - 180000, e: evs }));
  });
  // A new page view of the site picks it up, with the original messageIds and timestamps.
  await page.reload();
  noLoss(await prove(gw, 's5c', 12, 10000, '5c. dead tab, queue adopted'));
  const ev = (await gw.events()).find((e) => e.properties?.scenario == 's5c');
  expect(Date.now() - Date.parse(ev.timestamp)).toBeGreaterThan(590000);
  expect(await page.evaluate(() => localStorage.getItem('_df_q.deadbeef'))).toBeNull();
});

test('6a. localStorage throwing on every call', async ({ page, gw, site, errors }) => {
  await page.addInitScript(() => {
    for (const m of ['getItem', 'setItem', 'removeItem', 'key', 'clear'] as const)
      (Storage.prototype as any)[m] = () => {
        throw new DOMException('denied', 'SecurityError');
      };
  });
  watch(page, errors);
  await withStub(page, gw, site, '/s6a', { body: `<script>_df.init({ autoPage: false })</script>` });
  await fire(page, 's6a', 30);
  noLoss(await prove(gw, 's6a', 30, 10000, '6a. localStorage throws'));
  expect(errors).toEqual([]);
});

test('6b. localStorage full', async ({ page, gw, site, errors }) => {
  watch(page, errors);
  await withStub(page, gw, site, '/s6b', { body: `<script>_df.init({ autoPage: false })</script>` });
  const filled = await page.evaluate(() => {
    const chunk = 'x'.repeat(256 * 1024);
    let i = 0;
    try {
      for (; i < 200; i++) localStorage.setItem('junk' + i, chunk);
    } catch {
      return i;
    }
    return -1;
  });
  expect(filled).toBeGreaterThan(0);
  await fire(page, 's6b', 30);
  noLoss(await prove(gw, 's6b', 30, 10000, '6b. localStorage full'));
  expect(errors).toEqual([]);
});

test('7. a batch over 5 MB in total, a 413, and one event over 64 KB', async ({ page, gw, site }) => {
  test.setTimeout(90_000);
  const warnings = warningsOf(page);
  await withStub(page, gw, site, '/s7', {
    body: `<script>_df.init({ autoPage: false, batchSize: 500, maxQueueBytes: 20000000, debug: true })</script>`,
  });
  const requests: number[] = [];
  page.on('request', (r) => r.url().includes('/v1/batch') && requests.push((r.postDataBuffer() || Buffer.alloc(0)).length));
  await gw.faults({ status: 413, count: 1 });
  // 100 events of ~55 KB: 5.5 MB, more than the gateway takes in one request.
  await fire(page, 's7', 100, 0, 55000);
  await page.evaluate(() => (window as any)._df.track('too_big', { scenario: 's7-big', pad: 'y'.repeat(70000) }));
  noLoss(await prove(gw, 's7', 100, 60000, '7. 5.5 MB batch + 413 + a 70 KB event'));
  expect(Math.max(...requests)).toBeLessThan(5 * 1024 * 1024);
  expect((await gw.events()).some((e) => e.event == 'too_big')).toBe(false);
  expect(warnings.some((w) => w.includes('too_big') && w.includes('64 KB'))).toBe(true);
});

test('400 on a batch isolates the bad event: the good ones still arrive', async ({ page, gw, site }) => {
  await withStub(page, gw, site, '/s400', { body: `<script>_df.init({ autoPage: false })</script>` });
  // A stored event the gateway will refuse (its timestamp is not a date), among good ones.
  await page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith('_df_q.'));
    const anon = (window as any)._df.getAnonymousId();
    const bad = {
      type: 'track',
      event: 'bad',
      properties: { scenario: 'bad' },
      anonymousId: anon,
      context: {},
      timestamp: 'yesterday',
      messageId: 'df-' + crypto.randomUUID(),
    };
    localStorage.setItem('_df_q.0ld', JSON.stringify({ h: 0, e: [bad] }));
    return key;
  });
  await page.reload();
  await collectorLoaded(page);
  await fire(page, 's400', 9);
  const r = await page.evaluate(() => (window as any)._df.flush());
  noLoss(await prove(gw, 's400', 9, 10000, '8. 400 in a batch: bad event isolated'));
  expect(r.failed.length + (await gw.stats()).byStatus['400']).toBeGreaterThan(0);
});

test('flush() reports what failed for good and never rejects', async ({ page, gw, site }) => {
  await withStub(page, gw, site, '/sflush', { key: 'dk_test_e2e', body: `<script>_df.init({ autoPage: false })</script>` });
  await gw.faults({ status: 401, count: 1 });
  const r = await page.evaluate(async () => {
    (window as any)._df.track('a');
    (window as any)._df.track('b');
    return (window as any)._df.flush();
  });
  expect(r.sent).toBe(0);
  expect(r.failed.length).toBe(2);
  expect(r.failed[0].reason).toContain('401');
});

test('events the page makes in its own exit handlers (after ours) still leave with the page', async ({ page, gw, site }) => {
  const url = site.set(
    '/exit',
    await stubPage(gw, {
      body: `<script>
    _df.init({ autoPage: false, flushInterval: 10000 });
    _df.track('before');
    document.addEventListener('visibilitychange', function () { if (document.visibilityState == 'hidden') _df.track('exit_vis'); });
    addEventListener('pagehide', function () { _df.track('exit_pagehide'); });
  </script>`,
    }),
  );
  const other = site.set('/exit-next', '<!doctype html><title>next</title>').replace('localhost', '127.0.0.1');
  await page.goto(url);
  await collectorLoaded(page);
  await page.goto(other);
  await expect
    .poll(async () => (await gw.events()).map((e) => e.event).sort(), { timeout: 5000 })
    .toEqual(['before', 'exit_pagehide', 'exit_vis']);
});

test('a new event during a failing request does not cut Retry-After short', async ({ page, gw, site, gateway }) => {
  const times = arrivals(gateway);
  await withStub(page, gw, site, '/ra-pending', { body: `<script>_df.init({ autoPage: false, flushInterval: 200 })</script>` });
  // The 429 (Retry-After: 3) takes 1 s to come back; a track made meanwhile sets a flush timer.
  await gw.faults({ status: 429, count: 1, retryAfter: 3, delayMs: 1000 });
  await page.evaluate(() => (window as any)._df.track('a'));
  await page.waitForTimeout(400);
  await page.evaluate(() => (window as any)._df.track('b'));
  await gw.waitFor(2, 15000);
  expect(times.length).toBeGreaterThanOrEqual(2);
  // The retry waited for Retry-After, counted from the 429 (~1.2 s after the first request).
  expect(times[1].at - times[0].at).toBeGreaterThanOrEqual(4000);
});

test('a tab that is only hidden keeps its queue: another tab does not adopt it', async ({ context, gw, site }) => {
  const url = site.set('/hidden', await stubPage(gw, { body: `<script>_df.init({ autoPage: false })</script>` }));
  const a = await context.newPage();
  await a.goto(url);
  await collectorLoaded(a);
  // Answers take 2.5 s: A's event is still queued when A is hidden and B opens.
  await gw.faults({ delayMs: 2500, count: 1 });
  await a.evaluate(() => (window as any)._df.track('from_a'));
  await a.waitForTimeout(300);
  await a.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    Object.defineProperty(document, 'hidden', { value: true, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const b = await context.newPage();
  await b.goto(url);
  await collectorLoaded(b);
  await b.waitForTimeout(4000);
  const stats = await gw.stats();
  expect((await gw.events()).map((e) => e.event)).toEqual(['from_a']);
  expect(stats.duplicates).toBe(0);
});

// ~130 KB pending at unload while a normal batch is still in flight: the unload plan fills what is
// left of the 64 KB keepalive budget with the oldest events, at once.
for (const how of ['navigation', 'tab close'] as const) {
  test(`1${how == 'navigation' ? 'b' : 'c'}. ~130 KB pending at ${how}, a batch in flight: a full budget of the oldest events leaves at once`, async ({
    page,
    context,
    gw,
    site,
  }) => {
    const tag = how == 'navigation' ? 's1b' : 's1c';
    // d.full.js: the batch in flight goes gzip (full build only, README "Builds"), so it takes less
    // of the 64 KB keepalive budget; d.js sends it as text and fits ~63 KB of events at once.
    const url = site.set(
      '/' + tag,
      await stubPage(gw, { full: true, body: `<script>_df.init({ autoPage: false, flushInterval: 60000 })</script>` }),
    );
    const other = site.set('/' + tag + '-next', '<!doctype html><title>next</title>').replace('localhost', '127.0.0.1');
    await page.goto(url);
    await collectorLoaded(page);
    // The first batch (10 events) is answered after 3 s: in flight, with keepalive, at unload.
    await gw.faults({ delayMs: 3000, count: 1 });
    await fireRandom(page, tag, 10, 0, 2600);
    await page.waitForTimeout(300);
    await fireRandom(page, tag, 40, 10, 2600);
    if (how == 'navigation') await page.goto(other);
    else await page.close();
    // Only requests made while leaving can deliver now: nothing of the site is open.
    // The batch in flight is answered last (3 s); a second more for stragglers.
    await gw.waitFor(10, 8000);
    await new Promise((r) => setTimeout(r, 1000));
    const atOnce = (await gw.events()).filter((e) => e.properties?.scenario == tag);
    const ns = atOnce.map((e) => e.properties.n).sort((a: number, b: number) => a - b);
    const bytes = atOnce.reduce((s: number, e: any) => s + JSON.stringify(e).length, 0);
    console.log(`${tag} (${how}): ${ns.length} of 50 events (${bytes} B) at once`);
    // The oldest first: what arrived is 0..k-1 with no gap, and at least 64 KB of them.
    expect(ns).toEqual(ns.map((_: number, i: number) => i));
    expect(bytes).toBeGreaterThanOrEqual(64000);
    // The rest is stored: the next page view of the site sends it.
    const next = how == 'navigation' ? page : await context.newPage();
    await (how == 'navigation' ? page.goBack() : next.goto(url));
    noLoss(
      await prove(
        gw,
        tag,
        50,
        15000,
        `1${how == 'navigation' ? 'b' : 'c'}. ~130 KB pending at ${how}, a batch in flight (≥ 64 KB of the oldest at once)`,
      ),
    );
  });
}

test('1d. no fetch keepalive (Firefox before 133): the tab closed after 50 calls, beacons carry them', async ({ page, gw, site }) => {
  // Emulates an engine without keepalive: the option is unknown (not on Request), and a fetch made
  // while the page goes dies with it (here: it never leaves).
  await page.addInitScript(() => {
    delete (Request.prototype as any).keepalive;
    let going = false;
    addEventListener('pagehide', () => (going = true), true);
    const f = window.fetch;
    window.fetch = (u: any, i?: any) => (going ? new Promise(() => {}) : f(u, i && { ...i, keepalive: false }));
  });
  await withStub(page, gw, site, '/s1d', { body: `<script>_df.init({ autoPage: false })</script>` });
  await gw.faults({ delayMs: 2000 });
  await fire(page, 's1d', 50);
  await page.close();
  noLoss(await prove(gw, 's1d', 50, 10000, '1d. no fetch keepalive (Firefox < 133): tab closed after 50 calls'));
});

test('adopting an orphaned queue with storage full keeps the orphan (the only durable copy)', async ({ page, gw, site }) => {
  await withStub(page, gw, site, '/adopt-full', { body: `<script>_df.init({ autoPage: false })</script>` });
  await page.evaluate(() => {
    const evs = Array.from({ length: 5 }, (_, n) => ({
      type: 'track',
      event: 'evt',
      properties: { scenario: 'sfull', n },
      anonymousId: (window as any)._df.getAnonymousId(),
      context: {
        page: { url: location.href, path: '/', referrer: '', title: '', search: '' },
        screen: { width: 1, height: 1 },
        locale: 'en',
        timezone: 'UTC',
        userAgent: 'x',
        library: { name: '@datafly/collector', version: (window as any)._df.version },
      },
      timestamp: new Date().toISOString(),
      messageId: 'df-' + crypto.randomUUID(),
    }));
    for (const k of Object.keys(localStorage)) localStorage.removeItem(k);
    localStorage.setItem('_df_q.orphan', JSON.stringify({ h: 0, e: evs }));
    // Fill storage to the last byte.
    let n = 1 << 20;
    for (let i = 0; n; i++)
      try {
        localStorage.setItem('junk' + i, 'x'.repeat(n));
      } catch {
        n >>= 1;
      }
  });
  await page.reload();
  await collectorLoaded(page);
  noLoss(await prove(gw, 'sfull', 5, 10000, '10. orphaned queue adopted with storage full (orphan kept)'));
  // The adopting tab could not store them: the orphan stays for a later page view.
  expect(await page.evaluate(() => localStorage.getItem('_df_q.orphan'))).not.toBeNull();
});

test('the clock going back during a backoff does not stop sending', async ({ page, gw, site }) => {
  // The first answer the page gets moves its wall clock an hour back, right after the collector acted on it.
  await page.addInitScript(() => {
    let off = 0;
    const now = Date.now;
    Date.now = () => now() + off;
    const f = window.fetch;
    window.fetch = function (this: any, ...a: any[]) {
      return f.apply(this, a as any).then((r: Response) => (off || setTimeout(() => (off = -36e5)), r));
    } as any;
  });
  await withStub(page, gw, site, '/clock', { body: `<script>_df.init({ autoPage: false })</script>` });
  await gw.faults({ status: 500, count: 1 });
  await page.evaluate(() => (window as any)._df.track('evt', { scenario: 'sclock', n: 0 }));
  noLoss(await prove(gw, 'sclock', 1, 10000, '11. wall clock an hour back during a backoff'));
});

test('Retry-After holds through a hide, an `online` event and a navigation: events stay stored', async ({ page, gw, site, gateway }) => {
  const times = arrivals(gateway);
  const url = site.set('/ra-hide', await stubPage(gw, { body: `<script>_df.init({ autoPage: false })</script>` }));
  const other = site.set('/ra-next', '<!doctype html><title>next</title>').replace('localhost', '127.0.0.1');
  await page.goto(url);
  await collectorLoaded(page);
  await gw.faults({ status: 429, count: 1, retryAfter: 60 });
  const answered = page.waitForResponse((r) => r.url().includes('/v1/batch'));
  await page.evaluate(() => (window as any)._df.track('evt', { scenario: 'sra', n: 0 }));
  await answered;
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    Object.defineProperty(document, 'hidden', { value: true, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
    dispatchEvent(new Event('online'));
  });
  await page.waitForTimeout(1500);
  await page.goto(other);
  await page.waitForTimeout(1500);
  // The gateway saw only the refused request: nothing was sent during the 60 s it asked for.
  expect(times.length).toBe(1);
  // The next page view of the site sends the stored event.
  await page.goBack();
  noLoss(await prove(gw, 'sra', 1, 10000, '12. `Retry-After: 60` through hide, `online`, navigation'));
});

test('a request that never gets an answer is aborted after 30 s and sent again', async ({ page, gw, site, gateway }) => {
  test.setTimeout(90_000);
  const times = arrivals(gateway);
  // Without keepalive (as retries go, and as in Firefox before 133): Chromium runs a keepalive
  // request in its browser process and does not take it off the wire when the page aborts it.
  await page.addInitScript(() => delete (Request.prototype as any).keepalive);
  await withStub(page, gw, site, '/hang', { body: `<script>_df.init({ autoPage: false })</script>` });
  // The gateway takes the first batch but answers only after 45 s.
  await gw.faults({ delayMs: 45000, count: 1 });
  await page.evaluate(() => (window as any)._df.track('evt', { scenario: 'shang', n: 0 }));
  await expect.poll(() => times.length, { timeout: 40000 }).toBe(2);
  // The first request was given up by the client (aborted), not left running next to its retry
  // (without the abort, the gateway finishes its answer at 45 s).
  await expect.poll(() => times[0].aborted, { timeout: 10000 }).toBe(true);
  expect(times[1].at - times[0].at).toBeGreaterThanOrEqual(30000);
  noLoss(await prove(gw, 'shang', 1, 10000, '13. no answer for 45 s: aborted at 30 s, sent again'));
});

test('a keepalive fetch failing for a network reason is not sent again at once', async ({ page, gw, site, gateway }) => {
  // The first batch request fails as a network error does (a TypeError, nothing reaches the
  // gateway); at that moment the page tells the gateway (a marker request), so the gateway measures
  // how long after the failure the batch came again.
  const times = arrivals(gateway, '/');
  await page.addInitScript((gwUrl) => {
    const f = window.fetch;
    let failed = false;
    window.fetch = (u: any, i?: any) => {
      if (failed || !String(u).includes('/v1/batch')) return f(u, i);
      failed = true;
      f(gwUrl + '/debug/stats?marker', { mode: 'no-cors' });
      return Promise.reject(new TypeError('Failed to fetch'));
    };
  }, gw.url);
  await withStub(page, gw, site, '/netfail', { body: `<script>_df.init({ autoPage: false })</script>` });
  await page.evaluate(() => (window as any)._df.track('evt', { scenario: 'snet', n: 0 }));
  noLoss(await prove(gw, 'snet', 1, 10000, '14. keepalive fetch failing (network): retried after backoff'));
  const marker = times.find((t) => t.path.includes('marker'))!;
  const batches = times.filter((t) => t.path.startsWith('/v1/batch'));
  expect(batches.length).toBe(1);
  // The retry waited for its backoff (at least 250 ms), measured by the gateway.
  expect(batches[0].at - marker.at).toBeGreaterThanOrEqual(200);
});

test('flush() counts events delivered while the byte bound dropped them from the queue as sent', async ({ page, gw, site }) => {
  await withStub(page, gw, site, '/flush-bound', { body: `<script>_df.init({ autoPage: false, maxQueueBytes: 65536 })</script>` });
  // The first batch (10 events, ~50 KB) is in flight for 1.5 s.
  await gw.faults({ delayMs: 1500, count: 1 });
  await fireRandom(page, 'sbound', 10, 0, 5000);
  const r = await page.evaluate(async () => {
    const df = (window as any)._df;
    const f = df.flush();
    await new Promise((r) => setTimeout(r, 50));
    // 50 KB more: the queue bound drops the oldest, the ones in flight.
    for (let i = 10; i < 20; i++) df.track('evt', { scenario: 'sbound', n: i, pad: 'y'.repeat(5000) });
    return f;
  });
  await gw.waitFor(20);
  expect(r.failed).toEqual([]);
  expect(r.sent).toBe(10);
});
