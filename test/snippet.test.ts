// The snippet printer: the default stub stays small and attribute-free; flags become data-
// attributes of the loaded script (read back by loader/config.ts); --noscript adds the pixel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { buildStub, snippetTag, noscriptPixel } from '../snippet/build.mjs';

const base = { src: 'https://data.example.com/d.js', key: 'dk_live_abc123' };

test('the default stub has no option attributes and stays within 400 B', async () => {
  const code = await buildStub(base);
  assert.ok(code.length <= 400, code.length + ' B');
  assert.doesNotMatch(code, /requireConsent|cmp|vendorIds|linkedDomains/);
});

test('flags become data- attributes, only those given', async () => {
  const code = await buildStub({
    ...base,
    requireConsent: true,
    cmp: 'tcf',
    vendorIds: 'ga, meta,,tiktok',
    linkedDomains: ['a.com', 'b.org'],
  });
  assert.match(code, /dataset\.requireConsent="analytics"/);
  assert.match(code, /dataset\.cmp="tcf"/);
  assert.match(code, /dataset\.vendorIds="ga,meta,tiktok"/);
  assert.match(code, /dataset\.linkedDomains="a\.com,b\.org"/);
  assert.match(await buildStub({ ...base, requireConsent: 'marketing' }), /dataset\.requireConsent="marketing"/);
  const cmpOnly = await buildStub({ ...base, cmp: 'onetrust' });
  assert.doesNotMatch(cmpOnly, /requireConsent|vendorIds|linkedDomains/);
});

test('values that are not names or comma lists are refused, not written into the script', async () => {
  await assert.rejects(buildStub({ ...base, cmp: 'x";alert(1)//' }), /invalid cmp/);
  await assert.rejects(buildStub({ ...base, linkedDomains: 'a.com</script>' }), /invalid linkedDomains/);
});

test('--noscript: a 1×1 page pixel after the stub, sized by attributes (no inline style)', async () => {
  const tag = await snippetTag({ ...base, noscript: true });
  assert.match(
    tag,
    /<\/script><noscript><img src="https:\/\/data\.example\.com\/v1\/pixel\/page\?wk=dk_live_abc123" alt="" width="1" height="1"><\/noscript>$/,
  );
  assert.doesNotMatch(tag, /style=/);
  assert.equal(
    noscriptPixel({ ...base, endpoint: 'https://gw.example.org/', key: 'k&"<' }),
    '<noscript><img src="https://gw.example.org/v1/pixel/page?wk=k%26%22%3C" alt="" width="1" height="1"></noscript>',
  );
  assert.doesNotMatch(await snippetTag(base), /noscript/);
});

test('npm run snippet: --require-consent alone means analytics, with a value names the category', () => {
  const run = (...a: string[]) =>
    spawnSync(process.execPath, ['scripts/snippet.mjs', '--src', base.src, '--key', base.key, ...a], { encoding: 'utf8' });
  let r = run('--require-consent', '--cmp', 'tcf', '--vendor-ids', 'ga,meta', '--linked-domains', 'a.com', '--noscript');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /requireConsent="analytics"/);
  assert.match(r.stdout, /cmp="tcf"/);
  assert.match(r.stdout, /vendorIds="ga,meta"/);
  assert.match(r.stdout, /linkedDomains="a\.com"/);
  assert.match(r.stdout, /<noscript>/);
  r = run('--require-consent', 'marketing');
  assert.match(r.stdout, /requireConsent="marketing"/);
  r = run('--cmp', 'onetrust', '--require-consent');
  assert.match(r.stdout, /requireConsent="analytics"/);
});
