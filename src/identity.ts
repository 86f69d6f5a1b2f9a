// Who the events are about: anonymousId (UUID v4, in a first-party cookie and localStorage, either
// of which may be missing or blocked), userId and groupId with their merged traits (localStorage).
// Everything also lives in memory, so a page with no storage at all still has one stable identity.
import type { Dict, User } from './types';
import { cookieGet, cookieSet, lsSet, readJSON } from './storage';
import { uuid } from './uuid';

const COOKIE = '_df_aid';
const KEY = '_df_id';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export class Identity {
  u: User;
  /** false while consent is required and not given: nothing is written. */
  persist: boolean;
  cookieDomain?: string;

  constructor(persist: boolean, cookieDomain?: string) {
    this.persist = false;
    this.cookieDomain = cookieDomain;
    this.u = { anonymousId: uuid(), traits: {}, groupTraits: {} };
    if (persist) this.enable();
  }

  /**
   * Storage allowed (at start, or when consent arrives): what is stored wins for the anonymous id;
   * a user or group set in memory meanwhile wins over the stored one.
   */
  enable(): void {
    if (this.persist) return;
    this.persist = true;
    const saved = readJSON<User>(KEY) || ({} as User);
    const a = [cookieGet(COOKIE), saved.anonymousId].find((x) => x && UUID.test(x));
    const u = this.u;
    if (a) u.anonymousId = a;
    if (!u.userId && typeof saved.userId == 'string') (u.userId = saved.userId), (u.traits = saved.traits || {});
    if (!u.groupId && typeof saved.groupId == 'string') (u.groupId = saved.groupId), (u.groupTraits = saved.groupTraits || {});
    this.save();
  }

  save(): void {
    if (!this.persist) return;
    lsSet(KEY, JSON.stringify(this.u));
    cookieSet(COOKIE, this.u.anonymousId, this.cookieDomain);
  }

  /** Sets the user; traits merge when the id is unchanged and start afresh when it changes. */
  identify(userId: string, traits: Dict): Dict {
    const u = this.u;
    u.traits = { ...(u.userId === userId ? u.traits : {}), ...traits };
    u.userId = userId;
    this.save();
    return u.traits;
  }

  group(groupId: string, traits: Dict): Dict {
    const u = this.u;
    u.groupTraits = { ...(u.groupId === groupId ? u.groupTraits : {}), ...traits };
    u.groupId = groupId;
    this.save();
    return u.groupTraits;
  }

  alias(userId: string): string | undefined {
    const prev = this.u.userId || this.u.anonymousId;
    if (this.u.userId != userId) this.u.userId = userId;
    this.save();
    return prev;
  }

  reset(): void {
    this.u = { anonymousId: uuid(), traits: {}, groupTraits: {} };
    this.save();
  }

  /** A copy the host page may keep or mutate without touching ours. */
  snapshot(): User {
    return JSON.parse(JSON.stringify(this.u));
  }
}
