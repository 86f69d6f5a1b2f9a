#!/usr/bin/env node
// `npm run bench`: Datafly.js side by side with peers in Chromium. See bench/RESULTS.md for what
// is measured and how. Flags: --runs N (default 7), --quick (3 runs), --only a,b (variant ids:
// none, datafly, segment, rudderstack, posthog; "none" and "datafly" are always kept),
// --same-work (raise PostHog's rate limit and RudderStack's queue cap so that every library
// delivers all 1,000 calls of the burst; slow: RudderStack then takes ~30 s a run), --verbose.
import { executablePath, launchOptions } from '../scripts/chromium.mjs';
import { existsSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const sh = (cmd, cwd) => execSync(cmd, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });

// ---------------------------------------------------------------- arguments
const argv = process.argv.slice(2);
const flag = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
let RUNS = argv.includes('--quick') ? 3 : 7;
if (flag('--runs')) RUNS = Math.max(1, parseInt(flag('--runs'), 10) || RUNS);
const ONLY = flag('--only')
  ?.split(',')
  .map((s) => s.trim());
const VERBOSE = argv.includes('--verbose');
const SAME_WORK = argv.includes('--same-work');

// ---------------------------------------------------------------- install on demand
if (!existsSync(join(ROOT, 'node_modules', '.package-lock.json'))) {
  console.error('[bench] installing the root dependencies');
  sh('node scripts/ensure.mjs', ROOT);
}
if (!existsSync(join(HERE, 'node_modules', '.package-lock.json'))) {
  const ci = existsSync(join(HERE, 'package-lock.json'));
  console.error(`[bench] installing the peers in bench/ (npm ${ci ? 'ci' : 'install'})`);
  sh(`npm ${ci ? 'ci' : 'install'} --no-audit --no-fund --loglevel=error`, HERE);
}
if (!existsSync(join(ROOT, 'dist', 'd.js'))) {
  console.error('[bench] building dist/ (npm run -s build)');
  sh('npm run -s build', ROOT);
}

const { chromium } = await import('playwright-core');
const { createGateway } = await import(pathToFileURL(join(ROOT, 'gateway', 'app.mjs')).href);
const { snippetTag } = await import(pathToFileURL(join(ROOT, 'snippet', 'build.mjs')).href);
const { createRecorder, startSite, startVendor, instrumentGateway } = await import('./lib/servers.mjs');
const { makeVariants, testPage, TRACK_EVENT } = await import('./lib/variants.mjs');
const { startTrace, findPageThread, mainThreadWork } = await import('./lib/trace.mjs');
const S = await import('./lib/stats.mjs');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/**
 * Waits until `n` events named `name` were accepted, or nothing more arrives: no new event and
 * no request in flight for `stallMs` (a library that dropped events never sends them), or timeout.
 */
async function waitDelivered(name, n, busy, timeoutMs, stallMs = 3500) {
  const end = Date.now() + timeoutMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < end) {
    const c = rec.count(name);
    if (c >= n) return true;
    if (c !== last || busy()) {
      last = c;
      since = Date.now();
    } else if (Date.now() - since >= stallMs) return false;
    await sleep(25);
  }
  return false;
}
async function waitFor(pred, timeoutMs, stepMs = 25) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (pred()) return true;
    await sleep(stepMs);
  }
  return pred();
}

// ---------------------------------------------------------------- servers
const rec = createRecorder();
const eventsFile = join(os.tmpdir(), `datafly-bench-${process.pid}.ndjson`);
const gw = await createGateway({ port: 0, eventsFile, quiet: true });
const unsubscribe = instrumentGateway(gw, rec, join(ROOT, 'dist', 'd.js'));
const vendorCfg = { rec, files: {}, json: () => undefined, isEventPath: () => false, eventReply: () => ({}) };
const vendorSrv = await startVendor(vendorCfg);
const { variants: allVariants, vendor } = await makeVariants({
  gatewayUrl: gw.url,
  vendorUrl: vendorSrv.url,
  snippetTag,
  cacheDir: join(HERE, 'node_modules', '.cache', 'datafly-bench'),
  sameWork: SAME_WORK,
});
Object.assign(vendorCfg, vendor);
const variants = allVariants.filter((v) => !ONLY || ONLY.includes(v.id) || v.id === 'none' || v.id === 'datafly');
const pages = new Map(variants.map((v) => [`/${v.id}.html`, testPage(v)]));
const site = await startSite(pages);

/** Is this response the library's JavaScript (not its settings, not its events)? */
function isLibraryFile(url) {
  const u = new URL(url);
  if (u.origin === gw.url) return u.pathname === '/d.js';
  return u.origin === vendorSrv.url && Object.hasOwn(vendor.files, u.pathname);
}

const browser = await chromium.launch({ ...launchOptions, headless: true });
const browserCdp = await browser.newBrowserCDPSession();

let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  await browser.close().catch(() => {});
  unsubscribe();
  await Promise.all([gw.close(), vendorSrv.close(), site.close()]).catch(() => {});
  rmSync(eventsFile, { force: true });
}
process.on('SIGINT', () => cleanup().then(() => process.exit(130)));

// ---------------------------------------------------------------- one run of one variant
const LOAD_TIMEOUT = 20_000;
const DELIVERY_TIMEOUT = 10_000;

async function measure(variant, { warmup = false } = {}) {
  const url = `${site.url}/${variant.id}.html`;
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const net = new Map();
  const inflight = new Set();
  let lastNetActivity = Date.now();
  cdp.on('Network.requestWillBeSent', (p) => {
    net.set(p.requestId, { url: p.request.url, method: p.request.method });
    inflight.add(p.requestId);
    lastNetActivity = Date.now();
  });
  cdp.on('Network.responseReceived', (p) => {
    const r = net.get(p.requestId) ?? {};
    Object.assign(r, {
      url: p.response.url,
      status: p.response.status,
      mime: p.response.mimeType,
      encoding: p.response.headers['content-encoding'] ?? p.response.headers['Content-Encoding'],
    });
    net.set(p.requestId, r);
    // An answered POST counts as done for idleness: a keepalive fetch whose answer the page never
    // reads (Segment's) never reports loadingFinished.
    if (r.method !== 'GET') {
      inflight.delete(p.requestId);
      lastNetActivity = Date.now();
    }
  });
  cdp.on('Network.loadingFinished', (p) => {
    const r = net.get(p.requestId);
    if (r) r.encoded = p.encodedDataLength;
    inflight.delete(p.requestId);
    lastNetActivity = Date.now();
  });
  cdp.on('Network.loadingFailed', (p) => {
    const r = net.get(p.requestId);
    if (r) r.failed = p.errorText;
    inflight.delete(p.requestId);
    lastNetActivity = Date.now();
  });
  if (VERBOSE) page.on('console', (m) => console.log(`    [${variant.id} console.${m.type()}] ${m.text().slice(0, 300)}`));
  // Each run has a fresh browser context, so nothing is cached from an earlier run. (The cache is
  // not disabled through CDP: that would disable the CORS preflight cache too.)
  await cdp.send('Network.enable');
  /** No request in flight for `quietMs`. */
  const networkIdle = (quietMs = 500, timeoutMs = 10_000) =>
    waitFor(() => inflight.size === 0 && Date.now() - lastNetActivity >= quietMs, timeoutMs);

  const result = { variant: variant.id };
  const began = Date.now();
  try {
    gw.store.clear();
    // 1. Load: trace from navigation until the first event is accepted and the network is idle, + 1 s.
    rec.reset();
    const stopTrace = await startTrace(browserCdp);
    await page.goto(url, { waitUntil: 'load', timeout: LOAD_TIMEOUT });
    const ready = await page
      .waitForFunction(() => window.__benchReady(), null, { timeout: LOAD_TIMEOUT, polling: 50 })
      .then(
        () => true,
        () => false,
      );
    if (variant.id !== 'none') await waitFor(() => rec.firstEventAt !== null, LOAD_TIMEOUT);
    if (!(await networkIdle(500, LOAD_TIMEOUT)) && VERBOSE) {
      console.log(
        `    [${variant.id}] still in flight after load:`,
        [...inflight].map((id) => net.get(id)),
      );
    }
    await sleep(1000);
    const loadTrace = await stopTrace();
    const timeOrigin = await page.evaluate(() => performance.timeOrigin);
    const { thread, parseTs } = findPageThread(loadTrace, url);
    // From the task that starts parsing the page: renderer start-up and navigation commit are
    // the same with or without analytics.
    const work = thread ? mainThreadWork(loadTrace, thread, parseTs) : null;
    const lib = [...net.values()].filter((r) => r.url && isLibraryFile(r.url));
    result.ready = ready;
    result.libBytes = lib.reduce((a, r) => a + (r.encoded ?? 0), 0);
    result.libFiles = lib.map((r) => ({ path: new URL(r.url).pathname, bytes: r.encoded, encoding: r.encoding ?? null }));
    result.loadRequests = [...net.values()].map(
      (r) => `${r.method} ${r.url?.replace(/^http:\/\/127\.0\.0\.1:\d+/, '')} ${r.status ?? r.failed ?? ''}`,
    );
    result.loadTasksMs = work?.tasksMs ?? NaN;
    result.loadScriptMs = work?.scriptMs ?? NaN;
    result.loadLongestTaskMs = work?.longestTaskMs ?? NaN;
    result.firstEventMs = rec.firstEventAt !== null ? rec.firstEventAt - timeOrigin : NaN;
    result.firstEvent = rec.events[0] ?? null;
    if (variant.id === 'datafly') variant.version ??= await page.evaluate(() => window._df.version);
    result.phaseMs = { load: Date.now() - began };
    if (warmup) return result;

    // 2. Wire: 100 track calls, flushed; requests (incl. CORS preflights) and request body bytes.
    if (variant.id !== 'none') {
      rec.reset();
      await page.evaluate(
        ([name, n]) => {
          for (let i = 0; i < n; i++) window.__benchTrack(name, { i, phase: 'wire', plan: 'pro', price: 9.99, sku: 'SKU-' + i });
        },
        [TRACK_EVENT, 100],
      );
      await waitDelivered(TRACK_EVENT, 100, () => inflight.size > 0, DELIVERY_TIMEOUT);
      await networkIdle(500, 10_000);
      result.wireDelivered = rec.count(TRACK_EVENT);
      result.phaseMs.wire = Date.now() - began - result.phaseMs.load;
      result.wireRequests = rec.eventRequests.length;
      result.wirePreflights = rec.eventRequests.filter((r) => r.method === 'OPTIONS').length;
      result.wireBytes = rec.eventRequests.reduce((a, r) => a + r.bodyBytes, 0);
    }

    // 3. CPU: 1,000 track calls in one loop; main-thread tasks from the loop until all are
    //    accepted and the network is idle (at least 3 s).
    rec.reset();
    const stop2 = await startTrace(browserCdp);
    const t0 = Date.now();
    result.trackLoopMs = await page.evaluate(
      ([name, n]) => {
        const f = window.__benchTrack;
        const s = performance.now();
        for (let i = 0; i < n; i++) f(name, { i, phase: 'cpu', plan: 'pro', price: 9.99, sku: 'SKU-' + i });
        return performance.now() - s;
      },
      [TRACK_EVENT, 1000],
    );
    if (variant.id !== 'none') await waitDelivered(TRACK_EVENT, 1000, () => inflight.size > 0, DELIVERY_TIMEOUT);
    await networkIdle(500, 10_000);
    await sleep(Math.max(0, 3000 - (Date.now() - t0)));
    const cpuTrace = await stop2();
    const work2 = thread ? mainThreadWork(cpuTrace, thread) : null;
    result.track1kTasksMs = work2?.tasksMs ?? NaN;
    result.track1kScriptMs = work2?.scriptMs ?? NaN;
    result.track1kWindowMs = Date.now() - t0;
    result.track1kDelivered = variant.id === 'none' ? null : rec.count(TRACK_EVENT);
    result.track1kRequests = rec.eventRequests.length;
    result.elapsedMs = Date.now() - began;
    return result;
  } finally {
    await context.close().catch(() => {});
  }
}

// ---------------------------------------------------------------- run
const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown CPU',
  cores: os.cpus().length,
  memoryGB: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
  browser: `Chromium ${browser.version()}`,
};
console.log(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB RAM, ${machine.os}, Node ${machine.node}`);
console.log(`Browser: ${machine.browser} (headless, ${executablePath})`);
console.log(
  `Runs: ${RUNS} per variant (+1 warm-up load), variants in turn each run; peers ${SAME_WORK ? 'with burst limits raised (--same-work)' : 'as shipped (default options)'}\n`,
);

const results = Object.fromEntries(variants.map((v) => [v.id, []]));
const started = Date.now();
const loadBefore = os.loadavg()[0];
if (loadBefore > machine.cores * 0.5) {
  console.log(`Note: the machine is busy (load average ${loadBefore.toFixed(1)} on ${machine.cores} cores): timings will be noisier.\n`);
}
try {
  for (const v of variants) await measure(v, { warmup: true });
  for (let run = 1; run <= RUNS; run++) {
    for (const v of variants) {
      const r = await measure(v);
      results[v.id].push(r);
      const line = [
        `run ${run}/${RUNS}`,
        v.id.padEnd(11),
        `lib ${S.fmtBytes(r.libBytes)}`,
        `load tasks ${S.fmt(r.loadTasksMs)} ms`,
        `1st event ${S.fmt(r.firstEventMs)} ms`,
        `1k track ${S.fmt(r.track1kTasksMs)} ms (loop ${S.fmt(r.trackLoopMs)}, ${r.track1kDelivered ?? '-'} accepted)`,
        `100 ev: ${r.wireRequests ?? '-'} req ${r.wireBytes ?? '-'} B`,
        `${(r.elapsedMs / 1000).toFixed(1)} s ${VERBOSE ? JSON.stringify(r.phaseMs) : ''}`,
      ].join(' | ');
      console.log(line);
      if (VERBOSE) console.log('   ', r.loadRequests.join('\n    '));
    }
  }
} finally {
  await cleanup();
}

// ---------------------------------------------------------------- table
const col = (id, key) => results[id].map((r) => r[key]);
const base = S.median(col('none', 'loadTasksMs'));
const summaries = {};
for (const v of variants) {
  const rs = results[v.id];
  const delta = rs.map((r) => r.loadTasksMs - base);
  summaries[v.id] = {
    libBytes: S.summary(col(v.id, 'libBytes')),
    loadMainThreadMs: S.summary(delta),
    loadTasksRawMs: S.summary(col(v.id, 'loadTasksMs')),
    loadScriptMs: S.summary(col(v.id, 'loadScriptMs')),
    firstEventMs: S.summary(col(v.id, 'firstEventMs')),
    track1kMs: S.summary(col(v.id, 'track1kTasksMs')),
    trackLoopMs: S.summary(col(v.id, 'trackLoopMs')),
    track1kDelivered: S.summary(col(v.id, 'track1kDelivered')),
    wireRequests: S.summary(col(v.id, 'wireRequests')),
    wirePreflights: S.summary(col(v.id, 'wirePreflights')),
    wireBytes: S.summary(col(v.id, 'wireBytes')),
    wireDelivered: S.summary(col(v.id, 'wireDelivered')),
  };
}
const ref = summaries.datafly;
const cell = (id, key, f) => {
  const s = summaries[id][key];
  if (!s.n) return '–';
  const spread = f(s.min) === f(s.max) ? '' : ` (${f(s.min)}–${f(s.max)})`;
  const r = id === 'datafly' || id === 'none' ? '' : ` ${S.ratio(s.median, ref[key].median)}`;
  return `${f(s.median)}${spread}${r}`;
};
const ms = (x) => S.fmt(x);
const int = (x) => (Number.isFinite(x) ? String(Math.round(x)) : 'n/a');
const header = [
  'variant',
  'library, gzip transferred',
  'main thread at load, ms over baseline',
  'navigation → first event accepted, ms',
  '1,000 track: main thread ms (loop ms)',
  '100 events: requests',
  '100 events: body bytes',
];
const rows = [header];
for (const v of variants) {
  const name = v.version ? `${v.label} ${v.version}` : v.label;
  if (v.id === 'none') {
    rows.push([
      name,
      '–',
      `0 (baseline ${ms(base)} ms)`,
      '–',
      `${cell('none', 'track1kMs', ms)} (no-op: ${ms(summaries.none.trackLoopMs.median)})`,
      '–',
      '–',
    ]);
    continue;
  }
  const delivered = summaries[v.id].track1kDelivered;
  const range = (x) => (x.min === x.max ? int(x.min) : `${int(x.min)}–${int(x.max)}`);
  const lost = delivered.n && delivered.min < 1000 ? ` [${range(delivered)}/1000 accepted]` : '';
  const pre = summaries[v.id].wirePreflights;
  const wd = summaries[v.id].wireDelivered;
  const wireLost = wd.n && wd.min < 100 ? ` [${range(wd)}/100 accepted]` : '';
  rows.push([
    name,
    cell(v.id, 'libBytes', S.fmtBytes),
    cell(v.id, 'loadMainThreadMs', ms),
    cell(v.id, 'firstEventMs', ms),
    `${cell(v.id, 'track1kMs', ms)} (${ms(summaries[v.id].trackLoopMs.median)})${lost}`,
    `${cell(v.id, 'wireRequests', int)}${pre.median ? ` incl. ${int(pre.median)} preflight` : ''}${wireLost}`,
    cell(v.id, 'wireBytes', S.fmtBytes),
  ]);
}
const machineLine = `${SAME_WORK ? '--same-work; ' : ''}${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB RAM, ${machine.os}; ${machine.browser} headless; Node ${machine.node}`;
console.log(`\nMedian (min–max) of ${RUNS} runs; ×N = median relative to Datafly.js. ${machineLine}\n`);
console.log(S.textTable(rows));
machine.loadAverage = { before: +loadBefore.toFixed(2), after: +os.loadavg()[0].toFixed(2) };
console.log(
  `\n(${((Date.now() - started) / 1000).toFixed(0)} s; 1-minute load average ${machine.loadAverage.before} before, ${machine.loadAverage.after} after)`,
);

mkdirSync(join(HERE, 'results'), { recursive: true });
const date = new Date().toISOString();
writeFileSync(
  join(HERE, 'results', 'latest.json'),
  JSON.stringify(
    {
      date,
      machine,
      runs: RUNS,
      sameWork: SAME_WORK,
      variants: variants.map(({ id, label, version }) => ({ id, label, version })),
      baselineLoadTasksMs: base,
      summaries,
      results,
    },
    null,
    2,
  ),
);
writeFileSync(
  join(HERE, 'results', 'latest.md'),
  `Measured ${date.slice(0, 10)} on ${machineLine}; median (min–max) of ${RUNS} runs, ×N relative to Datafly.js.\n\n${S.markdownTable(rows)}\n`,
);
console.log('Wrote bench/results/latest.json and bench/results/latest.md');
