// @ts-check
// The no-JavaScript pixel: GET /v1/pixel/{type}?wk=KEY&e=&uid=&aid=&mid=&p.<prop>= turned into
// an event for the same validation, de-duplication and storage as the POST routes. The answer
// is always the 1×1 GIF (an error image would show as a broken image on the customer's page);
// a refused pixel is listed on /debug/rejected with the reason.
import { randomUUID } from 'node:crypto';

export const PIXEL_TYPES = Object.freeze(['track', 'page', 'identify', 'group']);
/** A transparent 1×1 GIF (42 bytes). */
export const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);
/** Nesting depth and number of `p.` parameters a pixel may carry. */
const MAX_PROP_DEPTH = 8;
const MAX_PROPS = 100;

/**
 * `p.a=1&p.b.c=2` -> `{a: "1", b: {c: "2"}}` (values stay strings: a URL has no types).
 * A name that would overwrite a value with an object (or the reverse) keeps the first.
 * @param {URLSearchParams} q
 */
export function pixelProperties(q) {
  /** @type {Record<string, any>} */
  const out = {};
  let count = 0;
  for (const [key, value] of q) {
    if (!key.startsWith('p.') || ++count > MAX_PROPS) continue;
    const path = key.slice(2).split('.');
    if (path.length > MAX_PROP_DEPTH || path.some((p) => !p || FORBIDDEN_KEYS.has(p))) continue;
    let node = out;
    for (let i = 0; i < path.length - 1; i++) {
      const next = node[path[i]];
      if (next === undefined) node = node[path[i]] = {};
      else if (typeof next === 'object') node = next;
      else {
        node = /** @type {any} */ (null);
        break;
      }
    }
    const last = path[path.length - 1];
    if (node && node[last] === undefined) node[last] = value;
  }
  return out;
}

/**
 * The event a pixel request describes (not yet validated). `type` must be one of PIXEL_TYPES
 * for the result to pass validation; `gid` (ours: the docs list none) carries a group's id.
 * @param {string} type
 * @param {URLSearchParams} q
 * @param {{ referer?: string, userAgent?: string, now?: Date }} [request]
 */
export function pixelEvent(type, q, { referer, userAgent, now = new Date() } = {}) {
  const props = pixelProperties(q);
  /** @type {Record<string, any>} */
  const ev = { type, messageId: q.get('mid') ?? `px-${randomUUID()}`, timestamp: now.toISOString() };
  const e = q.get('e');
  if (type === 'track' && e !== null) ev.event = e;
  if (type === 'page' && e !== null) ev.name = e;
  if (type === 'track' || type === 'page') ev.properties = props;
  else ev.traits = props;
  const uid = q.get('uid');
  if (uid !== null) ev.userId = uid;
  const aid = q.get('aid');
  if (aid !== null) ev.anonymousId = aid;
  const gid = q.get('gid');
  if (gid !== null) ev.groupId = gid;
  /** @type {Record<string, any>} */
  const context = { library: { name: 'datafly-pixel', version: '1' } };
  if (userAgent) context.userAgent = userAgent;
  if (referer) {
    try {
      const u = new URL(referer);
      context.page = { url: u.href, path: u.pathname, search: u.search };
    } catch {
      // not a URL: left out
    }
  }
  ev.context = context;
  return ev;
}
