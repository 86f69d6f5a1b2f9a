// The npm package imports (and does nothing) where there is no window: server-side rendering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';

const dist = new URL('../dist/', import.meta.url);
const built = existsSync(new URL('index.mjs', dist));

test(
  'ESM and CJS builds import in Node without a window, and calls are harmless',
  { skip: !built && 'run npm run build first' },
  async () => {
    const esm = (await import(new URL('index.mjs', dist).href)).default;
    const cjs = createRequire(import.meta.url)('../dist/index.cjs').default;
    for (const d of [esm, cjs]) {
      for (const m of [
        'init',
        'page',
        'track',
        'identify',
        'group',
        'alias',
        'reset',
        'ready',
        'flush',
        'getAnonymousId',
        'user',
        'debug',
        'consent',
        'getConsent',
        'injectTag',
        'removeTag',
      ])
        assert.equal(typeof d[m], 'function', m);
      assert.equal(d.track('x', { a: 1 }), undefined);
      assert.equal(d.init({ pipelineKey: 'dk_test_x', endpoint: 'https://x' }), d);
    }
  },
);
