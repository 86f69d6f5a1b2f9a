// Shared helpers for the gateway tests (test/gateway*.test.ts): valid events, temp files,
// plain HTTP calls that expose status, headers and body.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway } from '../gateway/app.mjs';

export type Ev = Record<string, any>;
export type Gw = Awaited<ReturnType<typeof createGateway>>;
export const KEY = 'dk_test_abc123';

/** A valid browser event of the given type, with fresh ids. */
export function makeEvent(type = 'track', overrides: Ev = {}): Ev {
  const base: Ev = {
    type,
    anonymousId: randomUUID(),
    messageId: `df-${randomUUID()}`,
    timestamp: new Date().toISOString(),
    context: {
      page: { url: 'https://example.com/pricing?gclid=abc', path: '/pricing', referrer: '', title: 'Pricing', search: '?gclid=abc' },
      screen: { width: 1920, height: 1080 },
      locale: 'en-US',
      timezone: 'America/New_York',
      userAgent: 'test',
      library: { name: '@datafly/collector', version: '0.1.0' },
    },
  };
  if (type === 'track') Object.assign(base, { event: 'add_to_cart', properties: { sku: 'SKU-1', price: 19.99 } });
  if (type === 'page') Object.assign(base, { name: 'Pricing', properties: {} });
  if (type === 'identify') Object.assign(base, { userId: 'user-123', traits: { email: 'jane@acme.com' } });
  if (type === 'group') Object.assign(base, { userId: 'user-123', groupId: 'company-456', traits: { name: 'Acme Corp' } });
  if (type === 'alias') Object.assign(base, { userId: 'user-123', previousId: 'anon-1' });
  return { ...base, ...overrides };
}

const dirs: string[] = [];
/** A fresh directory, removed when the process exits. */
export function tmpDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'df-gateway-'));
  dirs.push(dir);
  return dir;
}
/** An events file path in a fresh directory (nested: the store must create parent dirs). */
export const tmpFile = () => join(tmpDir(), 'nested', 'events.ndjson');
process.on('exit', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export interface Res {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export async function call(gw: { url: string }, path: string, init: RequestInit = {}): Promise<Res> {
  const r = await fetch(gw.url + path, init);
  const text = await r.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: r.status, headers: r.headers, body, text };
}

export const post = (gw: { url: string }, path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(gw, path, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? (body as any) : JSON.stringify(body),
  });

export function assertError(r: Res, status: number, code: string, message?: RegExp) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.body?.error?.code, code, r.text);
  assert.equal(typeof r.body.error.message, 'string');
  assert.deepEqual(Object.keys(r.body), ['error']);
  if (message) assert.match(r.body.error.message, message);
}

/** Every event the gateway holds, following X-Next-Cursor page by page. */
export async function allEvents(gw: { url: string }): Promise<Ev[]> {
  const out: Ev[] = [];
  let cursor = '0';
  for (;;) {
    const r = await fetch(`${gw.url}/debug/events?cursor=${cursor}`);
    out.push(...((await r.json()) as Ev[]));
    cursor = r.headers.get('x-next-cursor') ?? '';
    if (r.headers.get('x-has-more') !== 'true') return out;
  }
}

/** The group() page's own payload, verbatim (messageId variant digit 1: not a UUID v4). */
export const SEED_GROUP_EXAMPLE = {
  type: 'group',
  groupId: 'company-456',
  anonymousId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  userId: 'user-123',
  traits: { name: 'Acme Corp', plan: 'enterprise', industry: 'Technology', employees: 250 },
  context: {
    page: {
      url: 'https://example.com/settings/account',
      path: '/settings/account',
      referrer: 'https://example.com/dashboard',
      title: 'Account Settings',
      search: '',
    },
    screen: { width: 1920, height: 1080 },
    locale: 'en-US',
    timezone: 'America/New_York',
    userAgent: 'Mozilla/5.0 ...',
    library: { name: '@datafly/collector', version: '0.1.0' },
  },
  timestamp: '2026-02-25T14:22:00.000Z',
  messageId: 'df-d4e5f6a7-b8c9-4d0e-1f2a-3b4c5d6e7f8a',
};
