// Consent-gated vendor tags (README, "Tag injection"). A tag is a <script src> (never inline code,
// so CSP and review stay simple) with a consent category; it is injected when its category is
// granted, now or later. removeTag() takes the script out and clears the vendor's cookies and
// storage keys by the prefixes given (never the collector's own `_df` names). A tag that fails to
// inject is dropped on its own, with a warning: the other tags and the consent update go on.
import type { Tag } from './types';
import { cleanId, isPlainObject } from './sanitize';
import type { log as Log } from './log';
import { idle } from './idle';

export const MAX_TAGS = 20;

// Plain member names and the collector's `log` passed in: this module is a chunk of its own in
// d.full.js (src/load-chunk.ts), minified apart from the collector, so no mangled member or
// module state may cross between them.
export interface Tags {
  add(t: unknown): boolean;
  /** Consent changed: inject what is now allowed. */
  update(): void;
  remove(r: unknown): boolean;
}

/** Prefix lists: absent, or an array of non-empty strings (a string would clear by its characters). */
const badList = (t: any) =>
  ['cookiePrefixes', 'storageKeys'].some(
    (k) => t[k] != null && !(Array.isArray(t[k]) && t[k].every((p: unknown) => typeof p == 'string' && p)),
  );
const LISTS = 'cookiePrefixes/storageKeys must be arrays of non-empty strings';

/** Attributes that would run or re-point code: src, nonce, integrity, on* handlers (any case). */
const badAttribute = (k: string) => /^(src|nonce|integrity|on.*)$/i.test(k);

/** `granted(category)`: whether that consent category is granted now. */
export function createTags(granted: (category: string) => boolean, nonce: string | undefined, log: typeof Log): Tags {
  const tags: Record<string, [Tag, HTMLScriptElement?]> = {};

  const inject = (e: [Tag, HTMLScriptElement?]) => {
    const t = e[0];
    if (e[1] || !granted(t.category || 'marketing')) return false;
    try {
      const s = document.createElement('script');
      s.src = t.src;
      if (nonce) s.nonce = nonce;
      for (const k in t.attributes) s.setAttribute(k, '' + t.attributes[k]);
      const add = () => document.head.appendChild(s);
      if (t.timing == 'load' && document.readyState != 'complete') addEventListener('load', add);
      else if (t.timing == 'idle') idle(add);
      else add();
      e[1] = s;
    } catch (err) {
      // Isolated: this tag is dropped; the others and the caller go on.
      delete tags[t.id];
      return (log.warn('injectTag: ' + t.id + ' failed: ' + err), false);
    }
    log.info('tag injected', t.id);
    return true;
  };

  return {
    add(t: any) {
      const id = t && cleanId(t.id);
      const a = t && t.attributes;
      const why =
        !id || typeof t.src != 'string' || !/^(https?:)?\/\//.test(t.src)
          ? 'needs {id, src: "https://..."}'
          : tags[id]
            ? id + ' is already there'
            : Object.keys(tags).length >= MAX_TAGS
              ? 'at most ' + MAX_TAGS + ' tags'
              : badList(t)
                ? LISTS
                : a != null && (!isPlainObject(a) || Object.keys(a).some(badAttribute))
                  ? 'attributes may not set src, nonce, integrity, on*'
                  : '';
      if (why) return (log.warn('injectTag: ' + why), false);
      return inject((tags[id!] = [{ ...t, id, attributes: { ...a } }]));
    },
    update() {
      for (const id in tags) inject(tags[id]);
    },
    remove(r: any) {
      const id = r && cleanId(r.id);
      const e = id && tags[id];
      if (!e) return false;
      if (badList(r)) return (log.warn('removeTag: ' + LISTS), false);
      delete tags[id as string];
      if (e[1]) e[1].remove();
      const list = (k: 'cookiePrefixes' | 'storageKeys') => [...(e[0][k] || []), ...(r[k] || [])];
      clearVendor(list('cookiePrefixes'), list('storageKeys'));
      return true;
    },
  };
}

/** Deletes cookies by name prefix (on this host and each parent domain) and storage keys by prefix. */
export function clearVendor(cookies: string[], keys: string[]): void {
  // Never the collector's own names (_df_aid, _df_id, _df_q.*, ...), whatever the prefix.
  const match = (list: string[], name: string) => !!name.indexOf('_df') && list.some((p) => p && !name.indexOf(p));
  const host = location.hostname.split('.');
  try {
    for (const c of document.cookie.split('; ')) {
      const name = c.split('=')[0];
      if (match(cookies, name))
        for (let i = 0; i < host.length; i++)
          document.cookie = name + '=;path=/;max-age=0' + (i ? ';domain=.' + host.slice(i - 1).join('.') : '');
    }
  } catch {}
  for (const st of ['localStorage', 'sessionStorage']) {
    try {
      const s: Storage = (window as any)[st];
      for (const k of Object.keys(s)) if (match(keys, k)) s.removeItem(k);
    } catch {}
  }
}
