// Sends the outbox to the gateway: batches, retries, offline pauses, the unload plan and flush().
// Platform-free: every effect goes through the injected IO (src/transport.ts in the browser, fakes
// in unit tests), and every wait is measured on its monotonic clock.
import { body, take, type Item } from './batch';
import { backoff, retryAfter, verdict, RETRY, SPLIT, DROP } from './retry';
import { browserIO, type IO } from './transport';
import { BUDGET, plan } from './unload-plan';
import { byteLength } from './sanitize';
import { log } from './log';
import type { Outbox } from './outbox';
import type { FlushResult } from './types';
import { MAX_BODY } from './limits';

export interface Delivery {
  /** Events were added; `now`: don't wait for the batch to fill. */
  _kick(now?: boolean): void;
  /** An event is gone for good: reported to flush() callers and in debug mode. */
  _failed(it: Item, reason: string): void;
  _flush(): Promise<FlushResult>;
  _online(): void;
  /** Full build: a late init() sets batchSize and flushInterval. */
  _tune?(batchSize: number, interval: number): void;
  /** Sends what the unload plan allows; `left`: pagehide (the page is going, not just hidden). */
  _unload(left?: true): void;
  _resume(): void;
}

/** A flush() caller: the events it waits for, its result so far, its resolve. */
type Waiter = [Set<string>, FlushResult, (r: FlushResult) => void];

export function createDelivery(url: string, batchSize: number, interval: number, box: Outbox, io: IO = browserIO): Delivery {
  // Called unbound: in the browser these are setTimeout/clearTimeout, which throw as methods of io.
  const { _timer: later, _clear: clear } = io;
  let timer: any;
  let due = 0;
  /** No request before this (monotonic) time: backoff or Retry-After in force. */
  let retryAt = 0;
  /** Retry-After in force until then: nothing is sent, not even at unload. */
  let hold = 0;
  let busy: boolean | undefined;
  /** A send-now asked while busy: it goes once the request in flight settles. */
  let again: boolean | undefined;
  /**
   * A send-now (the page view's first batch, adopted leftovers, a consent update) covers what is
   * queued then, batch after batch until its newest event has gone, not only the first batch: a
   * tail under batchSize would otherwise wait a flushInterval. Events queued later batch as usual.
   */
  let rush: Item | undefined;
  /** Consecutive failed attempts (0 = healthy). */
  let attempt = 0;
  /** Largest batch to try next: halves on 413/400, back to batchSize after a success. */
  let cap = batchSize;
  let waiters: Waiter[] = [];
  // Delivery state lives on the queued items themselves (Item._gone, Item._why in src/batch.ts):
  // shorter than id-keyed sets.
  /** Keepalive budget in use: by keepalive fetches until answered, by beacons until visible again. */
  let used = 0;
  let beaconed = 0;
  /** The page has gone (pagehide): events the page still makes leave by the unload plan at once. */
  let left: true | undefined;

  /** The queue minus what left by keepalive or beacon (see Item._gone). */
  const pending = () => box._items.filter((i) => !i._gone);

  function schedule(ms: number): void {
    const at = Math.max(io._now() + ms, retryAt);
    // Keep an earlier timer; move a later one forward.
    if (timer && due <= at) return;
    clear(timer);
    due = at;
    timer = later(() => {
      timer = 0;
      send().catch(() => (busy = false));
    }, at - io._now());
  }

  const kick = (now?: boolean) =>
    left
      ? me._unload(left)
      : (now && (rush = box._items[box._items.length - 1]),
        (again ||= now && busy),
        schedule(now || box._items.length >= batchSize || waiters.length ? 0 : interval));

  function settle(done: Item[], reason: string): void {
    waiters = waiters.filter(([want, r, resolve]) => {
      for (const { _id: id } of done) if (want.delete(id)) reason ? (r.failed[r.failed.length] = { messageId: id, reason }) : r.sent++;
      if (want.size) return true;
      resolve(r);
    });
  }

  function failed(it: Item, reason: string): void {
    // Dropped from the queue while a request carries it: its answer decides (accepted is sent).
    if (it._why != null) return void (it._why = reason);
    // Named by messageId: debug mode printed every event with its id when it was queued.
    log.warn('dropped ' + it._id + ': ' + reason);
    settle([it], reason);
  }

  /**
   * Posts a batch (the request starts before this returns) and acts on the answer. With keepalive,
   * a page closing mid-request doesn't cancel it, and its events count as gone meanwhile.
   */
  async function postBatch(batch: Item[], data: BodyInit, size: number, ka: boolean): Promise<void> {
    if (ka) used += size;
    for (const i of batch) ((i._why = ''), (i._gone ||= ka));
    const [status, ra] = await io._post(url, data, ka);
    if (ka) used -= size;
    const v = verdict(status, batch.length);
    for (const i of batch) {
      const why = i._why;
      i._why = undefined;
      if (ka) i._gone = false;
      // Dropped from the queue meanwhile and not accepted: lost for good.
      if (why && v) failed(i, why);
    }
    const warn = (what: string) => log.warn((status || 'network error') + ' for ' + batch.length + ' events, ' + what);
    if (v == RETRY) {
      const r = retryAfter(ra, Date.now());
      const wait = Math.max(backoff(++attempt, Math.random()), r);
      retryAt = io._now() + wait;
      if (r) hold = retryAt;
      warn('retry in ' + wait + ' ms');
      return schedule(wait);
    }
    if (v == SPLIT) {
      cap = Math.ceil(batch.length / 2);
      warn('sending halves');
      return schedule(0);
    }
    attempt = retryAt = 0;
    cap = batchSize;
    if (v == DROP) batch.forEach((it) => failed(it, 'gateway answered ' + status));
    else settle(batch, '');
    box._remove(batch);
    if (box._items.length) kick(box._items.indexOf(rush!) >= 0);
  }

  async function send(): Promise<void> {
    // Offline: wait for the `online` event instead of burning retries.
    if (busy || !io._online()) return;
    // A timer set by a new event must not cut a backoff or Retry-After short.
    if (io._now() < retryAt) return schedule(0);
    const batch = take(pending(), cap, MAX_BODY);
    if (!batch.length) return;
    busy = true;
    const data = await io._gzip(body(batch));
    // Bytes of a string (UTF-8) or of the gzipped ArrayBuffer alike.
    const size = new Blob([data as BlobPart]).size;
    // Unless the page was hidden while this was compressed (the unload plan sent these already).
    // Keepalive while all is well: a retry goes without (a keepalive refused for a budget others
    // spent must not fail forever), and so does a big plain-text body (over a quarter of the
    // budget: d.js sends text), which must not leave the unload plan too little budget (sent
    // without keepalive, its events stay pending, so an unload sends them again, oldest first). A
    // gzip body (full build only) carries more events per budget byte than the plan's text can: it keeps keepalive.
    if (!batch.some((i) => i._gone))
      await postBatch(
        batch,
        data,
        size,
        io._keepalive && !attempt && (size <= BUDGET / 4 || (__FULL__ && typeof data != 'string')) && used + beaconed + size <= BUDGET,
      );
    busy = false;
    if (again) ((again = false), schedule(0));
  }

  const me: Delivery = {
    _kick: kick,
    _failed: failed,

    /** Resolves when every event queued now is accepted or failed for good. Never rejects. */
    async _flush() {
      const r: FlushResult = { sent: 0, failed: [] };
      const want = new Set(box._items.map((i) => i._id));
      // Awaiting a thenable, not `new Promise`: pages that replace window.Promise exist.
      return want.size
        ? await {
            then(done: (r: FlushResult) => void) {
              waiters[waiters.length] = [want, r, done];
              // Send now, unless a retry is waiting for its backoff or Retry-After.
              schedule(0);
            },
          }
        : r;
    },

    _online() {
      // Backoff restarts; a Retry-After the gateway asked for still holds.
      attempt = 0;
      retryAt = hold;
      schedule(0);
    },

    /**
     * The page is being hidden or unloaded: the unload plan (src/unload-plan.ts). Keepalive fetches
     * first, all started in this loop, then beacons; what the browser refuses, or what the gateway
     * asked us to hold (Retry-After), stays stored for later.
     */
    _unload(final?: true) {
      // Once gone, only a resume (bfcache restore) undoes it: Chromium may fire visibilitychange
      // after pagehide.
      left ||= final;
      clear(timer);
      timer = 0;
      if (io._now() >= hold)
        // While retrying (the last request failed or timed out: fetch may be what's broken), beacons only.
        plan(pending(), BUDGET - used - beaconed, io._keepalive && !attempt, (items, ka) => {
          const data = body(items);
          const size = byteLength(data);
          // If the page lives on (only hidden), the answer still arrives and is acted on as usual.
          if (ka) postBatch(items, data, size, true).catch(() => 0);
          else {
            if (io._beacon(url, data)) beaconed += size;
            for (const i of items) i._gone = true;
          }
        });
      // When the page goes, stored with heartbeat 0: the next page view may adopt and resend them
      // at once (the gateway drops the copies that did arrive, by messageId). A page only hidden
      // keeps its heartbeat, so other tabs leave its queue alone.
      box._write(left && 0);
    },

    /** Back from the back/forward cache, or visible again: normal work resumes. */
    _resume() {
      left = undefined;
      for (const i of box._items) i._gone = false;
      beaconed = 0;
      box._write();
      if (box._items.length) kick();
    },
  };
  if (__FULL__) me._tune = (b, i) => ((cap = batchSize = b), (interval = i));
  return me;
}
