#!/usr/bin/env node
// Installs what `npm start` and `npm test` need on a fresh machine: the npm dependencies and, with
// --browser, Debian's Chromium (Playwright can't download its own browsers here).
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';

const run = (cmd) => execSync(cmd, { stdio: 'inherit' });
if (!existsSync(new URL('../node_modules/.package-lock.json', import.meta.url))) {
  console.error('[ensure] installing npm dependencies (npm ci)');
  run('npm ci --no-audit --no-fund');
}
if (process.argv.includes('--browser') && !process.env.CHROMIUM_PATH && !existsSync('/usr/bin/chromium')) {
  console.error('[ensure] installing Chromium (apt-get install chromium)');
  const sudo = process.getuid && process.getuid() !== 0 ? 'sudo ' : '';
  run(`${sudo}apt-get update && ${sudo}apt-get install -y chromium`);
}
