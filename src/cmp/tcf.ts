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

const LI = [2, 7, 8, 9, 10, 11];

export function readTcf(d: any): Reading | undefined {
  if (!d || typeof d != 'object') return;
  const free = d.gdprApplies === false;
  if (!free && !/^(tcloaded|useractioncomplete)$/.test(d.eventStatus)) return;
  const p = d.purpose || {};
  const pub = d.publisher || {};
  const c = p.consents || {};
  const li = p.legitimateInterests || {};
  const pc = pub.consents || {};
  const pli = pub.legitimateInterests || {};
  const restr = pub.restrictions || {};
  const usesPub = Object.keys(pc).length + Object.keys(pli).length > 0;
  const allowed = (n: number) => {
    if (n == 1 && d.purposeOneTreatment === true) return true;
    const types: Record<number, number> = {};
    for (const v in restr[n] || {}) types[restr[n][v]] = 1;
    if (types[0]) return false;
    const byConsent = !types[2] && c[n] === true && (!usesPub || pc[n] === true);
    const byLi = !types[1] && LI.indexOf(n) >= 0 && li[n] === true && (!usesPub || pli[n] === true);
    return byConsent || byLi;
  };
  const all = (...n: number[]) => free || n.every(allowed);
  const categories: Record<string, unknown> = { tcString: '' + (d.tcString || ''), purposes: { ...c }, legitimateInterests: { ...li } };
  return reading(categories, all(1), all(1, 8), all(1, 2, 3, 4, 7), all(1, 5, 6));
}
