// Fake I/O for the delivery core: a transport that records every request and answers when told, a
// beacon that accepts or refuses, a monotonic clock and timers that run only when the test advances.
import type { Answer, IO } from '../../src/transport.ts';
import { createOutbox, type Store } from '../../src/outbox.ts';
import { item, type Item } from '../../src/batch.ts';

// The build defines __FULL__; in Node the core reads it as a global (the full build's members exist).
(globalThis as any).__FULL__ ??= true;

export interface Req {
  kind: 'post' | 'beacon';
  body: string;
  keepalive?: boolean;
  /** Settles a post with [status, Retry-After]. */
  answer(status: number, retryAfter?: string): void;
  /** Message ids in the body. */
  ids: string[];
}

export function fakeIO(o: { keepalive?: boolean; beacon?: (body: string) => boolean } = {}) {
  let t = 1000;
  let seq = 0;
  const timers = new Map<number, { at: number; f: () => void }>();
  const log: Req[] = [];
  const state = { online: true };
  const ids = (b: string) => JSON.parse(b).batch.map((e: any) => e.messageId);
  const io: IO = {
    _post(_url, body, keepalive) {
      let done: ((a: Answer) => void) | undefined;
      let got: Answer | undefined;
      log.push({
        kind: 'post',
        body: String(body),
        keepalive,
        ids: ids(String(body)),
        answer(s, ra) {
          got = [s, ra ?? null];
          done && done(got);
        },
      });
      return { then: (f: any) => (got ? f(got) : (done = f)) } as PromiseLike<Answer>;
    },
    _beacon(_url, body) {
      const ok = o.beacon ? o.beacon(String(body)) : true;
      log.push({ kind: 'beacon', body: String(body), ids: ok ? ids(String(body)) : [], answer() {} });
      return ok;
    },
    _gzip: (s) => s,
    _now: () => t,
    _online: () => state.online,
    _keepalive: o.keepalive ?? true,
    // Like setTimeout/clearTimeout, which throw "Illegal invocation" when called as methods of io.
    _timer(f, ms) {
      if (this) throw new TypeError('Illegal invocation');
      return (timers.set(++seq, { at: t + ms, f }), seq);
    },
    _clear(id) {
      if (this) throw new TypeError('Illegal invocation');
      timers.delete(id);
    },
  };
  /** Lets pending microtasks (and the promise chains of answers) run. */
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    io,
    log,
    state,
    settle,
    now: () => t,
    /** Moves the monotonic clock on, running the timers that come due, in order. */
    async advance(ms: number) {
      const end = t + ms;
      await settle();
      for (;;) {
        let next: [number, { at: number; f: () => void }] | undefined;
        for (const e of timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
        if (!next) break;
        timers.delete(next[0]);
        t = Math.max(t, next[1].at);
        next[1].f();
        await settle();
      }
      t = end;
      await settle();
    },
  };
}

/** localStorage as a Map; `refuse(k, v)` makes a write fail (storage full). */
export function fakeStore(refuse: (k: string, v: string | null) => boolean = () => false) {
  const m = new Map<string, string>();
  const store: Store = {
    _read: (k) => {
      try {
        return JSON.parse(m.get(k)!);
      } catch {}
    },
    _set: (k, v) => (refuse(k, v) ? false : (v == null ? m.delete(k) : m.set(k, v), true)),
    _keys: () => [...m.keys()],
    _lock: (_n, f) => f(),
  };
  return { m, store };
}

/** A track event of about `size` bytes serialized. */
export const ev = (n: number, size = 200): Item => {
  const e = { type: 'track', event: 'e', properties: { n, pad: '' }, messageId: 'm' + n };
  e.properties.pad = 'x'.repeat(Math.max(0, size - JSON.stringify(e).length));
  return item(e.messageId, JSON.stringify(e));
};

export function outbox(maxBytes = 1e6, store = fakeStore().store) {
  const dropped: [Item, string][] = [];
  let onDrop = (it: Item, why: string): void => void dropped.push([it, why]);
  const box = createOutbox(
    'tab1',
    maxBytes,
    () => true,
    (it, why) => onDrop(it, why),
    store,
  );
  return { box, dropped, setDrop: (f: (it: Item, why: string) => void) => (onDrop = f) };
}
