// @ts-check
// Cookies the gateway sets: the vendor IDs an accepted event carries in `context.vendorIds`,
// re-set from the server so they outlive Safari's 7-day cap on script-written cookies (the
// docs' "Vendor IDs", step 5). Pure functions over names, values and hosts.

/** Known vendor cookies and their lifetimes in seconds (the docs' table). */
export const VENDOR_COOKIES = Object.freeze({
  _ga: 2 * 365 * 86400, // 2 years
  _fbp: 90 * 86400, // 90 days
  _fbc: 90 * 86400,
  _gcl_aw: 90 * 86400,
  _ttp: 396 * 86400, // 13 months
  _scid: 396 * 86400,
  _pin_unauth: 365 * 86400, // 1 year
});

/** RFC 6265 cookie-octets only (no space, quote, comma, semicolon, backslash, controls), ≤ 256. */
const SAFE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]{1,256}$/;

/** Two-label public suffixes common enough to matter (no Public Suffix List here). */
const SECOND_LEVEL = new Set([
  'co.uk',
  'org.uk',
  'ac.uk',
  'gov.uk',
  'me.uk',
  'ltd.uk',
  'plc.uk',
  'com.au',
  'net.au',
  'org.au',
  'edu.au',
  'gov.au',
  'co.nz',
  'org.nz',
  'co.jp',
  'ne.jp',
  'or.jp',
  'co.kr',
  'co.in',
  'co.za',
  'co.il',
  'com.br',
  'com.mx',
  'com.ar',
  'com.cn',
  'com.tw',
  'com.hk',
  'com.sg',
  'com.tr',
  'com.ua',
  'com.pl',
  'co.id',
  'com.my',
  'com.ph',
  'com.vn',
]);

/**
 * The registrable domain ("eTLD+1") of a host name, approximated without the Public Suffix
 * List: the last two labels, or three under a common two-label suffix (co.uk, com.au, ...).
 * null for IP addresses, single-label hosts (localhost) and malformed names.
 * @param {string} host a host name, optionally with :port
 */
export function registrableDomain(host) {
  const name = host.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  if (!/^[a-z0-9.-]+$/.test(name) || /^\d+(\.\d+){3}$/.test(name)) return null;
  const labels = name.split('.');
  if (labels.length < 2 || labels.some((l) => !l)) return null;
  const n = SECOND_LEVEL.has(labels.slice(-2).join('.')) ? 3 : 2;
  return labels.length >= n ? labels.slice(-n).join('.') : null;
}

/**
 * Set-Cookie values for the vendor IDs of accepted events (a later event's value wins).
 * Only known names and safe values; not HttpOnly (the vendors' own pixels read them);
 * SameSite=Lax; Secure when the gateway is reached over https; Domain = the registrable
 * domain of the page's Origin when it is also the gateway's, else host-only.
 * @param {Record<string, any>[]} events
 * @param {{ origin?: string, host?: string, secure: boolean }} request
 * @returns {string[]}
 */
export function vendorCookies(events, { origin, host, secure }) {
  /** @type {Map<string, string>} */
  const ids = new Map();
  for (const ev of events) {
    const v = ev?.context?.vendorIds;
    if (!v || typeof v !== 'object' || Array.isArray(v)) continue;
    for (const name of Object.keys(VENDOR_COOKIES)) {
      const value = v[name];
      if (typeof value === 'string' && SAFE_VALUE.test(value)) ids.set(name, value);
    }
  }
  if (!ids.size) return [];
  let domain = null;
  if (origin && host) {
    let originHost = null;
    try {
      originHost = new URL(origin).hostname;
    } catch {
      // not a URL ("null"): host-only
    }
    const site = originHost ? registrableDomain(originHost) : null;
    if (site && site === registrableDomain(host)) domain = site;
  }
  const attrs = `; Path=/${domain ? `; Domain=${domain}` : ''}; SameSite=Lax${secure ? '; Secure' : ''}`;
  return [...ids].map(
    ([name, value]) => `${name}=${value}; Max-Age=${VENDOR_COOKIES[/** @type {keyof typeof VENDOR_COOKIES} */ (name)]}${attrs}`,
  );
}
