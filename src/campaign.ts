// Campaign and click context (README, "Campaigns"). From the landing page URL:
// utm_source/medium/campaign/term/content → context.campaign {source, medium, name, term, content};
// click ids (gclid, fbclid, ttclid, msclkid, li_fat_id, ScCid, epik) → context.clickIds.
// Both are kept for the session: until 30 minutes pass without an event, or a new landing URL
// brings utm or click ids (which then replace both: one landing's attribution, never a mix).
import type { EventContext } from './types';

export const SESSION_MS = 30 * 60 * 1000;
/** utm_* parameters: context.campaign fields of the same name (utm_campaign: name). */
const UTM = ['source', 'medium', 'campaign', 'term', 'content'];
export const CLICK_IDS = ['gclid', 'fbclid', 'ttclid', 'msclkid', 'li_fat_id', 'ScCid', 'epik'];

export interface Session {
  campaign?: EventContext['campaign'];
  clickIds?: Record<string, string>;
  /** Last activity (ms). */
  t: number;
}

/** Reads campaign and click ids from a URL (undefined fields when absent). */
export function fromUrl(url: string): Omit<Session, 't'> {
  const out: Omit<Session, 't'> = {};
  let q: URLSearchParams;
  try {
    q = new URL(url).searchParams;
  } catch {
    return out;
  }
  for (const k of UTM) {
    const v = q.get('utm_' + k);
    if (v) (out.campaign ||= {})[(k == 'campaign' ? 'name' : k) as 'name'] = v;
  }
  for (const k of CLICK_IDS) {
    const v = q.get(k);
    if (v) (out.clickIds ||= {})[k] = v;
  }
  return out;
}

/**
 * The session after a landing on `url` at `now`, given the stored one. A landing that brings utm
 * or click ids starts the attribution afresh: it replaces both, so no event carries the campaign
 * of one landing with the click ids of another.
 */
export function landing(saved: Session | undefined, url: string, now: number): Session {
  const f = fromUrl(url);
  return { ...(f.campaign || f.clickIds ? f : saved && now - saved.t < SESSION_MS && saved), t: now };
}
