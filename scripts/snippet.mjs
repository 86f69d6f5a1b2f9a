#!/usr/bin/env node
// npm run -s snippet -- --src URL --key KEY [--global NAME] [--endpoint URL] [--integrity] [--nonce VALUE]
//   [--require-consent [CATEGORY]] [--cmp NAME] [--vendor-ids ga,meta,...] [--linked-domains a.com,b.org] [--noscript]
// Prints the paste-ready <script> tag on stdout; its size and CSP hash go to stderr.
import { readFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildStub, snippetTag, cspHash, sriHash } from '../snippet/build.mjs';

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
if (v.integrity) {
  const file = new URL('../dist/d.js', import.meta.url);
  if (!existsSync(file)) {
    console.error('dist/d.js is missing: run `npm run build` first (the integrity hash is of the built file)');
    process.exit(1);
  }
  o.integrity = sriHash(readFileSync(file));
}
const code = await buildStub(o);
console.log(await snippetTag(o));
console.error(`\n${code.length} B minified, ${gzipSync(code, { level: 9 }).length} B gzip`);
console.error(
  `CSP without a nonce: script-src ${cspHash(code)} ` +
    (v.integrity ? `'${o.integrity}'` : `plus 'strict-dynamic' or the d.js origin (or use --integrity and its sha384)`),
);
