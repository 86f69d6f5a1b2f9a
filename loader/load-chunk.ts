// d.full.js's loader for its optional chunks (src/load-chunk.ts says which and why): d.<name>.js
// from beside d.full.js itself (same directory and query), never from anywhere else. A site that
// loads d.full.js with SRI gets the chunks checked too: their sha256 is built into d.full.js
// (__SRI__, rollup.config.mjs), so one integrity value pins every byte that runs. A chunk hands
// its exports to the script element that loaded it (`df`, loader/chunk.ts): no global is added.
import type { ChunkName, Chunks } from '../src/load-chunk';
import { ownScript } from './config';

const me = ownScript(document);

export function loadChunk<K extends ChunkName>(name: K, nonce: string | undefined, done: (m?: Chunks[K]) => void): void {
  try {
    const s = document.createElement('script') as HTMLScriptElement & { df?: Chunks[K] };
    s.src = new URL('d.' + name + '.js' + new URL(me!.src).search, me!.src).href;
    if (me!.integrity) ((s.integrity = __SRI__[name]), (s.crossOrigin = 'anonymous'));
    if (nonce) s.nonce = nonce;
    s.onload = s.onerror = () => done(s.df);
    document.head.append(s);
  } catch {
    done();
  }
}
