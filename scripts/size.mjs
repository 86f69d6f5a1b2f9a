#!/usr/bin/env node
// npm run size: bytes of every budgeted file (minified, gzip -9, brotli) against size-budget.json,
// and the change against the last commit on main (as Plausible's analyze-sizes does): main is
// built in a temporary worktree that shares this one's node_modules. Exits 1 when a budget is
// exceeded. Build first (npm run build).
//   --no-compare   skip the comparison (no git, or no main branch)
//   --base REV     compare against REV instead of main
import { readFileSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;
const budgets = JSON.parse(readFileSync(join(root, 'size-budget.json'), 'utf8'));
const args = process.argv.slice(2);
const baseRev = args.includes('--base') ? args[args.indexOf('--base') + 1] : 'main';

/** { min, gzip, brotli } of a file, or undefined when it is missing. */
function measure(path) {
  if (!existsSync(path)) return;
  const b = readFileSync(path);
  return {
    min: b.length,
    gzip: gzipSync(b, { level: 9 }).length,
    brotli: brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/** Sizes of the same files built from `rev`, or undefined when that can't be done here. */
function baseline(rev) {
  const git = (...a) =>
    execFileSync('git', a, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  let dir;
  try {
    git('rev-parse', '--verify', rev + '^{commit}');
    dir = mkdtempSync(join(tmpdir(), 'datafly-size-'));
    git('worktree', 'add', '--detach', '-f', dir, rev);
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    execFileSync('npx', ['rollup', '-c', '--silent'], { cwd: dir, stdio: 'ignore' });
    return Object.fromEntries(Object.keys(budgets).map((f) => [f, measure(join(dir, f))]));
  } catch {
    return undefined;
  } finally {
    if (dir)
      try {
        git('worktree', 'remove', '--force', dir);
      } catch {
        rmSync(dir, { recursive: true, force: true });
      }
  }
}

const base = args.includes('--no-compare') ? undefined : baseline(baseRev);
const delta = (now, was) => (was === undefined ? '' : now - was > 0 ? ` (+${now - was})` : now - was < 0 ? ` (${now - was})` : ' (±0)');

let failed = 0;
const rows = [];
for (const [file, limit] of Object.entries(budgets)) {
  const size = measure(join(root, file));
  if (!size) {
    console.error(`${file} is missing: run npm run build`);
    process.exit(1);
  }
  const was = base && base[file];
  const over = Object.entries(limit).filter(([k, max]) => size[k] > max);
  failed += over.length;
  rows.push({
    file,
    'min B': size.min + delta(size.min, was && was.min),
    'gzip B': size.gzip + delta(size.gzip, was && was.gzip),
    'brotli B': size.brotli + delta(size.brotli, was && was.brotli),
    budget: Object.entries(limit)
      .map(([k, max]) => `${k} ≤ ${max}`)
      .join(', '),
    status: over.length ? 'OVER' : 'ok',
  });
}
console.table(rows);
console.log(
  base ? `(changes against ${baseRev}, built in a temporary worktree)` : '(no comparison: --no-compare, or no git/' + baseRev + ' here)',
);
if (failed) {
  console.error('size budget exceeded');
  process.exit(1);
}
