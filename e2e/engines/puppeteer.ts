// Chromium (over CDP) and Firefox ESR (over WebDriver BiDi), both through puppeteer-core.
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { launchOptions } from '../../scripts/chromium.mjs';
import { within, type Engine, type Tab } from './driver';

export const FIREFOX = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';

function tabOf(page: Page): Tab {
  return {
    run: (fn, arg) => page.evaluate(`(${fn})(${JSON.stringify(arg === undefined ? null : arg)})`) as Promise<any>,
    goto: async (url) => void (await page.goto(url, { waitUntil: 'load', timeout: 30000 })),
    reload: async () => void (await page.reload({ waitUntil: 'load', timeout: 30000 })),
    close: () => page.close({ runBeforeUnload: false }),
  };
}

function engineOf(name: 'chromium' | 'firefox', browser: Browser, version: string): Engine {
  const pages = new Map<Tab, Page>();
  let quitting: Promise<void> | undefined;
  const proc = browser.process();
  const kill = () => {
    try {
      if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    } catch {}
  };
  // A crash of the test process must not leave the browser behind.
  process.once('exit', kill);
  return {
    name,
    version,
    async open(url) {
      const page = await browser.newPage();
      const tab = tabOf(page);
      pages.set(tab, page);
      await tab.goto(url);
      return tab;
    },
    offline: async (tab, on) => void (await pages.get(tab)!.setOfflineMode(on)),
    quit() {
      quitting ??= (async () => {
        // Bounded: a wedged browser is killed rather than waited for.
        await within(browser.close(), 10000);
        kill();
      })();
      return quitting;
    },
  };
}

export async function launchChromium(): Promise<Engine> {
  const browser = await puppeteer.launch({
    executablePath: launchOptions.executablePath,
    args: launchOptions.args,
    headless: true,
    protocolTimeout: 60000,
  });
  return engineOf('chromium', browser, await browser.version());
}

/** `prefs`: extra about:config prefs, e.g. `{'dom.fetchKeepalive.enabled': false}`. */
export async function launchFirefox(prefs: Record<string, unknown> = {}): Promise<Engine> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    protocolTimeout: 60000,
    extraPrefsFirefox: prefs,
  });
  return engineOf('firefox', browser, await browser.version());
}
