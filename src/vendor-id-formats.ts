// Vendor IDs (README, "Vendor IDs and cross-domain links"): which first-party cookie each vendor
// uses, its lifetime, and how a missing one is made in the vendor's own format. `_ga` needs
// `analytics` consent, every other one `marketing`. Platform-free (unit-tested in Node); the
// browser half is src/vendor-ids.ts.
//
// Sources (vendors document their cookies and lifetimes; where the value is not documented, the
// format is the one their own tags write, as seen in public captures of those cookies):
// - _ga: Google Analytics "Cookie usage" (gtag.js/analytics.js): 2 years; "GA1.1.<random 31-bit
//   integer>.<unix seconds>" (the client id: random number + first visit time).
// - _fbp / _fbc: Meta Conversions API, "fbp and fbc parameters": "fb.1.<creation ms>.<random
//   number>" and "fb.1.<creation ms>.<fbclid>" (subdomain index 1 = the registrable domain); 90 days.
// - _gcl_aw: Google Ads conversion linker (Google's "Cookie usage"): "GCL.<unix seconds>.<gclid>";
//   90 days.
// - _ttp: TikTok "About using cookies with TikTok Pixel" (ads.tiktok.com/help/article?aid=10007540):
//   13 months. Value: 27 characters + ".tt.1", as TikTok's pixel writes it (e.g.
//   "I0y3vuvP1raoRMNh1hkjrEJ24f2.tt.1"); ours are 27 random hexadecimal digits (the last 27 of a
//   UUID v4 without dashes: the pixel's alphabet is letters and digits, and bytes matter).
// - _pin_unauth: Pinterest "Pinterest tag parameters and cookies" (help.pinterest.com): first-party
//   cookie grouping actions of visitors Pinterest can't identify; 1 year. Value, as the tag writes
//   it: base64("uid=" + base64(UUID v4)) without "=" padding ("dWlkPU5EUTFPV0k0..." decodes to
//   "uid=NDQ1OWI4...", which decodes to "4459b856-a6b3-4f21-8f00-e55a1c0c6a4a").
// - _scid: Snap "Cookie information" / Snap Pixel docs: first-party visitor id, 13 months; the
//   pixel's value is a UUID v4 ("c96e7b3d-8f61-488f-93b9-068f8a495a7a").
import { fromUrl } from './campaign';
import { uuid } from './uuid';

/**
 * [cookie, the vendor's name in the `vendorIds` option, lifetime in days]; 13 months = 395 days.
 * (An array, not an object: terser mangles property names that start with "_" and a letter.)
 */
export const COOKIES: [string, string, number][] = [
  ['_ga', 'ga', 730],
  ['_fbp', 'meta', 90],
  ['_fbc', 'meta', 90],
  ['_ttp', 'tiktok', 395],
  ['_pin_unauth', 'pinterest', 365],
  ['_scid', 'snapchat', 395],
  ['_gcl_aw', 'google_ads', 90],
];

const b64 = (s: string) => btoa(s).replace(/=+$/, '');

/**
 * The value to write for cookie `name`, or undefined to keep what is there (`existing`, maybe none).
 * A missing id is made; an existing one is never rewritten, except `_fbc` and `_gcl_aw`, which take a
 * new `fbclid`/`gclid` of the landing `url` (a cookie already ending with that click id is kept).
 * `n`: a random integer below 2^31 (at most 10 digits).
 */
export function vendorValue(
  name: string,
  existing: string | undefined,
  url: string,
  now: number,
  n = crypto.getRandomValues(new Uint32Array(1))[0] >>> 1,
): string | undefined {
  const s = Math.floor(now / 1e3);
  const fbc = name == '_fbc';
  if (fbc || name == '_gcl_aw') {
    const click = (fromUrl(url).clickIds || {})[fbc ? 'fbclid' : 'gclid'];
    return click && !(existing || '').endsWith('.' + click) ? (fbc ? 'fb.1.' + now : 'GCL.' + s) + '.' + click : undefined;
  }
  return existing
    ? undefined
    : name == '_ga'
      ? 'GA1.1.' + n + '.' + s
      : name == '_fbp'
        ? 'fb.1.' + now + '.' + n
        : name == '_ttp'
          ? uuid().replace(/-/g, '').slice(5) + '.tt.1'
          : name == '_pin_unauth'
            ? b64('uid=' + b64(uuid()))
            : uuid();
}

// The cookies we made are listed in a marker cookie, ",name:tail,name:tail" (tail: the value's last 6
// characters), so that a consent withdrawal deletes ours and never one a vendor's pixel wrote (a
// value a pixel wrote over ours no longer matches).

/** Whether `value` of cookie `name` is one we made, per the marker. */
export const isOurs = (marker: string | undefined, name: string, value: string | undefined): boolean =>
  !!value && (marker || '').indexOf(',' + name + ':' + value.slice(-6)) >= 0;

/** The marker without `name`, then with `name` = `value` when given. */
export const remark = (marker: string | undefined, name: string, value?: string): string =>
  (marker || '').replace(new RegExp(',' + name + ':[^,]*', 'g'), '') + (value ? ',' + name + ':' + value.slice(-6) : '');
