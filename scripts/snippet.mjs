#!/usr/bin/env node
// npm run -s snippet -- --src URL --key KEY [--global NAME] [--endpoint URL] [--integrity] [--nonce VALUE]
// Prints the paste-ready <script> tag on stdout; its size and CSP hash go to stderr.
import { readFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildStub, snippetTag, cspHash, sriHash } from '../snippet/build.mjs';

const { values: v } = parseArgs({
  options: {
    src: { type: 'string' },
    key: { type: 'string' },
    global: { type: 'string' },
    endpoint: { type: 'string' },
    integrity: { type: 'boolean' },
    nonce: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (v.help || !v.src || !v.key) {
  console.error('usage: npm run -s snippet -- --src https://data.example.com/d.js --key dk_live_... [--global _df] [--endpoint URL] [--integrity] [--nonce VALUE]');
  process.exit(v.help ? 0 : 2);
}
const o = { src: v.src, key: v.key, global: v.global, endpoint: v.endpoint, nonce: v.nonce };
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
