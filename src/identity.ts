// Who the events are about: anonymousId (UUID v4, in a first-party cookie and localStorage, either
// of which may be missing or blocked), userId and groupId with their merged traits (localStorage).
// Everything also lives in memory, so a page with no storage at all still has one stable identity.
import type { Dict, User } from './types';
import { cookieGet, cookieSet, lsSet, readJSON } from './storage';
import { uuid } from './uuid';

const COOKIE = '_df_aid';
/** Where the user, group and their traits are stored (localStorage); the stub's user() reads it too. */
export const KEY = '_df_id';
/** Each id with its traits: the user's, the group's. */
const USER = ['userId', 'traits'];
const GROUP = ['groupId', 'groupTraits'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export interface Identity {
  _user: User;
  /** false while consent is required and not given: nothing is read or written. */
  _persist: boolean;
  /**
   * Storage allowed (at start, or when consent arrives). After a reset() or a withdrawal while
   * storage was off, the identity in memory is written as it is (the stored user must not come
   * back). Otherwise what is stored wins for the anonymous id, and a user or group set in memory
   * meanwhile wins over the stored one (the same id: stored traits merged under the new ones).
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
  /** Consent withdrawn: storage stops and the stored identity is removed. */
  _off(): void;
  /** Full build (link decoration): takes a linked site's anonymousId, unless one was read from this site's storage. */
  _adopt?(anonymousId: string): void;
}

export function createIdentity(persist: boolean, cookieDomain?: string): Identity {
  const fresh = (): User => ({ anonymousId: uuid(), traits: {}, groupTraits: {} });
  /** A reset or a wipe came while storage was off: the memory identity is the one to keep. */
  let keep = false;
  /** The anonymousId came from storage (a returning visitor keeps theirs over a linked one). */
  let stored = false;
  const save = () => {
    if (!me._persist) return;
    lsSet(KEY, JSON.stringify(me._user));
    cookieSet(COOKIE, me._user.anonymousId, cookieDomain);
  };
  /**
   * Reads the stored identity. `tabs` (re-read before every write): another tab's newer identity
   * (a login, a logout, a group) wins over this tab's. Without it (consent arrived), see _enable.
   */
  const load = (tabs?: boolean) => {
    const s: any = (me._persist && readJSON<User>(KEY)) || {};
    // Another tab's (valid) stored identity wins as a whole (fresh() only fills in missing traits).
    if (tabs) return UUID.test(s.anonymousId) && (me._user = { ...fresh(), ...s });
    const u: any = me._user;
    const a = [cookieGet(COOKIE), s.anonymousId].find((x) => UUID.test(x)); // (undefined tests as "undefined": no match)
    if (a) ((u.anonymousId = a), (stored = true));
    for (const [k, t] of [USER, GROUP]) {
      const v = s[k];
      if (typeof v == 'string' && (!u[k] || u[k] == v)) ((u[t] = { ...s[t], ...u[t] }), (u[k] = v));
    }
  };
  const me: Identity = {
    _user: fresh(),
    _persist: false,
    _enable() {
      if (me._persist) return;
      me._persist = true;
      if (!keep) load();
      save();
    },
    _set(g, id, traits, send) {
      load(true);
      // The event is made from the new state (a copy): the old one comes back if it is refused.
      const was = me._user;
      const u: any = (me._user = { ...was });
      const [k, t] = g ? GROUP : USER;
      u[t] = { ...(u[k] === id ? u[t] : {}), ...traits };
      u[k] = id;
      if (send(u[t])) save();
      else me._user = was;
    },
    _alias(userId) {
      load(true);
      const prev = me._user.userId || me._user.anonymousId;
      me._user.userId = userId;
      save();
      return prev;
    },
    _reset() {
      me._user = fresh();
      keep ||= !me._persist;
      save();
    },
    _off() {
      me._persist = false;
      keep = true;
      lsSet(KEY, null);
      cookieSet(COOKIE, '', cookieDomain, -1);
    },
  };
  if (__FULL__)
    me._adopt = (a) => {
      if (!stored) ((me._user.anonymousId = a), save());
    };
  if (persist) me._enable();
  return me;
}
