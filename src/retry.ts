// Retry policy (README, "Delivery"): exponential backoff with full jitter, starting near 1 s and
// capped near 30 s; a Retry-After answer wins when it asks for longer.
export const RETRY_BASE = 1000;
export const RETRY_CAP = 30000;

/** Delay before retry number `attempt` (1 = first retry). `rand` in [0, 1). */
// `rand` and `now` are passed, not defaulted: a default parameter survives inlining and costs bytes.
export function backoff(attempt: number, rand: number): number {
  // 2 ** n past 1023 is Infinity: still capped.
  const ceil = Math.min(RETRY_CAP, RETRY_BASE * 2 ** (attempt - 1));
  // Full jitter, but never less than a quarter of the base, so a burst of failures can't spin.
  return Math.max(RETRY_BASE / 4, Math.floor(rand * ceil));
}

/**
 * Retry-After as ms, or 0 when absent or unreadable: delta seconds (what the Ingestion Gateway
 * sends); the HTTP-date form too in the full build (bytes: README, "Builds").
 */
export function retryAfter(header: string | null | undefined, now: number): number {
  if (!header) return 0;
  const s = +header;
  const ms = s >= 0 ? s * 1000 : __FULL__ ? Date.parse(header) - now : 0;
  // At most an hour; a date in the past (or unreadable: NaN) means no wait.
  return ms > 0 ? Math.min(ms, 3600e3) : 0;
}

/** What to do with a batch given the gateway's answer (status 0 = network error). */
export const OK = 0,
  RETRY = 1,
  SPLIT = 2,
  DROP = 3;
export function verdict(status: number, size: number): number {
  if (status >= 200 && status < 300) return OK;
  // 413: halves fit. 400 on a batch: one bad event must not take the good ones with it.
  if (status == 413 || status == 400) return size > 1 ? SPLIT : DROP;
  return !status || status == 408 || status == 429 || status >= 500 ? RETRY : DROP;
}
