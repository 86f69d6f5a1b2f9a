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
import { item, joinJson, type Item } from './batch';
import { log } from './log';

export const PREFIX = '_df_q.';
export const STALE = 120000;

export interface Outbox {
  _items: Item[];
  /** Full build: a late init() sets maxQueueBytes. */
  _bound?(maxBytes: number): void;
  _add(list: Item[], front?: boolean): void;
  _remove(ids: Set<string>): void;
  /** Writes now. `h` 0 marks the queue as the leftovers of an unloaded page. */
  _write(h?: number): void;
  /** Moves orphaned queues (closed tabs, earlier page views) into this one. */
  _adopt(): unknown;
}

/** `persist()`: storage allowed now (false while consent is awaited: memory only). */
export function createOutbox(tab: string, maxBytes: number, persist: () => boolean, drop: (it: Item, why: string) => void): Outbox {
  const key = PREFIX + tab;
  let bytes = 0;
  let dirty = 0;
  let lazy: any = 0;
  let stored = true;

  // New events are written before the task ends (persist before send), coalesced: 1,000 track
  // calls in a loop make one write.
  const save = () => dirty++ || queueMicrotask(() => box._write());

  const box: Outbox = {
    _items: [],
    _add(list, front) {
      for (const it of list) (bytes += it._size), front || (box._items[box._items.length] = it);
      if (front) box._items = list.concat(box._items);
      // Bounded by bytes: the oldest events go first, each drop counted and reported.
      while (bytes > maxBytes && box._items.length > 1) {
        const old = box._items.shift()!;
        bytes -= old._size;
        drop(old, 'queue over ' + maxBytes + ' bytes');
      }
      save();
    },
    _remove(ids) {
      box._items = box._items.filter((it) => !ids.has(it._id) || ((bytes -= it._size), 0));
      // Removals are written at most once a second: rewriting a long queue after every accepted
      // batch costs O(n²), and a removal lost with the page only means a resend the gateway drops.
      lazy ||= setTimeout(() => box._write(), 1000);
    },
    _write(h = Date.now()) {
      dirty = 0;
      clearTimeout(lazy);
      lazy = 0;
      // Storage off (consent withdrawn): nothing is written, and the key goes once it is empty.
      if (!persist() && box._items.length) return;
      const ok = lsSet(key, box._items.length ? '{"h":' + h + ',"e":[' + joinJson(box._items) + ']}' : null);
      // Full or throwing storage: keep going from memory; try again on the next write.
      if (!ok && stored) log.warn('storage refused: queue in memory');
      stored = ok;
    },
    _adopt() {
      if (!persist()) return;
      const run = () => {
        const got: Item[] = [];
        for (const k of lsKeys()) {
          if (k.indexOf(PREFIX) || k == key) continue;
          let s: { h: number; e: any[] } | undefined;
          try {
            s = JSON.parse(lsGet(k)!);
          } catch {}
          if (s && Date.now() - s.h < STALE) continue;
          lsSet(k, null);
          for (const e of (s && s.e) || []) {
            if (e && typeof e.messageId == 'string') got[got.length] = item(e.messageId, JSON.stringify(e));
          }
        }
        if (got.length) box._add(got, true);
        box._write();
      };
      const locks = (navigator as any).locks;
      return locks ? locks.request('_df_adopt', run) : run();
    },
  };
  if (__FULL__) box._bound = (m) => (maxBytes = m);
  return box;
}
