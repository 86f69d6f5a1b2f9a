// Builds the paste-ready stub for one collector URL and pipeline key. Used by the rollup build
// (dist/snippet.min.js), `npm run snippet`, the demo gateway and the e2e tests.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { minify } from 'terser';

const source = readFileSync(new URL('./stub.js', import.meta.url), 'utf8');

/** Most calls the stub keeps while d.js has not loaded (a blocked CDN must not grow memory). */
export const QUEUE_CAP = 1000;

const lit = (v) => JSON.stringify(String(v));

/** The options d.js reads from data- attributes of its script tag (loader/config.ts). */
const ATTRS = { REQUIRE_CONSENT: 'requireConsent', CMP: 'cmp', VENDOR_IDS: 'vendorIds', LINKED_DOMAINS: 'linkedDomains' };

/** A comma list as one attribute value: `a, b,,c` or ['a', 'b'] → `a,b,c`. */
const list = (v) =>
  (Array.isArray(v) ? v : String(v).split(','))
    .map((s) => String(s).trim())
    .filter(Boolean)
    .join(',');

/**
 * @param {{src: string, key: string, global?: string, endpoint?: string, nonce?: string, integrity?: string,
 *   requireConsent?: boolean | string, cmp?: string, vendorIds?: string | string[], linkedDomains?: string | string[]}} o
 *   requireConsent: true (or '') is the `analytics` category; a string names the category.
 * @returns {Promise<string>} the minified stub (the inner script, without <script> tags)
 */
export async function buildStub(o) {
  if (!o || !o.src || !o.key) throw new Error('buildStub needs src and key');
  const name = o.global || '_df';
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`invalid global name: ${name}`);
  const attr = {
    // Written out, so that the tag says what it does: data-require-consent="analytics".
    REQUIRE_CONSENT: o.requireConsent === true || o.requireConsent === '' ? 'analytics' : o.requireConsent || '',
    CMP: o.cmp || '',
    VENDOR_IDS: o.vendorIds ? list(o.vendorIds) : '',
    LINKED_DOMAINS: o.linkedDomains ? list(o.linkedDomains) : '',
  };
  for (const k in attr) if (!/^[\w.,-]*$/.test(attr[k])) throw new Error(`invalid ${ATTRS[k]}: ${attr[k]}`);
  let code = source
    .split('\n')
    // Optional lines are kept only when their value is given: the default stub has none of them.
    .filter((l) => {
      const m = l.match(/\/\* (GLOBAL|ENDPOINT|NONCE|INTEGRITY|REQUIRE_CONSENT|CMP|VENDOR_IDS|LINKED_DOMAINS|STORED_USER) \*\//);
      if (!m) return true;
      if (m[1] === 'STORED_USER') return !attr.REQUIRE_CONSENT;
      if (m[1] in attr) return !!attr[m[1]];
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
  for (const k in attr) values[k] = lit(attr[k]);
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

const attrEsc = (v) => String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * The page pixel for visitors without JavaScript (`noscript: true`): GET {endpoint}/v1/pixel/page
 * with the key, as a 1×1 image. The endpoint is the one d.js would use (`endpoint`, else the
 * origin of `src`). Sized by attributes, not a style: a CSP without 'unsafe-inline' stays clean.
 */
export function noscriptPixel(o) {
  const base = String(o.endpoint || new URL(o.src).origin).replace(/\/+$/, '');
  const src = `${base}/v1/pixel/page?wk=${encodeURIComponent(o.key)}`;
  return `<noscript><img src="${attrEsc(src)}" alt="" width="1" height="1"></noscript>`;
}

/** The full paste-ready tag (and the noscript pixel after it, with `noscript: true`). */
export async function snippetTag(o) {
  const code = await buildStub(o);
  const nonce = o.nonce ? ` nonce="${attrEsc(o.nonce)}"` : '';
  return `<script${nonce}>${code}</script>` + (o.noscript ? noscriptPixel(o) : '');
}
