// Local servers for the benchmark, all on 127.0.0.1 with random ports:
// - the site: one plain test page per variant (same body; only the <head> snippet differs);
// - the "vendor" server: the peers' CDN files (gzip level 9, like a CDN), their settings/config
//   endpoints and their event endpoints (answered 200 and counted);
// - the Datafly gateway from ../gateway/app.mjs, with /d.js served gzip-compressed as well
//   (the gateway itself sends it uncompressed; a CDN in front of it would not).
import http from 'node:http';
import zlib from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

const nowEpoch = () => performance.timeOrigin + performance.now();

/** What the servers saw since the last reset. */
export function createRecorder() {
  const rec = {
    /** accepted events: {name, type, at} */
    events: [],
    /** requests to event endpoints: {method, path, bodyBytes, at} */
    eventRequests: [],
    /** every request the vendor server/gateway got: {method, path, status} */
    all: [],
    firstEventAt: null,
    reset() {
      rec.events = [];
      rec.eventRequests = [];
      rec.all = [];
      rec.firstEventAt = null;
    },
    addEvents(list) {
      const at = nowEpoch();
      for (const e of list) rec.events.push({ ...e, at });
      if (list.length && rec.firstEventAt === null) rec.firstEventAt = at;
    },
    count(name) {
      return rec.events.filter((e) => e.name === name).length;
    },
  };
  return rec;
}

const gzCache = new Map();
/** The file's bytes gzip-compressed at level 9 (cached: compression time is not the point here). */
async function gzipped(file) {
  let v = gzCache.get(file);
  if (!v) {
    const raw = typeof file === 'string' ? await readFile(file) : file;
    v = { raw, gz: zlib.gzipSync(raw, { level: 9 }) };
    if (typeof file === 'string') gzCache.set(file, v);
  }
  return v;
}

/** Sends a JS file as a CDN would: gzip when accepted, CORS open, not cached across runs. */
export async function sendJs(req, res, file) {
  const { raw, gz } = await gzipped(file);
  const useGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = useGzip ? gz : raw;
  res.writeHead(200, {
    'Content-Type': 'text/javascript; charset=utf-8',
    'Cache-Control': 'no-cache',
    'Access-Control-Allow-Origin': '*',
    Vary: 'Accept-Encoding',
    ...(useGzip ? { 'Content-Encoding': 'gzip' } : {}),
    'Content-Length': body.length,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

function closer(server) {
  return () =>
    new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    });
}

/** The site: GET /<variant>.html. */
export async function startSite(pages) {
  const server = http.createServer((req, res) => {
    const path = (req.url || '/').split('?')[0];
    const body = pages.get(path);
    if (!body) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return res.end('not found');
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(body);
  });
  const url = await listen(server);
  return { url, close: closer(server) };
}

/** Events in a peer's request body (JSON; PostHog's gzip-js / base64 forms too). */
export function decodeEvents(buf, search) {
  let data = buf;
  const compression = search.get('compression');
  if (compression === 'gzip-js' || (buf[0] === 0x1f && buf[1] === 0x8b)) data = zlib.gunzipSync(buf);
  let text = data.toString('utf8');
  if (compression === 'base64' || /^data=/.test(text)) {
    const p = new URLSearchParams(text).get('data') ?? '';
    text = Buffer.from(p, 'base64').toString('utf8');
  }
  if (!text.trim()) return [];
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return [];
  }
  const list = Array.isArray(body) ? body : Array.isArray(body?.batch) ? body.batch : [body];
  return list
    .filter((e) => e && typeof e === 'object')
    .map((e) => ({ name: e.event ?? e.name ?? null, type: e.type ?? (e.event?.startsWith('$') ? e.event : 'capture') }));
}

/**
 * The peers' CDN + API, on one origin.
 * @param {{files: Record<string, string|Buffer>, json: (path: string, url: URL) => any,
 *          isEventPath: (path: string) => boolean, rec: ReturnType<typeof createRecorder>,
 *          eventReply: (path: string) => {type: string, body: string}}} o
 */
export async function startVendor(o) {
  const { rec } = o;
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url || '/', 'http://vendor.local');
    const path = url.pathname;
    const origin = req.headers.origin;
    if (origin) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    const isEvent = o.isEventPath(path);
    try {
      if (req.method === 'OPTIONS') {
        if (isEvent) rec.eventRequests.push({ method: 'OPTIONS', path, bodyBytes: 0, at: nowEpoch() });
        rec.all.push({ method: 'OPTIONS', path, status: 204 });
        res.writeHead(204, {
          'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
          'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || 'Content-Type',
          // Same preflight caching as the Datafly gateway.
          'Access-Control-Max-Age': '86400',
        });
        return res.end();
      }
      if (isEvent && req.method === 'POST') {
        const buf = await readBody(req);
        rec.eventRequests.push({ method: 'POST', path, bodyBytes: buf.length, at: nowEpoch() });
        let events = [];
        try {
          events = decodeEvents(buf, url.searchParams);
        } catch (err) {
          rec.all.push({ method: 'POST', path, status: 200, note: `undecodable: ${err.message}` });
        }
        rec.addEvents(events);
        rec.all.push({ method: 'POST', path, status: 200, events: events.length });
        const reply = o.eventReply(path);
        res.writeHead(200, { 'Content-Type': reply.type, 'Cache-Control': 'no-store' });
        return res.end(reply.body);
      }
      const file = o.files[path];
      if (file && (req.method === 'GET' || req.method === 'HEAD')) {
        rec.all.push({ method: req.method, path, status: 200 });
        return await sendJs(req, res, file);
      }
      const json = req.method === 'GET' || req.method === 'POST' ? o.json(path, url) : undefined;
      if (json !== undefined) {
        if (req.method === 'POST') await readBody(req);
        rec.all.push({ method: req.method, path, status: 200 });
        const body = typeof json === 'string' ? json : JSON.stringify(json);
        res.writeHead(200, {
          'Content-Type': typeof json === 'string' ? 'text/javascript; charset=utf-8' : 'application/json; charset=utf-8',
          'Cache-Control': 'no-store',
        });
        return res.end(body);
      }
      rec.all.push({ method: req.method, path, status: 404 });
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
    } catch (err) {
      rec.all.push({ method: req.method, path, status: 500, note: String(err?.message ?? err) });
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('error');
    }
  });
  const url = await listen(server);
  return { url, close: closer(server) };
}

/**
 * Wraps a Datafly gateway (from createGateway): /d.js is answered gzip-compressed like the peers'
 * files, requests to /v1/* are counted (method, body bytes) and accepted events recorded from
 * the gateway's store.
 */
export function instrumentGateway(gw, rec, distFile) {
  const [handler] = gw.server.listeners('request');
  gw.server.removeAllListeners('request');
  gw.server.on('request', (req, res) => {
    const path = (req.url || '/').split('?')[0];
    if (path === '/d.js' && req.method === 'GET') {
      rec.all.push({ method: 'GET', path, status: 200 });
      sendJs(req, res, distFile).catch(() => res.destroy());
      return;
    }
    if (path.startsWith('/v1/')) {
      const declared = Number(req.headers['content-length'] ?? 0);
      rec.eventRequests.push({ method: req.method, path, bodyBytes: req.method === 'POST' ? declared : 0, at: nowEpoch() });
    }
    rec.all.push({ method: req.method, path });
    handler(req, res);
  });
  return gw.store.subscribe((ev) => {
    if (ev) rec.addEvents([{ name: ev.event ?? ev.name ?? null, type: ev.type }]);
  });
}
