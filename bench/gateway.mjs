#!/usr/bin/env node
// Load and soak benchmark for the local Ingestion Gateway (npm run bench:gateway). Not a test:
// it prints figures. Everything runs on 127.0.0.1; the gateway runs as its own process
// (node gateway/server.mjs) so its memory is measured alone (peak RSS = VmHWM from /proc).
//
//   1. steady:  N clients POST /v1/batch back to back for a bounded time.
//   2. hostile: the same clients, plus amplified gzip bodies (a few KB on the wire, ~4.5 MB of
//               valid, unique events inflated) from several attackers at once, plus SSE clients
//               that never read /debug/stream.
//   3. restart: a 1 GB store (10 rotated files, and a single legacy 1 GB file as the old
//               unbounded gateway left it) is generated in a temp dir, the gateway started on
//               it and timed until it answers; then the files are deleted.
//
//   node bench/gateway.mjs [--seconds 10] [--clients 16] [--batch 20] [--attackers 6]
//                          [--sse 8] [--store-mb 1024] [--skip-restart]
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '16' },
    batch: { type: 'string', default: '20' },
    attackers: { type: 'string', default: '6' },
    sse: { type: 'string', default: '8' },
    'store-mb': { type: 'string', default: '1024' },
    'skip-restart': { type: 'boolean', default: false },
  },
});
const SECONDS = Number(opt.seconds);
const CLIENTS = Number(opt.clients);
const BATCH = Number(opt.batch);
const ATTACKERS = Number(opt.attackers);
const SSE = Number(opt.sse);
const STORE_MB = Number(opt['store-mb']);

const work = mkdtempSync(join(tmpdir(), 'datafly-gw-bench-'));
const children = new Set();
const cleanup = () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

/** A browser-like event of ~700 bytes JSON. */
function event(i, pad = '') {
  return {
    type: 'track',
    event: 'add_to_cart',
    properties: { sku: `SKU-${i}`, price: 19.99, currency: 'USD', ...(pad ? { pad } : {}) },
    anonymousId: randomUUID(),
    messageId: `df-${randomUUID()}`,
    timestamp: new Date().toISOString(),
    context: {
      page: {
        url: 'https://shop.example.com/p/1?utm_source=bench',
        path: '/p/1',
        referrer: '',
        title: 'Product',
        search: '?utm_source=bench',
      },
      screen: { width: 1920, height: 1080 },
      locale: 'en-US',
      timezone: 'Europe/Paris',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140 Safari/537.36',
      library: { name: '@datafly/collector', version: '0.1.0' },
    },
  };
}

/** Start the gateway as a child process; resolves with its URL, pid and the ms it took to answer. */
async function startGateway(eventsFile, extra = []) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'gateway/server.mjs'), '--port', '0', '--quiet', '--events', eventsFile, ...extra], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  const url = await new Promise((resolveUrl, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Datafly demo:\s+(http:\/\/\S+?)\/\s/.exec(out);
      if (m) resolveUrl(m[1]);
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`gateway exited ${code}: ${out}`)));
  });
  const stats = await getJson(`${url}/debug/stats`);
  const readyMs = performance.now() - t0;
  const loaded = Number(/\((\d+) events read/.exec(out)?.[1] ?? 0);
  return { child, url, pid: child.pid, readyMs, loaded, stats };
}

async function stopGateway(g) {
  g.child.kill('SIGTERM');
  await new Promise((r) => (g.child.exitCode !== null ? r() : g.child.once('exit', r)));
}

/** Peak and current resident memory of a process, in MB. */
function memory(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
    return { peakMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
  } catch {
    return { peakMb: 0, rssMb: 0 };
  }
}

function getJson(url) {
  return new Promise((resolveGet, reject) => {
    http
      .get(url, (res) => {
        let t = '';
        res.on('data', (c) => (t += c));
        res.on('end', () => resolveGet(JSON.parse(t)));
      })
      .on('error', reject);
  });
}

/** POST with a keep-alive agent; resolves { status, ms }. */
function postRaw(agent, url, body, headers = {}) {
  return new Promise((resolvePost) => {
    const t0 = performance.now();
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'text/plain', 'content-length': body.length, ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolvePost({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      },
    );
    req.on('error', () => resolvePost({ status: 0, ms: performance.now() - t0 }));
    req.end(body);
  });
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

/** N clients posting batches back to back until `until`. */
async function steadyClients(url, until) {
  const lat = [];
  const statuses = {};
  let events = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const key = `dk_test_bench${c}`;
      while (performance.now() < until) {
        const body = Buffer.from(JSON.stringify({ batch: Array.from({ length: BATCH }, (_, i) => event(i)) }));
        const r = await postRaw(agent, `${url}/v1/batch?key=${key}`, body);
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status === 200) {
          events += BATCH;
          lat.push(r.ms);
        }
      }
      agent.destroy();
    }),
  );
  lat.sort((a, b) => a - b);
  return { lat, statuses, events };
}

/** One amplified body: ~4.5 MB of valid, unique events that gzip to a few KB. */
function amplifiedBody() {
  const pad = 'a'.repeat(8800);
  const batch = Array.from({ length: 500 }, (_, i) => event(i, pad));
  return gzipSync(JSON.stringify({ batch }), { level: 1 });
}

async function attackers(url, until) {
  const statuses = {};
  let wire = 0;
  let inflated = 0;
  await Promise.all(
    Array.from({ length: ATTACKERS }, async (_, a) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      while (performance.now() < until) {
        const body = amplifiedBody();
        wire += body.length;
        inflated += 4.5e6;
        const r = await postRaw(agent, `${url}/v1/batch?key=dk_test_attacker${a}`, body, { 'content-encoding': 'gzip' });
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      }
      agent.destroy();
    }),
  );
  return { statuses, wireMb: wire / 1e6, inflatedMb: inflated / 1e6 };
}

/** SSE clients that connect and never read a byte. */
function stalledStreams(url) {
  const { port } = new URL(url);
  return Array.from({ length: SSE }, () => {
    const s = connect(Number(port), '127.0.0.1');
    s.write(`GET /debug/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    s.pause();
    s.on('error', () => {});
    return s;
  });
}

function dirMb(dir) {
  let total = 0;
  for (const f of readdirSync(dir)) total += statSync(join(dir, f)).size;
  return total / 1e6;
}

/** Sample a process's RSS every 100 ms; returns a stop() giving the peak seen. */
function sampleRss(pid) {
  let peak = 0;
  const t = setInterval(() => (peak = Math.max(peak, memory(pid).rssMb)), 100);
  return () => {
    clearInterval(t);
    return Math.max(peak, memory(pid).peakMb);
  };
}

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const results = [];

async function steadyPhase() {
  const dir = mkdtempSync(join(work, 'steady-'));
  const g = await startGateway(join(dir, 'events.ndjson'));
  const stop = sampleRss(g.pid);
  const t0 = performance.now();
  const r = await steadyClients(g.url, t0 + SECONDS * 1000);
  const secs = (performance.now() - t0) / 1000;
  const peak = stop();
  await stopGateway(g);
  results.push({
    phase: `steady (${CLIENTS} clients × ${BATCH}-event batches)`,
    eps: r.events / secs,
    p50: pct(r.lat, 50),
    p99: pct(r.lat, 99),
    peak,
    statuses: r.statuses,
    disk: dirMb(dir),
  });
}

async function hostilePhase() {
  const dir = mkdtempSync(join(work, 'hostile-'));
  const g = await startGateway(join(dir, 'events.ndjson'));
  const stop = sampleRss(g.pid);
  const streams = stalledStreams(g.url);
  const t0 = performance.now();
  const until = t0 + SECONDS * 1000;
  const mem = { heapUsed: 0, heapTotal: 0, external: 0 };
  const poll = setInterval(async () => {
    const m = (await getJson(`${g.url}/debug/stats`).catch(() => null))?.memory;
    if (m) for (const k of Object.keys(mem)) mem[k] = Math.max(mem[k], m[k]);
  }, 200);
  const [r, a] = await Promise.all([steadyClients(g.url, until), attackers(g.url, until)]);
  clearInterval(poll);
  console.log('hostile memory peaks (MB):', JSON.stringify(mem));
  const secs = (performance.now() - t0) / 1000;
  const stats = await getJson(`${g.url}/debug/stats`);
  const peak = stop();
  for (const s of streams) s.destroy();
  await stopGateway(g);
  results.push({
    phase: `hostile (+${ATTACKERS} gzip attackers, ${SSE} non-reading SSE)`,
    eps: r.events / secs,
    p50: pct(r.lat, 50),
    p99: pct(r.lat, 99),
    peak,
    statuses: r.statuses,
    disk: dirMb(dir),
    extra:
      `attack: ${fmt(a.wireMb, 1)} MB on the wire → ${fmt(a.inflatedMb)} MB inflated, answers ${JSON.stringify(a.statuses)}; ` +
      `SSE dropped ${stats.streams.dropped}/${SSE}; stored ${stats.accepted} events`,
  });
}

/** Write `mb` MB of NDJSON events across files; `legacy` = the old gateway's format (one file, messageId not first). */
function writeStore(dir, mb, { files, legacy }) {
  const perFile = (mb * 1e6) / files;
  let count = 0;
  for (let f = files - 1; f >= 0; f--) {
    const fd = openSync(join(dir, f === 0 ? 'events.ndjson' : `events.ndjson.${f}`), 'w');
    let written = 0;
    while (written < perFile) {
      const lines = [];
      for (let i = 0; i < 2000; i++) {
        const ev = event(count++);
        lines.push(JSON.stringify(legacy ? ev : { messageId: ev.messageId, ...ev }));
      }
      const chunk = lines.join('\n') + '\n';
      writeSync(fd, chunk);
      written += Buffer.byteLength(chunk);
    }
    closeSync(fd);
  }
  return count;
}

async function restartPhase(label, files, legacy, extra) {
  const dir = mkdtempSync(join(work, 'store-'));
  try {
    const t0 = performance.now();
    const count = writeStore(dir, STORE_MB, { files, legacy });
    const genS = (performance.now() - t0) / 1000;
    const disk = dirMb(dir);
    const g = await startGateway(join(dir, 'events.ndjson'), extra);
    const peak = memory(g.pid).peakMb;
    await stopGateway(g);
    results.push({ phase: label, restart: { ms: g.readyMs, loaded: g.loaded, count, disk, peak, genS } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`Gateway benchmark: ${SECONDS} s a phase, ${CLIENTS} clients, loopback only (work dir ${work})`);
await steadyPhase();
await hostilePhase();
if (!opt['skip-restart']) {
  await restartPhase(`restart on ${STORE_MB} MB in 10 rotated files (--keep-files 10)`, 10, false, ['--keep-files', '10']);
  await restartPhase(`restart on one ${STORE_MB} MB legacy file (old gateway's format)`, 1, true, []);
}

console.log('');
for (const r of results) {
  if (r.restart) {
    const x = r.restart;
    console.log(
      `${r.phase}:\n  ${fmt(x.disk)} MB, ${x.count} events on disk; answering after ${fmt(x.ms / 1000, 2)} s, ${x.loaded} events read, peak RSS ${fmt(x.peak)} MB`,
    );
  } else {
    console.log(
      `${r.phase}:\n  ${fmt(r.eps)} events/s accepted, p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms, peak RSS ${fmt(r.peak)} MB, disk ${fmt(r.disk)} MB, answers ${JSON.stringify(r.statuses)}`,
    );
    if (r.extra) console.log(`  ${r.extra}`);
  }
}
process.exit(0);
