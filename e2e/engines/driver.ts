// The engine-agnostic driver the cross-engine scenarios are written against: open a tab, run code
// in it, navigate, reload, close it, and (where the engine can) take it offline. Implemented over
// puppeteer-core for Chromium (CDP) and Firefox (WebDriver BiDi) in `puppeteer.ts`, and over the
// classic W3C WebDriver HTTP protocol for WebKitGTK in `webdriver.ts`.

export interface Tab {
  /**
   * Runs `fn`, the source of a function expression (`"(arg) => ..."`), in the page with `arg`
   * (JSON-serializable) and resolves with its awaited, JSON-serializable result. Page code is
   * passed as text so that no compiler helper (tsx, esbuild) ends up inside the page.
   */
  run<T = any>(fn: string, arg?: unknown): Promise<T>;
  /** Navigates and waits for the new page's load event. */
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  /** Closes the tab the way a user does: the page gets its pagehide/visibilitychange. */
  close(): Promise<void>;
}

export interface Engine {
  name: 'chromium' | 'firefox' | 'webkit';
  /** Browser name and version, as the browser reports it. */
  version: string;
  /** A new tab (of the one browser) showing `url`. */
  open(url: string): Promise<Tab>;
  /** Network off/on for one tab (navigator.onLine follows); null where the engine can't emulate it. */
  offline: ((tab: Tab, on: boolean) => Promise<void>) | null;
  /** Closes the browser and everything it started; safe to call twice. */
  quit(): Promise<void>;
}

/** Polls `fn` in the page until it returns something truthy (and returns that), or throws. */
export async function waitInPage<T = any>(tab: Tab, fn: string, arg?: unknown, timeout = 15000, what = fn): Promise<T> {
  const end = Date.now() + timeout;
  let last: any;
  while (Date.now() < end) {
    last = await tab.run(fn, arg).catch((e) => ({ error: String(e) }));
    if (last && !(typeof last == 'object' && 'error' in last && Object.keys(last).length == 1)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeout} ms waiting in the page for ${what} (last: ${JSON.stringify(last)})`);
}

/** Resolves once the real collector (not the stub) is on `window[name]`. */
export const collectorLoaded = (tab: Tab, name = '_df') =>
  waitInPage(tab, `(n) => typeof (window[n] && window[n].version) == 'string'`, name, 15000, 'the collector to load');

/** Resolves when `p` settles or after `ms`, whichever comes first (and leaves no timer behind). */
export async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let t: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([p.catch(() => 0), new Promise((r) => (t = setTimeout(r, ms)))]);
  clearTimeout(t);
}
