// What every engine's run shares: the local gateway (fault injection on), a log of the requests it
// received (kept by this process, read off the gateway's own HTTP server: nothing is added to the
// gateway), a "CDN" that serves d.js late, a site server per scenario, and the proof rows.
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createGateway } from '../../gateway/app.mjs';
import { stubHtml } from '../support/page';
import type { Gw as BaseGw } from '../support/events';

export const KEY = 'dk_test_engines';

/** One /v1/* request as the gateway's server saw it. */
export interface Req {
  /** Arrival time at the gateway (ms, this process's clock). */
  t: number;
  path: string;
  /** Body bytes on the wire, and whether they were gzip (first bytes 1f 8b). */
  bytes: number;
  gzip: boolean;
  /** Sec-Fetch-Mode: `cors` for fetch, `no-cors` for a text/plain sendBeacon. */
  mode: string;
  /** The status the gateway answered (0 until it answered or when it dropped the socket). */
  status: number;
  /** The events the body carried (scenario tag, number, name), when it could be read. */
  events: { tag?: string; n?: number; event?: string }[];
}

export interface Gw extends BaseGw {
  /** Requests received since the last reset, in arrival order. */
  requests(): Req[];
  /** Polls until `pred` holds over the request log (and returns the log), or throws. */
  waitRequests(pred: (r: Req[]) => boolean, what: string, timeout?: number): Promise<Req[]>;
  reset(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startGateway(): Promise<Gw & { close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'datafly-engines-'));
  const g = await createGateway({ port: 0, eventsFile: join(dir, 'events.ndjson'), faults: true, quiet: true });
  let log: Req[] = [];
  g.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!req.url || !req.url.startsWith('/v1/') || req.method != 'POST') return;
    const r: Req = {
      t: Date.now(),
      path: req.url.split('?')[0],
      bytes: 0,
      gzip: false,
      mode: String(req.headers['sec-fetch-mode'] || ''),
      status: 0,
      events: [],
    };
    const mine = log;
    mine.push(r);
    // Tap the body as the HTTP parser hands it over (IncomingMessage.push), without reading the
    // stream: a 'data' listener here would drain it before the gateway reads it.
    const chunks: Buffer[] = [];
    const push = req.push;
    req.push = function (this: http.IncomingMessage, c: any, enc?: BufferEncoding) {
      if (c) chunks.push(Buffer.from(c));
      return push.call(this, c, enc);
    };
    const parse = () => {
      const b = Buffer.concat(chunks);
      r.bytes = b.length;
      r.gzip = b[0] == 0x1f && b[1] == 0x8b;
      try {
        const j = JSON.parse((r.gzip ? gunzipSync(b) : b).toString('utf8'));
        r.events = (Array.isArray(j.batch) ? j.batch : [j]).map((e: any) => ({
          tag: e?.properties?.scenario,
          n: e?.properties?.n,
          event: e?.event,
        }));
      } catch {}
    };
    // A fault answered before the gateway read the body: drain the rest into the tap, then parse.
    res.on('finish', () => {
      r.status = res.statusCode;
      if (req.complete) parse();
      else req.on('end', parse).resume();
    });
  });
  const j = async (path: string, init?: RequestInit) => (await fetch(g.url + path, init)).json();
  const gw = {
    url: g.url as string,
    events: () => j('/debug/events'),
    stats: () => j('/debug/stats'),
    faults: async (f: Record<string, unknown>) => void (await j('/debug/faults', { method: 'POST', body: JSON.stringify(f) })),
    async waitFor(n: number, timeout = 15000) {
      const end = Date.now() + timeout;
      let ev: any[] = [];
      while (Date.now() < end) {
        ev = await gw.events();
        if (ev.length >= n) return ev;
        await sleep(100);
      }
      throw new Error(
        `gateway got ${ev.length} events, expected ${n}: ${JSON.stringify(ev.map((e) => e.type + ':' + (e.event || e.name || '')))}`,
      );
    },
    requests: () => log.slice(),
    async waitRequests(pred: (r: Req[]) => boolean, what: string, timeout = 15000) {
      const end = Date.now() + timeout;
      while (!pred(log)) {
        if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}; requests: ${describe(log)}`);
        await sleep(50);
      }
      return log.slice();
    },
    async reset() {
      log = [];
      await j('/debug/reset', { method: 'POST' });
    },
    async close() {
      await g.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return gw;
}

/** A short text for a request log: status, size, gzip, mode and event count of each. */
export const describe = (log: Req[]) =>
  '[' + log.map((r) => `${r.status || '…'} ${r.bytes}B${r.gzip ? ' gz' : ''} ${r.mode || '-'} ${r.events.length}ev`).join(', ') + ']';

/** A "CDN" for d.js on its own origin: `/d.js?delay=ms` answers that late (a slow CDN). */
export async function startCdn(): Promise<{ url: string; close(): Promise<void> }> {
  const file = new URL('../../dist/d.js', import.meta.url);
  const server = http.createServer(async (req, res) => {
    const u = new URL(req.url || '/', 'http://cdn.local');
    if (u.pathname != '/d.js') return void res.writeHead(404).end();
    await sleep(Number(u.searchParams.get('delay')) || 0);
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    // A third origin: the page is on localhost, the gateway on 127.0.0.1 at another port.
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * A page with the stub pasted in <head>; `body` is more HTML (scripts included) after it. `full`:
 * the stub loads d.full.js from the gateway (gzip, the campaign session, hashChange, ...: README,
 * "Builds"); `src` overrides either.
 */
export async function stubPage(gw: Gw, o: { body?: string; src?: string; full?: boolean } = {}): Promise<string> {
  return stubHtml({ src: o.src || gw.url + (o.full ? '/d.full.js' : '/d.js'), key: KEY, endpoint: gw.url }, { body: o.body });
}

/** One row of the delivery proof table. */
export interface Row {
  engine: string;
  scenario: string;
  sent: number;
  received: number;
  'duplicates after dedup': number;
  lost: number;
  /** What else the row measured (gaps, bytes, modes), or why it could not run. */
  note: string;
}

/** Counts, for one scenario tag, which of the events 0..sent-1 the gateway stored, and how often. */
export async function tally(gw: Gw, tag: string, sent: number) {
  const evs = (await gw.events()).filter((e) => e.properties && e.properties.scenario == tag);
  const seen = new Map<number, number>();
  for (const e of evs) seen.set(e.properties.n, (seen.get(e.properties.n) || 0) + 1);
  const missing: number[] = [];
  for (let i = 0; i < sent; i++) if (!seen.has(i)) missing.push(i);
  return { received: seen.size, duplicates: evs.length - seen.size, missing };
}

/** Polls until every event 0..sent-1 of the scenario arrived (or the timeout). */
export async function collect(gw: Gw, tag: string, sent: number, timeout: number) {
  const end = Date.now() + timeout;
  let r = await tally(gw, tag, sent);
  while (r.missing.length && Date.now() < end) {
    await sleep(200);
    r = await tally(gw, tag, sent);
  }
  return r;
}

/** "0-9,12,15-20": missing event numbers, short. */
export function ranges(ns: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < ns.length; i++) {
    let j = i;
    while (j + 1 < ns.length && ns[j + 1] == ns[j] + 1) j++;
    out.push(i == j ? String(ns[i]) : `${ns[i]}-${ns[j]}`);
    i = j;
  }
  return out.join(',');
}
