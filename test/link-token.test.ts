// The cross-domain link token and the URL helpers (src/link-token.ts); the clicks, forms and the
// two origins are tested in Chromium: e2e/link-decoration.spec.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
const { makeToken, readToken, withToken, withoutToken, MAX_AGE } = await import('../src/link-token.ts');

const ID = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0' + 'en-US';
// 12:00:30.000, in the middle of a minute.
const T = Date.UTC(2026, 10, 27, 12, 0, 30);

test('a token carries only the anonymousId, its time and a checksum', () => {
  const t = makeToken(ID, T, UA);
  assert.match(t, /^[0-9a-f-]{36}\.[0-9a-z]+\.[0-9a-z]+$/);
  assert.equal(t.split('.')[0], ID);
  assert.equal(parseInt(t.split('.')[1], 36), T);
  assert.doesNotMatch(t, /Mozilla|en-US/);
  assert.equal(t, encodeURIComponent(t), 'URL-safe as it is');
});

test('accepted by the same browser within 2 minutes (current or previous minute)', () => {
  const t = makeToken(ID, T, UA);
  assert.equal(readToken(t, T, UA), ID);
  assert.equal(readToken(t, T + 29_999, UA), ID, 'same minute');
  assert.equal(readToken(t, T + 30_000, UA), ID, 'next minute: the token was made in the previous one');
  assert.equal(readToken(t, T + 89_999, UA), ID);
});

test('stale: refused 2 minutes on, and whenever it was made two minutes back', () => {
  assert.equal(readToken(makeToken(ID, T, UA), T + 90_000, UA), undefined, 'made two minutes back');
  // Made at the very end of a minute, read 2 minutes and 1 ms later: too old.
  const end = Date.UTC(2026, 10, 27, 12, 0, 59, 999);
  assert.equal(readToken(makeToken(ID, end, UA), end + MAX_AGE + 1, UA), undefined);
  assert.equal(readToken(makeToken(ID, end, UA), end + 60_000, UA), ID, 'the next minute');
  assert.equal(readToken(makeToken(ID, end, UA), end + 60_001, UA), undefined, 'two minutes on by the clock, though only 60 s old');
});

test('refused from another browser (user agent or language)', () => {
  const t = makeToken(ID, T, UA);
  assert.equal(readToken(t, T + 1000, 'Mozilla/5.0 (Macintosh) Safari/605.1.15en-US'), undefined);
  assert.equal(readToken(t, T + 1000, UA.replace('en-US', 'de-DE')), undefined);
});

test('refused when tampered with, from the future, or malformed', () => {
  const t = makeToken(ID, T, UA);
  const other = 'a47ac10b-58cc-4372-a567-0e02b2c3d479';
  assert.equal(readToken(other + t.slice(36), T, UA), undefined, 'another id');
  const [id, time, sum] = t.split('.');
  assert.equal(readToken([id, (T + 5000).toString(36), sum].join('.'), T + 6000, UA), undefined, 'another time');
  assert.equal(readToken(makeToken(ID, T + 5000, UA), T, UA), undefined, 'made after now');
  for (const bad of ['', '.', 'x.y.z', ID, ID + '.' + time, '<script>.1.2', 'a'.repeat(5000)])
    assert.equal(readToken(bad, T, UA), undefined, bad);
  // A crafted token whose checksum matches still needs a UUID-shaped id.
  assert.equal(readToken(makeToken('</script><b>x', T, UA), T, UA), undefined);
});

test('withToken puts _dfl last in the query, before the #hash, replacing an older one', () => {
  assert.equal(withToken(new URL('https://shop.example.org/cart'), 'TOK'), 'https://shop.example.org/cart?_dfl=TOK');
  assert.equal(
    withToken(new URL('https://shop.example.org/cart?a=1&b=x%20y#pay'), 'TOK'),
    'https://shop.example.org/cart?a=1&b=x%20y&_dfl=TOK#pay',
  );
  assert.equal(withToken(new URL('https://shop.example.org/#/route?x=1'), 'TOK'), 'https://shop.example.org/?_dfl=TOK#/route?x=1');
  assert.equal(withToken(new URL('https://shop.example.org/p?_dfl=OLD&a=1'), 'NEW'), 'https://shop.example.org/p?a=1&_dfl=NEW');
  assert.equal(withToken(new URL('https://shop.example.org/p?a=1&_dfl=OLD'), 'NEW'), 'https://shop.example.org/p?a=1&_dfl=NEW');
});

test('withoutToken removes _dfl and changes nothing else', () => {
  const cases: [string, string][] = [
    ['https://a.com/p?_dfl=T', 'https://a.com/p'],
    ['https://a.com/p?_dfl=T#h', 'https://a.com/p#h'],
    ['https://a.com/p?a=1&_dfl=T', 'https://a.com/p?a=1'],
    ['https://a.com/p?_dfl=T&a=1', 'https://a.com/p?a=1'],
    ['https://a.com/p?a=1&_dfl=T&b=2#h', 'https://a.com/p?a=1&b=2#h'],
    ['https://a.com/p?a=x+y&b=%20&_dfl=T', 'https://a.com/p?a=x+y&b=%20'],
    // No token: untouched, even a bare "?" or a look-alike parameter.
    ['https://a.com/p?', 'https://a.com/p?'],
    ['https://a.com/p?x_dfl=1&a=', 'https://a.com/p?x_dfl=1&a='],
    ['https://a.com/p#_dfl=1', 'https://a.com/p#_dfl=1'],
  ];
  for (const [a, b] of cases) assert.equal(withoutToken(a), b, a);
});
