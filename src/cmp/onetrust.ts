// OneTrust: the `OptanonConsent` cookie (`groups=C0001:1,C0002:0,...`, URL-encoded) or
// `window.OnetrustActiveGroups` (",C0001,C0003,": the active groups only). Default category ids,
// from OneTrust's docs (developer.onetrust.com, "Cookie categories"): C0001 strictly necessary,
// C0002 performance, C0003 functional, C0004 targeting, C0005 social media.
// Mapping: C0001 → essential, C0002 → analytics, C0003 → functional + personalization,
// C0004 → marketing; every group code is kept verbatim in `categories`.
import { reading, type Reading } from './reading';
import { parseConsentValue } from './custom';

/** The `groups` value of an `OptanonConsent` cookie (already cookie-decoded). */
export const oneTrustGroups = (cookie?: string | null): string | undefined => new URLSearchParams(cookie || '').get('groups') || undefined;

export function readOneTrust(groups: string): Reading | undefined {
  // `C0001:1,C0002:0` or `,C0001,C0003,` is the custom reader's comma format (OneTrust writes 0/1 only).
  const on = parseConsentValue(groups, 'comma')!;
  return Object.keys(on).length
    ? reading(on, { functional: on.C0003, analytics: on.C0002, marketing: on.C0004, personalization: on.C0003 })
    : undefined;
}
