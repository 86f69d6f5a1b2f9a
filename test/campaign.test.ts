import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromUrl, landing, SESSION_MS, type Session } from '../src/campaign.ts';

const U = 'https://shop.example/land';
const T = 1_700_000_000_000;

test('fromUrl: utm_* to campaign fields, click ids, nothing else', () => {
  assert.deepEqual(
    fromUrl(U + '?utm_source=nl&utm_medium=email&utm_campaign=spring&utm_term=a+b&utm_content=hero&gclid=G&epik=E&other=x'),
    {
      campaign: { source: 'nl', medium: 'email', name: 'spring', term: 'a b', content: 'hero' },
      clickIds: { gclid: 'G', epik: 'E' },
    },
  );
  assert.deepEqual(fromUrl(U + '?utm_source=&gclid=&x=1'), {});
  assert.deepEqual(fromUrl('not a url'), {});
});

test('a landing without utm or click ids keeps the session, and its last activity moves on', () => {
  const saved: Session = { campaign: { source: 'nl' }, clickIds: { gclid: 'G' }, t: T };
  assert.deepEqual(landing(saved, U + '?q=1', T + 1000), { campaign: { source: 'nl' }, clickIds: { gclid: 'G' }, t: T + 1000 });
  // The stored session is not mutated.
  assert.equal(saved.t, T);
});

test('a landing with click ids only replaces the campaign too (no mixing of landings)', () => {
  const saved: Session = { campaign: { source: 'nl', name: 'spring' }, clickIds: { fbclid: 'F' }, t: T };
  const s = landing(saved, U + '?gclid=G-2', T + 1000);
  assert.deepEqual(s, { clickIds: { gclid: 'G-2' }, t: T + 1000 });
  assert.equal(JSON.stringify(s), '{"clickIds":{"gclid":"G-2"},"t":1700000001000}');
});

test('a landing with utm only replaces the click ids too', () => {
  const saved: Session = { campaign: { source: 'nl' }, clickIds: { gclid: 'G' }, t: T };
  const s = landing(saved, U + '?utm_source=partner&utm_medium=referral', T + 1000);
  assert.deepEqual(s, { campaign: { source: 'partner', medium: 'referral' }, t: T + 1000 });
  assert.equal(JSON.stringify(s), '{"campaign":{"source":"partner","medium":"referral"},"t":1700000001000}');
});

test('a landing with both replaces both', () => {
  const saved: Session = { campaign: { source: 'nl' }, clickIds: { gclid: 'G' }, t: T };
  assert.deepEqual(landing(saved, U + '?utm_campaign=c2&msclkid=M', T + 1), {
    campaign: { name: 'c2' },
    clickIds: { msclkid: 'M' },
    t: T + 1,
  });
});

test('the session ends 30 minutes after its last activity; nothing stored or garbage stored is no session', () => {
  const saved: Session = { campaign: { source: 'nl' }, clickIds: { gclid: 'G' }, t: T };
  assert.deepEqual(landing(saved, U, T + SESSION_MS - 1), { ...saved, t: T + SESSION_MS - 1 });
  assert.deepEqual(landing(saved, U, T + SESSION_MS), { t: T + SESSION_MS });
  assert.deepEqual(landing(undefined, U, T), { t: T });
  for (const bad of [null, 5, 'str', [], {}] as any[]) assert.deepEqual(landing(bad, U, T), { t: T }, JSON.stringify(bad));
  assert.deepEqual(landing(undefined, U + '?gclid=G', T), { clickIds: { gclid: 'G' }, t: T });
});
