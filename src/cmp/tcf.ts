// IAB TCF v2.2: the TCData that `__tcfapi('addEventListener', 2, cb)` passes (IAB Tech Lab,
// "Consent Management Platform API", TCF v2.2: eventStatus, cmpStatus, gdprApplies, tcString,
// purposeOneTreatment, purpose.{consents,legitimateInterests},
// publisher.{consents,legitimateInterests,restrictions}). README "Consent" has the table.
//
// A purpose is allowed when:
// - it has consent (purpose.consents[n]), or, for purposes 2, 7, 8, 9, 10 and 11 only (the ones
//   the v2.2 policy lets rest on legitimate interest; never 1, 3, 4, 5, 6), legitimate interest
//   (purpose.legitimateInterests[n]);
// - where the CMP fills the publisher segment (publisher.consents / legitimateInterests not
//   empty), the publisher's own signal for that purpose agrees too (Datafly works for the
//   publisher), on the same legal basis;
// - publisher.restrictions only narrow: a purpose restricted for any vendor as "not allowed" (0)
//   is not allowed, "require consent" (1) takes legitimate interest away, "require legitimate
//   interest" (2) takes consent away;
// - purpose 1 also counts as allowed when purposeOneTreatment is true (the publisher's country
//   does not ask for purpose 1, so the CMP did not disclose it).
// Categories: functional = 1; analytics = 1 + 8; marketing = 1 + 2 + 3 + 4 + 7;
// personalization = 1 + 5 + 6. gdprApplies false grants all. Only `tcloaded` and
// `useractioncomplete` are answers (`cmpuishown`: the visitor has not chosen yet).
import { reading, type Reading } from './reading';

export function readTcf(d: any): Reading | undefined {
  // Anything but a TCData (not an object) has no eventStatus: not an answer.
  const free = d?.gdprApplies === false;
  if (!free && !/^(tcloaded|useractioncomplete)$/.test(d?.eventStatus)) return;
  const p = d.purpose;
  const pub = d.publisher || {};
  let usesPub = 0;
  // for-in, not Object.keys: a missing (null) segment just has no keys.
  for (const _ in pub.consents) usesPub = 1;
  for (const _ in pub.legitimateInterests) usesPub = 1;
  const allowed = (n: number) => {
    if (n == 1 && d.purposeOneTreatment === true) return true;
    const types: Record<number, number> = {};
    for (const v in pub.restrictions?.[n]) types[pub.restrictions[n][v]] = 1;
    // Purpose n on one legal basis (`key`), unless a restriction of type `r` takes that basis away.
    const by = (key: string, r: number) => !types[r] && p?.[key]?.[n] === true && (!usesPub || pub[key]?.[n] === true);
    // Legitimate interest only for 2, 7, 8, 9, 10, 11 (n is at most 8 here).
    return !types[0] && (by('consents', 2) || ((n == 2 || n > 6) && by('legitimateInterests', 1)));
  };
  const all = (...n: number[]) => free || n.every(allowed);
  const categories: Record<string, unknown> = {
    tcString: '' + (d.tcString || ''),
    purposes: { ...p?.consents },
    legitimateInterests: { ...p?.legitimateInterests },
  };
  return reading(categories, { functional: all(1), analytics: all(1, 8), marketing: all(1, 2, 3, 4, 7), personalization: all(1, 5, 6) });
}
