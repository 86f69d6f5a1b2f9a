// @ts-check
// Test-only fault injection, so tests can exercise the collector's retry,
// back-off and resend paths against a real gateway. Only wired in when the
// gateway was created with `faults: true` (CLI --faults / DATAFLY_FAULTS=1).
//
// POST /debug/faults takes any combination of:
//   {"status": 500, "count": 3}      fail the next 3 /v1/* requests with 500
//   {"status": 500, "forMs": 20000}  fail every /v1/* request for 20 s
//   {"retryAfter": 2}                add Retry-After: 2 to injected failures
//   {"delayMs": 1500, "count": N}    delay the next N answers (all while set if no count)
//   {"drop": 2}                      destroy the socket without answering, next 2 requests
//   {"clear": true}                  back to normal (applied before the other fields)

/**
 * @typedef {{ status?: number, count?: number, forMs?: number, retryAfter?: number | null,
 *   delayMs?: number, drop?: number, clear?: boolean }} FaultsBody
 * @typedef {{ status: number, failCount: number, failUntil: number, retryAfter: number | null,
 *   delayMs: number, delayCount: number | null, drop: number }} FaultsSettings
 */

/** @param {unknown} v @param {number} min @returns {v is number} */
const isInt = (v, min) => Number.isInteger(v) && /** @type {number} */ (v) >= min;

/** @returns {FaultsSettings} */
function emptyState() {
  return { status: 0, failCount: 0, failUntil: 0, retryAfter: null, delayMs: 0, delayCount: null, drop: 0 };
}

export function createFaults() {
  let s = emptyState();

  /**
   * Check a POST /debug/faults body; returns an error message or null.
   * @param {any} body
   * @returns {string | null}
   */
  function check(body) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body must be a JSON object';
    const { status, count, forMs, retryAfter, delayMs, drop, clear } = body;
    if (status !== undefined && !(isInt(status, 400) && status <= 599)) return 'status must be an integer 400..599';
    if (count !== undefined && !isInt(count, 1)) return 'count must be a positive integer';
    if (forMs !== undefined && !(typeof forMs === 'number' && forMs > 0)) return 'forMs must be a positive number';
    if (retryAfter !== undefined && retryAfter !== null && !isInt(retryAfter, 0)) return 'retryAfter must be an integer >= 0';
    if (delayMs !== undefined && !(typeof delayMs === 'number' && delayMs >= 0)) return 'delayMs must be a number >= 0';
    if (drop !== undefined && !isInt(drop, 0)) return 'drop must be an integer >= 0';
    if (clear !== undefined && typeof clear !== 'boolean') return 'clear must be a boolean';
    if ((count !== undefined || forMs !== undefined) && status === undefined && delayMs === undefined) {
      return 'count/forMs need a status (or delayMs for count)';
    }
    return null;
  }

  return {
    check,

    /**
     * Apply a checked body, merging with the current state.
     * @param {FaultsBody} body
     */
    set(body) {
      if (body.clear) s = emptyState();
      const now = Date.now();
      if (body.status !== undefined) {
        s.status = body.status;
        // A status alone fails the next request only.
        s.failCount = body.forMs !== undefined ? 0 : (body.count ?? 1);
        s.failUntil = body.forMs !== undefined ? now + body.forMs : 0;
      }
      if (body.retryAfter !== undefined) s.retryAfter = body.retryAfter;
      if (body.delayMs !== undefined) {
        s.delayMs = body.delayMs;
        s.delayCount = body.count ?? null; // null = every answer while set
      }
      if (body.drop !== undefined) s.drop = body.drop;
      return this.state();
    },

    clear() {
      s = emptyState();
    },

    /** Current settings, for GET /debug/faults and the POST answer. */
    state() {
      const failForMs = Math.max(0, s.failUntil - Date.now());
      return {
        status: s.status || null,
        count: s.failCount,
        forMs: failForMs,
        retryAfter: s.retryAfter,
        delayMs: s.delayMs,
        delayCount: s.delayCount,
        drop: s.drop,
      };
    },

    /**
     * Decide (and consume) the fault for one /v1/* request.
     * @returns {{ drop: boolean, delayMs: number, fail: null | { status: number, retryAfter: number | null } }}
     */
    next() {
      let delayMs = 0;
      if (s.delayMs > 0 && (s.delayCount === null || s.delayCount > 0)) {
        delayMs = s.delayMs;
        if (s.delayCount !== null && --s.delayCount === 0) s.delayMs = 0;
      }
      if (s.drop > 0) {
        s.drop--;
        return { drop: true, delayMs, fail: null };
      }
      let fail = null;
      if (s.status && s.failUntil > Date.now()) {
        fail = { status: s.status, retryAfter: s.retryAfter };
      } else if (s.status && s.failCount > 0) {
        s.failCount--;
        fail = { status: s.status, retryAfter: s.retryAfter };
      }
      return { drop: false, delayMs, fail };
    },
  };
}

/** Error code for an injected status, matching the gateway's real codes where they exist. */
/** @param {number} status */
export function faultCode(status) {
  /** @type {Record<number, string>} */
  const codes = {
    400: 'invalid_payload',
    401: 'unauthorized',
    404: 'not_found',
    405: 'method_not_allowed',
    413: 'payload_too_large',
    429: 'rate_limited',
    500: 'internal_error',
    502: 'bad_gateway',
    503: 'unavailable',
    504: 'gateway_timeout',
  };
  return codes[status] ?? `http_${status}`;
}
