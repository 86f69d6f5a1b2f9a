// Builds the paste-ready stub for one collector URL and pipeline key. Used by the rollup build
// (dist/snippet.min.js), `npm run snippet`, the demo gateway and the e2e tests.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { minify } from 'terser';

const source = readFileSync(new URL('./stub.js', import.meta.url), 'utf8');

/** Most calls the stub keeps while d.js has not loaded (a blocked CDN must not grow memory). */
export const QUEUE_CAP = 1000;

const lit = (v) => JSON.stringify(String(v));

/**
 * @param {{src: string, key: string, global?: string, endpoint?: string, nonce?: string, integrity?: string}} o
 * @returns {Promise<string>} the minified stub (the inner script, without <script> tags)
 */
export async function buildStub(o) {
  if (!o || !o.src || !o.key) throw new Error('buildStub needs src and key');
  const name = o.global || '_df';
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`invalid global name: ${name}`);
  let code = source
    .split('\n')
    // Optional lines are kept only when their value is given.
    .filter((l) => {
      const m = l.match(/\/\* (GLOBAL|ENDPOINT|NONCE|INTEGRITY) \*\//);
      if (!m) return true;
      return m[1] === 'GLOBAL' ? name !== '_df' : !!o[m[1].toLowerCase()];
    })
    .filter((l) => !/^\s*\/\//.test(l))
    .join('\n')
    .replace(/\/\* \w+ \*\//g, '');
  const values = {
    QUEUE_CAP: String(QUEUE_CAP),
    SRC: lit(o.src),
    KEY: lit(o.key),
    ENDPOINT: lit(o.endpoint || ''),
    NONCE: lit(o.nonce || ''),
    INTEGRITY: lit(o.integrity || ''),
    GLOBAL_NAME: lit(name),
  };
  code = code.replace(/\b[A-Z][A-Z_]+\b/g, (w) => values[w] ?? w);
  const out = await minify(code, {
    ecma: 2020,
    compress: { passes: 3, unsafe: true },
    mangle: true,
    format: { comments: false },
  });
  return out.code.replace(/;$/, '');
}

/** sha256 CSP source for an inline script body: `'sha256-...'`. */
export function cspHash(code) {
  return `'sha256-${createHash('sha256').update(code, 'utf8').digest('base64')}'`;
}

/** Subresource-integrity value for a file's bytes. */
export function sriHash(bytes) {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

/** The full paste-ready tag. */
export async function snippetTag(o) {
  const code = await buildStub(o);
  const nonce = o.nonce ? ` nonce="${String(o.nonce).replace(/"/g, '&quot;')}"` : '';
  return `<script${nonce}>${code}</script>`;
}
