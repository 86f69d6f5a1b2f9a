// Shared e2e fixtures: one gateway (with fault injection on) and one site server per worker, reset
// before each test; helpers to build pages with the pasted stub and to read what the gateway got.
//
// How to write an e2e test (import everything from here):
//
//   import { test, expect, withStub, names } from './support/fixtures';
//
//   test('a queued track is replayed after the page view', async ({ page, gw, site }) => {
//     const { events } = await withStub(page, gw, site, '/my-test', { body: `<script>_df.track('a')</script>`, events: 2 });
//     expect(names(events)).toEqual(['page', 'a']);
//   });
//
// - Fixtures: `gw` (the test gateway: `gw.events()`, `gw.waitFor(n)`, `gw.faults({...})`), `site`
//   (the customer site on another origin: `site.set(path, html)` returns the URL; it answers
//   /favicon.ico itself), `errors` (page errors and console errors of every page of the test).
// - `withStub` loads a page with the pasted stub, waits for d.js to take over, runs `action` and
//   returns the events the gateway accepted. For finer steps: `stubPage` (the HTML), `page.goto`,
//   `collectorLoaded`, `delayCollector` (a slow CDN), `gw.waitFor`.
// - Reading events: `names` (`['page', 'a', 'identify']`), `byType`, `UUID_V4` (from ./events.ts,
//   shared with the cross-engine runs in e2e/engines); every event read through `gw` is checked
//   against schema/event.schema.json.
// - Assert on what the gateway recorded (order, counts), wait with `gw.waitFor`, never sleep.
// - Hostile pages (guards, CSP, console capture): ./hostile-kit.ts; CMP banners: ./cmp-banners.ts.
import { test as base, expect, type Page, type Request } from '@playwright/test';
import { gunzipSync } from 'node:zlib';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway } from '../../gateway/app.mjs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { stubHtml } from './page';
import { startSite, type Site } from './site';
import type { Gw } from './events';

export type { Gw };

export const KEY = 'dk_test_e2e';

export const test = base.extend<{ gw: Gw; site: Site; errors: string[] }, { gateway: any; siteServer: Site }>({
  gateway: [
    async ({}, use: (g: any) => Promise<void>) => {
      const dir = mkdtempSync(join(tmpdir(), 'datafly-e2e-'));
      const g = await createGateway({ port: 0, eventsFile: join(dir, 'events.ndjson'), faults: true, quiet: true });
      await use(g);
      await g.close();
    },
    { scope: 'worker' },
  ],
  siteServer: [
    async ({}, use) => {
      const s = await startSite();
      await use(s);
      await s.close();
    },
    { scope: 'worker' },
  ],
  gw: async ({ gateway }, use) => {
    const url: string = gateway.url;
    const j = async (path: string, init?: RequestInit) => (await fetch(url + path, init)).json();
    await j('/debug/reset', { method: 'POST' });
    const gw: Gw = {
      url,
      // Every event of the test, page by page; each one checked against schema/event.schema.json
      // (the schema the gateway validates with), so the collector and the gateway cannot drift.
      async events() {
        const all: any[] = [];
        for (let cursor = '0'; ;) {
          const r = await fetch(`${url}/debug/events?cursor=${cursor}&limit=10000`);
          for (const ev of await r.json()) {
            assertSchemaValid(ev);
            all[all.length] = ev;
          }
          cursor = r.headers.get('x-next-cursor') ?? '0';
          if (r.headers.get('x-has-more') !== 'true') return all;
        }
      },
      stats: () => j('/debug/stats'),
      faults: async (f) => void (await j('/debug/faults', { method: 'POST', body: JSON.stringify(f) })),
      async waitFor(n, timeout = 15000) {
        const end = Date.now() + timeout;
        let ev: any[] = [];
        while (Date.now() < end) {
          ev = await gw.events();
          if (ev.length >= n) return ev;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(
          `gateway got ${ev.length} events, expected ${n}: ${JSON.stringify(ev.map((e) => e.type + ':' + (e.event || e.name || '')))}`,
        );
      },
    };
    await use(gw);
  },
  site: async ({ siteServer }, use) => use(siteServer),
  // Every page error and console error of the test's pages, asserted empty where it matters.
  errors: async ({ context }, use) => {
    const errors: string[] = [];
    context.on('page', (p) => watch(p, errors));
    await use(errors);
  },
});

// The published schema, compiled here on its own (not through the gateway's code), so a lenient
// gateway could not hide an event the contract refuses.
const ajv = new (Ajv2020 as any)({ strictTypes: false });
(addFormats as any)(ajv, ['date-time']);
const checkEvent = ajv.compile(JSON.parse(readFileSync(new URL('../../schema/event.schema.json', import.meta.url), 'utf8')));

/** Fails the test naming the field when a captured event breaks schema/event.schema.json. */
export function assertSchemaValid(ev: unknown): void {
  if (checkEvent(ev)) return;
  const e = checkEvent.errors.find((x: any) => x.keyword != 'if') || checkEvent.errors[0];
  const field = [...e.instancePath.split('/').slice(1), e.params.missingProperty].filter(Boolean).join('.') || 'event';
  throw new Error(`captured event breaks schema/event.schema.json: ${field} ${e.message}\n${JSON.stringify(ev).slice(0, 500)}`);
}

/** Records the page's errors and console errors into `errors` (`pageerror: ...`, `console: ...`). */
export function watch(p: Page, errors: string[]): void {
  p.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
  p.on('console', (m) => m.type() == 'error' && errors.push('console: ' + m.text()));
}

/** The HTML of a page with the stub pasted in <head>, loading d.js (or d.full.js) from the gateway. */
export async function stubPage(gw: Gw, o: StubPageOptions = {}): Promise<string> {
  return stubHtml(
    { src: gw.url + (o.full ? '/d.full.js' : '/d.js'), key: o.key || KEY, global: o.global, nonce: o.nonce, endpoint: o.endpoint },
    o,
  );
}

export interface StubPageOptions {
  /** More HTML after the stub in <head>, and the <body> (scripts included). */
  head?: string;
  body?: string;
  /** The write key (default KEY), the global's name (default _df), a CSP nonce, the gateway URL. */
  key?: string;
  global?: string;
  nonce?: string;
  endpoint?: string;
  /** The build with CMP auto-detection and tag injection (dist/d.full.js). */
  full?: boolean;
}

export interface WithStub extends StubPageOptions {
  /** Delays d.js by this many ms (a slow CDN: calls queue in the stub meanwhile). */
  delay?: number;
  /** Runs once the collector has replaced the stub (e.g. `() => page.evaluate(...)`). */
  action?: () => Promise<unknown>;
  /** Waits until the gateway accepted this many events in all, and returns them (unset: no wait, no events). */
  events?: number;
}

/**
 * Serves a page with the stub pasted in at `path` on the site, loads it, waits until the collector
 * replaced the stub, runs `o.action`, then waits until the gateway accepted `o.events` events.
 * Returns the page's URL and, with `o.events`, every event the gateway accepted in the test so far
 * (schema-checked, at least `o.events` of them).
 */
export async function withStub(page: Page, gw: Gw, site: Site, path: string, o: WithStub = {}): Promise<{ url: string; events: any[] }> {
  if (o.delay) await delayCollector(page, o.delay);
  const url = site.set(path, await stubPage(gw, o));
  await page.goto(url);
  await collectorLoaded(page);
  if (o.action) await o.action();
  return { url, events: o.events ? await gw.waitFor(o.events) : [] };
}

/** Delays d.js by `ms` for this page (the CDN is slow; calls queue in the stub meanwhile). */
export async function delayCollector(page: Page, ms: number): Promise<void> {
  await page.route('**/d.js', async (route) => {
    await new Promise((r) => setTimeout(r, ms));
    await route.continue();
  });
}

/** Resolves once the real collector (not the stub) is on the global. */
export async function collectorLoaded(page: Page, name = '_df'): Promise<void> {
  await page.waitForFunction((n) => typeof (window as any)[n]?.version == 'string', name);
}

/** The warnings the page prints from now on (the collector's debug output among them), as they come. */
export function warningsOf(page: Page): string[] {
  const out: string[] = [];
  page.on('console', (m) => m.type() == 'warning' && out.push(m.text()));
  return out;
}

/**
 * Makes d.full.js fetch its tag-injection chunk (d.tags.js: the first injectTag/removeTag does,
 * README "Tag injection") and waits until it has run, so that later calls answer at once.
 */
export async function tagsLoaded(page: Page): Promise<void> {
  await page.evaluate(() => (window as any)._df.removeTag({ id: '-' }));
  // A chunk hands its exports to its own script element (loader/chunk.ts).
  await page.waitForFunction(() => Array.from(document.scripts).some((s) => /\/d\.tags\.js/.test(s.src) && (s as any).df));
}

export { expect };
export { names, byType, UUID_V4 } from './events';

/** The events of a batch request, whether its body went as text or gzip (first bytes 1f 8b). */
export function batchOf(r: Request): any[] {
  const b = r.postDataBuffer() || Buffer.alloc(0);
  const text = b[0] == 0x1f && b[1] == 0x8b ? gunzipSync(b).toString('utf8') : b.toString('utf8');
  const batch = JSON.parse(text).batch;
  for (const ev of batch) assertSchemaValid(ev);
  return batch;
}

/**
 * localStorage is shared by a site's tabs, but a write in one tab reaches another tab's renderer a
 * moment later (Chromium syncs it between processes). Waits until `tab` sees the stored identity
 * (`_df_id`) as `ok` wants, as a person switching tabs would, before the test acts in that tab.
 */
export async function sees(tab: Page, ok: (stored: any) => boolean): Promise<void> {
  await expect
    .poll(async () => {
      const stored = await tab.evaluate(() => {
        try {
          return JSON.parse(localStorage.getItem('_df_id')!);
        } catch {
          return null;
        }
      });
      return !!stored && ok(stored);
    })
    .toBe(true);
}
