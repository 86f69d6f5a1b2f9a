// Finds d.js's configuration on its own script tag: data-pipeline-key, data-global, data-endpoint
// (default: the origin of the script's src). document.currentScript is null in some tag managers
// and in scripts run later, so a script tag with data-pipeline-key is the fallback.
import type { Options } from '../src/types';

export function scriptConfig(d: Document): Options | undefined {
  const s = (d.currentScript as HTMLScriptElement | null) || d.querySelector<HTMLScriptElement>('script[data-pipeline-key]');
  if (!s) return;
  const a = (n: string) => s.getAttribute('data-' + n) || undefined;
  let endpoint = a('endpoint');
  if (!endpoint) {
    try {
      // script.src is already absolute.
      endpoint = new URL(s.src).origin;
    } catch {}
  }
  // The nonce is for the tags the full build injects; the core build has no use for it.
  return { pipelineKey: a('pipeline-key'), endpoint, global: a('global'), nonce: __FULL__ ? s.nonce : '' } as Options;
}
