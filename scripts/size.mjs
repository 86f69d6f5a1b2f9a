#!/usr/bin/env node
// npm run size: bytes of the stub and of dist/d.js (minified, gzip -9, brotli) against the budgets
// in size-budget.json; exits 1 when one is exceeded. Build first (npm run build).
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const budgets = JSON.parse(readFileSync(new URL('../size-budget.json', import.meta.url), 'utf8'));
let failed = 0;
const rows = [];
for (const [file, limit] of Object.entries(budgets)) {
  const path = new URL('../' + file, import.meta.url);
  if (!existsSync(path)) {
    console.error(`${file} is missing: run npm run build`);
    process.exit(1);
  }
  const b = readFileSync(path);
  const size = {
    min: b.length,
    gzip: gzipSync(b, { level: 9 }).length,
    brotli: brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
  const over = Object.entries(limit).filter(([k, max]) => size[k] > max);
  failed += over.length;
  rows.push({
    file,
    'min B': size.min,
    'gzip B': size.gzip,
    'brotli B': size.brotli,
    budget: Object.entries(limit).map(([k, max]) => `${k} ≤ ${max}`).join(', '),
    status: over.length ? 'OVER' : 'ok',
  });
}
console.table(rows);
if (failed) {
  console.error('size budget exceeded');
  process.exit(1);
}
