// The full build's optional features, fetched only when a site turns them on (README, "Builds"):
// the CMP readers (`cmp`), vendor IDs (`vendorIds`), cross-domain links (`crossDomain`) and tag
// injection (at the first `injectTag`/`removeTag`).
// This is the npm package's loader: dynamic import(), which the site's bundler splits out.
// dist/d.full.js swaps this module for loader/load-chunk.ts (rollup.config.mjs), which loads
// d.<name>.js from beside itself. (Callbacks, not promises: pages replace window.Promise.)
export const CHUNKS = {
  cmp: () => import('./cmp/watch'),
  ids: () => import('./vendor-ids'),
  link: () => import('./link-decoration'),
  tags: () => import('./tags'),
};

export type Chunks = { [K in keyof typeof CHUNKS]: Awaited<ReturnType<(typeof CHUNKS)[K]>> };
export type ChunkName = keyof Chunks;

/** Calls `done` once with the chunk's exports, or with undefined when it could not be loaded. */
export function loadChunk<K extends ChunkName>(name: K, _nonce: string | undefined, done: (m?: Chunks[K]) => void): void {
  CHUNKS[name]().then(done as any, () => done());
}
