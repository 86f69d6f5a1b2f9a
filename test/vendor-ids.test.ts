// Vendor ID formats and the "ours" marker (src/vendor-id-formats.ts); the browser half (cookies,
// consent, registrable domain) is tested in Chromium: e2e/vendor-ids.spec.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
const { COOKIES, vendorValue, isOurs, remark } = await import('../src/vendor-id-formats.ts');

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0, 123);
const S = Math.floor(NOW / 1000);
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const make = (name: string, url = 'https://shop.example.com/', n?: number) => vendorValue(name, undefined, url, NOW, n);

test('each vendor has its cookies with the documented lifetimes', () => {
  assert.deepEqual(COOKIES, [
    ['_ga', 'ga', 730],
    ['_fbp', 'meta', 90],
    ['_fbc', 'meta', 90],
    ['_ttp', 'tiktok', 395],
    ['_pin_unauth', 'pinterest', 365],
    ['_scid', 'snapchat', 395],
    ['_gcl_aw', 'google_ads', 90],
  ]);
});

test('_ga: GA1.1.<random 31-bit integer>.<unix seconds>', () => {
  assert.equal(make('_ga', undefined, 1234567), 'GA1.1.1234567.' + S);
  for (let i = 0; i < 500; i++) {
    const m = /^GA1\.1\.(\d+)\.(\d+)$/.exec(make('_ga')!)!;
    assert.ok(m && Number(m[1]) < 2 ** 31 && m[2] == String(S));
  }
});

test('_fbp: fb.1.<ms>.<random number of up to 10 digits>', () => {
  assert.equal(make('_fbp', undefined, 2147483647), 'fb.1.' + NOW + '.2147483647');
  const seen = new Set();
  for (let i = 0; i < 500; i++) {
    const v = make('_fbp')!;
    assert.match(v, new RegExp('^fb\\.1\\.' + NOW + '\\.\\d{1,10}$'));
    seen.add(v);
  }
  assert.ok(seen.size > 490, 'random part varies');
});

test('_ttp: 27 random hexadecimal digits and .tt.1', () => {
  const seen = new Set();
  for (let i = 0; i < 300; i++) {
    const v = make('_ttp')!;
    assert.match(v, /^[0-9a-f]{27}\.tt\.1$/);
    seen.add(v);
  }
  assert.equal(seen.size, 300);
});

test('_pin_unauth: base64("uid=" + base64(UUID v4)) without padding', () => {
  for (let i = 0; i < 200; i++) {
    const v = make('_pin_unauth')!;
    assert.doesNotMatch(v, /=/);
    const outer = Buffer.from(v, 'base64').toString('latin1');
    assert.match(outer, /^uid=/);
    assert.match(Buffer.from(outer.slice(4), 'base64').toString('latin1'), UUID4);
  }
  // The shape of a value Pinterest's tag wrote (length 70 for a 36-character UUID).
  assert.equal(make('_pin_unauth')!.length, 'dWlkPU5EUTFPV0k0TlRZdFlUWmlNeTAwWmpJeExUaG1NREF0WlRVMVlURmpNR00yWVRSaA'.length);
});

test('_scid: a UUID v4', () => {
  assert.match(make('_scid')!, UUID4);
});

test('an existing cookie is kept as it is (no value to write)', () => {
  for (const name of ['_ga', '_fbp', '_ttp', '_pin_unauth', '_scid'])
    assert.equal(vendorValue(name, 'vendor-wrote-this', 'https://x.com/?fbclid=F&gclid=G', NOW), undefined);
});

test('_fbc and _gcl_aw come only from a click id in the landing URL', () => {
  assert.equal(make('_fbc'), undefined);
  assert.equal(make('_gcl_aw'), undefined);
  assert.equal(make('_fbc', 'https://shop.example.com/p?a=1&fbclid=IwAR3xYz-_9&b=2'), 'fb.1.' + NOW + '.IwAR3xYz-_9');
  assert.equal(make('_gcl_aw', 'https://shop.example.com/p?gclid=Cj0KCQ_abc-1#top'), 'GCL.' + S + '.Cj0KCQ_abc-1');
  // Without a click id, the existing cookie stays.
  assert.equal(vendorValue('_fbc', 'fb.1.1.OLD', 'https://shop.example.com/', NOW), undefined);
});

test('a new click id replaces the old cookie; the same click id keeps it (and its creation time)', () => {
  assert.equal(vendorValue('_fbc', 'fb.1.1700000000000.OLD', 'https://x.com/?fbclid=NEW', NOW), 'fb.1.' + NOW + '.NEW');
  assert.equal(vendorValue('_fbc', 'fb.1.1700000000000.NEW', 'https://x.com/?fbclid=NEW', NOW), undefined);
  assert.equal(vendorValue('_gcl_aw', 'GCL.1700000000.OLD', 'https://x.com/?gclid=NEW', NOW), 'GCL.' + S + '.NEW');
  assert.equal(vendorValue('_gcl_aw', 'GCL.1700000000.NEW', 'https://x.com/?gclid=NEW', NOW), undefined);
  // A click id that only ends like the old one is still new.
  assert.equal(vendorValue('_fbc', 'fb.1.1.XNEW', 'https://x.com/?fbclid=NEW', NOW), 'fb.1.' + NOW + '.NEW');
});

test('a bad landing URL makes no click-id cookie and does not throw', () => {
  assert.equal(vendorValue('_fbc', undefined, 'not a url', NOW), undefined);
  assert.match(vendorValue('_ga', undefined, 'not a url', NOW)!, /^GA1\.1\./);
});

test('the marker: ours only while the cookie still has the value we made', () => {
  let m = remark(undefined, '_ga', 'GA1.1.123.1764244800');
  m = remark(m, '_fbp', 'fb.1.1764244800123.987654');
  assert.equal(m, ',_ga:244800,_fbp:987654');
  assert.ok(isOurs(m, '_ga', 'GA1.1.123.1764244800'));
  assert.ok(isOurs(m, '_fbp', 'fb.1.1764244800123.987654'));
  // A vendor's pixel wrote its own value over ours, or the cookie is gone: not ours.
  assert.ok(!isOurs(m, '_fbp', 'fb.1.1764244800999.111111'));
  assert.ok(!isOurs(m, '_fbp', undefined));
  assert.ok(!isOurs(m, '_ttp', 'x'));
  assert.ok(!isOurs(undefined, '_ga', 'GA1.1.123.1764244800'));
  // A new value replaces the entry; removing leaves the others.
  m = remark(m, '_ga', 'GA1.1.5.1764299999');
  assert.equal(m, ',_fbp:987654,_ga:299999');
  assert.equal(remark(m, '_fbp'), ',_ga:299999');
  assert.equal(remark(remark(m, '_fbp'), '_ga'), '');
  // _fbc's entry is not _fbp's.
  assert.equal(remark(',_fbp:1,_fbc:2', '_fbc'), ',_fbp:1');
});
