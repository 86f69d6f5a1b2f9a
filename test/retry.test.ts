import { test } from 'node:test';
import assert from 'node:assert/strict';
// The full build's flags (as `npm run test:unit` preloads them), so this file also runs alone.
import './support/build-flags.ts';
import { backoff, retryAfter, verdict, RETRY_BASE, RETRY_CAP, OK, RETRY, SPLIT, DROP } from '../src/retry.ts';

test('backoff: full jitter under an exponential ceiling capped at 30 s', () => {
  for (let a = 1; a <= 20; a++) {
    const ceil = Math.min(RETRY_CAP, RETRY_BASE * 2 ** (a - 1));
    assert.equal(backoff(a, 0.999999), Math.floor(0.999999 * ceil));
    assert.ok(backoff(a, 0) >= RETRY_BASE / 4);
    for (let i = 0; i < 50; i++) {
      const d = backoff(a, Math.random());
      assert.ok(d >= RETRY_BASE / 4 && d <= ceil, `attempt ${a}: ${d}`);
    }
  }
  assert.equal(backoff(1, 0.5), 500);
  assert.equal(backoff(3, 0.5), 2000);
  assert.equal(backoff(100, 0.5), 15000);
  assert.equal(backoff(5000, 0.5), 15000);
});

test('retryAfter: seconds, HTTP dates, garbage', () => {
  const now = Date.UTC(2026, 0, 1);
  assert.equal(retryAfter('2', now), 2000);
  assert.equal(retryAfter('0', now), 0);
  assert.equal(retryAfter(new Date(now + 5000).toUTCString(), now), 5000);
  assert.equal(retryAfter(new Date(now - 5000).toUTCString(), now), 0);
  assert.equal(retryAfter(null, now), 0);
  assert.equal(retryAfter('soon', now), 0);
  assert.equal(retryAfter('999999', now), 3600e3);
});

test('retryAfter in d.js (__FULL__ false): delta seconds only; an HTTP date reads as no wait', () => {
  const g = globalThis as any;
  const was = g.__FULL__;
  g.__FULL__ = false;
  try {
    const now = Date.UTC(2026, 0, 1);
    assert.equal(retryAfter('2', now), 2000);
    assert.equal(retryAfter('999999', now), 3600e3);
    assert.equal(retryAfter(new Date(now + 5000).toUTCString(), now), 0);
  } finally {
    g.__FULL__ = was;
  }
});

test('verdict: what each status means', () => {
  assert.equal(verdict(200, 5), OK);
  for (const s of [0, 408, 429, 500, 502, 503]) assert.equal(verdict(s, 5), RETRY, String(s));
  assert.equal(verdict(413, 5), SPLIT);
  assert.equal(verdict(413, 1), DROP);
  assert.equal(verdict(400, 5), SPLIT);
  assert.equal(verdict(400, 1), DROP);
  for (const s of [401, 403, 404]) assert.equal(verdict(s, 5), DROP, String(s));
});
