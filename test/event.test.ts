import { test } from 'node:test';
import assert from 'node:assert/strict';
(globalThis as any).__VERSION__ = '9.9.9';
const { buildEvent, pageFields, LIBRARY } = await import('../src/event.ts');
const { uuid } = await import('../src/uuid.ts');

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ctx = {
  page: pageFields('https://example.com/settings/account?x=1', 'https://example.com/dashboard', 'Account Settings'),
  screen: { width: 1920, height: 1080 },
  locale: 'en-US',
  timezone: 'America/New_York',
  userAgent: 'Mozilla/5.0',
  library: LIBRARY,
};

test('uuid() is a v4 UUID and unique', () => {
  const seen = new Set();
  for (let i = 0; i < 5000; i++) {
    const u = uuid();
    assert.match(u, UUID4);
    seen.add(u);
  }
  assert.equal(seen.size, 5000);
});

test('a group event has the seed page shape', () => {
  const ids = { anonymousId: uuid(), userId: 'user-123' };
  const t = Date.UTC(2026, 1, 25, 14, 22);
  const e = buildEvent('group', { groupId: 'company-456', traits: { name: 'Acme Corp' } }, ids, ctx, t);
  assert.deepEqual(Object.keys(e), ['type', 'groupId', 'traits', 'anonymousId', 'userId', 'context', 'timestamp', 'messageId']);
  assert.equal(e.type, 'group');
  assert.equal(e.groupId, 'company-456');
  assert.equal(e.timestamp, '2026-02-25T14:22:00.000Z');
  assert.match(e.messageId, /^df-/);
  assert.match(e.messageId.slice(3), UUID4);
  assert.deepEqual(e.context.library, { name: '@datafly/collector', version: '9.9.9' });
  assert.deepEqual(e.context.page, {
    url: 'https://example.com/settings/account?x=1',
    path: '/settings/account',
    referrer: 'https://example.com/dashboard',
    title: 'Account Settings',
    search: '?x=1',
  });
});

test('page and track events carry the current groupId; group events keep their own', () => {
  const ids = { anonymousId: uuid(), groupId: 'g-1' };
  assert.equal(buildEvent('track', { event: 'x' }, ids, ctx, 0).groupId, 'g-1');
  assert.equal(buildEvent('page', {}, ids, ctx, 0).groupId, 'g-1');
  assert.equal(buildEvent('group', { groupId: 'g-2' }, ids, ctx, 0).groupId, 'g-2');
  assert.equal('userId' in buildEvent('track', { event: 'x' }, ids, ctx, 0), false);
});

test('every event gets its own messageId', () => {
  const ids = { anonymousId: uuid() };
  const a = buildEvent('track', { event: 'x' }, ids, ctx, 0);
  const b = buildEvent('track', { event: 'x' }, ids, ctx, 0);
  assert.notEqual(a.messageId, b.messageId);
});

test('pageFields survives a malformed URL', () => {
  assert.deepEqual(pageFields('not a url', '', 't'), { url: 'not a url', path: '/', referrer: '', title: 't', search: '' });
});
