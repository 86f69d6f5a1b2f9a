// The cross-domain link token (README, "Vendor IDs and cross-domain links"): `_dfl=<anonymousId>.
// <creation ms, base 36>.<checksum>`. The checksum (32-bit FNV-1a, base 36) covers the id, the time,
// this browser (user agent + language) and the minute it was made, so a copied link does not hand
// the identity to another browser: a token is accepted at most 2 minutes after it was made, with a
// checksum that matches for the current or the previous minute. Nothing else (no userId, no traits)
// ever goes into a URL. Platform-free (unit-tested in Node); the browser half is
// src/link-decoration.ts.

export const PARAM = '_dfl';
export const MAX_AGE = 12e4;

/** `browser`: the user agent followed by the language. */
export function makeToken(id: string, now: number, browser: string, minute = (now / 6e4) | 0): string {
  const t = now.toString(36);
  let h = 2166136261;
  for (const c of id + t + browser + minute) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return id + '.' + t + '.' + (h >>> 0).toString(36);
}

/** The token's anonymousId when it is valid at `now` for this `browser`, else undefined. */
export function readToken(token: string, now: number, browser: string): string | undefined {
  const [id, time] = token.split('.');
  const t = parseInt(time, 36);
  const m = (now / 6e4) | 0;
  if (
    /^[\da-f-]{36}$/i.test(id) &&
    t <= now &&
    now - t <= MAX_AGE &&
    (token == makeToken(id, t, browser, m) || token == makeToken(id, t, browser, m - 1))
  )
    return id;
}

/** `url` without its `_dfl` parameter; the rest stays as it was. */
export const withoutToken = (url: string): string =>
  /[?&]_dfl=/.test(url) ? url.replace(/([?&])_dfl=[^&#]*&?/g, '$1').replace(/[?&](#|$)/, '$1') : url;

/** `u` with `_dfl=token` as its last query parameter (before any #hash), replacing an older one. */
export function withToken(u: URL, token: string): string {
  u.href = withoutToken(u.href);
  u.search += (u.search ? '&' : '') + PARAM + '=' + token;
  return u.href;
}
