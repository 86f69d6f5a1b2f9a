// Shared e2e fixtures: one gateway (with fault injection on) and one site server per worker, reset
// before each test; helpers to build pages with the pasted stub and to read what the gateway got.
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
    async ({}, use) => {
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
        for (let cursor = '0'; ; ) {
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
        throw new Error(`gateway got ${ev.length} events, expected ${n}: ${JSON.stringify(ev.map((e) => e.type + ':' + (e.event || e.name || '')))}`);
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

/** A page with the stub pasted in <head>; `body` is more HTML (scripts included) after it. */
export async function stubPage(gw: Gw, o: { body?: string; head?: string; key?: string; global?: string; nonce?: string; endpoint?: string; full?: boolean } = {}): Promise<string> {
  // `full`: the build with CMP auto-detection and tag injection (dist/d.full.js).
  return stubHtml({ src: gw.url + (o.full ? '/d.full.js' : '/d.js'), key: o.key || KEY, global: o.global, nonce: o.nonce, endpoint: o.endpoint }, o);
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
