// Cross-domain identity by link decoration (README, "Vendor IDs and cross-domain links"; the token
// is src/link-token.ts). Both sides need `analytics` consent.
// - Source: one capturing listener on document for click, auxclick (middle button), contextmenu
//   ("open in new tab") and submit: a link or form whose target host is, or is a subdomain of, a
//   linked domain (and is not this host) gets `_dfl=<token>` at that moment (before any #hash; a GET
//   form gets a hidden input, since the browser replaces the action's query with the form's fields).
// - Destination: the collector, when created, takes `_dfl` out of the address bar
//   (history.replaceState) and out of every event URL and referrer, with or without this chunk,
//   and hands the landing URL here, where the token is read; once
//   analytics is granted, the next event sent adopts its anonymousId (unless the visitor has one
//   stored here) and carries it as `context.linkedAnonymousId`.
import type { DataflyEvent, Dict } from './types';
import { listen } from './listen';
import { PARAM, makeToken, readToken, withToken } from './link-token';

/**
 * Returns the hook the collector runs on every event it sends.
 * @param o       the `crossDomain` option
 * @param consent the consent categories now ({} while the gate is not granted)
 * @param anon    the anonymousId now
 * @param adopt   takes a linked anonymousId (identity keeps a stored one instead)
 * @param landing the landing URL as it came, token included
 * (Plain functions, not the identity object: this module is a chunk of its own in d.full.js,
 * minified apart from the collector, so no mangled member may cross between them.)
 */
export function createLinker(
  o: any,
  consent: () => Dict,
  anon: () => string,
  adopt: (id: string) => void,
  landing: string,
): (e: DataflyEvent) => void {
  const domains: string[] = [];
  try {
    for (const d of o.linkedDomains) domains[domains.length] = String(d).toLowerCase();
  } catch {}
  const browser = navigator.userAgent + navigator.language;
  const analytics = () => consent().analytics === true;

  for (const type of ['click', 'auxclick', 'contextmenu', 'submit'])
    listen(document, type, (e: Event) => {
      const form = type == 'submit';
      const el = form ? (e.target as HTMLFormElement) : (e.target as Element).closest('a,area');
      // The attribute, not form.action (an <input name="action"> shadows it) nor an SVG link's href object.
      const attr = form ? 'action' : 'href';
      const u = el && new URL(el.getAttribute(attr) || location.href, document.baseURI);
      const h = u && u.hostname;
      if (!h || !/^http/.test(u.protocol) || h == location.hostname || !domains.some((d) => h == d || h.endsWith('.' + d)) || !analytics())
        return;
      const token = makeToken(anon(), Date.now(), browser);
      if (form && !/post/i.test(el.getAttribute('method')!)) {
        let input = el.querySelector('[name=' + PARAM + ']') as HTMLInputElement;
        if (!input) ((input = el.appendChild(document.createElement('input'))), (input.type = 'hidden'), (input.name = PARAM));
        input.value = token;
      } else el.setAttribute(attr, withToken(u, token));
    });

  const m = /[?&]_dfl=([^&#]*)/.exec(landing);
  let pending = m && readToken(m[1], Date.now(), browser);
  return (e) => {
    if (pending && analytics()) {
      adopt(pending);
      e.anonymousId = anon();
      e.context.linkedAnonymousId = pending;
      pending = '';
    }
  };
}
