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
import { item, joinJson, type Item } from './batch';
import { browserIO } from './transport';
import { log } from './log';
import { LAZY_WRITE, STALE } from './limits';

export const PREFIX = '_df_q.';
export { STALE };

/** The storage the outbox uses (localStorage that never throws, and Web Locks; in the browser, part
 * of src/transport.ts's browserIO); unit tests pass fakes. */
export interface Store {
  /** The key's value as JSON, or undefined (missing or unreadable). */
  _read(k: string): any;
  /** false when refused (full, disabled). */
  _set(k: string, v: string | null): boolean;
  _keys(): string[];
  /** Runs `f` holding the named lock (or at once where Web Locks are missing). */
  _lock(name: string, f: () => void): unknown;
}

export interface Outbox {
  _items: Item[];
  /** Full build: a late init() sets maxQueueBytes. */
  _bound?(maxBytes: number): void;
  _add(list: Item[], front?: boolean): void;
  /** Removes these items (the very objects: a batch taken from `_items`). */
  _remove(items: Item[]): void;
  /** Writes now; false when storage refused. `h` 0 marks the queue as the leftovers of an unloaded page. */
  _write(h?: number): boolean | undefined;
  /** Moves orphaned queues (closed tabs, earlier page views) into this one. */
  _adopt(): unknown;
}

/** `persist()`: storage allowed now (false while consent is awaited: memory only). */
export function createOutbox(
  tab: string,
  maxBytes: number,
  persist: () => boolean,
  drop: (it: Item, why: string) => void,
  store: Store = browserIO,
): Outbox {
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
      for (const it of list) ((bytes += it._size), front || (box._items[box._items.length] = it));
      if (front) box._items = list.concat(box._items);
      // Bounded by bytes: the oldest events go first, each drop counted and reported.
      while (bytes > maxBytes && box._items.length > 1) {
        const old = box._items.shift()!;
        bytes -= old._size;
        drop(old, 'queue over ' + maxBytes + ' bytes');
      }
      save();
    },
    _remove(items) {
      const out = new Set(items);
      box._items = box._items.filter((it) => !out.has(it) || ((bytes -= it._size), 0));
      // Removals are written at most once a second: rewriting a long queue after every accepted
      // batch costs O(n²), and a removal lost with the page only means a resend the gateway drops.
      lazy ||= setTimeout(() => box._write(), LAZY_WRITE);
    },
    _write(h = Date.now()) {
      dirty = 0;
      clearTimeout(lazy);
      lazy = 0;
      // Storage off (consent withdrawn): nothing is written, and the key goes once it is empty.
      if (!persist() && box._items.length) return;
      const ok = store._set(key, box._items.length ? '{"h":' + h + ',"e":[' + joinJson(box._items) + ']}' : null);
      // Full or throwing storage: keep going from memory; try again on the next write.
      if (!ok && stored) log.warn('storage refused: queue in memory');
      return (stored = ok);
    },
    _adopt() {
      // Not while storage refuses this tab's queue: what it took could only live in memory, and
      // the orphans would stay to be taken again.
      if (!persist() || !stored) return;
      return store._lock('_df_adopt', () => {
        const got: Item[] = [];
        const keys: string[] = [];
        for (const k of store._keys()) {
          if (k.indexOf(PREFIX) || k == key) continue;
          const s: { h: number; e: any[] } | undefined = store._read(k);
          if (s && Date.now() - s.h < STALE) continue;
          keys[keys.length] = k;
          for (const e of (s && s.e) || []) {
            if (e && typeof e.messageId == 'string') got[got.length] = item(e.messageId, JSON.stringify(e));
          }
        }
        if (got.length) box._add(got, true);
        // The adopted events are stored under this tab's key before the orphans are deleted: if
        // storage refuses (full), the orphans stay, the only durable copy, and this tab sends from
        // memory what it took (the gateway drops the copies a later page view sends again).
        if (box._write()) for (const k of keys) store._set(k, null);
      });
    },
  };
  if (__FULL__) box._bound = (m) => (maxBytes = m);
  return box;
}
