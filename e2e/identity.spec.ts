// Identity across tabs of one browser: a tab opened before a login in another tab must not write
// the anonymous identity back over the login on its next group / alias / identify.
import { test, expect, stubPage, collectorLoaded, sees } from './support/fixtures';

test('a tab opened before a login elsewhere keeps the login on its next group, alias or identify', async ({
  context,
  gw,
  site,
  errors,
}) => {
  const url = site.set('/identity/tabs', await stubPage(gw));
  const a = await context.newPage();
  await a.goto(url);
  await collectorLoaded(a);
  const anon = await a.evaluate(() => (window as any)._df.getAnonymousId());
  // Tab B logs in.
  const b = await context.newPage();
  await b.goto(url);
  await collectorLoaded(b);
  await b.evaluate(() => (window as any)._df.identify('u1', { email: 'u1@example.com' }));
  await gw.waitFor(3);
  await sees(a, (u) => u.userId == 'u1');
  const saved = () => a.evaluate(() => JSON.parse(localStorage.getItem('_df_id')!));
  expect((await saved()).userId).toBe('u1');
  // Tab A, opened before the login, joins a group: the login stays.
  await a.evaluate(() => (window as any)._df.group('g1', { plan: 'pro' }));
  let s = await saved();
  expect(s).toMatchObject({
    anonymousId: anon,
    userId: 'u1',
    traits: { email: 'u1@example.com' },
    groupId: 'g1',
    groupTraits: { plan: 'pro' },
  });
  // Tab B joins another group; tab A aliases: B's group and A's alias both stand.
  await b.evaluate(() => (window as any)._df.group('g2'));
  await sees(a, (u) => u.groupId == 'g2');
  await a.evaluate(() => (window as any)._df.alias('u1-new'));
  s = await saved();
  expect(s).toMatchObject({ anonymousId: anon, userId: 'u1-new', groupId: 'g2' });
  const evs = await gw.waitFor(6);
  const alias = evs.find((e) => e.type == 'alias');
  expect(alias.previousId).toBe('u1');
  // A logout (reset) in tab B is not undone by tab A's next identify of traits for... a new user.
  await b.evaluate(() => (window as any)._df.reset());
  await sees(a, (u) => u.anonymousId != anon);
  const fresh = (await saved()).anonymousId;
  expect(fresh).not.toBe(anon);
  await a.evaluate(() => (window as any)._df.group('g3'));
  s = await saved();
  expect(s.anonymousId).toBe(fresh);
  expect(s.userId).toBeUndefined();
  expect(s.groupId).toBe('g3');
  expect(errors).toEqual([]);
});
