// Consent-gated vendor tags (README, "Tag injection"). A tag is a <script src> (never inline code,
// so CSP and review stay simple) with a consent category; it is injected when its category is
// granted, now or later. removeTag() takes the script out and clears the vendor's cookies and
// storage keys by the prefixes given.
import type { ConsentState } from './types';
import { cleanId } from './sanitize';
import { log } from './log';

export const MAX_TAGS = 20;

export interface Tag {
  id: string;
  src: string;
  /** Consent category that must be granted. Default 'marketing'. */
  category?: string;
  /** 'immediate' (default), 'load' (after the window load event) or 'idle' (requestIdleCallback). */
  timing?: 'immediate' | 'load' | 'idle';
  /** Extra attributes for the <script> (data-*, crossorigin, ...); `async` is always set. */
  attributes?: Record<string, string>;
  /** Cookie name prefixes and storage key prefixes the vendor uses, cleared by removeTag(). */
  cookiePrefixes?: string[];
  storageKeys?: string[];
}

interface Entry {
  t: Tag;
  el?: HTMLScriptElement;
}

export function tagManager(getConsent: () => ConsentState, nonce: string | undefined) {
  const tags: Record<string, Entry> = {};

  const inject = (e: Entry) => {
    if (e.el || getConsent()[e.t.category || 'marketing'] !== true) return false;
    const s = (e.el = document.createElement('script'));
    s.src = e.t.src;
    s.async = true;
    if (nonce) s.nonce = nonce;
    for (const k in e.t.attributes || {}) s.setAttribute(k, String(e.t.attributes![k]));
    const add = () => document.head.appendChild(s);
    const when = e.t.timing;
    if (when == 'load' && document.readyState != 'complete') addEventListener('load', add);
    else if (when == 'idle') ((window as any).requestIdleCallback || setTimeout)(add);
    else add();
    log.info('injected tag', e.t.id);
    return true;
  };

  return {
    add(t: unknown): boolean {
      const tag = t as Tag;
      const id = tag && cleanId(tag.id);
      if (!id || typeof tag.src != 'string' || !/^(https?:)?\/\//.test(tag.src)) {
        log.warn('injectTag needs {id, src: "https://..."}');
        return false;
      }
      if (tags[id]) return log.warn('tag ' + id + ' is already there'), false;
      if (Object.keys(tags).length >= MAX_TAGS) return log.warn('at most ' + MAX_TAGS + ' tags'), false;
      const e: Entry = (tags[id] = { t: { ...tag, id } });
      return inject(e);
    },
    /** Consent changed: inject what is now allowed. */
    update(): void {
      for (const id in tags) inject(tags[id]);
    },
    remove(r: unknown): boolean {
      const id = r ? cleanId((r as Tag).id) : undefined;
      const e = id ? tags[id] : undefined;
      if (!e) return false;
      delete tags[id!];
      if (e.el) e.el.remove();
      clearVendor([...(e.t.cookiePrefixes || []), ...((r as Tag).cookiePrefixes || [])], [
        ...(e.t.storageKeys || []),
        ...((r as Tag).storageKeys || []),
      ]);
      return true;
    },
  };
}

/** Deletes cookies by name prefix (on this host and each parent domain) and storage keys by prefix. */
export function clearVendor(cookies: string[], keys: string[]): void {
  if (!cookies.length && !keys.length) return;
  const host = location.hostname.split('.');
  try {
    for (const c of document.cookie.split('; ')) {
      const name = c.split('=')[0];
      if (!cookies.some((p) => p && name.indexOf(p) == 0)) continue;
      for (let i = 0; i < host.length; i++) {
        const d = i ? ';domain=.' + host.slice(i - 1).join('.') : '';
        document.cookie = name + '=;path=/;max-age=0' + d;
      }
    }
  } catch {}
  for (const st of ['localStorage', 'sessionStorage']) {
    try {
      const s: Storage = (window as any)[st];
      for (const k of Object.keys(s)) if (keys.some((p) => p && k.indexOf(p) == 0)) s.removeItem(k);
    } catch {}
  }
}
