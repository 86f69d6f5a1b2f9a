// Campaign attribution across landings of one session: a landing that brings utm or click ids
// replaces both (README, "Campaigns"); the rest of the campaign tests are in campaign-tags.spec.ts.
// The campaign session is in the full build only (README, "Builds"): these pages load d.full.js.
import { test, expect, stubPage } from './support/fixtures';

test('landings in one session never mix: click ids replace the utm campaign, utm replaces the click ids, a plain page keeps the last landing', async ({
  page,
  gw,
  site,
  errors,
}) => {
  const url = site.set('/camp-mix/land', await stubPage(gw, { full: true }));
  const attribution = async (n: number) => {
    const e = (await gw.waitFor(n))[n - 1];
    return { url: e.context.page.url, campaign: e.context.campaign, clickIds: e.context.clickIds };
  };

  await page.goto(url + '?utm_source=newsletter&utm_campaign=spring');
  expect(await attribution(1)).toEqual({
    url: url + '?utm_source=newsletter&utm_campaign=spring',
    campaign: { source: 'newsletter', name: 'spring' },
    clickIds: undefined,
  });
  // An ad click later in the same session: the Google click alone, not spring's newsletter.
  await page.goto(url + '?gclid=G-1');
  expect(await attribution(2)).toEqual({ url: url + '?gclid=G-1', campaign: undefined, clickIds: { gclid: 'G-1' } });
  // A plain page: the last landing's attribution stays.
  await page.goto(url);
  expect(await attribution(3)).toEqual({ url, campaign: undefined, clickIds: { gclid: 'G-1' } });
  // A partner link with utm only: the gclid goes.
  await page.goto(url + '?utm_source=partner&utm_medium=referral');
  expect(await attribution(4)).toEqual({
    url: url + '?utm_source=partner&utm_medium=referral',
    campaign: { source: 'partner', medium: 'referral' },
    clickIds: undefined,
  });
  await page.goto(url);
  expect(await attribution(5)).toEqual({ url, campaign: { source: 'partner', medium: 'referral' }, clickIds: undefined });
  // What is stored for the session is that one landing's too.
  expect(JSON.parse((await page.evaluate(() => localStorage.getItem('_df_s')))!)).toEqual({
    campaign: { source: 'partner', medium: 'referral' },
    t: expect.any(Number),
  });
  expect(errors).toEqual([]);
});
