// The durable queue. Every event is written to localStorage before any network attempt and removed
// only once the gateway accepted it (or it failed for good).
//
// Many tabs: each tab owns its own key (`_df_q.<tab>`), so tabs never overwrite each other's writes
// and no event is sent by two tabs in normal operation. The owner stamps its key with a heartbeat
// `h`; a key whose heartbeat is older than STALE (or 0: the owner unloaded) is an orphan, adopted
// by the next tab or page view that looks. Adoption runs inside a short Web Lock so two tabs can't
// adopt the same orphan; where Web Locks are missing, two tabs may both adopt it, and the gateway's
// messageId de-duplication absorbs the doubles. (A lock held for the tab's whole life would have
// been simpler, but a held lock keeps the page out of the back/forward cache.)
import { lsGet, lsKeys, lsSet } from './storage';
import { byteLength } from './sanitize';
import type { Item } from './batch';
import { log } from './log';

export const PREFIX = '_df_q.';
export const STALE = 120000;

interface Saved {
  h: number;
  e: unknown[];
}

export class Outbox {
  items: Item[] = [];
  bytes = 0;
  key: string;
  /** false: memory only (consent not given yet, or storage refused the write). */
  persist: boolean;
  stored = true;
  private dirty = 0;

  constructor(
    tab: string,
    public maxBytes: number,
    persist: boolean,
    private drop: (it: Item, reason: string) => void,
  ) {
    this.key = PREFIX + tab;
    this.persist = persist;
  }

  add(list: Item[], front?: boolean): void {
    for (const it of list) this.bytes += byteLength(it.json);
    this.items = front ? list.concat(this.items) : this.items.concat(list);
    // Bounded by bytes: the oldest events go first, each drop counted and reported.
    while (this.bytes > this.maxBytes && this.items.length > 1) {
      const old = this.items.shift()!;
      this.bytes -= byteLength(old.json);
      this.drop(old, 'queue over ' + this.maxBytes + ' bytes');
    }
    this.save();
  }

  remove(ids: Set<string>): void {
    this.items = this.items.filter((it) => {
      if (!ids.has(it.id)) return true;
      this.bytes -= byteLength(it.json);
    });
    this.save();
  }

  /** Coalesces the writes of one task (1,000 track calls in a loop make one write). */
  save(): void {
    if (!this.dirty++) queueMicrotask(() => this.write());
  }

  /** Writes now. `h` 0 marks the queue as the leftovers of an unloaded page. */
  write(h = Date.now()): void {
    this.dirty = 0;
    if (!this.persist) return;
    const ok = lsSet(
      this.key,
      this.items.length ? '{"h":' + h + ',"e":[' + this.items.map((i) => i.json).join(',') + ']}' : null,
    );
    // Full or throwing storage: keep going from memory; try again on the next write.
    if (!ok && this.stored) log.warn('storage refused the queue; keeping it in memory');
    this.stored = ok;
  }

  /** Moves orphaned queues (closed tabs, earlier page views) into this one. */
  adopt(): Promise<void> | void {
    if (!this.persist) return;
    const run = () => {
      const now = Date.now();
      const got: Item[] = [];
      for (const k of lsKeys()) {
        if (k.indexOf(PREFIX) || k == this.key) continue;
        let s: Saved | undefined;
        try {
          s = JSON.parse(lsGet(k) as string);
        } catch {}
        if (s && now - s.h < STALE) continue;
        lsSet(k, null);
        for (const e of (s && s.e) || []) {
          const id = e && (e as any).messageId;
          if (typeof id == 'string') got[got.length] = { id, json: JSON.stringify(e) };
        }
      }
      if (got.length) this.add(got, true);
      this.write();
    };
    const locks = (navigator as any).locks;
    if (!locks) return run();
    return locks.request('_df_adopt', run).catch(() => {});
  }
}
