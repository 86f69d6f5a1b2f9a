// Debug and control routes are private; ingestion CORS follows the allow-list.
// Over HTTP from Node, with the headers a browser on another site would send; the same attack
// from a real page on another origin is e2e/gateway-security.spec.ts.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { request } from 'node:http';
import { createGateway } from '../gateway/app.mjs';
import {
  debugAccessProblem,
  isLoopbackAddress,
  isLoopbackHost,
  originAllowed,
  parseAllowedOrigins,
  stateChangeProblem,
} from '../gateway/security.mjs';
import { KEY, makeEvent, tmpFile, call, post, assertError, allEvents, type Gw } from './gateway-kit.ts';

const EVIL = 'https://evil.example';
const SHOP = 'https://shop.example.com';
const CORS_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-private-network',
  'access-control-allow-methods',
];

function assertNoCors(r: { headers: Headers }, what: string) {
  for (const h of CORS_HEADERS) assert.equal(r.headers.get(h), null, `${what}: ${h}`);
}

describe('security rules (pure)', () => {
  test('allow-list parsing and matching', () => {
    assert.equal(parseAllowedOrigins(undefined), null);
    assert.equal(parseAllowedOrigins('*'), null);
    assert.equal(parseAllowedOrigins(''), null);
    const list = parseAllowedOrigins(['https://Shop.example.com/', 'https://*.acme.io, http://localhost:3000']);
    assert.deepEqual(list, ['https://shop.example.com', 'https://*.acme.io', 'http://localhost:3000']);
    assert.ok(originAllowed('https://shop.example.com', list));
    assert.ok(originAllowed('https://www.acme.io', list));
    assert.ok(originAllowed('https://a.b.acme.io', list));
    assert.ok(originAllowed('http://localhost:3000', list));
    for (const o of [
      'https://acme.io',
      'http://www.acme.io',
      'https://evilacme.io',
      'https://shop.example.com.evil.io',
      'http://localhost:3001',
      'null',
    ]) {
      assert.equal(originAllowed(o, list), false, o);
    }
    assert.ok(originAllowed(EVIL, null));
  });

  test('loopback addresses and hosts', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopbackAddress(a), a);
    for (const a of ['10.0.0.2', '192.168.1.5', '::ffff:10.0.0.1', 'fe80::1', undefined])
      assert.equal(isLoopbackAddress(a), false, String(a));
    for (const h of ['127.0.0.1:8080', 'localhost', 'localhost:1', '[::1]:8080', 'app.localhost:80']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['evil.example', 'evil.example:8080', '10.0.0.2:8080', 'localhost.evil.example', undefined])
      assert.equal(isLoopbackHost(h), false, String(h));
  });

  test('debug access: loopback with a loopback Host, else only with the token', () => {
    const q = new URLSearchParams();
    const local = { remoteAddress: '127.0.0.1', headers: { host: '127.0.0.1:8080' }, searchParams: q, token: undefined };
    assert.equal(debugAccessProblem(local), null);
    assert.match(debugAccessProblem({ ...local, remoteAddress: '10.0.0.7' }) ?? '', /only on loopback/);
    assert.match(debugAccessProblem({ ...local, headers: { host: 'rebound.evil.example:8080' } }) ?? '', /loopback Host/);
    const withToken = { ...local, remoteAddress: '10.0.0.7', token: 's3cret' };
    assert.match(debugAccessProblem(withToken) ?? '', /need the debug token/);
    assert.equal(debugAccessProblem({ ...withToken, headers: { host: 'dev.box:8080', authorization: 'Bearer s3cret' } }), null);
    assert.equal(debugAccessProblem({ ...withToken, headers: { 'x-debug-token': 's3cret' } }), null);
    assert.equal(debugAccessProblem({ ...withToken, searchParams: new URLSearchParams('token=s3cret') }), null);
    assert.match(debugAccessProblem({ ...withToken, headers: { 'x-debug-token': 's3cre' } }) ?? '', /wrong debug token/);
    assert.match(debugAccessProblem({ ...local, token: 's3cret', headers: { host: 'localhost', 'x-debug-token': 'nope' } }) ?? '', /wrong/);
  });

  test('state changes: only without a foreign Origin or a cross-site Sec-Fetch-Site', () => {
    assert.equal(stateChangeProblem({ host: '127.0.0.1:8080' }), null); // curl, Node fetch
    assert.equal(stateChangeProblem({ host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-origin' }), null);
    assert.match(stateChangeProblem({ host: '127.0.0.1:8080', origin: 'http://localhost:3000' }) ?? '', /cross-origin/);
    assert.match(stateChangeProblem({ host: '127.0.0.1:8080', origin: 'null' }) ?? '', /cross-origin/);
    assert.match(stateChangeProblem({ host: '127.0.0.1:8080', 'sec-fetch-site': 'cross-site' }) ?? '', /cross-site/);
    assert.match(stateChangeProblem({ host: '127.0.0.1:8080', 'sec-fetch-site': 'same-site' }) ?? '', /cross-site/);
  });
});

describe('debug routes over HTTP', () => {
  let gw: Gw;
  before(async () => {
    gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true, faults: true });
  });
  after(() => gw.close());
  beforeEach(async () => {
    await post(gw, '/debug/reset', '');
    await post(gw, `/v1/batch?key=${KEY}`, {
      batch: [makeEvent('identify', { traits: { email: 'jane@acme.com', phone: '+1 555 0100' } })],
    });
  });

  test('no CORS on any /debug route, whatever the Origin', async () => {
    for (const path of ['/debug', '/debug/events', '/debug/stats', '/debug/rejected', '/debug/faults']) {
      const r = await call(gw, path, { headers: { origin: EVIL } });
      assert.equal(r.status, 200, path);
      assertNoCors(r, path);
    }
    const ac = new AbortController();
    const stream = await fetch(`${gw.url}/debug/stream`, { headers: { origin: EVIL }, signal: ac.signal });
    assertNoCors(stream, '/debug/stream');
    ac.abort();
    for (const path of ['/debug/reset', '/debug/faults', '/debug/events']) {
      const pre = await call(gw, path, {
        method: 'OPTIONS',
        headers: { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-private-network': 'true' },
      });
      assertNoCors(pre, `OPTIONS ${path}`);
    }
  });

  test('a cross-site reset or faults change is refused (fetch and plain form post); nothing changes', async () => {
    const attempts: Array<[string, Record<string, string>, string]> = [
      ['/debug/reset', { origin: EVIL }, ''],
      ['/debug/reset', { origin: 'null' }, ''],
      ['/debug/reset', { 'sec-fetch-site': 'cross-site' }, ''],
      ['/debug/reset', { origin: EVIL, 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded' }, 'a=1'],
      ['/debug/faults', { origin: EVIL, 'content-type': 'text/plain' }, '{"status":500,"forMs":60000}'],
      ['/debug/faults', { 'sec-fetch-site': 'same-site', 'content-type': 'text/plain' }, '{"drop":5}'],
    ];
    for (const [path, headers, body] of attempts) {
      const r = await call(gw, path, { method: 'POST', headers, body });
      assertError(r, 403, 'forbidden');
      assertNoCors(r, path);
    }
    assert.equal((await allEvents(gw)).length, 1, 'events survive');
    assert.equal((await call(gw, '/debug/faults')).body.status, null, 'faults unchanged');
    assert.equal((await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] })).status, 200);
    // The gateway's own page (same origin) may reset.
    const own = await call(gw, '/debug/reset', { method: 'POST', headers: { origin: gw.url, 'sec-fetch-site': 'same-origin' } });
    assert.equal(own.status, 200, own.text);
    assert.deepEqual(await allEvents(gw), []);
  });

  test('a request naming a foreign Host (DNS rebinding) gets nothing from /debug', async () => {
    // fetch() will not send a Host of our choosing; a raw request does, as a rebound browser would.
    const get = (path: string) =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        const req = request(gw.url + path, { headers: { host: 'rebound.evil.example' } }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        });
        req.on('error', reject);
        req.end();
      });
    for (const path of ['/debug/events', '/debug/stream', '/debug/stats', '/debug/rejected']) {
      const r = await get(path);
      assert.equal(r.status, 403, path);
      assert.match(r.body.error.message, /loopback Host/);
    }
  });
});

describe('debug routes off loopback', () => {
  const lan = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

  test('answer only on loopback, unless started with --debug-token', { skip: lan ? false : 'no non-loopback IPv4 interface' }, async () => {
    const open = await createGateway({ port: 0, host: '0.0.0.0', eventsFile: tmpFile(), quiet: true });
    const tokened = await createGateway({ port: 0, host: '0.0.0.0', eventsFile: tmpFile(), quiet: true, debugToken: 's3cret-token' });
    try {
      const remote = (g: Gw) => ({ url: `http://${lan}:${g.port}` });
      assertError(await call(remote(open), '/debug/events'), 403, 'forbidden', /only on loopback/);
      assertError(await post(remote(open), '/debug/reset', ''), 403, 'forbidden');
      assert.equal((await call(open, '/debug/events')).status, 200); // loopback still fine
      // Ingestion is open off loopback: it is what the gateway is for.
      assert.equal((await post(remote(open), `/v1/batch?key=${KEY}`, { batch: [makeEvent()] })).status, 200);

      assertError(await call(remote(tokened), '/debug/events'), 403, 'forbidden', /token/);
      assertError(await call(remote(tokened), '/debug/events', { headers: { 'x-debug-token': 'wrong' } }), 403, 'forbidden');
      assert.equal((await call(remote(tokened), '/debug/events', { headers: { authorization: 'Bearer s3cret-token' } })).status, 200);
      assert.equal((await call(remote(tokened), '/debug/stats?token=s3cret-token')).status, 200);
      // A token does not make a cross-site state change acceptable.
      assertError(await post(remote(tokened), '/debug/reset?token=s3cret-token', '', { origin: EVIL }), 403, 'forbidden', /cross-origin/);
    } finally {
      await open.close();
      await tokened.close();
    }
  });
});

describe('ingestion CORS and the allow-list', () => {
  test('default: any origin is echoed with credentials on /v1, and private-network preflights pass', async () => {
    const gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true, allowedOrigins: null });
    try {
      const ok = await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] }, { origin: SHOP });
      assert.equal(ok.headers.get('access-control-allow-origin'), SHOP);
      assert.equal(ok.headers.get('access-control-allow-credentials'), 'true');
      const pre = await call(gw, '/v1/batch', {
        method: 'OPTIONS',
        headers: { origin: SHOP, 'access-control-request-method': 'POST', 'access-control-request-private-network': 'true' },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-private-network'), 'true');
      // Only ingestion gets CORS: not the demo page, not unknown paths.
      assertNoCors(await call(gw, '/nope', { headers: { origin: SHOP } }), '/nope');
      assertNoCors(await call(gw, '/', { headers: { origin: SHOP } }), '/');
    } finally {
      await gw.close();
    }
  });

  test('--allow-origin: allowed origins get CORS and private-network access; others get neither and a 403', async () => {
    const gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true, allowedOrigins: [SHOP, 'https://*.acme.io'] });
    try {
      for (const origin of [SHOP, 'https://www.acme.io']) {
        const ok = await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] }, { origin });
        assert.equal(ok.status, 200, ok.text);
        assert.equal(ok.headers.get('access-control-allow-origin'), origin);
        const pre = await call(gw, '/v1/t', {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-private-network': 'true' },
        });
        assert.equal(pre.headers.get('access-control-allow-private-network'), 'true');
        assert.equal(pre.headers.get('access-control-allow-origin'), origin);
      }
      const refused = await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] }, { origin: EVIL });
      assertError(refused, 403, 'forbidden_origin', /evil\.example/);
      assertNoCors(refused, 'refused POST');
      const pre = await call(gw, '/v1/batch', {
        method: 'OPTIONS',
        headers: { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-private-network': 'true' },
      });
      assertNoCors(pre, 'refused preflight');
      // The gateway's own demo page is always allowed.
      const own = await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] }, { origin: gw.url });
      assert.equal(own.status, 200, own.text);
      assert.equal(own.headers.get('access-control-allow-origin'), gw.url);
      // No Origin (server-to-server, mobile SDKs): not a browser, no CORS involved.
      assert.equal((await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] })).status, 200);
      assert.equal((await allEvents(gw)).length, 4);
      const rejected = (await call(gw, '/debug/rejected')).body;
      assert.deepEqual(
        rejected.map((r: any) => [r.code, r.origin]),
        [['forbidden_origin', EVIL]],
      );
    } finally {
      await gw.close();
    }
  });

  test('env DATAFLY_ALLOWED_ORIGINS sets the allow-list', async () => {
    process.env.DATAFLY_ALLOWED_ORIGINS = `${SHOP}, https://other.example`;
    const gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true });
    delete process.env.DATAFLY_ALLOWED_ORIGINS;
    try {
      assert.deepEqual(gw.allowedOrigins, [SHOP, 'https://other.example']);
      assertError(await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] }, { origin: EVIL }), 403, 'forbidden_origin');
    } finally {
      await gw.close();
    }
  });
});
