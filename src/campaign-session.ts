// The campaign session (full build; README, "Campaigns"): utm parameters and click ids of the
// landing URL (src/campaign.ts), kept for the session in localStorage `_df_s` where storage is
// allowed, and put on every event as `context.campaign` / `context.clickIds`. A session ends after
// 30 minutes without an event, also within one long page view.
import type { EventContext } from './types';
import { landing, SESSION_MS, type Session } from './campaign';
import { lsSet, readJSON } from './storage';
import { SESSION_STAMP } from './limits';

export const SESSION_KEY = '_df_s';

export interface CampaignSession {
  /** A landing on `url` (at start, and again when consent lets us read the stored session). */
  _land(url: string): void;
  /** Puts the session's campaign and click ids on an event's context (and keeps the session alive). */
  _apply(c: EventContext): void;
  /** Consent withdrawn: the session is forgotten in memory too (a grant lands again). */
  _clear(): void;
}

/** `persist()`: storage allowed now. */
export function createCampaignSession(persist: () => boolean): CampaignSession {
  let session: Session = { t: 0 };
  let lastEvent = 0;
  const save = () => persist() && lsSet(SESSION_KEY, JSON.stringify(session));
  return {
    _land(url) {
      // (false when storage is off: landing() takes any falsy value as "none saved".)
      session = landing((persist() && readJSON<Session>(SESSION_KEY)) as Session, url, Date.now());
      save();
    },
    _apply(c) {
      // A session stays alive while events flow (its stamp is written at most once a minute).
      const t = Date.now();
      if (lastEvent && t - lastEvent >= SESSION_MS) session = { t: 0 };
      lastEvent = t;
      if (session.campaign) c.campaign = session.campaign;
      if (session.clickIds) c.clickIds = session.clickIds;
      if (t - session.t > SESSION_STAMP) ((session.t = t), save());
    },
    _clear() {
      session = { t: 0 };
    },
  };
}
