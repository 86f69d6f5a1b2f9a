// Datafly's identity features on the gateway: vendor IDs re-set as first-party
// cookies from the server, and the no-JavaScript pixel GET /v1/pixel/{type}.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createGateway } from '../gateway/app.mjs';
import { registrableDomain, vendorCookies, VENDOR_COOKIES } from '../gateway/cookies.mjs';
import { GIF, pixelProperties } from '../gateway/pixel.mjs';
import { KEY, makeEvent, tmpFile, call, post, allEvents, type Ev, type Gw } from './gateway-kit.ts';

const DAY = 86400;
const vendorIds = {
  _ga: 'GA1.1.1234567890.1772029320',
  _fbp: 'fb.1.1772029320000.1234567890',
  _fbc: 'fb.1.1772029320000.IwAR2abc',
  _gcl_aw: 'GCL.1772029320.Cj0KCQ',
  _ttp: '2aBcDeFgHiJkLmNoPqRsTuVwXyZ',
  _pin_unauth: 'dWlkPU1qQmpOVEUzWkRF',
  _scid: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
};

/** A raw GET that can send any Host / Origin / X-Forwarded-Proto. */
function rawGet(gw: Gw, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, any>; body: Buffer }>((resolve, reject) => {
    const req = request(gw.url + path, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}
function rawPost(gw: Gw, path: string, body: unknown, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; cookies: string[] }>((resolve, reject) => {
    const req = request(gw.url + path, { method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cookies: res.headers['set-cookie'] ?? [] }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
const vendorOnly = (cookies: string[]) => cookies.filter((c) => !c.startsWith('_dfid='));

describe('vendor ID cookies (pure)', () => {
  test('registrable domain, approximated without the Public Suffix List', () => {
    assert.equal(registrableDomain('data.example.com'), 'example.com');
    assert.equal(registrableDomain('www.shop.example.com:8443'), 'example.com');
    assert.equal(registrableDomain('example.com'), 'example.com');
    assert.equal(registrableDomain('data.shop.co.uk'), 'shop.co.uk');
    assert.equal(registrableDomain('co.uk'), null);
    for (const h of ['localhost', '127.0.0.1:8080', '10.0.0.1', '[::1]:80', 'bad host', '']) assert.equal(registrableDomain(h), null, h);
  });

  test("only known names and safe values; the docs' lifetimes; a later event wins", () => {
    const cookies = vendorCookies(
      [
        { context: { vendorIds: { ...vendorIds, _ga: 'GA1.1.old.1' } } },
        {
          context: {
            vendorIds: { _ga: vendorIds._ga, _evil: 'x', _fbp: 'a;b', _ttp: 'has space', _scid: 'x'.repeat(300), _pin_unauth: 7 },
          },
        },
      ],
      { secure: false },
    );
    const byName = Object.fromEntries(cookies.map((c) => [c.split('=')[0], c]));
    assert.deepEqual(Object.keys(byName).sort(), ['_fbc', '_fbp', '_ga', '_gcl_aw', '_pin_unauth', '_scid', '_ttp']);
    assert.equal(byName._ga, `_ga=${vendorIds._ga}; Max-Age=${730 * DAY}; Path=/; SameSite=Lax`);
    assert.equal(byName._fbp, `_fbp=${vendorIds._fbp}; Max-Age=${90 * DAY}; Path=/; SameSite=Lax`); // the first, valid value
    assert.match(byName._fbc, new RegExp(`Max-Age=${90 * DAY};`));
    assert.match(byName._gcl_aw, new RegExp(`Max-Age=${90 * DAY};`));
    assert.match(byName._ttp, new RegExp(`^_ttp=${vendorIds._ttp}; Max-Age=${396 * DAY};`));
    assert.match(byName._scid, new RegExp(`^_scid=${vendorIds._scid}; Max-Age=${396 * DAY};`));
    assert.match(byName._pin_unauth, new RegExp(`Max-Age=${365 * DAY};`));
    for (const c of cookies) assert.doesNotMatch(c, /HttpOnly|Secure|Domain/);
    assert.deepEqual(Object.keys(VENDOR_COOKIES).sort(), Object.keys(vendorIds).sort());
    assert.deepEqual(vendorCookies([{ context: {} }, { context: { vendorIds: [] } }, {}], { secure: true }), []);
  });

  test("Domain: the page's registrable domain when it is the gateway's, else host-only; Secure on https", () => {
    const ev = [{ context: { vendorIds: { _ga: vendorIds._ga } } }];
    assert.match(
      vendorCookies(ev, { origin: 'https://www.example.com', host: 'data.example.com', secure: true })[0],
      /; Path=\/; Domain=example\.com; SameSite=Lax; Secure$/,
    );
    assert.doesNotMatch(vendorCookies(ev, { origin: 'https://www.other.org', host: 'data.example.com', secure: true })[0], /Domain/);
    assert.doesNotMatch(vendorCookies(ev, { origin: 'http://localhost:3000', host: '127.0.0.1:8080', secure: false })[0], /Domain/);
    assert.doesNotMatch(vendorCookies(ev, { origin: 'null', host: 'data.example.com', secure: false })[0], /Domain/);
    assert.match(vendorCookies(ev, { origin: 'https://shop.acme.co.uk', host: 'data.acme.co.uk', secure: true })[0], /Domain=acme\.co\.uk/);
  });
});

describe('vendor ID cookies over HTTP', () => {
  let gw: Gw;
  before(async () => {
    gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true });
  });
  after(() => gw.close());

  test('an accepted event with context.vendorIds is answered with a Set-Cookie for each', async () => {
    const ev = makeEvent('page', { context: { ...makeEvent().context, vendorIds } });
    const r = await rawPost(
      gw,
      `/v1/batch?key=${KEY}`,
      { batch: [ev] },
      { origin: 'https://www.example.com', host: 'data.example.com', 'x-forwarded-proto': 'https' },
    );
    assert.equal(r.status, 200);
    const cookies = vendorOnly(r.cookies);
    assert.equal(cookies.length, 7);
    for (const c of cookies) assert.match(c, /; Path=\/; Domain=example\.com; SameSite=Lax; Secure$/);
    assert.ok(
      r.cookies.some((c) => c.startsWith('_dfid=')),
      'the _dfid cookie is still set',
    );
    // Single-event route, plain http, a page on another site: host-only, not Secure.
    const single = await rawPost(gw, `/v1/p?key=${KEY}`, makeEvent('page', { context: { vendorIds: { _fbp: vendorIds._fbp } } }), {
      origin: 'https://elsewhere.org',
      cookie: '_dfid=abc',
    });
    assert.deepEqual(single.cookies, [`_fbp=${vendorIds._fbp}; Max-Age=${90 * DAY}; Path=/; SameSite=Lax`]);
  });

  test('no vendor cookies for rejected requests or events without vendorIds', async () => {
    const bad = makeEvent('track', { event: '', context: { vendorIds } });
    assert.deepEqual(vendorOnly((await rawPost(gw, `/v1/batch?key=${KEY}`, { batch: [bad] })).cookies), []);
    assert.deepEqual(vendorOnly((await rawPost(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] })).cookies), []);
  });
});

describe('the pixel: GET /v1/pixel/{type}', () => {
  let gw: Gw;
  before(async () => {
    gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true });
  });
  after(() => gw.close());
  beforeEach(async () => {
    await post(gw, '/debug/reset', '');
  });

  const isGif = (r: { status: number; headers: Record<string, any>; body: Buffer }) => {
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'image/gif');
    assert.match(r.headers['cache-control'], /no-store/);
    assert.deepEqual(r.body, GIF);
  };

  test('a track pixel becomes a stored event: e, uid, aid, mid, p.* in dot notation', async () => {
    assert.deepEqual([GIF.readUInt16LE(6), GIF.readUInt16LE(8), GIF[GIF.length - 1]], [1, 1, 0x3b]); // 1×1, GIF trailer
    assert.equal(GIF.subarray(0, 6).toString(), 'GIF89a');
    const r = await rawGet(
      gw,
      `/v1/pixel/track?wk=${KEY}&e=purchase&uid=user-1&aid=anon-1&mid=px-1&p.total=42.5&p.product.sku=SKU-1&p.product.name=Tee%20shirt`,
      {
        referer: 'https://shop.example.com/thanks?order=7',
        'user-agent': 'Mail client',
      },
    );
    isGif(r);
    assert.equal(r.headers['x-datafly-status'], '200 ok');
    const [ev] = await allEvents(gw);
    assert.deepEqual(
      {
        type: ev.type,
        event: ev.event,
        userId: ev.userId,
        anonymousId: ev.anonymousId,
        messageId: ev.messageId,
        properties: ev.properties,
      },
      {
        type: 'track',
        event: 'purchase',
        userId: 'user-1',
        anonymousId: 'anon-1',
        messageId: 'px-1',
        properties: { total: '42.5', product: { sku: 'SKU-1', name: 'Tee shirt' } },
      },
    );
    assert.deepEqual(ev.context.page, { url: 'https://shop.example.com/thanks?order=7', path: '/thanks', search: '?order=7' });
    assert.equal(ev.context.userAgent, 'Mail client');
    assert.ok(!Number.isNaN(Date.parse(ev.timestamp)));
  });

  test('page, identify and group pixels; traits for identify/group; anonymousId from _dfid', async () => {
    isGif(await rawGet(gw, `/v1/pixel/page?wk=${KEY}&e=Pricing&p.plan=pro`, { cookie: '_dfid=visitor-9' }));
    isGif(await rawGet(gw, `/v1/pixel/identify?wk=${KEY}&uid=user-2&p.email=a%40b.c`));
    isGif(await rawGet(gw, `/v1/pixel/group?wk=${KEY}&gid=company-456&p.plan=enterprise`));
    const [page, identify, group] = await allEvents(gw);
    assert.deepEqual([page.type, page.name, page.properties, page.anonymousId], ['page', 'Pricing', { plan: 'pro' }, 'visitor-9']);
    assert.deepEqual([identify.userId, identify.traits], ['user-2', { email: 'a@b.c' }]);
    assert.deepEqual([group.groupId, group.traits], ['company-456', { plan: 'enterprise' }]);
    assert.equal(typeof identify.anonymousId, 'string');
  });

  test('de-duplication on mid, as for POST', async () => {
    for (let i = 0; i < 3; i++) isGif(await rawGet(gw, `/v1/pixel/track?wk=${KEY}&e=open&mid=mail-42`));
    assert.equal((await allEvents(gw)).length, 1);
    const again = await rawGet(gw, `/v1/pixel/track?wk=${KEY}&e=open&mid=mail-42`);
    assert.equal(again.headers['x-datafly-status'], '200 duplicate');
    // Without mid, each hit is its own event.
    await rawGet(gw, `/v1/pixel/track?wk=${KEY}&e=open`);
    await rawGet(gw, `/v1/pixel/track?wk=${KEY}&e=open`);
    assert.equal((await allEvents(gw)).length, 3);
  });

  test('refused pixels still answer the GIF, never an error image, and show on /debug/rejected', async () => {
    const cases: Array<[string, string, RegExp]> = [
      [`/v1/pixel/track?e=x`, '401 unauthorized', /missing pipeline key/],
      [`/v1/pixel/track?wk=nope&e=x`, '401 unauthorized', /dk_live_/],
      [`/v1/pixel/track?wk=${KEY}`, '400 invalid_payload', /^event is required \(track\)$/],
      [`/v1/pixel/identify?wk=${KEY}`, '400 invalid_payload', /^userId is required \(identify\)$/],
      [`/v1/pixel/group?wk=${KEY}`, '400 invalid_payload', /^groupId is required \(group\)$/],
      [`/v1/pixel/alias?wk=${KEY}&uid=a`, '400 invalid_payload', /pixel type must be one of track\|page\|identify\|group/],
      [`/v1/pixel/track?wk=${KEY}&e=x&mid=${'m'.repeat(129)}`, '400 invalid_payload', /^messageId must be at most 128 characters$/],
    ];
    for (const [path, status] of cases) {
      const r = await rawGet(gw, path);
      isGif(r);
      assert.equal(r.headers['x-datafly-status'], status, path);
    }
    const rejected = (await call(gw, '/debug/rejected')).body as Ev[];
    assert.equal(rejected.length, cases.length);
    rejected.forEach((r, i) => {
      assert.equal(r.method, 'GET');
      assert.match(r.message, cases[i][2]);
      assert.equal(r.body, cases[i][0]);
    });
    assert.deepEqual(await allEvents(gw), []);
    // Only GET (and HEAD): a POST is not a pixel.
    assert.equal((await post(gw, `/v1/pixel/track?wk=${KEY}`, {})).status, 405);
  });

  test('p.* parsing: nesting, no prototype keys, a value never turned into an object', () => {
    const q = new URLSearchParams('p.a=1&p.b.c=2&p.b.d=3&p.__proto__.x=1&p.constructor=2&p.a.z=9&p..x=1&e=ignored&p.q=first&p.q=second');
    const props = pixelProperties(q);
    assert.deepEqual(props, { a: '1', b: { c: '2', d: '3' }, q: 'first' });
    assert.equal(Object.prototype.hasOwnProperty.call({}, 'x'), false);
  });
});
