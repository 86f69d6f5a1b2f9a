// A page on another origin (the site server on `localhost`, the gateway on `127.0.0.1`) tries to
// read, stream, reconfigure and wipe the gateway's events, as any website a developer visits
// could. It must get nothing and change nothing; its own events still go in.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway } from '../gateway/app.mjs';
import { test, expect, KEY } from './support/fixtures';

const secret = { email: 'jane@acme.com', phone: '+1 555 0100' };

async function seed(gwUrl: string) {
  const ev = {
    type: 'identify',
    userId: 'user-123',
    traits: secret,
    anonymousId: crypto.randomUUID(),
    messageId: `df-${crypto.randomUUID()}`,
    timestamp: new Date().toISOString(),
    context: { page: { url: 'https://shop.example.com/account' }, library: { name: '@datafly/collector', version: '0.1.0' } },
  };
  const r = await fetch(`${gwUrl}/v1/i?key=${KEY}`, { method: 'POST', body: JSON.stringify(ev) });
  expect(r.status).toBe(200);
}

test('a foreign page cannot read or stream /debug, nor reset or reconfigure the gateway', async ({ page, gw, site }) => {
  await seed(gw.url);
  const url = site.set('/attacker.html', '<!doctype html><title>attacker</title><p>hello</p>');
  await page.goto(url);
  expect(new URL(page.url()).origin).not.toBe(new URL(gw.url).origin);

  const outcome = await page.evaluate(async (gwUrl) => {
    const read = async (path: string) => {
      try {
        const r = await fetch(gwUrl + path, { credentials: 'include' });
        return `read ${r.status}: ${(await r.text()).slice(0, 200)}`;
      } catch (e) {
        return 'blocked';
      }
    };
    const stream = () =>
      new Promise<string>((resolve) => {
        const es = new EventSource(gwUrl + '/debug/stream', { withCredentials: true });
        es.onmessage = (m) => {
          es.close();
          resolve('streamed ' + m.data.slice(0, 100));
        };
        es.onerror = () => {
          es.close();
          resolve('blocked');
        };
        // Connected but nothing came (an emptied store): still a readable stream.
        es.onopen = () => setTimeout(() => (es.close(), resolve('opened')), 1000);
      });
    const opaque = await fetch(gwUrl + '/debug/events', { mode: 'no-cors' });
    // Writes a page can make without CORS: no-cors fetches (the answer is opaque, but the
    // request arrives) with a body that a lenient server would parse.
    await fetch(gwUrl + '/debug/reset', { method: 'POST', mode: 'no-cors' });
    await fetch(gwUrl + '/debug/faults', { method: 'POST', mode: 'no-cors', body: '{"status":500,"forMs":600000}' });
    await fetch(gwUrl + '/debug/faults', { method: 'POST', mode: 'no-cors', body: '{"drop":1000}' });
    return {
      events: await read('/debug/events'),
      stats: await read('/debug/stats'),
      rejected: await read('/debug/rejected'),
      faults: await read('/debug/faults'),
      stream: await stream(),
      opaque: `${opaque.type} ${(await opaque.text()).length}`,
    };
  }, gw.url);

  expect(outcome).toEqual({
    events: 'blocked',
    stats: 'blocked',
    rejected: 'blocked',
    faults: 'blocked',
    stream: 'blocked',
    opaque: 'opaque 0',
  });
  // Nothing changed: the event is still there, no fault is armed.
  const events = await gw.events();
  expect(events.map((e) => e.traits)).toEqual([secret]);
  const faults = await (await fetch(gw.url + '/debug/faults')).json();
  expect(faults).toMatchObject({ status: null, drop: 0 });
});

test('a plain cross-site form post cannot reset the gateway or arm faults', async ({ page, gw, site }) => {
  await seed(gw.url);
  // The classic text/plain trick: the body reads as JSON to a server that does not check.
  const url = site.set(
    '/forms.html',
    `<!doctype html><title>forms</title>
     <form id="reset" method="post" action="${gw.url}/debug/reset"><input name="a" value="1"></form>
     <form id="faults" method="post" enctype="text/plain" action="${gw.url}/debug/faults"><input name='{"status":500,"forMs":600000,"x":"' value='"}'></form>`,
  );
  for (const form of ['reset', 'faults']) {
    await page.goto(url);
    const [response] = await Promise.all([page.waitForNavigation(), page.locator(`#${form}`).evaluate((f: HTMLFormElement) => f.submit())]);
    expect(response?.status(), form).toBe(403);
    expect(await page.textContent('body'), form).toContain('forbidden');
  }
  expect((await gw.events()).length).toBe(1);
  expect(await (await fetch(gw.url + '/debug/faults')).json()).toMatchObject({ status: null });
});

test("the same foreign page can still send its events (ingestion CORS), and the gateway's own /debug page works", async ({
  page,
  gw,
  site,
}) => {
  const url = site.set('/shop.html', '<!doctype html><title>shop</title>');
  await page.goto(url);
  const status = await page.evaluate(
    async ([gwUrl, key]) => {
      const ev = { type: 'track', event: 'add_to_cart', messageId: crypto.randomUUID(), timestamp: new Date().toISOString() };
      const r = await fetch(`${gwUrl}/v1/batch?key=${key}`, {
        method: 'POST',
        credentials: 'include',
        body: JSON.stringify({ batch: [ev] }),
      });
      return `${r.status} ${JSON.stringify(await r.json())}`;
    },
    [gw.url, KEY],
  );
  expect(status).toBe('200 {"success":true,"accepted":1,"duplicates":0}');
  const [ev] = await gw.events();
  expect(ev.anonymousId).toEqual(expect.any(String)); // filled from the _dfid cookie

  // The gateway's own live page: lists the event, shows rejected requests in their tab, and its
  // "Clear all events" button (a same-origin POST) works.
  await fetch(`${gw.url}/v1/t?key=${KEY}`, {
    method: 'POST',
    body: JSON.stringify({ type: 'track', event: '', messageId: 'x', timestamp: new Date().toISOString() }),
  });
  await page.goto(gw.url + '/debug');
  await expect(page.locator('#events .event')).toHaveCount(1);
  await expect(page.locator('#rejected-count')).toHaveText('1');
  await page.click('#tab-rejected');
  await expect(page.locator('#panel-rejected')).toBeVisible();
  await expect(page.locator('#rejected .event')).toContainText('event must be a non-empty string (track)');
  await page.click('#reset');
  await expect(page.locator('#count')).toHaveText('0');
  expect(await gw.events()).toEqual([]);
});

test('the live page renders stored events whatever their field types (an older store, a lenient gateway)', async ({ page, errors }) => {
  const dir = mkdtempSync(join(tmpdir(), 'datafly-odd-'));
  const file = join(dir, 'events.ndjson');
  const odd = { messageId: 'odd-1', type: 'page', event: { toString: 1 }, name: ['x'], userId: { id: 1 }, groupId: 7, timestamp: 5 };
  const normal = { messageId: 'ok-1', type: 'track', event: 'add_to_cart', timestamp: new Date().toISOString() };
  writeFileSync(file, JSON.stringify(odd) + '\n' + JSON.stringify(normal) + '\n');
  const g = await createGateway({ port: 0, eventsFile: file, quiet: true });
  try {
    await page.goto(g.url + '/debug');
    await expect(page.locator('#events .event')).toHaveCount(2);
    await expect(page.locator('.event[data-message-id="odd-1"] .name')).toHaveText('{"toString":1}');
    expect(errors).toEqual([]);
  } finally {
    await g.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the pixel in a real page: an <img> records the event; a refused pixel is still an image, listed on /debug/rejected', async ({
  page,
  gw,
  site,
  errors,
}) => {
  const url = site.set(
    '/newsletter.html',
    `<!doctype html><title>newsletter</title>
     <img id="ok" alt="" src="${gw.url}/v1/pixel/track?wk=${KEY}&e=newsletter_open&mid=nl-1&p.campaign.id=spring">
     <img id="bad" alt="" src="${gw.url}/v1/pixel/track?wk=${KEY}&mid=nl-2">`,
  );
  await page.goto(url);
  await page.waitForFunction(() => [...document.images].every((i) => i.complete));
  const sizes = await page.evaluate(() => [...document.images].map((i) => `${i.id} ${i.naturalWidth}x${i.naturalHeight}`));
  expect(sizes).toEqual(['ok 1x1', 'bad 1x1']);
  const events = await gw.events();
  expect(events.map((e) => [e.type, e.event, e.messageId, e.properties])).toEqual([
    ['track', 'newsletter_open', 'nl-1', { campaign: { id: 'spring' } }],
  ]);
  // From Referer, which browsers trim to the origin across origins (strict-origin-when-cross-origin).
  expect(events[0].context.page.url).toBe(new URL(url).origin + '/');
  const rejected = await (await fetch(gw.url + '/debug/rejected')).json();
  expect(rejected.map((r: any) => r.message)).toEqual(['event is required (track)']);
  expect(errors).toEqual([]);
});
