// The browser's I/O for delivery (src/delivery.ts decides, this does): the two ways a batch leaves
// the page, gzip, the monotonic clock, timers and the online flag. Both requests are CORS "simple"
// (POST, text/plain body, no custom header), so neither needs a preflight and either can be used
// while the page unloads. browserIO also carries the outbox's storage (src/outbox.ts's Store): one
// object for both.
import { lsKeys, lsSet, readJSON } from './storage';
import type { Store } from './outbox';
import { GZIP_MIN } from './limits';

/** [status, Retry-After]: status 0 means the request never got an answer. */
export type Answer = [number, (string | null)?];

/** An answer that takes longer than this counts as a network error (and is retried). */
export const TIMEOUT = 30000;

/** What delivery needs from the platform; unit tests pass fakes. */
export interface IO {
  /** Starts the request now (synchronously: the unload plan counts on it); settles with the answer. */
  _post(url: string, body: BodyInit, keepalive: boolean): PromiseLike<Answer>;
  /** Hands the body to the browser for delivery after unload; false when the browser refused it. */
  _beacon(url: string, body: BodyInit): boolean;
  _gzip(text: string): PromiseLike<BodyInit> | BodyInit;
  /** Monotonic ms (performance.now): waits must not follow the wall clock back or forth. */
  _now(): number;
  _online(): boolean;
  /** fetch's `keepalive` exists (Firefox has it from 133). */
  _keepalive: boolean;
  /** setTimeout / clearTimeout (delivery calls them unbound, as plain functions). */
  _timer(f: () => void, ms: number): any;
  _clear(t: any): void;
}

export async function post(url: string, body: BodyInit, keepalive: boolean): Promise<Answer> {
  const c = new AbortController();
  let t: any;
  try {
    // Started before this returns (the unload plan counts on it). mode is 'cors' by default.
    const f = fetch(url, { method: 'POST', body, keepalive, credentials: 'include', signal: c.signal });
    // An awaited thenable (not `new Promise`) settled by whichever comes first, the answer or the
    // timeout: a page's broken fetch or Promise must not leave delivery waiting forever.
    return await {
      then(done: (a: Answer) => void) {
        // Timed out: aborted, so a late answer can't race the retry; the batch is retried (or, at
        // unload, sent by the unload plan).
        t = setTimeout(() => (c.abort(), done([0])), TIMEOUT);
        f.then(
          (r) => {
            // Read the (tiny) answer: Chrome counts a keepalive request against its 64 KB budget
            // until its body is consumed.
            r.text().catch(() => 0);
            done([r.status, r.headers.get('Retry-After')]);
          },
          // Refused or failed (network, or a keepalive budget spent by others: the browser doesn't
          // say which): a retry after backoff, never a second request at once.
          () => done([0]),
        );
      },
    };
  } catch {
    // fetch itself is broken (replaced by the page): the beacon is the way out, and the
    // browser's word that it took the body is all the answer there will be.
    return [beacon(url, body) ? 202 : 0];
  } finally {
    clearTimeout(t);
  }
}

/**
 * gzip by CompressionStream (streamed off the main thread) for bodies big enough to gain; the
 * gateway recognises gzip by its first bytes, and a body without Content-Type still needs no
 * preflight. Where CompressionStream is missing, or it fails, the text goes as it is. Full build
 * only: d.js sends plain text (its bytes: README, "Builds").
 */
export async function gzip(text: string): Promise<BodyInit> {
  try {
    if (__FULL__ && text.length > GZIP_MIN)
      return await new Response(new Response(text).body!.pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
  } catch {}
  return text;
}

export function beacon(url: string, body: BodyInit): boolean {
  try {
    return navigator.sendBeacon(url, body);
  } catch {
    return false;
  }
}

let keepalive = false;
try {
  keepalive = 'keepalive' in Request.prototype;
} catch {}

export const browserIO: IO & Store = {
  _post: post,
  _beacon: beacon,
  _gzip: gzip,
  _now: () => performance.now(),
  _online: () => navigator.onLine !== false,
  _keepalive: keepalive,
  _timer: setTimeout,
  _clear: clearTimeout,
  _read: readJSON,
  _set: lsSet,
  _keys: lsKeys,
  // Web Locks keep two tabs from adopting the same orphaned queue (full build; without them both
  // may adopt it and the gateway's de-duplication drops the copy).
  _lock: (n, f) => {
    const l = __FULL__ && (navigator as any).locks;
    return l ? l.request(n, f) : f();
  },
};
