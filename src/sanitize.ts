// Bad input never throws and never poisons good data. The rules (README, "Input rules"):
// - ids and names: strings are trimmed and must be 1..1024 characters; finite numbers become
//   strings; anything else is rejected (undefined is returned, the caller warns and changes nothing).
// - traits and properties: a plain object (or nothing); anything else is rejected. The object is
//   copied, never mutated: circular references are cut, Date becomes an ISO string, BigInt a string,
//   NaN and ±Infinity null, functions, symbols, undefined and DOM nodes are dropped, objects nested
//   deeper than MAX_DEPTH are dropped, and a throwing getter or toJSON drops that key. An own
//   "__proto__" key is kept as an ordinary key (never a prototype of the copy).
import type { Dict } from './types';
import { MAX_ID_LENGTH } from './limits';

export { MAX_ID_LENGTH };
export const MAX_DEPTH = 10;

const toStr = Object.prototype.toString;

export function cleanId(v: unknown): string | undefined {
  if (typeof v == 'number' && isFinite(v)) v = '' + v;
  if (typeof v == 'string') {
    v = v.trim();
    if ((v as string).length && (v as string).length <= MAX_ID_LENGTH) return v as string;
  }
}

export function isPlainObject(v: unknown): v is Dict {
  if (!v || typeof v != 'object' || toStr.call(v) != '[object Object]') return false;
  const p = Object.getPrototypeOf(v);
  return !p || p === Object.prototype || !Object.getPrototypeOf(p);
}

/** Deep, safe copy of a trait/property bag, or undefined when `v` is not a plain object. */
export function cleanDict(v: unknown): Dict | undefined {
  // The copy must still be an object: a toJSON() on the bag itself may turn it into anything.
  // (What clean() makes is plain or an array, so isPlainObject tells them apart.)
  const c = isPlainObject(v) && clean(v, 0, []);
  return isPlainObject(c) ? c : undefined;
}

const DROP = {};

function clean(v: any, depth: number, seen: object[]): unknown {
  const t = typeof v;
  if (t == 'string' || t == 'boolean' || v === null) return v;
  if (t == 'number') return isFinite(v) ? v : null;
  if (t == 'bigint') return '' + v;
  if (t != 'object') return DROP; // undefined, function, symbol
  if (v instanceof Date) return isFinite(+v) ? v.toISOString() : null;
  // DOM nodes and windows (huge, circular and meaningless to a vendor), too deep, or a cycle.
  if ((typeof v.nodeType == 'number' && typeof v.nodeName == 'string') || v.window === v || depth >= MAX_DEPTH || seen.indexOf(v) >= 0)
    return DROP;
  if (typeof v.toJSON == 'function') return clean(v.toJSON(), depth, seen);
  seen[seen.length] = v;
  // One member, read under its own try: a throwing getter or toJSON drops only that member.
  const member = (k: string | number) => {
    try {
      return clean(v[k], depth + 1, seen);
    } catch {
      return DROP;
    }
  };
  const out = Array.isArray(v)
    ? // Every index (holes too); dropped values become null, as in JSON.
      Array.from({ length: v.length }, (_, i, c = member(i)) => (c === DROP ? null : c))
    : // From [key, value] pairs: fromEntries defines each key as an own data property, so a page's
      // own "__proto__" key (JSON.parse makes one) stays a key and sets no prototype.
      Object.fromEntries(
        Object.keys(v)
          .map((k) => [k, member(k)])
          .filter((e) => e[1] !== DROP),
      );
  seen.pop();
  return out;
}

const enc = new TextEncoder();
/** UTF-8 byte length of a string (measured once per event: queued items keep it). */
export const byteLength = (s: string): number => enc.encode(s).length;
