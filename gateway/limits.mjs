// @ts-check
import v8 from 'node:v8';
import vm from 'node:vm';

// Load limits for the gateway: a per-key rate limit (the pipeline's rate_limit_rps) and a gate
// on how many request bodies are read, inflated and parsed at once (the memory that costs is
// what an amplified gzip flood would otherwise multiply). The clock is injected for tests.

/**
 * Token buckets, one per pipeline key: `rps` requests a second, bursts up to `rps`.
 * At most `maxKeys` buckets are kept (the least recently created go first).
 * @param {{ rps: number, now?: () => number, maxKeys?: number }} options rps 0 = no limit
 */
export function createRateLimiter({ rps, now = Date.now, maxKeys = 10_000 }) {
  /** @type {Map<string, { tokens: number, at: number }>} */
  const buckets = new Map();
  return {
    rps,
    /**
     * Take one request for `key`. Returns 0 when allowed, else the seconds to wait (≥ 1).
     * @param {string} key
     */
    take(key) {
      if (!(rps > 0)) return 0;
      const t = now();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= maxKeys) buckets.delete(/** @type {string} */ (buckets.keys().next().value));
        b = { tokens: rps, at: t };
        buckets.set(key, b);
      }
      b.tokens = Math.min(rps, b.tokens + ((t - b.at) / 1000) * rps);
      b.at = t;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - b.tokens) / rps));
    },
    clear() {
      buckets.clear();
    },
  };
}

/**
 * A counting gate: at most `concurrency` holders; up to `maxWaiting` more wait in order;
 * beyond that `acquire` returns null at once (the caller answers 503).
 * @param {{ concurrency: number, maxWaiting: number }} options
 */
export function createGate({ concurrency, maxWaiting }) {
  let active = 0;
  /** @type {(() => void)[]} */
  const waiting = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return {
    /** @returns {Promise<() => void> | null} resolves with the release function */
    acquire() {
      if (active < concurrency) {
        active++;
        return Promise.resolve(once(release));
      }
      if (waiting.length >= maxWaiting) return null;
      return new Promise((resolve) => waiting.push(() => resolve(once(release))));
    },
    get active() {
      return active;
    },
    get waiting() {
      return waiting.length;
    },
  };
}

/** @param {() => void} fn */
function once(fn) {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

/**
 * The last `size` items, oldest first.
 * @template T
 * @param {number} size
 */
export function createRing(size) {
  /** @type {T[]} */
  let items = [];
  return {
    /** @param {T} item */
    push(item) {
      items.push(item);
      if (items.length > size) items.splice(0, items.length - size);
    },
    /** @returns {T[]} */
    list() {
      return items.slice();
    },
    clear() {
      items = [];
    },
  };
}

/**
 * A full garbage collection after every `everyBytes` of request bodies decoded. A flood of
 * amplified bodies (each a few KB on the wire, ~5 MB of JSON inflated and parsed) otherwise
 * piles up garbage faster than V8 collects it, and the heap grows by hundreds of MB before a
 * major GC; with this, garbage stays within a few times `everyBytes`. Costs one GC (tens of ms)
 * per `everyBytes`, paid by whoever sends that much.
 * @param {{ everyBytes: number, collect?: (() => void) | null }} options everyBytes 0 = off
 */
export function createGcValve({ everyBytes, collect = everyBytes > 0 ? gcFunction() : null }) {
  let since = 0;
  let runs = 0;
  return {
    /** Count decoded bytes; collects when the budget is used up. @param {number} bytes */
    note(bytes) {
      if (!collect || !(everyBytes > 0)) return;
      since += bytes;
      if (since < everyBytes) return;
      since = 0;
      runs++;
      collect();
    },
    get runs() {
      return runs;
    },
  };
}

/** The engine's gc(), made available at run time (node needs no --expose-gc flag). */
function gcFunction() {
  const existing = /** @type {any} */ (globalThis).gc;
  if (typeof existing === 'function') return existing;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    return typeof gc === 'function' ? gc : null;
  } catch {
    return null;
  }
}
