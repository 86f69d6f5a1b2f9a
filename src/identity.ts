// Who the events are about: anonymousId (UUID v4, in a first-party cookie and localStorage, either
// of which may be missing or blocked), userId and groupId with their merged traits (localStorage).
// Everything also lives in memory, so a page with no storage at all still has one stable identity.
import type { Dict, User } from './types';
import { cookieGet, cookieSet, lsSet, readJSON } from './storage';
import { uuid } from './uuid';

const COOKIE = '_df_aid';
const KEY = '_df_id';
/** Each id with its traits. */
const PAIRS = [['userId', 'traits'], ['groupId', 'groupTraits']];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export interface Identity {
  _u: User;
  /** false while consent is required and not given: nothing is read or written. */
  _persist: boolean;
  /**
   * Storage allowed (at start, or when consent arrives): what is stored wins for the anonymous id;
   * a user or group set in memory meanwhile wins over the stored one.
   */
  _enable(): void;
  /**
   * Sets the user or group (`g`); traits merge while the id stays the same, and start afresh for a
   * new one. `send` makes the event from the merged traits; if it refuses, nothing changes.
   */
  _set(g: boolean, id: string, traits: Dict, send: (merged: Dict) => boolean): void;
  /** Makes `userId` the user; returns the previous id (userId, else anonymousId). */
  _alias(userId: string): string;
  _reset(): void;
  /** Full build (link decoration): takes a linked site's anonymousId, unless one was read from this site's storage. */
  _adopt?(anonymousId: string): void;
}

export function createIdentity(persist: boolean, cookieDomain?: string): Identity {
  const fresh = (): User => ({ anonymousId: uuid(), traits: {}, groupTraits: {} });
  const save = () => {
    if (!me._persist) return;
    lsSet(KEY, JSON.stringify(me._u));
    cookieSet(COOKIE, me._u.anonymousId, cookieDomain);
  };
  // Whether the anonymousId came from storage (a returning visitor keeps theirs over a linked one).
  let stored = false;
  const me: Identity = {
    _u: fresh(),
    _persist: false,
    _enable() {
      if (me._persist) return;
      me._persist = true;
      const saved = readJSON<User>(KEY) || ({} as User);
      const a = [cookieGet(COOKIE), saved.anonymousId].find((x) => x && UUID.test(x));
      const u: any = me._u;
      if (a) (u.anonymousId = a), (stored = true);
      for (const [k, t] of PAIRS) if (!u[k] && typeof (saved as any)[k] == 'string') (u[k] = (saved as any)[k]), (u[t] = (saved as any)[t] || {});
      save();
    },
    _set(g, id, traits, send) {
      const u: any = me._u;
      const [k, t] = PAIRS[+g];
      const was = [u[k], u[t]];
      u[t] = { ...(u[k] === id ? u[t] : {}), ...traits };
      u[k] = id;
      if (send(u[t])) save();
      else [u[k], u[t]] = was;
    },
    _alias(userId) {
      const prev = me._u.userId || me._u.anonymousId;
      me._u.userId = userId;
      save();
      return prev;
    },
    _reset() {
      me._u = fresh();
      save();
    },
  };
  if (__FULL__)
    me._adopt = (a) => {
      if (!stored) (me._u.anonymousId = a), save();
    };
  if (persist) me._enable();
  return me;
}
