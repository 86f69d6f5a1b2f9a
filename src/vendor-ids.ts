// Vendor IDs, the browser half (README, "Vendor IDs and cross-domain links"; formats and sources in
// src/vendor-id-formats.ts). For each cookie of the vendors turned on whose consent category is
// granted: read it, make it when missing (written on the registrable domain with the vendor's
// lifetime, SameSite=Lax, Secure on https), and send it on every event as context.vendorIds. Without
// consent nothing is read, written or sent; when consent for a cookie is withdrawn during the page
// view, it is deleted if we made it (never one a vendor's pixel wrote) and no longer sent.
import type { Dict } from './types';
import { COOKIES, isOurs, remark, vendorValue } from './vendor-id-formats';
import { registrableDomain } from './registrable-domain';
import { cookieGet, cookieSet } from './storage';

const MARKER = '_df_vid';

/**
 * Returns `sync()`: follows the consent now (reads, makes or deletes) and returns the ids to send,
 * if any. Called at once, on every consent change and for every event.
 * @param vendors      the `vendorIds` option (unknown names are ignored)
 * @param consent      the consent categories that allow storage now ({} while storage is not allowed)
 * @param landing      the landing page URL (its fbclid, gclid)
 * @param cookieDomain the `cookieDomain` option (default: the registrable domain)
 */
export function createVendorIds(
  vendors: unknown,
  consent: () => Dict,
  landing: () => string,
  cookieDomain?: string,
): () => Record<string, string> | undefined {
  const on: unknown[] = Array.isArray(vendors) ? vendors : [];
  // Cookie → value sent in this page view ('' = none); absent = not read (no consent).
  const ids: Record<string, string> = {};
  let domain: string;
  const mark = (name: string, value?: string) => {
    const m = remark(cookieGet(MARKER), name, value);
    cookieSet(MARKER, m, domain, m ? 730 : -1);
  };
  const sync = () => {
    const granted = consent();
    let out: Record<string, string> | undefined;
    for (const [name, vendor, days] of COOKIES)
      if (on.indexOf(vendor) >= 0) {
        if (granted[name == '_ga' ? 'analytics' : 'marketing'] === true) {
          if (ids[name] == null) {
            domain ??= cookieDomain || registrableDomain();
            const had = cookieGet(name);
            const v = vendorValue(name, had, landing(), Date.now());
            if (v) (cookieSet(name, v, domain, days), mark(name, v));
            ids[name] = v || had || '';
          }
          if (ids[name]) (out ||= {})[name] = ids[name];
        } else if (ids[name] != null) {
          delete ids[name];
          if (isOurs(cookieGet(MARKER), name, cookieGet(name))) (cookieSet(name, '', domain, -1), mark(name));
        }
      }
    return out;
  };
  sync();
  return sync;
}
