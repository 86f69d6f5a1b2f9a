#!/usr/bin/env node
// npm run -s snippet -- --src URL --key KEY [--global NAME] [--endpoint URL] [--integrity] [--nonce VALUE]
//   [--require-consent [CATEGORY]] [--cmp NAME] [--vendor-ids ga,meta,...] [--linked-domains a.com,b.org] [--noscript]
// Prints the paste-ready <script> tag on stdout; its size and CSP hash go to stderr.
import { readFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildStub, snippetTag, cspHash, sriHash } from '../snippet/build.mjs';
import { CHUNKS } from './chunks.mjs';

const USAGE =
  'usage: npm run -s snippet -- --src https://data.example.com/d.js --key dk_live_... [--global _df] [--endpoint URL] [--integrity] [--nonce VALUE]\n' +
  '  [--require-consent [CATEGORY]] (default category: analytics) [--cmp onetrust|cookiebot|tcf|auto]\n' +
  '  [--vendor-ids ga,meta,...] [--linked-domains shop.example.org,example.net] [--noscript]';

// --require-consent takes an optional value: alone (last, or followed by another flag) it means analytics.
const args = process.argv.slice(2);
const rc = args.indexOf('--require-consent');
if (rc >= 0 && (rc == args.length - 1 || args[rc + 1].startsWith('--'))) args[rc] = '--require-consent=analytics';

const { values: v } = parseArgs({
  args,
  options: {
    src: { type: 'string' },
    key: { type: 'string' },
    global: { type: 'string' },
    endpoint: { type: 'string' },
    integrity: { type: 'boolean' },
    nonce: { type: 'string' },
    'require-consent': { type: 'string' },
    cmp: { type: 'string' },
    'vendor-ids': { type: 'string' },
    'linked-domains': { type: 'string' },
    noscript: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (v.help || !v.src || !v.key) {
  console.error(USAGE);
  process.exit(v.help ? 0 : 2);
}
const o = {
  src: v.src,
  key: v.key,
  global: v.global,
  endpoint: v.endpoint,
  nonce: v.nonce,
  requireConsent: v['require-consent'],
  cmp: v.cmp,
  vendorIds: v['vendor-ids'],
  linkedDomains: v['linked-domains'],
  noscript: v.noscript,
};
// The built file --src names (d.js or d.full.js; another name: d.js's bytes), for --integrity.
const name = /\/d\.full\.js(\?|#|$)/.test(v.src) ? 'd.full.js' : 'd.js';
const built = (f) => new URL('../dist/' + f, import.meta.url);
if (v.integrity) {
  if (!existsSync(built(name))) {
    console.error(`dist/${name} is missing: run \`npm run build\` first (the integrity hash is of the built file)`);
    process.exit(1);
  }
  o.integrity = sriHash(readFileSync(built(name)));
}
// d.full.js loads its chunks with their sha256 as `integrity` (README, "Builds"): a hash-only CSP
// lists those too.
const chunks =
  v.integrity && name == 'd.full.js'
    ? ['cmp', 'ids', 'link', 'tags'].map(
        (c) =>
          `'sha256-${createHash('sha256')
            .update(readFileSync(built(`d.${c}.js`)))
            .digest('base64')}'`,
      )
    : [];
const code = await buildStub(o);
console.log(await snippetTag(o));
console.error(`\n${code.length} B minified, ${gzipSync(code, { level: 9 }).length} B gzip`);
console.error(
  `CSP without a nonce: script-src ${cspHash(code)} ` +
    (v.integrity
      ? [`'${o.integrity}'`, ...chunks].join(' ') +
        (chunks.length ? ` (${name}, then its chunks ${CHUNKS.map((c) => `d.${c.name}.js`).join(', ')})` : '')
      : `plus 'strict-dynamic' or the ${name} origin (or use --integrity and its sha384)`),
);
