// Finds d.js's configuration on its own script tag, from its data- attributes (camelCased, as
// `dataset` gives them): data-pipeline-key, data-global, data-endpoint (default: the origin of the
// script's src), and the options that must hold from the first byte, before any init() could run:
// data-require-consent (a category; empty means analytics), data-cmp, and in the full build
// data-vendor-ids and data-linked-domains (comma lists). Other data- attributes are not options
// any code reads. document.currentScript is null in some tag managers and in scripts run later, so
// a script tag with data-pipeline-key is the fallback.
import type { Options } from '../src/types';

/**
 * d.js's own script tag (read while d.js first runs: currentScript is null later). Only a real
 * <script>: a page's `<img name="currentScript" data-pipeline-key=...>` shadows
 * document.currentScript (DOM clobbering) and must not choose the endpoint or the chunks' origin.
 */
export const ownScript = (d: Document, s?: any): HTMLScriptElement | null =>
  (s = d.currentScript)?.tagName == 'SCRIPT' ? s : d.querySelector<HTMLScriptElement>('script[data-pipeline-key]');

export function scriptConfig(d: Document): Options | undefined {
  const s = ownScript(d);
  if (!s) return;
  // The nonce is for the tags the full build injects; the core build has no use for it.
  const o = { ...s.dataset, nonce: __FULL__ ? s.nonce : '' } as any;
  if (!o.endpoint)
    try {
      // script.src is already absolute.
      o.endpoint = new URL(s.src).origin;
    } catch {}
  if (o.requireConsent === '') o.requireConsent = true;
  if (__FULL__) {
    const list = (v?: string) =>
      v &&
      v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    o.vendorIds = list(o.vendorIds) || undefined;
    const linked = list(o.linkedDomains);
    o.crossDomain = linked ? { linkedDomains: linked } : undefined;
  }
  return o as Options;
}
