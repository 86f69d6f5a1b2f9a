// Lint rules, per folder (as Plausible's tracker keeps its own). `npm run lint` runs ESLint and
// Prettier's check; CI runs it. The project's own invariants are rules here:
// - shipped code (src/, loader/, snippet/stub.js) runs in pages that break builtins: no
//   Array.prototype.push (write `a[a.length] = x`) and no global Promise (await a thenable);
// - no eval, new Function or string timers anywhere (strict-CSP sites run our files).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const hostilePageRules = {
  'no-restricted-properties': ['error', { property: 'push', message: 'Pages replace Array.prototype.push: write a[a.length] = x.' }],
  'no-restricted-globals': ['error', { name: 'Promise', message: 'Pages replace window.Promise: await a thenable instead.' }],
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'bench/node_modules/**',
      'bench/results/**',
      'test-results/**',
      'playwright-report/**',
      '.datafly/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Explicit `any` is allowed at the page boundary (window globals, hostile input); implicit
      // any is what tsconfig's noImplicitAny forbids.
      '@typescript-eslint/no-explicit-any': 'off',
      // Unused names are the type-checker's job (noUnusedLocals/noUnusedParameters).
      '@typescript-eslint/no-unused-vars': 'off',
      'no-unused-vars': 'off',
      // `a && b()` / `(x = y), z` are the byte-saving idioms of shipped code.
      '@typescript-eslint/no-unused-expressions': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
      '@typescript-eslint/no-this-alias': 'off',
      'no-cond-assign': ['error', 'except-parens'],
    },
  },
  {
    files: ['src/**/*.ts', 'loader/**/*.ts', 'snippet/stub.js'],
    languageOptions: { globals: { ...globals.browser, __VERSION__: 'readonly', __FULL__: 'readonly' } },
    rules: {
      ...hostilePageRules,
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      // `f.apply(this, arguments)` hands a wrapped function exactly what it was given (history
      // methods, the stub's queued calls), and is shorter than rest/spread once minified.
      'prefer-rest-params': 'off',
      'prefer-spread': 'off',
    },
  },
  {
    files: ['snippet/stub.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        GLOBAL_NAME: 'readonly',
        QUEUE_CAP: 'readonly',
        SRC: 'readonly',
        KEY: 'readonly',
        ENDPOINT: 'readonly',
        NONCE: 'readonly',
        INTEGRITY: 'readonly',
      },
    },
    rules: { 'no-undef': 'off' },
  },
  {
    files: ['gateway/**/*.{mjs,js}', 'scripts/**/*.mjs', 'bench/**/*.mjs', 'snippet/build.mjs', '*.mjs', '*.config.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: { 'no-eval': 'error', 'no-new-func': 'error' },
  },
  {
    // The bench hands functions to the browser (page.evaluate).
    files: ['bench/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    // The gateway's demo and debug pages run in the browser.
    files: ['gateway/demo.js', 'gateway/debug.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser } },
  },
  {
    // Tests run in Node and hand functions to the browser (page.evaluate): both sets of globals.
    files: ['test/**/*.ts', 'e2e/**/*.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    // Playwright fixtures with no dependencies are written `async ({}, use) => ...`.
    rules: { 'no-empty-pattern': 'off' },
  },
);
