// Didomi: the `didomi_token` cookie / localStorage item, base64 JSON (developers.didomi.io,
// "Cookies and storage": "didomi_token for vendors and purposes in the token format (JSON)"):
// `{user_id, created, updated, vendors: {enabled: [...], disabled: [...]}, purposes: {enabled,
// disabled}, vendors_li: {...}, purposes_li: {...}, version, ac}`; and the Web SDK's
// `Didomi.getCurrentUserStatus()` (developers.didomi.io/cmp/web-sdk/reference/api):
// `{purposes: {<id>: {id, enabled}}, vendors: {<id>: {id, enabled}}, consent_string, ...}`.
// Under a TCF notice the IAB purposes live in the TC string (`euconsent-v2`), not in the token;
// the SDK's user status has both.
// Mapping by Didomi's ids for the IAB purposes (as for TCF): cookies (purpose 1) → functional,
// and refusing it refuses every category; measure_content_performance → analytics;
// select_basic_ads, create_ads_profile, select_personalized_ads, measure_ad_performance →
// marketing; create_content_profile, select_personalized_content → personalization. A site's own
// purpose ids (e.g. "marketing-JLRqbtG8") are mapped with `consentSource.map`.
import { mapped, type Reading } from './reading';
import { state } from '../consent';

export const DIDOMI_MAP: Record<string, string> = {
  cookies: 'functional',
  measure_content_performance: 'analytics',
  select_basic_ads: 'marketing',
  create_ads_profile: 'marketing',
  select_personalized_ads: 'marketing',
  measure_ad_performance: 'marketing',
  create_content_profile: 'personalization',
  select_personalized_content: 'personalization',
};

/**
 * `{enabled: [ids], disabled: [ids]}` (token) or `{id: {enabled}}` (SDK) as `{id: boolean}`, added
 * to `into`: an id is on when any list turns it on (consent or legitimate interest).
 */
const flags = (x: any, into: Record<string, boolean> = {}): Record<string, boolean> => {
  for (const k in x) {
    const v = x[k];
    if (Array.isArray(v)) {
      if (k == 'enabled' || k == 'disabled') for (const id of v) into[id] ||= k == 'enabled';
    } else if (v && typeof v == 'object' && 'enabled' in v) into[k] ||= v.enabled === true;
  }
  return into;
};

/**
 * A Didomi user status (the token's JSON or getCurrentUserStatus()). A purpose is on with
 * consent or, where the token lists it, legitimate interest. Undefined when no purpose it knows
 * (DIDOMI_MAP or `map`) is in it: the status says nothing about our categories.
 */
export const readDidomi = (s: any, map?: Record<string, string>): Reading | undefined => {
  // Not an object: no purposes, so no answer.
  const purposes = flags(s?.purposes_li, flags(s?.purposes));
  const r = mapped(purposes, { ...DIDOMI_MAP, ...map }, { purposes, vendors: flags(s?.vendors) });
  if (r && purposes.cookies === false) r.canonical = state() as Reading['canonical'];
  return r;
};

/** The `didomi_token` value: base64 (or base64url) JSON. */
export function readDidomiToken(token: any, map?: Record<string, string>): Reading | undefined {
  // Absent or not base64 JSON: atob or JSON.parse throws.
  try {
    return readDidomi(JSON.parse(atob(token.replace(/-/g, '+').replace(/_/g, '/'))), map);
  } catch {}
}
