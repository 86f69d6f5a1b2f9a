// Cuts a queue of serialized events into request bodies that respect a count and a byte limit.
import { byteLength } from './sanitize';

// Members starting with `_` are internal: the build mangles them to one or two letters.
export interface Item {
  _id: string;
  /** The event as JSON, serialized once when it was queued. */
  _json: string;
  /** Its UTF-8 size. */
  _size: number;
}

export const item = (id: string, json: string): Item => ({ _id: id, _json: json, _size: byteLength(json) });

/** Overhead of `{"batch":[` ... `],"sentAt":"2026-01-01T00:00:00.000Z"}`. */
export const ENVELOPE = 60;

/** Takes items from the front while they fit in `maxCount` events and `maxBytes` of body. */
export function take(items: Item[], maxCount: number, maxBytes: number): Item[] {
  const out: Item[] = [];
  let bytes = ENVELOPE;
  for (const it of items) {
    const b = it._size + 1;
    if (out.length >= maxCount || (out.length && bytes + b > maxBytes)) break;
    out[out.length] = it;
    bytes += b;
  }
  return out;
}

export const joinJson = (items: Item[]): string => items.map((i) => i._json).join();

export function body(items: Item[]): string {
  return '{"batch":[' + joinJson(items) + '],"sentAt":"' + new Date().toISOString() + '"}';
}
