// Builds the shipped files:
// - dist/d.js: the CDN collector, one self-contained IIFE (loader + core), minified.
// - dist/d.full.js: the same with the features only some sites use (CMP auto-detection, tag
//   injection): one source, two builds, by the __FULL__ flag.
// - dist/index.mjs, dist/index.cjs, dist/index.d.ts: the npm package.
// - dist/snippet.min.js: the stub for the README's example values (the size budget is measured on it).
// TypeScript is stripped by esbuild (fast, no type checking: `npm run typecheck` does that).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { transform } from 'esbuild';
import terser from '@rollup/plugin-terser';
import { dts } from 'rollup-plugin-dts';
import { buildStub } from './snippet/build.mjs';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

/** esbuild as a rollup plugin: resolve extensionless .ts imports and strip types. */
const ts = (full = true) => ({
  name: 'esbuild-ts',
  async resolveId(id, importer) {
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
      define: { __VERSION__: JSON.stringify(version), __FULL__: String(full) },
    });
    return { code: r.code, map: r.map };
  },
});

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
  });

/** Writes dist/snippet.min.js once the bundle is done. */
const stub = () => ({
  name: 'stub',
  async writeBundle() {
    mkdirSync('dist', { recursive: true });
    const code = await buildStub({ src: 'https://data.example.com/d.js', key: 'dk_live_abc123' });
    writeFileSync('dist/snippet.min.js', code);
  },
});

export default [
  {
    input: 'loader/index.ts',
    output: { file: 'dist/d.js', format: 'iife', plugins: [min()] },
    plugins: [ts(false), stub()],
  },
  {
    input: 'loader/index.ts',
    output: { file: 'dist/d.full.js', format: 'iife', plugins: [min()] },
    plugins: [ts(true)],
  },
  {
    input: 'src/index.ts',
    output: [
      { file: 'dist/index.mjs', format: 'es', plugins: [min({ module: true })] },
      { file: 'dist/index.cjs', format: 'cjs', exports: 'named', plugins: [min()] },
    ],
    plugins: [ts()],
  },
  {
    input: 'src/index.ts',
    output: { file: 'dist/index.d.ts', format: 'es' },
    plugins: [dts({ tsconfig: './tsconfig.dts.json' })],
  },
];
