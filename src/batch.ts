// Cuts a queue of serialized events into request bodies that respect a count and a byte limit.
import { byteLength } from './sanitize';

// Members starting with `_` are internal: the build mangles them to one or two letters.
export interface Item {
  _id: string;
  /** The event as JSON, serialized once when it was queued. */
  _json: string;
  /** Its UTF-8 size. */
  _size: number;
  /**
   * Delivery (src/delivery.ts): carried by a request that outlives the page (keepalive fetch,
   * beacon), or refused a beacon in this hide: not sent again until visible.
   */
  _gone?: boolean;
  /** Delivery: set ('') while a request carries it; the reason when the queue dropped it meanwhile. */
  _why?: string;
}

export const item = (id: string, json: string): Item => ({ _id: id, _json: json, _size: byteLength(json) });

/** Overhead of `{"batch":[` ... `],"sentAt":"2026-01-01T00:00:00.000Z"}`. */
export const ENVELOPE = 60;

/**
 * The items, oldest first, that fit in `maxCount` events and `maxBytes` of body. One that doesn't
 * fit is skipped, not stopped at: smaller ones behind it still go.
 */
export function take(items: Item[], maxCount: number, maxBytes: number): Item[] {
  const out: Item[] = [];
  let bytes = ENVELOPE;
  for (const it of items) if (out.length < maxCount && bytes + it._size < maxBytes) ((out[out.length] = it), (bytes += it._size + 1));
  return out;
}

export const joinJson = (items: Item[]): string => items.map((i) => i._json).join();

export function body(items: Item[]): string {
  return '{"batch":[' + joinJson(items) + '],"sentAt":"' + new Date().toISOString() + '"}';
}
