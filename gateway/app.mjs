// The local Ingestion Gateway: a small, dependency-free stand-in for the real
// Datafly gateway (see /work/shared/spec/datafly-contract.md, "The gateway"),
// plus a demo site and a live event view for development and the e2e tests.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import zlib from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  MAX_REQUEST_BYTES,
  checkEventSize,
  isPlainObject,
  validateBatch,
  validateEvent,
} from './validate.mjs';
import { createStore, DEFAULT_EVENTS_FILE } from './store.mjs';
import { createFaults, faultCode } from './faults.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const DEFAULT_DIST = resolve(HERE, '..', 'dist');

const KEY_FORM = /^dk_(live|test)_[A-Za-z0-9]+$/;
/** Single-event endpoints and the event type each one takes. */
const SINGLE = { '/v1/t': 'track', '/v1/p': 'page', '/v1/i': 'identify', '/v1/g': 'group' };
const DFID_COOKIE = '_dfid';
// 400 days, the longest lifetime browsers honour for a server-set cookie.
const DFID_MAX_AGE = 400 * 24 * 60 * 60;
const HEARTBEAT_MS = 15000;

const TYPES = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/** An error that becomes an HTTP answer with the contract's error body. */
class HttpError extends Error {
  constructor(status, code, message, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

const errorReply = (status, code, message, headers = {}) => ({
  status,
  headers,
  body: { error: { code, message } },
});

function toErrorReply(err) {
  if (err instanceof HttpError) return errorReply(err.status, err.code, err.message, err.headers);
  return errorReply(500, 'internal_error', `unexpected error: ${err?.message ?? err}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Read the request body with a hard cap; beyond it, stop reading and answer 413.
 * @returns {Promise<Buffer>}
 */
function readBody(req, cap = MAX_REQUEST_BYTES) {
  const tooLarge = () =>
    // Connection: close because the rest of the upload is never read.
    new HttpError(413, 'payload_too_large', `request body over ${cap} bytes`, { Connection: 'close' });
  return new Promise((resolveBody, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > cap) {
      req.pause();
      return reject(tooLarge());
    }
    const chunks = [];
    let size = 0;
    const onData = (chunk) => {
      size += chunk.length;
      if (size > cap) {
        req.off('data', onData);
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Undo gzip (magic bytes or Content-Encoding), deflate or br, capped at 5 MB decompressed. */
function decodeBody(buf, contentEncoding) {
  const enc = String(contentEncoding ?? '').trim().toLowerCase();
  const gzipped = enc === 'gzip' || enc === 'x-gzip' || (buf[0] === 0x1f && buf[1] === 0x8b);
  const opts = { maxOutputLength: MAX_REQUEST_BYTES };
  try {
    if (gzipped) return zlib.gunzipSync(buf, opts);
    if (enc === 'deflate') return zlib.inflateSync(buf, opts);
    if (enc === 'br') return zlib.brotliDecompressSync(buf, opts);
  } catch (err) {
    if (err?.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new HttpError(413, 'payload_too_large', `decompressed body over ${MAX_REQUEST_BYTES} bytes`);
    }
    throw new HttpError(400, 'invalid_payload', `body is not valid ${gzipped ? 'gzip' : enc} data`);
  }
  if (enc && enc !== 'identity') {
    throw new HttpError(400, 'invalid_payload', `unsupported Content-Encoding: ${enc}`);
  }
  return buf;
}

function parseJson(buf) {
  const text = buf.toString('utf8').replace(/^\uFEFF/, '');
  if (!text.trim()) throw new HttpError(400, 'invalid_json', 'body is empty');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, 'invalid_json', `body is not valid JSON: ${err.message}`);
  }
}

/** The key from ?key= or Authorization: Bearer (body field pipelineKey is read later). */
function keyFromRequest(req, searchParams) {
  const q = searchParams.get('key');
  if (q !== null) return q;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m ? m[1] : undefined;
}

function hasCookie(req, name) {
  return String(req.headers.cookie ?? '')
    .split(';')
    .some((part) => part.trim().startsWith(name + '='));
}

/** Same-origin base URL for the demo page, from the Host the browser used. */
function baseUrlFor(req, fallback) {
  const host = req.headers.host;
  return host && /^[A-Za-z0-9.\-]+(:\d+)?$|^\[[0-9a-fA-F:.]+\](:\d+)?$/.test(host) ? `http://${host}` : fallback;
}

/**
 * Start a gateway.
 * @param {{ port?: number, host?: string, eventsFile?: string, faults?: boolean,
 *           keys?: string[], distDir?: string, quiet?: boolean }} [options]
 */
export async function createGateway({
  port = 8080,
  host = '127.0.0.1',
  eventsFile = process.env.DATAFLY_EVENTS_FILE || DEFAULT_EVENTS_FILE,
  faults = false,
  keys,
  distDir = DEFAULT_DIST,
  quiet = false,
} = {}) {
  const store = createStore({ file: eventsFile });
  const faultState = faults ? createFaults() : null;
  const allowedKeys = new Set(
    (keys ?? String(process.env.DATAFLY_KEYS ?? '').split(','))
      .map((k) => String(k).trim())
      .filter(Boolean),
  );
  const log = quiet ? () => {} : (...a) => console.log(...a);
  /** Open Server-Sent Events answers, ended on close(). */
  const sseClients = new Set();
  /** Built stub per base URL: snippet/build.mjs minifies, which is slow-ish. */
  const snippetCache = new Map();
  let baseUrl = '';

  function checkKey(key) {
    if (key === undefined || key === null || key === '') {
      throw new HttpError(401, 'unauthorized', 'missing pipeline key: send ?key=dk_..., "Authorization: Bearer dk_..." or a "pipelineKey" body field');
    }
    if (typeof key !== 'string' || !KEY_FORM.test(key)) {
      throw new HttpError(401, 'unauthorized', 'pipeline key must look like dk_live_... or dk_test_...');
    }
    if (allowedKeys.size && !allowedKeys.has(key)) {
      throw new HttpError(401, 'unauthorized', 'unknown pipeline key');
    }
  }

  /** The ingestion pipeline shared by /v1/batch and the single-event endpoints. */
  async function ingest({ req, pathname, searchParams }) {
    // Check a query/header key before reading the body: no point reading a
    // 5 MB upload we are going to refuse.
    let key = keyFromRequest(req, searchParams);
    if (key !== undefined) checkKey(key);

    const body = parseJson(decodeBody(await readBody(req), req.headers['content-encoding']));
    if (key === undefined) checkKey(isPlainObject(body) ? body.pipelineKey : undefined);

    if (pathname === '/v1/batch') {
      const problem = validateBatch(body);
      if (problem) throw new HttpError(problem.status, problem.code, problem.message);
      const { duplicates } = store.add(body.batch);
      log(`POST /v1/batch 200 events=${body.batch.length} duplicates=${duplicates}`);
      return { status: 200, body: { success: true, accepted: body.batch.length, duplicates } };
    }

    // Single event: pipelineKey rides in the body but is not part of the event.
    let event = body;
    if (isPlainObject(body) && 'pipelineKey' in body) {
      const { pipelineKey, ...rest } = body;
      event = rest;
    }
    const size = checkEventSize(event, 'event');
    if (size) throw new HttpError(size.status, size.code, size.message);
    const problem = validateEvent(event, SINGLE[pathname]);
    if (problem) throw new HttpError(400, 'invalid_payload', problem);
    const { duplicates } = store.add([event]);
    log(`POST ${pathname} 200 ${event.type}${duplicates ? ' (duplicate)' : ''}`);
    return { status: 200, body: { success: true } };
  }

  /** POST /v1/*: faults, then ingest; counts stats and sets the _dfid cookie. */
  async function v1(ctx) {
    const { req, res, pathname } = ctx;
    const fault = faultState ? faultState.next() : { drop: false, delayMs: 0, fail: null };
    let reply;
    if (fault.drop) {
      if (fault.delayMs) await sleep(fault.delayMs);
      store.recordResponse(0);
      log(`POST ${pathname} dropped (fault)`);
      req.socket.destroy();
      return null;
    }
    if (fault.fail) {
      const { status, retryAfter } = fault.fail;
      const headers = retryAfter !== null && retryAfter !== undefined ? { 'Retry-After': String(retryAfter) } : {};
      reply = errorReply(status, faultCode(status), `injected fault: ${status}`, headers);
    } else {
      try {
        reply = await ingest(ctx);
      } catch (err) {
        reply = toErrorReply(err);
      }
    }
    if (fault.delayMs) await sleep(fault.delayMs);
    if (reply.status !== 200) log(`POST ${pathname} ${reply.status} ${reply.body.error.message}`);
    store.recordResponse(reply.status);
    if (!hasCookie(req, DFID_COOKIE)) {
      res.setHeader(
        'Set-Cookie',
        `${DFID_COOKIE}=${randomUUID()}; Max-Age=${DFID_MAX_AGE}; Path=/; HttpOnly; Secure; SameSite=Lax`,
      );
    }
    return reply;
  }

  /** A file next to this module (demo/debug assets). */
  const asset = (name, type) => async () => ({
    status: 200,
    headers: { 'Content-Type': type, 'Cache-Control': 'no-cache' },
    body: await readFile(join(HERE, name)),
  });

  /** A built file from dist/, open to any origin so SRI with crossorigin=anonymous works. */
  const distFile = (name) => async ({ res }) => {
    let bytes;
    try {
      bytes = await readFile(join(distDir, name));
    } catch {
      throw new HttpError(404, 'not_found', `${name} is not built (looked in ${distDir}); run npm run build`);
    }
    res.removeHeader('Access-Control-Allow-Credentials');
    res.removeHeader('Vary');
    return {
      status: 200,
      headers: { 'Content-Type': TYPES.js, 'Cache-Control': 'no-cache', 'Access-Control-Allow-Origin': '*' },
      body: bytes,
    };
  };

  async function demoPage({ req }) {
    const base = baseUrlFor(req, baseUrl);
    if (!snippetCache.has(base)) {
      // Imported lazily so /v1/* keeps working even if the snippet builder is broken.
      const { snippetTag } = await import('../snippet/build.mjs');
      snippetCache.set(base, await snippetTag({ src: base + '/d.js', key: 'dk_test_demo' }));
    }
    const template = await readFile(join(HERE, 'demo.html'), 'utf8');
    return {
      status: 200,
      headers: { 'Content-Type': TYPES.html, 'Cache-Control': 'no-cache' },
      body: template.replace('<!-- DATAFLY_SNIPPET -->', () => snippetCache.get(base)),
    };
  }

  /** GET /debug/stream: every accepted event as `data: <json>`, existing ones first. */
  function stream({ req, res }) {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.write('retry: 1000\n\n');
    for (const ev of store.list()) res.write(`data: ${JSON.stringify(ev)}\n\n`);
    const unsubscribe = store.subscribe((ev) => {
      // null means the store was cleared: tell the page to empty its list.
      res.write(ev === null ? 'event: reset\ndata: {}\n\n' : `data: ${JSON.stringify(ev)}\n\n`);
    });
    sseClients.add(res);
    req.on('close', () => {
      unsubscribe();
      sseClients.delete(res);
    });
    return null; // answered (and kept open) here
  }

  async function setFaults({ req }) {
    const body = parseJson(decodeBody(await readBody(req, 65536), req.headers['content-encoding']));
    const problem = faultState.check(body);
    if (problem) throw new HttpError(400, 'invalid_payload', problem);
    log(`faults set: ${JSON.stringify(body)}`);
    return { status: 200, body: { success: true, faults: faultState.set(body) } };
  }

  const json = (body) => ({ status: 200, body });

  /** path -> method -> handler. A handler returns a reply, or null when it answered itself. */
  const routes = new Map([
    ['/v1/batch', { POST: v1 }],
    ...Object.keys(SINGLE).map((p) => [p, { POST: v1 }]),
    ['/d.js', { GET: distFile('d.js') }],
    ['/d.full.js', { GET: distFile('d.full.js') }],
    ['/snippet.min.js', { GET: distFile('snippet.min.js') }],
    ['/', { GET: demoPage }],
    ['/demo.js', { GET: asset('demo.js', TYPES.js) }],
    ['/demo.css', { GET: asset('demo.css', TYPES.css) }],
    ['/debug', { GET: asset('debug.html', TYPES.html) }],
    ['/debug.js', { GET: asset('debug.js', TYPES.js) }],
    ['/debug/events', { GET: () => json(store.list()) }],
    ['/debug/stats', { GET: () => json(store.stats()) }],
    ['/debug/stream', { GET: stream }],
    [
      '/debug/reset',
      {
        POST: () => {
          store.clear();
          faultState?.clear();
          return json({ success: true });
        },
      },
    ],
  ]);
  // Off unless asked for: a normal gateway must not be steerable into failing.
  if (faultState) {
    routes.set('/debug/faults', { GET: () => json(faultState.state()), POST: setFaults });
  }

  function send(res, { status, headers = {}, body }) {
    if (res.headersSent || res.destroyed) return;
    const isRaw = typeof body === 'string' || Buffer.isBuffer(body);
    const payload = isRaw ? body : JSON.stringify(body);
    res.writeHead(status, {
      ...(isRaw ? {} : { 'Content-Type': TYPES.json, 'Cache-Control': 'no-store' }),
      ...headers,
      'Content-Length': Buffer.byteLength(payload),
    });
    res.end(payload);
  }

  async function handle(req, res) {
    // CORS on every answer: echo the Origin so credentialed requests (the _dfid cookie) work.
    const origin = req.headers.origin;
    if (origin) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
      // The collector must be able to read Retry-After on a 429/503.
      res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    }

    let url;
    try {
      url = new URL(req.url ?? '/', 'http://gateway.local');
    } catch {
      throw new HttpError(400, 'invalid_payload', 'malformed request URL');
    }
    const { pathname, searchParams } = url;

    if (req.method === 'OPTIONS') {
      const headers = {
        'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, Content-Encoding',
        'Access-Control-Max-Age': '86400',
      };
      // Chrome's Private Network Access: a public page calling this local gateway.
      if (req.headers['access-control-request-private-network'] === 'true') {
        headers['Access-Control-Allow-Private-Network'] = 'true';
      }
      res.writeHead(204, headers);
      res.end();
      return;
    }

    const route = routes.get(pathname);
    if (!route) throw new HttpError(404, 'not_found', `no route for ${pathname}`);
    // HEAD is answered like GET; Node drops the body itself.
    const handler = route[req.method === 'HEAD' ? 'GET' : req.method];
    if (!handler) {
      const allow = [...Object.keys(route), 'OPTIONS'].join(', ');
      throw new HttpError(405, 'method_not_allowed', `${req.method} is not allowed on ${pathname}; use ${allow}`, {
        Allow: allow,
      });
    }
    const reply = await handler({ req, res, pathname, searchParams });
    if (reply) send(res, reply);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      // Last line of defence: any body, any bug, answers instead of crashing.
      try {
        if (res.headersSent) res.destroy();
        else send(res, toErrorReply(err));
      } catch {
        res.destroy();
      }
    });
  });
  // Malformed HTTP never reaches the handler; answer it and move on.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  // A heartbeat keeps idle SSE connections open through proxies.
  const heartbeat = setInterval(() => {
    for (const res of sseClients) res.write(': ping\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();

  await new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });

  const actualPort = server.address().port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  baseUrl = `http://${urlHost}:${actualPort}`;

  let closing;
  return {
    url: baseUrl,
    port: actualPort,
    server,
    store,
    faults: faultState,
    /** Stop listening, end live streams and open connections. Safe to call twice. */
    close() {
      closing ??= new Promise((resolveClose) => {
        clearInterval(heartbeat);
        for (const res of sseClients) res.end();
        sseClients.clear();
        server.close(() => resolveClose());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
