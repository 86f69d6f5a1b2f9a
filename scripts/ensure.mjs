#!/usr/bin/env node
// Installs what `npm start` and `npm test` need on a fresh machine: the npm dependencies and, with
// --browser, Debian's browsers (Playwright can't download its own here): Chromium, and for the
// cross-engine run (e2e/engines) Firefox ESR, WebKitGTK's WebKitWebDriver and MiniBrowser, Xvfb.
import { existsSync, readdirSync } from 'node:fs';
import { execSync } from 'node:child_process';

const run = (cmd) => execSync(cmd, { stdio: 'inherit' });
if (!existsSync(new URL('../node_modules/.package-lock.json', import.meta.url))) {
  console.error('[ensure] installing npm dependencies (npm ci)');
  run('npm ci --no-audit --no-fund');
}

const onPath = (bin) => (process.env.PATH || '').split(':').some((d) => d && existsSync(d + '/' + bin));
const miniBrowser = () => {
  try {
    return readdirSync('/usr/lib').some((d) => existsSync(`/usr/lib/${d}/webkit2gtk-4.1/MiniBrowser`));
  } catch {
    return false;
  }
};

if (process.argv.includes('--browser')) {
  const need = [];
  if (!process.env.CHROMIUM_PATH && !existsSync('/usr/bin/chromium')) need.push('chromium');
  if (!process.env.FIREFOX_PATH && !existsSync('/usr/bin/firefox-esr')) need.push('firefox-esr');
  if (!process.env.WEBKIT_WEBDRIVER_PATH && !existsSync('/usr/bin/WebKitWebDriver')) need.push('webkit2gtk-driver');
  if (!process.env.MINIBROWSER_PATH && !miniBrowser()) need.push('libwebkit2gtk-4.1-0');
  if (!onPath('Xvfb')) need.push('xvfb');
  if (need.length) {
    console.error(`[ensure] installing browsers (apt-get install ${need.join(' ')})`);
    const sudo = process.getuid && process.getuid() !== 0 ? 'sudo ' : '';
    run(`${sudo}apt-get update && ${sudo}apt-get install -y ${need.join(' ')}`);
  }
}
