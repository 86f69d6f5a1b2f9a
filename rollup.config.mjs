// Builds the shipped files:
// - dist/d.js: the CDN collector, one self-contained IIFE (loader + core), minified.
// - dist/d.full.js: the same with the features only some sites use (SPA page views, the campaign
//   session, gzip, ...): one source, two builds, by the __FULL__ flag.
// - dist/d.cmp.js, d.ids.js, d.link.js, d.tags.js: the full build's chunks, loaded by d.full.js from beside
//   itself only when a site turns their feature on (src/load-chunk.ts names them; built first, so
//   that d.full.js can carry their SRI values).
// - dist/index.mjs, dist/index.cjs, dist/index.d.ts: the npm package.
// - dist/snippet.min.js: the stub for the README's example values (the size budget is measured on it).
// TypeScript is stripped by esbuild (fast, no type checking: `npm run typecheck` does that).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { transform } from 'esbuild';
import terser from '@rollup/plugin-terser';
import { dts } from 'rollup-plugin-dts';
import { buildStub } from './snippet/build.mjs';
import { CHUNKS } from './scripts/chunks.mjs';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

/** The SRI value of a built file. */
const sri = (file) => 'sha256-' + createHash('sha256').update(readFileSync(file)).digest('base64');

/**
 * esbuild as a rollup plugin: resolve extensionless .ts imports and strip types. `script`: the
 * d.full.js build, whose chunks load as scripts (loader/load-chunk.ts instead of src/load-chunk.ts).
 */
const ts = (full = true, script = false) => {
  let sris = '{}';
  return {
    name: 'esbuild-ts',
    buildStart() {
      // (The chunks' builds come first in the list below: their files exist by now.)
      if (script) sris = JSON.stringify(Object.fromEntries(CHUNKS.map(({ name }) => [name, sri(`dist/d.${name}.js`)])));
    },
    async resolveId(id, importer) {
      if (script && id == './load-chunk') return new URL('./loader/load-chunk.ts', import.meta.url).pathname;
      if (importer && id.startsWith('.') && !/\.\w+$/.test(id)) {
        return this.resolve(id + '.ts', importer, { skipSelf: true });
      }
    },
    async transform(code, id) {
      if (!id.endsWith('.ts')) return;
      const r = await transform(code, {
        loader: 'ts',
        target: 'es2020',
        sourcefile: id,
        sourcemap: true,
        define: { __VERSION__: JSON.stringify(version), __FULL__: String(full), __SRI__: sris },
      });
      return { code: r.code, map: r.map };
    },
  };
};

const min = (extra = {}) =>
  terser({
    ecma: 2020,
    module: extra.module,
    // unsafe_methods/unsafe_proto only assume what our code never does: `new` on a method, or
    // Object.prototype read differently from {}. (Not unsafe_comps: it turns !(x > 0) into
    // x <= 0, which is wrong for NaN and undefined.)
    compress: { passes: 5, unsafe_arrows: true, unsafe_methods: true, unsafe_proto: true, hoist_funs: true, pure_getters: true },
    // The mangling rule (CONTRIBUTING.md): internal object members are named `_likeThis`, with a
    // real word after the underscore (`_items`, `_persist`), and terser renames every property
    // matching /^_[a-z]/ to one or two letters, so the source reads well and the output stays
    // short. Public names (methods, options, event fields, storage keys) never start with `_x`.
    mangle: { properties: { regex: /^_[a-z]/ } },
    format: { comments: false },
    nameCache: extra.nameCache,
  });

// One property-name cache per family of files that run together (d.full.js and its chunks; the
// npm package's chunks): an internal `_member` gets the same short name in each, so objects may
// cross between them (terser's nameCache; the plugin minifies the family's files one by one).
const FULL_NAMES = {};

/** Writes dist/snippet.min.js once the bundle is done. */
const stub = () => ({
  name: 'stub',
  async writeBundle() {
    mkdirSync('dist', { recursive: true });
    const code = await buildStub({ src: 'https://data.example.com/d.js', key: 'dk_live_abc123' });
    writeFileSync('dist/snippet.min.js', code);
  },
});

/** A chunk's entry: its module's exports, handed to the script element that loaded it (loader/chunk.ts). */
const chunkEntry = (path) => ({
  name: 'chunk-entry',
  resolveId: (id) => (id == 'chunk-entry' ? '\0chunk-entry' : null),
  load: (id) =>
    id == '\0chunk-entry'
      ? `import * as m from ${JSON.stringify(new URL('./' + path, import.meta.url).pathname)};
import { handOver } from ${JSON.stringify(new URL('./loader/chunk.ts', import.meta.url).pathname)};
handOver(m);`
      : null,
});

export default [
  {
    input: 'loader/index.ts',
    output: { file: 'dist/d.js', format: 'iife', plugins: [min()] },
    plugins: [ts(false), stub()],
  },
  ...CHUNKS.map(({ name, path }) => ({
    input: 'chunk-entry',
    output: { file: `dist/d.${name}.js`, format: 'iife', plugins: [min({ nameCache: FULL_NAMES })] },
    plugins: [chunkEntry(path), ts(true)],
  })),
  {
    input: 'loader/index.ts',
    output: { file: 'dist/d.full.js', format: 'iife', plugins: [min({ nameCache: FULL_NAMES })] },
    plugins: [ts(true, true)],
  },
  {
    input: 'src/index.ts',
    // The chunks (src/load-chunk.ts) stay import()s here, for the site's bundler to split out;
    // they import what they share from index.* itself (allow-extension: no facade file).
    preserveEntrySignatures: 'allow-extension',
    output: [
      {
        dir: 'dist',
        entryFileNames: 'index.mjs',
        chunkFileNames: 'npm/[name].mjs',
        format: 'es',
        plugins: [min({ module: true, nameCache: {} })],
      },
      {
        dir: 'dist',
        entryFileNames: 'index.cjs',
        chunkFileNames: 'npm/[name].cjs',
        format: 'cjs',
        exports: 'named',
        plugins: [min({ nameCache: {} })],
      },
    ],
    plugins: [ts()],
  },
  {
    input: 'src/index.ts',
    output: { file: 'dist/index.d.ts', format: 'es' },
    plugins: [dts({ tsconfig: './tsconfig.dts.json' })],
  },
];
