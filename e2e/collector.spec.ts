// The whole path in Chromium: pasted stub → collector from another origin → local gateway.
import { readFileSync } from 'node:fs';
import {
  test,
  expect,
  withStub,
  stubPage,
  delayCollector,
  collectorLoaded,
  byType,
  batchOf,
  KEY,
  names,
  UUID_V4,
} from './support/fixtures';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

test.describe('seed scenarios through the pasted stub, collector delayed by 1 s', () => {
  test('basic group(): payload in the seed shape', async ({ page, gw, site, errors }) => {
    await delayCollector(page, 1000);
    const url = site.set('/settings/account', await stubPage(gw, { body: `<script>_df.group('company-456')</script>` }));
    await page.goto(url + '?utm_source=x&gclid=abc');
    const evs = await gw.waitFor(2);
    expect(names(evs)).toEqual(['page', 'group']);
    const g = byType(evs, 'group')[0];
    expect(Object.keys(g).sort()).toEqual(['anonymousId', 'context', 'groupId', 'messageId', 'timestamp', 'traits', 'type'].sort());
    expect(g.groupId).toBe('company-456');
    expect(g.traits).toEqual({});
    expect(g.anonymousId).toMatch(UUID_V4);
    expect(g.messageId).toMatch(/^df-/);
    expect(g.messageId.slice(3)).toMatch(UUID_V4);
    expect(g.timestamp).toMatch(ISO);
    const c = g.context;
    expect(c.page).toEqual({
      url: url + '?utm_source=x&gclid=abc',
      path: '/settings/account',
      referrer: '',
      title: 'Test page',
      search: '?utm_source=x&gclid=abc',
    });
    expect(c.screen.width).toBeGreaterThan(0);
    expect(c.screen.height).toBeGreaterThan(0);
    expect(c.locale).toMatch(/^[a-z]{2}/);
    expect(c.timezone).toBe(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone));
    expect(c.userAgent).toBe(await page.evaluate(() => navigator.userAgent));
    expect(c.library).toEqual({
      name: '@datafly/collector',
      version: JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version,
    });
    expect(evs[0].anonymousId).toBe(g.anonymousId);
    expect(errors).toEqual([]);
  });

  test('with traits, after login with identify, then every page/track carries the ids', async ({ page, gw, site }) => {
    await delayCollector(page, 1000);
    const url = site.set(
      '/login',
      await stubPage(gw, {
        body: `<script>
        _df.identify('user-123', { email: 'jane@acme.com', name: 'Jane Doe' });
        _df.group('company-456', { name: 'Acme Corp', plan: 'enterprise', industry: 'Technology', employees: 250, createdAt: '2024-06-01T00:00:00Z' });
        _df.track('report_viewed', { id: 7 });
        _df.page('Dashboard');
      </script>`,
      }),
    );
    await page.goto(url);
    const evs = await gw.waitFor(5);
    expect(names(evs)).toEqual(['page', 'identify', 'group', 'report_viewed', 'page:Dashboard']);
    const [auto, ident, grp, tr, pg] = evs;
    expect(auto.userId).toBeUndefined();
    expect(ident).toMatchObject({ userId: 'user-123', traits: { email: 'jane@acme.com', name: 'Jane Doe' } });
    expect(ident.groupId).toBeUndefined();
    expect(grp).toMatchObject({
      type: 'group',
      groupId: 'company-456',
      userId: 'user-123',
      traits: { name: 'Acme Corp', plan: 'enterprise', industry: 'Technology', employees: 250, createdAt: '2024-06-01T00:00:00Z' },
    });
    expect(tr).toMatchObject({ userId: 'user-123', groupId: 'company-456', properties: { id: 7 } });
    expect(pg).toMatchObject({ name: 'Dashboard', userId: 'user-123', groupId: 'company-456', properties: {} });
    expect(new Set(evs.map((e) => e.anonymousId)).size).toBe(1);
    expect(new Set(evs.map((e) => e.messageId)).size).toBe(5);
  });

  test('trait merging: the second group event carries the merged traits', async ({ page, gw, site }) => {
    await delayCollector(page, 1000);
    const url = site.set(
      '/merge',
      await stubPage(gw, {
        body: `<script>
        _df.group('company-456', { name: 'Acme Corp', plan: 'starter' });
        _df.group('company-456', { plan: 'enterprise', employees: 250 });
        _df.identify('user-123', { a: 1 });
        _df.identify('user-123', { b: 2 });
      </script>`,
      }),
    );
    await page.goto(url);
    const evs = await gw.waitFor(5);
    const groups = byType(evs, 'group');
    expect(groups[0].traits).toEqual({ name: 'Acme Corp', plan: 'starter' });
    expect(groups[1].traits).toEqual({ name: 'Acme Corp', plan: 'enterprise', employees: 250 });
    expect(byType(evs, 'identify')[1].traits).toEqual({ a: 1, b: 2 });
    const user = await page.evaluate(() => (window as any)._df.user());
    expect(user.groupTraits).toEqual({ name: 'Acme Corp', plan: 'enterprise', employees: 250 });
  });

  test('workspace switch: a new groupId starts its traits afresh and later events carry it', async ({ page, gw, site }) => {
    await delayCollector(page, 1000);
    const url = site.set(
      '/switch',
      await stubPage(gw, {
        body: `<script>
        _df.group('ws-1', { name: 'One', plan: 'pro' });
        _df.track('in_one');
        _df.group('ws-2', { name: 'Two' });
        _df.track('in_two');
      </script>`,
      }),
    );
    await page.goto(url);
    const evs = await gw.waitFor(5);
    expect(names(evs)).toEqual(['page', 'group', 'in_one', 'group', 'in_two']);
    expect(evs[3].traits).toEqual({ name: 'Two' });
    expect(evs[2].groupId).toBe('ws-1');
    expect(evs[4].groupId).toBe('ws-2');
  });
});

test('queued calls keep their own time and page URL', async ({ page, gw, site }) => {
  await delayCollector(page, 1500);
  const { url } = await withStub(page, gw, site, '/first', {
    body: `<script>
      window.t0 = Date.now();
      _df.track('before_nav');
      history.pushState({}, '', '/second?x=1');
      _df.track('after_nav');
    </script>`,
  });
  const loadedAt = await page.evaluate(() => Date.now());
  const t0 = await page.evaluate(() => (window as any).t0);
  const evs = await gw.waitFor(3);
  const [a, b] = [evs.find((e) => e.event == 'before_nav'), evs.find((e) => e.event == 'after_nav')];
  for (const e of [a, b]) {
    const t = Date.parse(e.timestamp);
    expect(t).toBeGreaterThanOrEqual(t0 - 5);
    expect(t).toBeLessThan(t0 + 300);
    expect(loadedAt - t).toBeGreaterThan(1000);
  }
  expect(a.context.page.url).toBe(url);
  expect(a.context.page.path).toBe('/first');
  expect(b.context.page.url).toBe(site.url + '/second?x=1');
  expect(b.context.page.path).toBe('/second');
  expect(b.context.page.search).toBe('?x=1');
});

test('replay is strictly FIFO: queued, re-entrant, ready and live calls keep their place', async ({ page, gw, site }) => {
  await delayCollector(page, 800);
  await withStub(page, gw, site, '/fifo', {
    body: `<script>
      window.order = [];
      _df.track('q1', { get sneaky() { _df.track('reentrant'); return 1; } });
      _df.ready(function () { window.order.push('ready1'); _df.track('from_ready'); });
      _df.track('q2');
      _df.identify('u-1');
      _df.track('q3');
    </script>`,
  });
  // Ready callbacks registered after load run at once.
  const late = await page.evaluate(() => {
    let ran = false;
    (window as any)._df.ready(() => (ran = true));
    (window as any)._df.track('live');
    return ran;
  });
  expect(late).toBe(true);
  const evs = await gw.waitFor(8);
  expect(names(evs)).toEqual(['page', 'q1', 'q2', 'identify', 'q3', 'reentrant', 'from_ready', 'live']);
  expect(evs[1].userId).toBeUndefined();
  expect(evs[4].userId).toBe('u-1');
  expect(evs[1].properties).toEqual({ sneaky: 1 });
  expect(await page.evaluate(() => (window as any).order)).toEqual(['ready1']);
});

test('identity and traits survive a reload; reset() forgets them', async ({ page, gw, site }) => {
  await withStub(page, gw, site, '/persist');
  await page.evaluate(() => {
    const df = (window as any)._df;
    df.identify('user-123', { email: 'jane@acme.com' });
    df.group('company-456', { name: 'Acme Corp' });
  });
  const first = await gw.waitFor(3);
  const anon = first[0].anonymousId;
  expect(await page.evaluate(() => (window as any)._df.getAnonymousId())).toBe(anon);

  await page.reload();
  await collectorLoaded(page);
  await page.evaluate(() => {
    const df = (window as any)._df;
    df.identify('user-123', { plan: 'pro' });
    df.group('company-456', { plan: 'enterprise' });
  });
  const evs = await gw.waitFor(6);
  const [pv, ident, grp] = evs.slice(3);
  expect(pv).toMatchObject({ type: 'page', anonymousId: anon, userId: 'user-123', groupId: 'company-456' });
  expect(ident.traits).toEqual({ email: 'jane@acme.com', plan: 'pro' });
  expect(grp.traits).toEqual({ name: 'Acme Corp', plan: 'enterprise' });

  // A different user starts their traits afresh.
  await page.evaluate(() => (window as any)._df.identify('user-999', { x: 1 }));
  expect((await gw.waitFor(7))[6].traits).toEqual({ x: 1 });

  await page.evaluate(() => {
    (window as any)._df.reset();
    (window as any)._df.track('after_reset');
  });
  const after = (await gw.waitFor(8))[7];
  expect(after.userId).toBeUndefined();
  expect(after.groupId).toBeUndefined();
  expect(after.anonymousId).toMatch(UUID_V4);
  expect(after.anonymousId).not.toBe(anon);
  await page.reload();
  await collectorLoaded(page);
  const pv2 = (await gw.waitFor(9))[8];
  expect(pv2.anonymousId).toBe(after.anonymousId);
  expect(pv2.userId).toBeUndefined();
});

test('anonymousId survives with only the cookie, or only localStorage', async ({ page, gw, site }) => {
  await withStub(page, gw, site, '/anon');
  const anon = await page.evaluate(() => (window as any)._df.getAnonymousId());
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await collectorLoaded(page);
  expect(await page.evaluate(() => (window as any)._df.getAnonymousId())).toBe(anon);
  await page.context().clearCookies();
  await page.reload();
  await collectorLoaded(page);
  expect(await page.evaluate(() => (window as any)._df.getAnonymousId())).toBe(anon);
});

test('the stub twice, and d.js twice: one collector, every event once', async ({ page, gw, site, errors }) => {
  const stub = await stubPage(gw);
  const tag = stub.match(/<script>.*?<\/script>/)![0];
  const url = site.set(
    '/double',
    stub
      .replace('</head>', tag + `<script async src="${gw.url}/d.js" data-pipeline-key="${KEY}"></script></head>`)
      .replace('<body>', `<body><script>_df.track('once')</script>`),
  );
  await page.goto(url);
  await collectorLoaded(page);
  // A third copy of d.js, injected late, changes nothing either.
  await page.evaluate(
    (src) =>
      new Promise((r) => {
        const s = document.createElement('script');
        s.src = src + '?again';
        s.onload = r;
        document.head.appendChild(s);
      }),
    gw.url + '/d.js',
  );
  await page.evaluate(() => (window as any)._df.track('live'));
  await page.waitForTimeout(2500);
  const evs = await gw.events();
  expect(names(evs)).toEqual(['page', 'once', 'live']);
  expect(await page.evaluate(() => document.querySelectorAll('script[src*="d.js"]').length)).toBe(3);
  expect(errors).toEqual([]);
});

test('plain script-tag install, no stub: endpoint from the src origin', async ({ page, gw, site }) => {
  const url = site.set(
    '/plain',
    `<!doctype html><html><head><title>Plain</title><script async src="${gw.url}/d.js" data-pipeline-key="${KEY}"></script></head><body></body></html>`,
  );
  await page.goto(url);
  await collectorLoaded(page);
  await page.evaluate(() => (window as any)._df.track('plain_click'));
  const evs = await gw.waitFor(2);
  expect(names(evs)).toEqual(['page', 'plain_click']);
  expect(evs[0].context.page.title).toBe('Plain');
});

test('tag-manager style: stub run after DOMContentLoaded with no currentScript', async ({ page, gw, site, errors }) => {
  const url = site.set('/gtm', `<!doctype html><html><head><title>GTM</title></head><body><p>site</p></body></html>`);
  await page.goto(url);
  await page.waitForLoadState('load');
  const tag = await stubPage(gw);
  const code = tag.match(/<script>(.*?)<\/script>/)![1];
  // page.evaluate runs the code with document.currentScript === null, as GTM's injected tags may.
  await page.evaluate((c) => {
    (window as any).__cs = document.currentScript;
    (0, eval)(c);
    (window as any)._df.track('gtm_fired');
  }, code);
  await collectorLoaded(page);
  const evs = await gw.waitFor(2);
  expect(names(evs)).toEqual(['page', 'gtm_fired']);
  expect(await page.evaluate(() => (window as any).__cs)).toBeNull();
  expect(errors).toEqual([]);
});

test('custom global name and endpoint', async ({ page, gw, site }) => {
  const url = site.set(
    '/custom',
    await stubPage(gw, { global: 'analytics2', endpoint: gw.url, body: `<script>analytics2.track('custom_global')</script>` }),
  );
  await page.goto(url);
  await collectorLoaded(page, 'analytics2');
  const evs = await gw.waitFor(2);
  expect(names(evs)).toEqual(['page', 'custom_global']);
  expect(await page.evaluate(() => typeof (window as any)._df)).toBe('undefined');
});

test('flush() resolves with what was sent', async ({ page, gw, site }) => {
  await withStub(page, gw, site, '/flush');
  const r = await page.evaluate(async () => {
    const df = (window as any)._df;
    for (let i = 0; i < 25; i++) df.track('f' + i);
    const t = Date.now();
    const res = await df.flush();
    return { res, ms: Date.now() - t };
  });
  expect(r.res.sent).toBeGreaterThanOrEqual(25);
  expect(r.res.failed).toEqual([]);
  expect((await gw.events()).filter((e) => e.type == 'track').length).toBe(25);
});

test('batches go to /v1/batch as simple CORS requests (no preflight) carrying the key', async ({ page, gw, site }) => {
  const requests: { method: string; url: string; ct?: string }[] = [];
  page.on(
    'request',
    (r) => r.url().startsWith(gw.url + '/v1') && requests.push({ method: r.method(), url: r.url(), ct: r.headers()['content-type'] }),
  );
  const url = site.set('/cors', await stubPage(gw));
  await page.goto(url);
  await gw.waitFor(1);
  expect(requests.length).toBeGreaterThan(0);
  for (const r of requests) {
    expect(r.method).toBe('POST');
    expect(r.url).toBe(`${gw.url}/v1/batch?key=${KEY}`);
    // text/plain, or no Content-Type at all for a gzip body: both need no preflight.
    if (r.ct !== undefined) expect(r.ct).toMatch(/^text\/plain/);
  }
  expect((await gw.stats()).byStatus['204'] ?? 0).toBe(0);
});

test('batchSize and flushInterval: 10 events go at once, fewer wait for the interval', async ({ page, gw, site }) => {
  const url = site.set('/batching', await stubPage(gw, { body: `<script>_df.init({ autoPage: false, flushInterval: 3000 })</script>` }));
  const bodies: number[] = [];
  page.on('request', (r) => r.url().includes('/v1/batch') && bodies.push(batchOf(r).length));
  await page.goto(url);
  await collectorLoaded(page);
  await page.evaluate(() => {
    for (let i = 0; i < 13; i++) (window as any)._df.track('b' + i);
  });
  await expect.poll(() => bodies.length, { timeout: 1500 }).toBe(1);
  expect(bodies[0]).toBe(10);
  await page.waitForTimeout(1000);
  expect(bodies.length).toBe(1);
  await expect.poll(() => bodies.length, { timeout: 5000 }).toBe(2);
  expect(bodies[1]).toBe(3);
});

test('the gateway from the page: 400 names the field, dedup on messageId', async ({ page, gw, site }) => {
  await withStub(page, gw, site, '/gwcheck');
  const first = (await gw.waitFor(1))[0];
  const r = await page.evaluate(
    async ({ gwUrl, ev, key }) => {
      const post = async (body: unknown) => {
        const res = await fetch(gwUrl + '/v1/batch?key=' + key, { method: 'POST', body: JSON.stringify(body), credentials: 'include' });
        return { status: res.status, body: await res.json() };
      };
      return {
        bad: await post({ batch: [{ ...ev, messageId: '' }] }), // any non-empty string of ≤ 128 characters is a messageId
        noType: await post({ batch: [{ ...ev, type: undefined }] }),
        dup: await post({ batch: [ev, ev] }),
        badKey: await (await fetch(gwUrl + '/v1/batch?key=nope', { method: 'POST', body: JSON.stringify({ batch: [ev] }) })).status,
      };
    },
    { gwUrl: gw.url, ev: first, key: KEY },
  );
  expect(r.bad.status).toBe(400);
  expect(r.bad.body.error.message).toContain('messageId');
  expect(r.noType.status).toBe(400);
  expect(r.noType.body.error.message).toContain('type');
  expect(r.dup.status).toBe(200);
  expect(r.badKey).toBe(401);
  expect((await gw.events()).filter((e) => e.messageId == first.messageId).length).toBe(1);
});

test('the demo page and the live /debug page', async ({ page, context, gw }) => {
  const debug = await context.newPage();
  await debug.goto(gw.url + '/debug');
  await page.goto(gw.url + '/');
  await collectorLoaded(page);
  await page.getByRole('button', { name: /Identify/ }).click();
  await page.getByRole('button', { name: /Group/ }).click();
  await page.getByRole('button', { name: /Track/ }).click();
  const evs = await gw.waitFor(4);
  expect(names(evs)).toEqual(['page', 'identify', 'group', 'add_to_cart']);
  await expect(debug.locator('.event')).toHaveCount(4);
  await expect(debug.locator(`.event[data-message-id="${evs[3].messageId}"]`)).toBeVisible();
});

test('batches over 1 KB go gzip-compressed (no preflight) and arrive whole', async ({ page, gw, site }) => {
  const reqs: { gz: boolean; bytes: number; n: number; ct?: string }[] = [];
  page.on('request', (r) => {
    if (!r.url().includes('/v1/batch')) return;
    const b = r.postDataBuffer()!;
    reqs.push({ gz: b[0] == 0x1f && b[1] == 0x8b, bytes: b.length, n: batchOf(r).length, ct: r.headers()['content-type'] });
  });
  // gzip is in the full build only (README, "Builds"); d.js sends text (e2e/builds.spec.ts).
  await withStub(page, gw, site, '/gzip', { full: true, body: `<script>_df.init({ autoPage: false })</script>` });
  await page.evaluate(() => {
    for (let i = 0; i < 10; i++) (window as any)._df.track('big', { i, text: 'lorem ipsum '.repeat(20) });
  });
  const evs = await gw.waitFor(10);
  expect(evs.map((e) => e.properties.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  await expect.poll(() => reqs.length).toBe(1);
  expect(reqs[0].gz).toBe(true);
  expect(reqs[0].ct).toBeUndefined();
  // JSON of ten ~1.3 KB events shrinks several times over.
  const raw = JSON.stringify({ batch: evs }).length;
  expect(reqs[0].bytes).toBeLessThan(raw / 4);
  expect((await gw.stats()).byStatus['204'] ?? 0).toBe(0);
});

test('code that kept the stub object before d.js loaded still reaches the collector', async ({ page, gw, site }) => {
  // Common in apps: a module grabs the global once, early, and keeps it.
  const { events: evs } = await withStub(page, gw, site, '/saved-ref', {
    delay: 500,
    body: `<script>window.saved = _df; saved.track('queued_via_saved')</script>`,
    action: () =>
      page.evaluate(() => {
        (window as any).saved.track('live_via_saved');
        (window as any).savedVersion = (window as any).saved.version;
      }),
    events: 3,
  });
  expect(names(evs)).toEqual(['page', 'queued_via_saved', 'live_via_saved']);
  expect(await page.evaluate(() => typeof (window as any).savedVersion)).toBe('string');
});

test('the npm package offers exactly the methods the loaded collector has', async ({ page, gw, site }) => {
  const npm = (await import('../dist/index.mjs')).default as Record<string, unknown>;
  await withStub(page, gw, site, '/api-names', { full: true });
  const loaded = await page.evaluate(() =>
    Object.keys((window as any)._df)
      .filter((k) => typeof (window as any)._df[k] == 'function')
      .sort(),
  );
  expect(
    Object.keys(npm)
      .filter((k) => typeof npm[k] == 'function')
      .sort(),
  ).toEqual(loaded);
});
