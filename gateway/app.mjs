// @ts-check
// The local Ingestion Gateway: a small stand-in for the real Datafly gateway
// (README, "The local Ingestion Gateway"), plus a demo site and a live
// event view for development and the e2e tests. Safe to leave running on a shared dev box:
// debug routes are private (loopback or --debug-token, no CORS, no cross-site state changes),
// ingestion CORS follows an allow-list, and memory, disk and streams are bounded.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import zlib from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_JSON_DEPTH, MAX_REQUEST_BYTES, checkEventSize, isPlainObject, jsonDepth, validateBatch, validateEvent } from './validate.mjs';
import { createStore, DEFAULT_EVENTS_FILE } from './store.mjs';
import { createFaults, faultCode } from './faults.mjs';
import { createGate, createGcValve, createRateLimiter, createRing } from './limits.mjs';
import { debugAccessProblem, isOwnOrigin, originAllowed, parseAllowedOrigins, stateChangeProblem } from './security.mjs';
import { vendorCookies } from './cookies.mjs';
import { GIF, PIXEL_TYPES, pixelEvent } from './pixel.mjs';
import { CHUNKS } from '../scripts/chunks.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const DEFAULT_DIST = resolve(HERE, '..', 'dist');

const KEY_FORM = /^dk_(live|test)_[A-Za-z0-9]+$/;
/** Single-event endpoints and the event type each one takes. @type {Record<string, string>} */
const SINGLE = { '/v1/t': 'track', '/v1/p': 'page', '/v1/i': 'identify', '/v1/g': 'group' };
const DFID_COOKIE = '_dfid';
/** A _dfid value we issued or could have: anything else is replaced. */
const DFID_FORM = /^[A-Za-z0-9._-]{1,128}$/;
// 400 days, the longest lifetime browsers honour for a server-set cookie.
const DFID_MAX_AGE = 400 * 24 * 60 * 60;
const HEARTBEAT_MS = 15000;
/** /debug/events page size: default and cap. */
export const EVENTS_PAGE = 1000;
export const EVENTS_PAGE_MAX = 10000;
/** How much of a rejected body /debug/rejected keeps. */
const REJECTED_EXCERPT = 1024;

const TYPES = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/** @typedef {{ status: number, headers?: Record<string, string>, body: unknown }} Reply */

/** An error that becomes an HTTP answer with the contract's error body. */
class HttpError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {Record<string, string>} [headers]
   */
  constructor(status, code, message, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/**
 * @param {number} status
 * @param {string} code
 * @param {string} message
 * @param {Record<string, string>} [headers]
 * @returns {Reply & { body: { error: { code: string, message: string } } }}
 */
const errorReply = (status, code, message, headers = {}) => ({
  status,
  headers,
  body: { error: { code, message } },
});

/** @param {unknown} err */
function toErrorReply(err) {
  if (err instanceof HttpError) return errorReply(err.status, err.code, err.message, err.headers);
  const message = err instanceof Error ? err.message : String(err);
  return errorReply(500, 'internal_error', `unexpected error: ${message}`);
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A client that went away mid-upload: nobody to answer (counted as `aborted`, not an error). */
class ClientAborted extends Error {}

/**
 * Bytes of request bodies being received at once, all requests together: bodies are read
 * before they queue for a parse slot, so this is what bounds their memory.
 * @param {number} max
 */
function createBodyBudget(max) {
  let used = 0;
  return {
    /** @param {number} n @returns {boolean} false when over budget (nothing taken) */
    take(n) {
      if (used + n > max) return false;
      used += n;
      return true;
    },
    /** @param {number} n */
    give(n) {
      used -= n;
    },
    get used() {
      return used;
    },
  };
}

/**
 * Read the request body with a hard cap (beyond it, stop reading: 413), an idle timeout (no
 * byte for `idleMs`: 408) and a shared byte budget (exceeded: 503). Each ends the connection,
 * as the rest of the upload is never read. The caller gives the body's bytes back to `budget`
 * when done with it (`Buffer.length`), also when this rejects (what it took is given back here).
 * @param {http.IncomingMessage} req
 * @param {{ cap?: number, idleMs?: number, budget?: ReturnType<typeof createBodyBudget> }} [limits]
 * @returns {Promise<Buffer>}
 */
function readBody(req, { cap = MAX_REQUEST_BYTES, idleMs = 0, budget } = {}) {
  const close = { Connection: 'close' };
  return new Promise((resolveBody, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    let done = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let idle;
    const arm = () => {
      clearTimeout(idle);
      if (idleMs > 0) idle = setTimeout(() => fail(new HttpError(408, 'request_timeout', `no body bytes for ${idleMs} ms`, close)), idleMs);
    };
    /** @param {Error} err */
    const fail = (err) => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      req.off('data', onData);
      req.pause();
      budget?.give(size);
      reject(err);
    };
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      if (size + chunk.length > cap) return fail(new HttpError(413, 'payload_too_large', `request body over ${cap} bytes`, close));
      if (budget && !budget.take(chunk.length)) {
        return fail(
          new HttpError(503, 'unavailable', 'too many request bodies in flight; retry shortly', { 'Retry-After': '1', ...close }),
        );
      }
      size += chunk.length;
      chunks.push(chunk);
      arm();
    };
    if (Number(req.headers['content-length']) > cap)
      return fail(new HttpError(413, 'payload_too_large', `request body over ${cap} bytes`, close));
    arm();
    req.on('data', onData);
    req.on('end', () => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      resolveBody(Buffer.concat(chunks, size));
    });
    req.on('error', () => fail(new ClientAborted('client went away mid-upload')));
    req.on('close', () => {
      if (!req.complete) fail(new ClientAborted('client went away mid-upload'));
    });
  });
}

/**
 * Undo gzip (magic bytes or Content-Encoding), deflate or br, capped at 5 MB decompressed.
 * @param {Buffer} buf
 * @param {string | undefined} contentEncoding
 */
function decodeBody(buf, contentEncoding) {
  const enc = String(contentEncoding ?? '')
    .trim()
    .toLowerCase();
  const gzipped = enc === 'gzip' || enc === 'x-gzip' || (buf[0] === 0x1f && buf[1] === 0x8b);
  const opts = { maxOutputLength: MAX_REQUEST_BYTES };
  try {
    if (gzipped) return zlib.gunzipSync(buf, opts);
    if (enc === 'deflate') return zlib.inflateSync(buf, opts);
    if (enc === 'br') return zlib.brotliDecompressSync(buf, opts);
  } catch (err) {
    if (/** @type {any} */ (err)?.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new HttpError(413, 'payload_too_large', `decompressed body over ${MAX_REQUEST_BYTES} bytes`);
    }
    throw new HttpError(400, 'invalid_payload', `body is not valid ${gzipped ? 'gzip' : enc} data`);
  }
  if (enc && enc !== 'identity') {
    throw new HttpError(400, 'invalid_payload', `unsupported Content-Encoding: ${enc}`);
  }
  return buf;
}

/**
 * Parse a JSON body; too deep a nesting is refused before parsing (400, never a 500).
 * @param {string} text
 * @returns {unknown}
 */
function parseJson(text) {
  if (!text.trim()) throw new HttpError(400, 'invalid_json', 'body is empty');
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw new HttpError(400, 'invalid_json', `body nests objects/arrays deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, 'invalid_json', `body is not valid JSON: ${err instanceof Error ? err.message : err}`);
  }
}

/** @param {Buffer} buf */
const bodyText = (buf) => buf.toString('utf8').replace(/^\uFEFF/, '');

/**
 * The key from ?key= or Authorization: Bearer (body field pipelineKey is read later).
 * @param {http.IncomingMessage} req
 * @param {URLSearchParams} searchParams
 * @returns {string | undefined}
 */
function keyFromRequest(req, searchParams) {
  const q = searchParams.get('key');
  if (q !== null) return q;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m ? m[1] : undefined;
}

/**
 * A cookie's value from the request, or undefined.
 * @param {http.IncomingMessage} req
 * @param {string} name
 */
function cookieValue(req, name) {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const p = part.trim();
    if (p.startsWith(name + '=')) return p.slice(name.length + 1);
  }
  return undefined;
}

/**
 * Same-origin base URL for the demo page, from the Host the browser used.
 * @param {http.IncomingMessage} req
 * @param {string} fallback
 */
function baseUrlFor(req, fallback) {
  const host = req.headers.host;
  return host && /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9a-fA-F:.]+\](:\d+)?$/.test(host) ? `http://${host}` : fallback;
}

/**
 * Add Set-Cookie values to an answer, keeping those already set.
 * @param {http.ServerResponse} res
 * @param {string[]} cookies
 */
function addCookies(res, cookies) {
  if (!cookies.length) return;
  const had = res.getHeader('Set-Cookie');
  const list = had === undefined ? [] : Array.isArray(had) ? had : [String(had)];
  res.setHeader('Set-Cookie', [...list, ...cookies]);
}

/** Was the gateway reached over https (directly or through a TLS-terminating proxy)? @param {http.IncomingMessage} req */
const isHttps = (req) =>
  Boolean(/** @type {any} */ (req.socket).encrypted) ||
  String(req.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]
    .trim() === 'https';

/** @param {string} pathname */
const isDebugPath = (pathname) => pathname === '/debug' || pathname.startsWith('/debug/');

/**
 * @typedef {object} GatewayOptions
 * @property {number} [port] default 8080; 0 = a random free port
 * @property {string} [host] default 127.0.0.1
 * @property {string} [eventsFile] NDJSON file of accepted events; default env DATAFLY_EVENTS_FILE or .datafly/events.ndjson (relative to cwd)
 * @property {boolean} [faults] enable POST /debug/faults (test-only); default false
 * @property {string[]} [keys] accepted pipeline keys; default env DATAFLY_KEYS (comma list), else any dk_live_/dk_test_ key
 * @property {string | string[] | null} [allowedOrigins] origins the ingestion routes answer with CORS (exact, `https://*.example.com`, or `*`); default env DATAFLY_ALLOWED_ORIGINS, else any
 * @property {string} [debugToken] opens the debug routes to non-loopback clients that send it; default env DATAFLY_DEBUG_TOKEN
 * @property {number} [rateLimitRps] requests a second per pipeline key before 429 (default 1000; 0 = off)
 * @property {number} [maxFileBytes] rotate the events file at this size (default 100 MB)
 * @property {number} [keepFiles] events files kept, the current one included (default 5)
 * @property {number} [dedupWindow] messageIds remembered for de-duplication (default 1,000,000)
 * @property {number} [tailEvents] events held for /debug/events and /debug/stream (default 10,000)
 * @property {number} [tailBytes] bytes of JSON those may take (default 16 MB)
 * @property {number} [rejectedKeep] rejected requests kept for /debug/rejected (default 200)
 * @property {number} [maxBodies] request bodies read and parsed at once (default 4)
 * @property {number} [maxWaiting] requests waiting for that, beyond which 503 (default 512)
 * @property {number} [bodyBufferMb] MB of request bodies received at once, all requests together, beyond which 503 (default 64)
 * @property {number} [bodyIdleMs] a body that sends no byte for this long is answered 408 (default 10,000)
 * @property {number} [requestTimeoutMs] the whole request (headers and body) must arrive within this (default 30,000; Node answers 408)
 * @property {number} [gcEveryMb] a full GC after this many MB of request bodies decoded (default 32; 0 = off)
 * @property {number} [sseMaxLag] events a /debug/stream client may fall behind before it is dropped (default tailEvents)
 * @property {string} [distDir] where d.js and snippet.min.js are served from; default <repo>/dist
 * @property {boolean} [quiet] no request logging
 */

/**
 * @typedef {object} Rejected
 * @property {string} at ISO time
 * @property {string} method
 * @property {string} path
 * @property {number} status
 * @property {string} code
 * @property {string} message
 * @property {string | null} origin
 * @property {number} bytes body bytes as received (compressed if it was)
 * @property {string} body the first bytes of the decoded body, as text
 */

/**
 * @typedef {object} SseClient
 * @property {http.ServerResponse} res
 * @property {number} next sequence number of the next event to send
 * @property {boolean} blocked waiting for 'drain'
 */

/**
 * @typedef {object} Ctx
 * @property {http.IncomingMessage} req
 * @property {http.ServerResponse} res
 * @property {string} pathname
 * @property {URLSearchParams} searchParams
 * @property {string} [dfid] the browser's _dfid (from its cookie, or the one set on this answer)
 * @property {Buffer} [raw] the body as received
 * @property {string} [text] the body decoded
 * @property {string} [forbiddenOrigin] an Origin the allow-list refuses
 */

/**
 * Start a gateway.
 * @param {GatewayOptions} [options]
 */
export async function createGateway(options = {}) {
  const {
    port = 8080,
    host = '127.0.0.1',
    eventsFile = process.env.DATAFLY_EVENTS_FILE || DEFAULT_EVENTS_FILE,
    faults = false,
    keys,
    distDir = DEFAULT_DIST,
    quiet = false,
  } = options;
  const store = createStore({
    file: eventsFile,
    maxFileBytes: options.maxFileBytes,
    keepFiles: options.keepFiles,
    dedupWindow: options.dedupWindow,
    tailEvents: options.tailEvents,
    tailBytes: options.tailBytes,
  });
  const faultState = faults ? createFaults() : null;
  const allowedKeys = new Set((keys ?? String(process.env.DATAFLY_KEYS ?? '').split(',')).map((k) => String(k).trim()).filter(Boolean));
  const allowedOrigins = parseAllowedOrigins(
    options.allowedOrigins !== undefined ? options.allowedOrigins : process.env.DATAFLY_ALLOWED_ORIGINS,
  );
  const debugToken = options.debugToken ?? (process.env.DATAFLY_DEBUG_TOKEN || undefined);
  const limiter = createRateLimiter({ rps: options.rateLimitRps ?? 1000 });
  const gate = createGate({ concurrency: options.maxBodies ?? 4, maxWaiting: options.maxWaiting ?? 512 });
  const bodyBudget = createBodyBudget((options.bodyBufferMb ?? 64) * 1024 * 1024);
  const bodyIdleMs = options.bodyIdleMs ?? 10_000;
  /** @type {ReturnType<typeof createRing<Rejected>>} */
  const rejected = createRing(options.rejectedKeep ?? 200);
  const sseMaxLag = options.sseMaxLag ?? store.limits.tailEvents;
  const gcValve = createGcValve({ everyBytes: (options.gcEveryMb ?? 32) * 1024 * 1024 });
  const log = quiet ? () => {} : (/** @type {unknown[]} */ ...a) => console.log(...a);
  /** Open Server-Sent Events answers, ended on close(). @type {Set<SseClient>} */
  const sseClients = new Set();
  /** Built stub per base URL: snippet/build.mjs minifies, which is slow-ish. @type {Map<string, string>} */
  const snippetCache = new Map();
  let baseUrl = '';

  /** @param {unknown} key @returns {asserts key is string} */
  function checkKey(key) {
    if (key === undefined || key === null || key === '') {
      throw new HttpError(
        401,
        'unauthorized',
        'missing pipeline key: send ?key=dk_..., "Authorization: Bearer dk_..." or a "pipelineKey" body field',
      );
    }
    if (typeof key !== 'string' || !KEY_FORM.test(key)) {
      throw new HttpError(401, 'unauthorized', 'pipeline key must look like dk_live_... or dk_test_...');
    }
    if (allowedKeys.size && !allowedKeys.has(key)) {
      throw new HttpError(401, 'unauthorized', 'unknown pipeline key');
    }
  }

  /** @param {string} key */
  function checkRate(key) {
    const wait = limiter.take(key);
    if (wait) {
      throw new HttpError(429, 'rate_limited', `over ${limiter.rps} requests a second for this pipeline key`, {
        'Retry-After': String(wait),
      });
    }
  }

  /**
   * Events without an anonymousId get the browser's _dfid, as the docs describe.
   * @param {Record<string, any>[]} events
   * @param {string | undefined} dfid
   * @param {(string | undefined)[]} [texts] their JSON texts: those of filled events are dropped (made again)
   */
  function fillAnonymousId(events, dfid, texts) {
    if (!dfid) return;
    events.forEach((ev, i) => {
      if (ev.anonymousId === undefined || ev.anonymousId === null) {
        ev.anonymousId = dfid;
        if (texts) texts[i] = undefined;
      }
    });
  }

  /**
   * The ingestion pipeline shared by /v1/batch and the single-event endpoints.
   * @param {Ctx} ctx
   * @returns {Promise<Reply>}
   */
  async function ingest(ctx) {
    const { req, pathname, searchParams } = ctx;
    if (ctx.forbiddenOrigin !== undefined) {
      throw new HttpError(403, 'forbidden_origin', `origin ${ctx.forbiddenOrigin} is not on this gateway's allow-list (--allow-origin)`);
    }
    // Check a query/header key before reading the body: no point reading a
    // 5 MB upload we are going to refuse.
    let key = keyFromRequest(req, searchParams);
    if (key !== undefined) {
      checkKey(key);
      checkRate(key);
    }
    // The body is read first (bounded: size, idle timeout, a shared byte budget), so a slow
    // sender holds no parse slot; then inflated and parsed a few at a time, where the memory goes.
    const raw = await readBody(req, { idleMs: bodyIdleMs, budget: bodyBudget });
    ctx.raw = raw;
    let release = () => {};
    try {
      const entry = gate.acquire();
      if (!entry) {
        throw new HttpError(503, 'unavailable', 'too many requests in flight; retry shortly', { 'Retry-After': '1', Connection: 'close' });
      }
      release = await entry;
      const decoded = decodeBody(ctx.raw, req.headers['content-encoding']);
      ctx.text = bodyText(decoded);
      const body = parseJson(ctx.text);
      if (key === undefined) {
        const bodyKey = isPlainObject(body) ? body.pipelineKey : undefined;
        checkKey(bodyKey);
        checkRate(bodyKey);
        key = bodyKey;
      }

      if (pathname === '/v1/batch') {
        /** @type {(string | undefined)[]} */
        const texts = [];
        const problem = validateBatch(body, /** @type {string[]} */ (texts));
        if (problem) throw new HttpError(problem.status, problem.code, problem.message);
        const batch = /** @type {Record<string, any>[]} */ (/** @type {any} */ (body).batch);
        fillAnonymousId(batch, ctx.dfid, texts);
        const { duplicates } = store.add(batch, texts);
        setVendorCookies(ctx, batch);
        log(`POST /v1/batch 200 events=${batch.length} duplicates=${duplicates}`);
        return { status: 200, body: { success: true, accepted: batch.length, duplicates } };
      }

      // Single event: pipelineKey rides in the body but is not part of the event.
      /** @type {unknown} */
      let event = body;
      if (isPlainObject(body) && 'pipelineKey' in body) {
        const { pipelineKey, ...rest } = body;
        event = rest;
      }
      const size = checkEventSize(event, 'event');
      if (size) throw new HttpError(size.status, size.code, size.message);
      const problem = validateEvent(event, SINGLE[pathname]);
      if (problem) throw new HttpError(400, 'invalid_payload', problem);
      const ev = /** @type {Record<string, any>} */ (event);
      fillAnonymousId([ev], ctx.dfid);
      const { duplicates } = store.add([ev]);
      setVendorCookies(ctx, [ev]);
      log(`POST ${pathname} 200 ${ev.type}${duplicates ? ' (duplicate)' : ''}`);
      return { status: 200, body: { success: true } };
    } finally {
      // What this body allocated (text, parsed events, lines) is garbage from here on.
      if (ctx.text) gcValve.note(ctx.text.length * 3);
      release();
      bodyBudget.give(raw.length);
    }
  }

  /**
   * The vendor IDs of accepted events, re-set as first-party cookies from the server.
   * @param {Ctx} ctx
   * @param {Record<string, any>[]} events
   */
  function setVendorCookies({ req, res }, events) {
    addCookies(res, vendorCookies(events, { origin: req.headers.origin, host: req.headers.host, secure: isHttps(req) }));
  }

  /**
   * The browser's first-party id: kept when it has a usable one, else issued on this answer
   * (error answers too: the browser still gets its id).
   * @param {Ctx} ctx
   */
  function issueDfid(ctx) {
    const had = cookieValue(ctx.req, DFID_COOKIE);
    if (had !== undefined && DFID_FORM.test(had)) ctx.dfid = had;
    else {
      ctx.dfid = randomUUID();
      addCookies(ctx.res, [`${DFID_COOKIE}=${ctx.dfid}; Max-Age=${DFID_MAX_AGE}; Path=/; HttpOnly; Secure; SameSite=Lax`]);
    }
  }

  /**
   * GET /v1/pixel/{type}: the same checks, de-duplication and storage as the POST routes;
   * always the 1×1 GIF (X-Datafly-Status tells what happened), refusals on /debug/rejected.
   * @param {Ctx} ctx
   * @returns {Reply}
   */
  function pixel(ctx) {
    const { req, pathname, searchParams } = ctx;
    const rawType = pathname.slice('/v1/pixel/'.length);
    /** @type {string} */
    let type;
    try {
      type = decodeURIComponent(rawType);
    } catch {
      type = rawType; // a malformed %-escape: not a pixel type, refused below like any other
    }
    ctx.text = req.url ?? '';
    issueDfid(ctx);
    let status = 'ok';
    /** @type {number} */
    let code = 200;
    try {
      if (ctx.forbiddenOrigin !== undefined) {
        throw new HttpError(403, 'forbidden_origin', `origin ${ctx.forbiddenOrigin} is not on this gateway's allow-list (--allow-origin)`);
      }
      if (!PIXEL_TYPES.includes(type))
        throw new HttpError(400, 'invalid_payload', `pixel type must be one of ${PIXEL_TYPES.join('|')} (got "${type}")`);
      const key = searchParams.get('wk') ?? undefined;
      checkKey(key);
      checkRate(key);
      const ev = pixelEvent(type, searchParams, { referer: req.headers.referer, userAgent: req.headers['user-agent'] });
      const size = checkEventSize(ev, 'pixel');
      if (size) throw new HttpError(size.status, size.code, size.message);
      const problem = validateEvent(ev, type);
      if (problem) throw new HttpError(400, 'invalid_payload', problem);
      fillAnonymousId([ev], ctx.dfid);
      const { duplicates } = store.add([ev]);
      if (duplicates) status = 'duplicate';
      log(`GET /v1/pixel/${type} ${status}`);
    } catch (err) {
      const reply = toErrorReply(err);
      recordRejected(ctx, reply);
      code = reply.status;
      status = reply.body.error.code;
      log(`GET ${pathname} ${code} ${reply.body.error.message}`);
    }
    store.recordResponse(code);
    return {
      status: 200,
      headers: { 'Content-Type': 'image/gif', 'Cache-Control': 'no-store, max-age=0', 'X-Datafly-Status': `${code} ${status}` },
      body: GIF,
    };
  }

  /**
   * Keep a rejected request for /debug/rejected and tell live views.
   * @param {Ctx} ctx
   * @param {Reply & { body: { error: { code: string, message: string } } }} reply
   */
  function recordRejected(ctx, reply) {
    const { req, pathname } = ctx;
    const text = ctx.text ?? (ctx.raw ? bodyText(ctx.raw) : '');
    /** @type {Rejected} */
    const entry = {
      at: new Date().toISOString(),
      method: req.method ?? 'POST',
      path: pathname,
      status: reply.status,
      code: reply.body.error.code,
      message: reply.body.error.message,
      origin: req.headers.origin ?? null,
      bytes: ctx.raw ? ctx.raw.length : Number(req.headers['content-length'] ?? 0) || 0,
      body: text.length > REJECTED_EXCERPT ? text.slice(0, REJECTED_EXCERPT) + '…' : text,
    };
    rejected.push(entry);
    const frame = `event: rejected\ndata: ${JSON.stringify(entry)}\n\n`;
    for (const c of sseClients) if (!c.blocked) c.res.write(frame);
  }

  /**
   * POST /v1/*: faults, then ingest; counts stats and sets the _dfid cookie.
   * @param {Ctx} ctx
   * @returns {Promise<Reply | null>}
   */
  async function v1(ctx) {
    const { req, pathname } = ctx;
    const fault = faultState ? faultState.next() : { drop: false, delayMs: 0, fail: null };
    if (fault.drop) {
      if (fault.delayMs) await sleep(fault.delayMs);
      store.recordResponse(0);
      log(`POST ${pathname} dropped (fault)`);
      req.socket.destroy();
      return null;
    }
    issueDfid(ctx);
    /** @type {Reply & { body: any }} */
    let reply;
    if (fault.fail) {
      // Like a real gateway, the injected failure answers once the request has arrived whole (a
      // reply before the body would leave it unread, and tests that tap bodies would miss it).
      try {
        for await (const _ of req);
      } catch {}
      const { status, retryAfter } = fault.fail;
      /** @type {Record<string, string>} */
      const headers = retryAfter !== null && retryAfter !== undefined ? { 'Retry-After': String(retryAfter) } : {};
      reply = errorReply(status, faultCode(status), `injected fault: ${status}`, headers);
    } else {
      try {
        reply = await ingest(ctx);
      } catch (err) {
        if (err instanceof ClientAborted) {
          // Nobody to answer and nothing wrong with the gateway: counted, not a 500.
          store.recordResponse(-1);
          log(`POST ${pathname} aborted by the client mid-upload`);
          return null;
        }
        reply = toErrorReply(err);
        recordRejected(ctx, reply);
      }
    }
    if (fault.delayMs) await sleep(fault.delayMs);
    if (reply.status !== 200) log(`POST ${pathname} ${reply.status} ${reply.body.error.message}`);
    store.recordResponse(reply.status);
    return reply;
  }

  /**
   * A file next to this module (demo/debug assets).
   * @param {string} name
   * @param {string} type
   */
  const asset = (name, type) => async () => ({
    status: 200,
    headers: { 'Content-Type': type, 'Cache-Control': 'no-cache' },
    body: await readFile(join(HERE, name)),
  });

  /**
   * A built file from dist/, open to any origin (no credentials) so SRI with crossorigin=anonymous works.
   * @param {string} name
   */
  const distFile = (name) => async () => {
    let bytes;
    try {
      bytes = await readFile(join(distDir, name));
    } catch {
      throw new HttpError(404, 'not_found', `${name} is not built (looked in ${distDir}); run npm run build`);
    }
    return {
      status: 200,
      headers: { 'Content-Type': TYPES.js, 'Cache-Control': 'no-cache', 'Access-Control-Allow-Origin': '*' },
      body: bytes,
    };
  };

  /** @param {Ctx} ctx */
  async function demoPage({ req }) {
    const base = baseUrlFor(req, baseUrl);
    if (!snippetCache.has(base)) {
      // Imported lazily so /v1/* keeps working even if the snippet builder is broken.
      // (A variable specifier: the snippet builder is outside this type-checked module set.)
      const builder = '../snippet/build.mjs';
      const { snippetTag } = await import(builder);
      snippetCache.set(base, await snippetTag({ src: base + '/d.js', key: 'dk_test_demo' }));
    }
    const template = await readFile(join(HERE, 'demo.html'), 'utf8');
    return {
      status: 200,
      headers: { 'Content-Type': TYPES.html, 'Cache-Control': 'no-cache' },
      body: template.replace('<!-- DATAFLY_SNIPPET -->', () => snippetCache.get(base) ?? ''),
    };
  }

  /**
   * Send a stream client what it has not seen, as far as its socket takes without buffering:
   * when write() says stop, wait for 'drain'. Memory per client is one socket buffer, whatever
   * the store holds; a client that falls behind the view or by more than sseMaxLag is dropped.
   * @param {SseClient} c
   */
  function pump(c) {
    if (c.blocked || c.res.destroyed) return;
    const { first, next } = store.seqs();
    if (c.next < first) c.next = first; // cleared, or the view moved on while it kept up
    while (c.next < next) {
      const line = store.line(c.next++);
      if (line !== undefined && !c.res.write(`data: ${line}\n\n`)) {
        c.blocked = true;
        c.res.once('drain', () => {
          c.blocked = false;
          pump(c);
        });
        return;
      }
    }
  }

  let droppedClients = 0;
  /** @param {SseClient} c */
  function dropClient(c) {
    if (sseClients.delete(c)) droppedClients++;
    c.res.destroy();
  }

  store.subscribe((ev, seq) => {
    for (const c of sseClients) {
      if (ev === null) {
        // Cleared: tell the page to empty its list; continue from the new start.
        c.next = seq;
        if (!c.blocked) c.res.write('event: reset\ndata: {}\n\n');
        continue;
      }
      if (!c.blocked) pump(c);
      else if (seq - c.next > sseMaxLag || c.next < store.seqs().first) dropClient(c);
    }
  });

  /** The process's memory, in MB. */
  function memoryStats() {
    const m = process.memoryUsage();
    const mb = (/** @type {number} */ n) => Math.round(n / 1048576);
    return { rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), forcedGcs: gcValve.runs };
  }

  /** Request bodies: bytes being received now, bodies being parsed, bodies waiting for a slot. */
  const bodyStats = () => ({ receivingBytes: bodyBudget.used, parsing: gate.active, waiting: gate.waiting });

  /** Live streams: how many, and the most any one has buffered in the server or is behind. */
  function streamStats() {
    const { next } = store.seqs();
    let maxBuffered = 0;
    let maxBehind = 0;
    for (const c of sseClients) {
      maxBuffered = Math.max(maxBuffered, c.res.writableLength);
      maxBehind = Math.max(maxBehind, next - c.next);
    }
    return { clients: sseClients.size, maxBuffered, maxBehind, dropped: droppedClients };
  }

  /**
   * GET /debug/stream: accepted events as `data: <json>` (the view's events first, at most
   * sseMaxLag of them), rejected requests as `event: rejected`, `event: reset` on a clear.
   * @param {Ctx} ctx
   */
  function stream({ res }) {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.write('retry: 1000\n\n');
    const { first, next } = store.seqs();
    /** @type {SseClient} */
    const client = { res, next: Math.max(first, next - sseMaxLag), blocked: false };
    sseClients.add(client);
    res.on('error', () => sseClients.delete(client));
    res.on('close', () => sseClients.delete(client));
    pump(client);
    return null; // answered (and kept open) here
  }

  /**
   * GET /debug/events?cursor=&limit=: a page of the view's events as a JSON array (oldest
   * first). X-Next-Cursor is the cursor for the next page (events after the last one returned),
   * X-Has-More says whether more are stored now.
   * @param {Ctx} ctx
   */
  function eventsPage({ searchParams }) {
    const cursor = searchParams.get('cursor');
    const limitParam = searchParams.get('limit');
    const after = cursor === null ? 0 : Number(cursor);
    const limit = limitParam === null ? EVENTS_PAGE : Number(limitParam);
    if (!Number.isSafeInteger(after) || after < 0)
      throw new HttpError(400, 'invalid_request', 'cursor must be an integer >= 0 (from X-Next-Cursor)');
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new HttpError(400, 'invalid_request', `limit must be an integer 1..${EVENTS_PAGE_MAX}`);
    const page = store.page({ after, limit: Math.min(limit, EVENTS_PAGE_MAX) });
    return {
      status: 200,
      headers: {
        'Content-Type': TYPES.json,
        'Cache-Control': 'no-store',
        'X-Next-Cursor': String(page.last),
        'X-Has-More': String(page.more),
      },
      body: `[${page.lines.join(',')}]`,
    };
  }

  /** @param {Ctx} ctx */
  async function setFaults({ req }) {
    if (!faultState) throw new HttpError(404, 'not_found', 'no route for /debug/faults');
    const body = parseJson(bodyText(decodeBody(await readBody(req, { cap: 65536, idleMs: bodyIdleMs }), req.headers['content-encoding'])));
    const problem = faultState.check(body);
    if (problem) throw new HttpError(400, 'invalid_payload', problem);
    const state = faultState.set(/** @type {any} */ (body));
    log(`faults set: ${JSON.stringify(state)}`);
    return { status: 200, body: { success: true, faults: state } };
  }

  /** @param {unknown} body @returns {Reply} */
  const json = (body) => ({ status: 200, body });

  /** @typedef {(ctx: Ctx) => Reply | null | Promise<Reply | null>} Handler */
  /** path -> method -> handler. A handler returns a reply, or null when it answered itself. @type {Map<string, Record<string, Handler>>} */
  const routes = new Map([
    ['/v1/batch', { POST: v1 }],
    ...Object.keys(SINGLE).map((p) => /** @type {[string, Record<string, Handler>]} */ ([p, { POST: v1 }])),
    ['/d.js', { GET: distFile('d.js') }],
    ['/d.full.js', { GET: distFile('d.full.js') }],
    // d.full.js's chunks, loaded from beside it (src/load-chunk.ts lists them).
    ...CHUNKS.map(({ name }) => /** @type {[string, Record<string, Handler>]} */ ([`/d.${name}.js`, { GET: distFile(`d.${name}.js`) }])),
    ['/snippet.min.js', { GET: distFile('snippet.min.js') }],
    ['/', { GET: demoPage }],
    ['/demo.js', { GET: asset('demo.js', TYPES.js) }],
    ['/demo.css', { GET: asset('demo.css', TYPES.css) }],
    ['/debug.js', { GET: asset('debug.js', TYPES.js) }],
    ['/debug', { GET: asset('debug.html', TYPES.html) }],
    ['/debug/events', { GET: eventsPage }],
    ['/debug/rejected', { GET: () => json(rejected.list()) }],
    ['/debug/stats', { GET: () => json({ ...store.stats(), bodies: bodyStats(), streams: streamStats(), memory: memoryStats() }) }],
    ['/debug/stream', { GET: stream }],
    [
      '/debug/reset',
      {
        POST: () => {
          store.clear();
          rejected.clear();
          limiter.clear();
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

  /**
   * @param {http.ServerResponse} res
   * @param {Reply} reply
   */
  function send(res, { status, headers = {}, body }) {
    if (res.headersSent || res.destroyed) return;
    const isRaw = typeof body === 'string' || Buffer.isBuffer(body);
    const payload = isRaw ? /** @type {string | Buffer} */ (body) : JSON.stringify(body);
    res.writeHead(status, {
      ...(isRaw ? {} : { 'Content-Type': TYPES.json, 'Cache-Control': 'no-store' }),
      ...headers,
      'Content-Length': Buffer.byteLength(payload),
    });
    res.end(payload);
  }

  /**
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   */
  async function handle(req, res) {
    let url;
    try {
      url = new URL(req.url ?? '/', 'http://gateway.local');
    } catch {
      throw new HttpError(400, 'invalid_payload', 'malformed request URL');
    }
    const { pathname, searchParams } = url;
    const origin = req.headers.origin;
    const ingestion = pathname.startsWith('/v1/');

    /** @type {string | undefined} */
    let forbiddenOrigin;
    if (ingestion && origin !== undefined) {
      // The pipeline's domain_allowlist: CORS with credentials (the _dfid cookie) for allowed
      // origins only; the collector must be able to read Retry-After on a 429/503. A refused
      // origin gets no CORS headers and its events a 403 (kept on /debug/rejected).
      // The gateway's own pages (the demo) are always allowed.
      if (!originAllowed(origin, allowedOrigins) && !isOwnOrigin(origin, req.headers.host)) {
        if (req.method === 'OPTIONS') {
          res.writeHead(403, { 'Content-Length': 0 });
          res.end();
          return;
        }
        forbiddenOrigin = origin;
      } else {
        res.setHeader('Access-Control-Allow-Origin', origin);
        res.setHeader('Access-Control-Allow-Credentials', 'true');
        res.setHeader('Vary', 'Origin');
        res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
      }
    }

    if (isDebugPath(pathname)) {
      // Private: no CORS at all; loopback (or the token) only; no state change from other sites.
      const denied = debugAccessProblem({ remoteAddress: req.socket.remoteAddress, headers: req.headers, searchParams, token: debugToken });
      if (denied) throw new HttpError(403, 'forbidden', denied);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        const foreign = stateChangeProblem(req.headers);
        if (foreign) throw new HttpError(403, 'forbidden', foreign);
      }
    }

    if (req.method === 'OPTIONS') {
      if (!ingestion || origin === undefined) {
        res.writeHead(204, { Allow: 'GET, POST, OPTIONS', 'Content-Length': 0 });
        res.end();
        return;
      }
      /** @type {Record<string, string>} */
      const headers = {
        'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, Content-Encoding',
        'Access-Control-Max-Age': '86400',
      };
      // Chrome's Private Network Access: a public page calling this local gateway (allowed origins only).
      if (req.headers['access-control-request-private-network'] === 'true') {
        headers['Access-Control-Allow-Private-Network'] = 'true';
      }
      res.writeHead(204, headers);
      res.end();
      return;
    }

    const route = routes.get(pathname) ?? (pathname.startsWith('/v1/pixel/') ? { GET: pixel } : undefined);
    if (!route) throw new HttpError(404, 'not_found', `no route for ${pathname}`);
    // HEAD is answered like GET; Node drops the body itself.
    const handler = route[req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET')];
    if (!handler) {
      const allow = [...Object.keys(route), 'OPTIONS'].join(', ');
      throw new HttpError(405, 'method_not_allowed', `${req.method} is not allowed on ${pathname}; use ${allow}`, {
        Allow: allow,
      });
    }
    const reply = await handler({ req, res, pathname, searchParams, forbiddenOrigin });
    if (reply) send(res, reply);
  }

  // Request timeouts are checked every 5 s (Node's default, 30 s, would double the 30 s bound).
  const server = http.createServer({ connectionsCheckingInterval: 5000 }, (req, res) => {
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
  // A whole request must arrive in time (a slow sender is answered 408 and closed by Node).
  server.requestTimeout = options.requestTimeoutMs ?? 30_000;
  server.headersTimeout = Math.min(server.headersTimeout, server.requestTimeout);
  // Malformed HTTP never reaches the handler; answer it and move on.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  // A heartbeat keeps idle SSE connections open through proxies.
  const heartbeat = setInterval(() => {
    for (const c of sseClients) if (!c.blocked) c.res.write(': ping\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();

  await new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen(undefined);
    });
  });

  const actualPort = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  baseUrl = `http://${urlHost}:${actualPort}`;

  /** @type {Promise<void> | undefined} */
  let closing;
  return {
    /** e.g. http://127.0.0.1:8080 (no trailing slash) */
    url: baseUrl,
    port: actualPort,
    server,
    store,
    /** null unless created with faults: true */
    faults: faultState,
    /** The ingestion allow-list (null = any origin). */
    allowedOrigins,
    /** Stop listening, end live streams and open connections. Safe to call twice. */
    close() {
      closing ??= new Promise((resolveClose) => {
        clearInterval(heartbeat);
        for (const c of sseClients) c.res.end();
        sseClients.clear();
        server.close(() => {
          store.close();
          resolveClose();
        });
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** @typedef {Awaited<ReturnType<typeof createGateway>>} Gateway */
