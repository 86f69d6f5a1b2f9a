// The unload plan (README, "Delivery"): what leaves when the page is hidden or goes, and how.
// Browsers give requests that outlive the page a 64 KB budget of body bytes in flight (Chromium and
// WebKit count sendBeacon against the same budget). The plan fills what is left of it with keepalive
// fetches, oldest events first, then offers the rest to sendBeacon in chunks of at most 64 KB.
// An event that doesn't fit is skipped, not stopped at: smaller ones behind it still go.
import { ENVELOPE, take, type Item } from './batch';
import { MAX_BATCH } from './limits';

/** The keepalive budget (Chromium, WebKit; Firefox keeps its own limits). */
export const BUDGET = 65536;

/** One request: its events, and true for a keepalive fetch (false: a beacon). */
export type Part = [Item[], boolean];

/**
 * `room`: budget bytes not in flight; `keepalive`: fetch keepalive exists. Calls `send` for each
 * request as it is planned (no list to build): keepalive parts first, then beacons.
 */
export function plan(items: Item[], room: number, keepalive: boolean, send: (...part: Part) => void): void {
  for (let got: Item[]; ;)
    if ((got = take(items, MAX_BATCH, keepalive ? room : BUDGET)).length) {
      send(got, keepalive);
      room -= got.reduce((b, i) => b + i._size + 1, ENVELOPE);
      items = items.filter((i) => got.indexOf(i) < 0);
    }
    // Nothing more fits in keepalive's room: beacons for the rest. Nothing fits a beacon: done.
    else if (keepalive) keepalive = false;
    else return;
}
