// The full build's chunks (README, "Builds"), as src/load-chunk.ts lists them: the one list that
// the build (rollup.config.mjs), the snippet printer's CSP hashes and the gateway's routes read.
import { readFileSync } from 'node:fs';

/** @type {{ name: string, path: string }[]} name: dist/d.<name>.js; path: its module, from the root. */
export const CHUNKS = [
  ...readFileSync(new URL('../src/load-chunk.ts', import.meta.url), 'utf8').matchAll(/(\w+): \(\) => import\('\.\/([\w/-]+)'\)/g),
].map(([, name, path]) => ({ name, path: `src/${path}.ts` }));
