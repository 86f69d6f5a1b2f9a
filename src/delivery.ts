// Sends the outbox to the gateway: batches, retries, offline pauses, the unload path and flush().
import { body, take, type Item } from './batch';
import { backoff, retryAfter, verdict, RETRY, SPLIT, DROP } from './retry';
import { beacon, gzip, post } from './transport';
import { byteLength } from './sanitize';
import { log } from './log';
import type { Outbox } from './outbox';
import type { FlushResult } from './types';

/** Chrome's budget for request bodies in flight with keepalive (sendBeacon shares it). */
const KEEPALIVE_BUDGET = 65536;
/** Largest body of one normal request (the gateway takes 5 MB; smaller requests fail and retry cheaper). */
const MAX_BODY = 1e6;

export interface Delivery {
  /** Events were added; `now`: don't wait for the batch to fill. */
  _kick(now?: boolean): void;
  /** An event is gone for good: reported to flush() callers and in debug mode. */
  _failed(it: Item, reason: string): void;
  _flush(): Promise<FlushResult>;
  _online(): void;
  /** Full build: a late init() sets batchSize and flushInterval. */
  _tune?(batchSize: number, interval: number): void;
  /** Sends everything now; `left`: pagehide (the page is going, not just hidden). */
  _unload(left?: boolean): void;
  _resume(): void;
}

interface Waiter {
  _ids: Set<string>;
  _r: FlushResult;
  _done: (r: FlushResult) => void;
}

export function createDelivery(url: string, batchSize: number, interval: number, box: Outbox): Delivery {
  let timer: any;
  let due = 0;
  /** No request before this time (backoff or Retry-After in force). */
  let retryAt = 0;
  let busy = false;
  /** Consecutive failed attempts (0 = healthy). */
  let attempt = 0;
  /** Largest batch to try next: halves on 413/400, back to batchSize after a success. */
  let cap = batchSize;
  let waiters: Waiter[] = [];
  /** Events a request that survives unload carries (keepalive fetch or beacon): not sent again. */
  const gone = new Set<string>();
  let keepaliveBytes = 0;
  /** The page has gone (pagehide): events the page still makes leave by the unload path at once. */
  let left: boolean | undefined;

  const pending = () => box._items.filter((i) => !gone.has(i._id));
  const ids = (items: Item[]) => new Set(items.map((i) => i._id));
  const mark = (items: Item[], on: boolean) => items.forEach((i) => (on ? gone.add(i._id) : gone.delete(i._id)));

  function schedule(ms: number): void {
    const at = Math.max(Date.now() + ms, retryAt);
    // Keep an earlier timer; move a later one forward.
    if (timer && due <= at) return;
    clearTimeout(timer);
    due = at;
    timer = setTimeout(() => {
      timer = 0;
      send().catch(() => (busy = false));
    }, at - Date.now());
  }

  const kick = (now?: boolean) =>
    left ? me._unload(left) : schedule(now || box._items.length >= batchSize || waiters.length ? 0 : interval);

  function settle(done: Set<string>, reason: string): void {
    waiters = waiters.filter((w) => {
      for (const id of done) if (w._ids.delete(id)) reason ? (w._r.failed[w._r.failed.length] = { messageId: id, reason }) : w._r.sent++;
      if (w._ids.size) return true;
      w._done(w._r);
    });
  }

  function failed(it: Item, reason: string): void {
    // Named by messageId: debug mode printed every event with its id when it was queued.
    log.warn('dropped ' + it._id + ': ' + reason);
    settle(new Set([it._id]), reason);
  }

  /**
   * Posts a batch, with keepalive while the 64 KB budget allows (so a page closing mid-request
   * doesn't cancel it; its events count as gone meanwhile), and acts on the answer.
   */
  async function postBatch(batch: Item[], data: BodyInit, size: number): Promise<void> {
    const ka = keepaliveBytes + size <= KEEPALIVE_BUDGET;
    if (ka) (keepaliveBytes += size), mark(batch, true);
    const [status, ra] = await post(url, data, ka);
    if (ka) (keepaliveBytes -= size), mark(batch, false);
    const v = verdict(status, batch.length);
    if (v == RETRY) {
      const wait = Math.max(backoff(++attempt), retryAfter(ra));
      retryAt = Date.now() + wait;
      log.warn((status || 'network error') + ' for ' + batch.length + ' events, retry in ' + wait + ' ms');
      return schedule(wait);
    }
    if (v == SPLIT) {
      cap = Math.ceil(batch.length / 2);
      log.warn(status + ' for ' + batch.length + ' events, sending halves');
      return schedule(0);
    }
    attempt = retryAt = 0;
    cap = batchSize;
    const done = ids(batch);
    if (v == DROP) batch.forEach((it) => failed(it, 'gateway answered ' + status));
    else settle(done, '');
    box._remove(done);
    if (box._items.length) kick();
  }

  async function send(): Promise<void> {
    // Offline: wait for the `online` event instead of burning retries.
    if (busy || navigator.onLine === false) return;
    // A timer set by a new event must not cut a backoff or Retry-After short.
    if (Date.now() < retryAt) return schedule(0);
    const batch = take(pending(), cap, MAX_BODY);
    if (!batch.length) return;
    busy = true;
    const data = await gzip(body(batch));
    // Unless the page was hidden while this was compressed (the unload path sent these already).
    if (!batch.some((i) => gone.has(i._id))) await postBatch(batch, data, typeof data == 'string' ? byteLength(data) : (data as Uint8Array).length);
    busy = false;
  }

  const me: Delivery = {
    _kick: kick,
    _failed: failed,

    /** Resolves when every event queued now is accepted or failed for good. Never rejects. */
    async _flush() {
      const r: FlushResult = { sent: 0, failed: [] };
      const want = ids(box._items);
      // Awaiting a thenable, not `new Promise`: pages that replace window.Promise exist.
      return want.size
        ? await {
            then(done: (r: FlushResult) => void) {
              waiters[waiters.length] = { _ids: want, _r: r, _done: done };
              // Send now, unless a retry is waiting for its backoff or Retry-After.
              schedule(0);
            },
          }
        : r;
    },

    _online() {
      attempt = retryAt = 0;
      schedule(0);
    },

    /**
     * The page is being hidden or unloaded: send everything now, with keepalive fetch while the
     * 64 KB budget lasts and sendBeacon after that, in chunks that fit. What the browser refuses
     * stays stored for the next page view.
     */
    _unload(final?: boolean) {
      // Once gone, only a resume (bfcache restore) undoes it: Chromium may fire visibilitychange
      // after pagehide.
      left ||= final;
      clearTimeout(timer);
      timer = 0;
      let rest = pending();
      while (rest.length) {
        const chunk = take(rest, 500, KEEPALIVE_BUDGET);
        const data = body(chunk);
        const size = byteLength(data);
        // If the page lives on (only hidden), the answer still arrives and is acted on as usual.
        if (keepaliveBytes + size <= KEEPALIVE_BUDGET) postBatch(chunk, data, size).catch(() => 0);
        else if (beacon(url, data)) mark(chunk, true);
        else break;
        rest = rest.slice(chunk.length);
      }
      // When the page goes, stored with heartbeat 0: the next page view may adopt and resend them
      // at once (the gateway drops the copies that did arrive, by messageId). A page only hidden
      // keeps its heartbeat, so other tabs leave its queue alone.
      box._write(left ? 0 : Date.now());
    },

    /** Back from the back/forward cache, or visible again: normal work resumes. */
    _resume() {
      left = undefined;
      gone.clear();
      box._write();
      if (box._items.length) kick();
    },
  };
  if (__FULL__) me._tune = (b, i) => ((cap = batchSize = b), (interval = i));
  return me;
}
