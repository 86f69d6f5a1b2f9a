// A page's own "__proto__" keys (JSON.parse makes them) in properties and traits arrive as
// ordinary keys, through the stub, the copy and the trait merge; no prototype changes anywhere
// (README, "Input rules").
import { withStub, test, expect } from './support/fixtures';

test('own __proto__ keys in properties and traits reach the gateway as data; merged traits keep them; Object.prototype untouched', async ({
  page,
  gw,
  site,
  errors,
}) => {
  await withStub(page, gw, site, '/proto-keys', {
    // Queued in the stub before d.js loads, and called again on the live collector below.
    body: `<script>_df.track('x', JSON.parse('{"__proto__": {"a": 1}, "b": 2}'))</script>`,
  });
  const inPage = await page.evaluate(() => {
    const df = (window as any)._df;
    df.track('nested', { outer: JSON.parse('{"__proto__": {"a": 1}, "b": 2}'), list: [JSON.parse('{"__proto__": "s"}')] });
    df.identify('u-1', JSON.parse('{"__proto__": {"admin": true}, "plan": "pro"}'));
    // Same user: the traits merge (identity spreads the old and new traits).
    df.identify('u-1', { seats: 3 });
    df.flush();
    const probe: any = {};
    return {
      traits: JSON.stringify(df.user().traits),
      polluted: [probe.a, probe.admin, (Object.prototype as any).a, (Object.prototype as any).admin],
    };
  });
  expect(inPage).toEqual({
    traits: '{"__proto__":{"admin":true},"plan":"pro","seats":3}',
    polluted: [undefined, undefined, undefined, undefined],
  });
  const evs = await gw.waitFor(5);
  // As stored by the gateway, key for key (JSON.stringify keeps an own __proto__ key).
  const got = evs.filter((e) => e.type != 'page').map((e) => [e.type, e.event || e.userId, JSON.stringify(e.properties || e.traits)]);
  expect(got).toEqual([
    ['track', 'x', '{"__proto__":{"a":1},"b":2}'],
    ['track', 'nested', '{"outer":{"__proto__":{"a":1},"b":2},"list":[{"__proto__":"s"}]}'],
    ['identify', 'u-1', '{"__proto__":{"admin":true},"plan":"pro"}'],
    ['identify', 'u-1', '{"__proto__":{"admin":true},"plan":"pro","seats":3}'],
  ]);
  // The stored identity (localStorage) keeps the key too.
  expect(await page.evaluate(() => JSON.stringify(JSON.parse(localStorage.getItem('_df_id')!).traits))).toBe(
    '{"__proto__":{"admin":true},"plan":"pro","seats":3}',
  );
  expect(errors).toEqual([]);
});
