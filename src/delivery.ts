// Sends the outbox to the gateway: batches, retries, offline pauses, the unload path and flush().
import { body, take, type Item } from './batch';
import { backoff, retryAfter, verdict } from './retry';
import { beacon, post } from './transport';
import { byteLength } from './sanitize';
import { log } from './log';
import type { Outbox } from './outbox';
import type { FlushResult } from './types';

/** Chrome's budget for request bodies in flight with keepalive (sendBeacon shares it). */
const KEEPALIVE_BUDGET = 65536;
/** Largest body of one normal request (the gateway takes 5 MB; smaller requests fail and retry cheaper). */
const MAX_BODY = 1 << 20;

interface Waiter {
  ids: Set<string>;
  r: FlushResult;
  done: (r: FlushResult) => void;
}

export class Delivery {
  private timer: any;
  private due = 0;
  /** No request before this time (backoff or Retry-After in force). */
  private retryAt = 0;
  private busy = false;
  /** Consecutive failed attempts (0 = healthy). */
  private attempt = 0;
  /** Largest batch to try next: halves on 413/400, back to batchSize after a success. */
  private cap: number;
  private waiters: Waiter[] = [];
  /** Items whose request survives unload (keepalive fetch or beacon): not sent again by this page. */
  private gone = new Set<string>();
  private keepaliveBytes = 0;

  constructor(
    private url: string,
    private batchSize: number,
    private interval: number,
    private box: Outbox,
  ) {
    this.cap = batchSize;
  }

  /** Called after events were added to the outbox; `now`: don't wait for the batch to fill. */
  kick(now?: boolean): void {
    this.schedule(now || this.box.items.length >= this.batchSize || this.waiters.length ? 0 : this.interval);
  }

  private schedule(ms: number): void {
    const at = Math.max(Date.now() + ms, this.retryAt);
    ms = at - Date.now();
    // Keep an earlier timer; move a later one forward.
    if (this.timer && this.due <= at) return;
    clearTimeout(this.timer);
    this.due = at;
    this.timer = setTimeout(() => {
      this.timer = 0;
      this.send().catch(() => (this.busy = false));
    }, ms);
  }

  private async send(): Promise<void> {
    if (this.busy) return;
    // Offline: wait for the `online` event instead of burning retries.
    if (navigator.onLine === false) return;
    const ready = this.box.items.filter((i) => !this.gone.has(i.id));
    const batch = take(ready, this.cap, MAX_BODY);
    if (!batch.length) return;
    this.busy = true;
    const data = body(batch);
    const size = byteLength(data);
    // Small requests go with keepalive so that a page closing mid-request doesn't cancel them.
    const ka = this.keepaliveBytes + size <= KEEPALIVE_BUDGET;
    if (ka) {
      this.keepaliveBytes += size;
      for (const it of batch) this.gone.add(it.id);
    }
    const [status, ra] = await post(this.url, data, ka);
    if (ka) {
      this.keepaliveBytes -= size;
      for (const it of batch) this.gone.delete(it.id);
    }
    this.busy = false;
    const v = verdict(status, batch.length);
    if (v == 'retry') {
      this.attempt++;
      const wait = Math.max(backoff(this.attempt), retryAfter(ra));
      this.retryAt = Date.now() + wait;
      log.warn('batch of ' + batch.length + ' failed (' + (status || 'network error') + '), retry in ' + wait + ' ms');
      return this.schedule(wait);
    }
    if (v == 'split') {
      this.cap = Math.ceil(batch.length / 2);
      log.warn(status + ' for a batch of ' + batch.length + ', sending it in halves');
      return this.schedule(0);
    } else {
      this.attempt = this.retryAt = 0;
      this.cap = this.batchSize;
      const ids = new Set(batch.map((i) => i.id));
      if (v == 'drop') for (const it of batch) this.failed(it, 'gateway answered ' + status);
      else this.settle(ids, 'ok');
      this.box.remove(ids);
    }
    if (this.box.items.length) this.kick();
  }

  /** An event is gone for good: report it to flush() callers and in debug mode. */
  failed(it: Item, reason: string): void {
    log.warn('dropped event ' + it.id + ' (' + describe(it) + '): ' + reason);
    this.settle(new Set([it.id]), reason);
  }

  private settle(ids: Set<string>, reason: string): void {
    this.waiters = this.waiters.filter((w) => {
      for (const id of ids) {
        if (w.ids.delete(id)) reason == 'ok' ? w.r.sent++ : (w.r.failed[w.r.failed.length] = { messageId: id, reason });
      }
      if (w.ids.size) return true;
      w.done(w.r);
    });
  }

  /** Resolves when every event queued now is accepted or failed for good. Never rejects. */
  async flush(): Promise<FlushResult> {
    const ids = new Set(this.box.items.map((i) => i.id));
    const r: FlushResult = { sent: 0, failed: [] };
    if (!ids.size) return r;
    // Awaiting a thenable, not `new Promise`: pages that replace window.Promise exist.
    return await {
      then: (done: (r: FlushResult) => void) => {
        this.waiters[this.waiters.length] = { ids, r, done };
        // Send now, unless a retry is waiting for its backoff or Retry-After.
        this.schedule(0);
      },
    };
  }

  online(): void {
    this.attempt = this.retryAt = 0;
    this.schedule(0);
  }

  /**
   * The page is being hidden or unloaded: send everything now, with keepalive fetch while the
   * 64 KB budget lasts and sendBeacon after that, in chunks that fit. What the browser refuses
   * stays stored for the next page view.
   */
  unload(): void {
    clearTimeout(this.timer);
    this.timer = 0;
    let rest = this.box.items.filter((i) => !this.gone.has(i.id));
    while (rest.length) {
      const chunk = take(rest, 500, KEEPALIVE_BUDGET);
      const data = body(chunk);
      const size = byteLength(data);
      if (this.keepaliveBytes + size <= KEEPALIVE_BUDGET) {
        this.keepaliveBytes += size;
        const ids = new Set(chunk.map((i) => i.id));
        // If the page lives on (only hidden), the answer still arrives and settles the events.
        post(this.url, data, true).then(([status]) => {
          this.keepaliveBytes -= size;
          for (const id of ids) this.gone.delete(id);
          if (verdict(status, 1) == 'ok') {
            this.settle(ids, 'ok');
            this.box.remove(ids);
          } else this.kick();
        });
      } else if (!beacon(this.url, data)) break;
      for (const it of chunk) this.gone.add(it.id);
      rest = rest.slice(chunk.length);
    }
    // Stored with heartbeat 0: the next page view may adopt and resend them at once (the gateway
    // drops the copies that did arrive, by messageId).
    this.box.write(0);
  }

  /** Back from the back/forward cache, or visible again: normal work resumes. */
  resume(): void {
    this.gone.clear();
    this.box.write();
    if (this.box.items.length) this.kick();
  }
}

function describe(it: Item): string {
  const m = /"type":"(\w+)"(?:,"(?:event|name)":("(?:[^"\\]|\\.)*"))?/.exec(it.json);
  return m ? m[1] + (m[2] ? ' ' + m[2] : '') : 'event';
}
