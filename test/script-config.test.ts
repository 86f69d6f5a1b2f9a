// loader/config.ts: d.js's options from its own script tag, with a fake document passed in.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const g = globalThis as any;
g.__FULL__ = true;
const { scriptConfig } = await import('../loader/config.ts');

/** A document whose current script has these data- attributes (as `dataset` names them). */
const docWith = (attrs: Record<string, string>, src = 'https://data.example.com/d.js') =>
  ({
    currentScript: { tagName: 'SCRIPT', src, nonce: 'n1', dataset: { ...attrs } },
    querySelector: () => null,
  }) as any;

test('key, endpoint from the src origin (or data-endpoint), global', () => {
  const o = scriptConfig(docWith({ pipelineKey: 'dk_1', global: 'dfx' }))!;
  assert.equal(o.pipelineKey, 'dk_1');
  assert.equal(o.endpoint, 'https://data.example.com');
  assert.equal(o.global, 'dfx');
  assert.equal(o.requireConsent, undefined);
  assert.equal(o.cmp, undefined);
  assert.equal(scriptConfig(docWith({ pipelineKey: 'k', endpoint: 'https://gw.example.org' }))!.endpoint, 'https://gw.example.org');
});

test('data-require-consent: empty means analytics (true), a value names the category; data-cmp', () => {
  assert.equal(scriptConfig(docWith({ pipelineKey: 'k', requireConsent: '' }))!.requireConsent, true);
  assert.equal(scriptConfig(docWith({ pipelineKey: 'k', requireConsent: 'marketing' }))!.requireConsent, 'marketing');
  assert.equal(scriptConfig(docWith({ pipelineKey: 'k', cmp: 'tcf' }))!.cmp, 'tcf');
});

test('full build: data-vendor-ids and data-linked-domains as comma lists; absent or empty means unset', () => {
  const o = scriptConfig(docWith({ pipelineKey: 'k', vendorIds: 'ga, meta,,tiktok', linkedDomains: 'shop.example.org,example.net' }))!;
  assert.deepEqual(o.vendorIds, ['ga', 'meta', 'tiktok']);
  assert.deepEqual(o.crossDomain, { linkedDomains: ['shop.example.org', 'example.net'] });
  const none = scriptConfig(docWith({ pipelineKey: 'k', vendorIds: '' }))!;
  assert.equal(none.vendorIds, undefined);
  assert.equal(none.crossDomain, undefined);
});

test('core build: linked domains are not read (the features are in the full build)', () => {
  g.__FULL__ = false;
  try {
    const o = scriptConfig(docWith({ pipelineKey: 'k', linkedDomains: 'a.com' }))!;
    assert.equal(o.crossDomain, undefined);
    assert.equal(o.nonce, '');
  } finally {
    g.__FULL__ = true;
  }
});

test('only a real <script> is d.js\'s own: an <img name="currentScript"> (DOM clobbering) is passed over for the tagged script', () => {
  const img = { tagName: 'IMG', src: 'https://evil.example/d.js', dataset: { pipelineKey: 'k', endpoint: 'https://evil.example' } };
  const real = { tagName: 'SCRIPT', src: 'https://data.example.com/d.js', nonce: '', dataset: { pipelineKey: 'dk_1' } };
  const o = scriptConfig({ currentScript: img, querySelector: () => real } as any)!;
  assert.equal(o.endpoint, 'https://data.example.com');
  assert.equal(scriptConfig({ currentScript: img, querySelector: () => null } as any), undefined);
});
