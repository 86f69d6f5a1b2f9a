// @ts-check
// Who may do what: ingestion CORS (the pipeline's allowed origins), and the private debug and
// control routes (loopback or a token; state changes only from the gateway's own pages).
// Pure functions over request headers and addresses, unit-tested without a server.
import { timingSafeEqual } from 'node:crypto';

/**
 * Parse an allow-list: exact origins (`https://shop.example.com`), wildcard subdomains
 * (`https://*.example.com`) or `*` for any. Comma- or whitespace-separated strings are split.
 * @param {string | string[] | undefined | null} input
 * @returns {string[] | null} null = any origin (the default, for local use)
 */
export function parseAllowedOrigins(input) {
  if (input === undefined || input === null) return null;
  const list = (Array.isArray(input) ? input : [input])
    .flatMap((s) => String(s).split(/[\s,]+/))
    .map((s) => s.trim().replace(/\/+$/, '').toLowerCase())
    .filter(Boolean);
  if (!list.length || list.includes('*')) return null;
  return list;
}

/**
 * Is `origin` on the allow-list? (`null` list = any origin.)
 * @param {string} origin
 * @param {string[] | null} allowed
 */
export function originAllowed(origin, allowed) {
  if (!allowed) return true;
  const o = origin.toLowerCase();
  for (const rule of allowed) {
    if (rule === o) return true;
    const m = /^([a-z][a-z0-9+.-]*:\/\/)\*\.(.+)$/.exec(rule);
    if (m && o.startsWith(m[1]) && o.slice(m[1].length).endsWith('.' + m[2])) return true;
  }
  return false;
}

/**
 * Is `origin` the gateway itself (its demo page), as named by the request's Host?
 * @param {string} origin
 * @param {string | undefined} host
 */
export function isOwnOrigin(origin, host) {
  const o = origin.toLowerCase();
  const h = String(host ?? '').toLowerCase();
  return Boolean(h) && (o === `http://${h}` || o === `https://${h}`);
}

/** @param {string | undefined} address */
export function isLoopbackAddress(address) {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/**
 * Is the Host header a loopback name? (A page that rebinds its own DNS name to 127.0.0.1
 * still sends its own name as Host: refusing it stops DNS-rebinding reads.)
 * @param {string | undefined} host
 */
export function isLoopbackHost(host) {
  if (!host) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(:\d+)?$/.exec(host.trim().toLowerCase());
  if (!m) return false;
  const name = m[1].replace(/^\[|\]$/g, '');
  return name === 'localhost' || name.endsWith('.localhost') || isLoopbackAddress(name);
}

/**
 * @param {string} given
 * @param {string} expected
 */
function sameSecret(given, expected) {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The debug token a request carries: `Authorization: Bearer T`, `X-Debug-Token: T` or `?token=T`
 * (the last for the /debug page and its EventSource, which cannot set headers).
 * @param {import('node:http').IncomingHttpHeaders} headers
 * @param {URLSearchParams} searchParams
 */
export function debugTokenOf(headers, searchParams) {
  const h = headers['x-debug-token'];
  if (typeof h === 'string' && h) return h;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (m) return m[1];
  return searchParams.get('token') ?? undefined;
}

/**
 * May this request use the debug routes at all? Loopback peers that name a loopback host may;
 * anyone else only with the token the gateway was started with (`--debug-token`).
 * @param {{ remoteAddress: string | undefined, headers: import('node:http').IncomingHttpHeaders,
 *   searchParams: URLSearchParams, token: string | undefined }} r
 * @returns {string | null} why not, or null when allowed
 */
export function debugAccessProblem({ remoteAddress, headers, searchParams, token }) {
  const given = debugTokenOf(headers, searchParams);
  if (token && given !== undefined && sameSecret(given, token)) return null;
  if (token && given !== undefined) return 'wrong debug token';
  if (!isLoopbackAddress(remoteAddress)) {
    return token
      ? 'debug routes need the debug token from a non-loopback address'
      : 'debug routes answer only on loopback (start the gateway with --debug-token to open them)';
  }
  if (!isLoopbackHost(headers.host)) return `debug routes answer only to a loopback Host (got ${headers.host ?? 'none'})`;
  return null;
}

/**
 * May this request change state (reset, faults)? Only when it does not come from another site's
 * page: no Origin or the gateway's own, and Sec-Fetch-Site absent, same-origin or none.
 * A plain cross-site form post carries both headers and is refused.
 * @param {import('node:http').IncomingHttpHeaders} headers
 * @returns {string | null} why not, or null when allowed
 */
export function stateChangeProblem(headers) {
  const origin = headers.origin;
  if (origin !== undefined && !isOwnOrigin(origin, headers.host)) return `cross-origin request refused (Origin ${origin})`;
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `cross-site request refused (Sec-Fetch-Site: ${site})`;
  }
  return null;
}
