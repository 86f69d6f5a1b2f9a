// Unit tests for the local Ingestion Gateway (gateway/*.mjs):
// validate.mjs rule by rule, then app.mjs over real HTTP on a random port.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { createGateway } from '../gateway/app.mjs';
import { validateEvent, validateBatch, MAX_EVENTS, MAX_EVENT_BYTES, MAX_REQUEST_BYTES } from '../gateway/validate.mjs';

// Valid events, temp files and the HTTP helpers come from the shared gateway test kit.
import { makeEvent, tmpDir, tmpFile, call, post, assertError, KEY, SEED_GROUP_EXAMPLE, type Ev, type Gw } from './gateway-kit.ts';

// ---------------------------------------------------------------------------
describe('validateEvent', () => {
  test('accepts a valid event of every type', () => {
    for (const type of ['page', 'track', 'identify', 'group', 'alias']) {
      assert.equal(validateEvent(makeEvent(type)), null, type);
      assert.equal(validateEvent(makeEvent(type), type), null, type);
    }
  });

  test('accepts the seed group() example shape (with a v4-valid messageId)', () => {
    // The seed's example with a messageId whose variant digit makes it a valid UUID v4.
    const ev = { ...SEED_GROUP_EXAMPLE, messageId: 'df-d4e5f6a7-b8c9-4d0e-9f2a-3b4c5d6e7f8a' };
    assert.equal(validateEvent(ev), null);
  });

  test('event must be a plain object', () => {
    for (const bad of [null, undefined, 1, 'x', [], [makeEvent()], true]) {
      assert.match(validateEvent(bad) ?? '', /^event must be a JSON object/);
    }
  });

  test('type is one of page|track|identify|group|alias and matches the endpoint', () => {
    assert.match(validateEvent(makeEvent('track', { type: 'screen' })) ?? '', /^type must be one of/);
    assert.match(validateEvent(makeEvent('track', { type: undefined })) ?? '', /^type /);
    assert.match(validateEvent(makeEvent('track'), 'page') ?? '', /^type must be "page"/);
  });

  test('anonymousId is optional (the gateway fills it from _dfid); when sent, a non-empty string', () => {
    assert.equal(validateEvent(makeEvent('track', { anonymousId: undefined })), null);
    assert.equal(validateEvent(makeEvent('track', { anonymousId: 'abc' })), null);
    assert.match(validateEvent(makeEvent('track', { anonymousId: '' })) ?? '', /^anonymousId must be a non-empty string/);
    assert.match(validateEvent(makeEvent('track', { anonymousId: 7 })) ?? '', /^anonymousId must be a string/);
  });

  test('userId and groupId, when present, are non-empty strings', () => {
    assert.equal(validateEvent(makeEvent('track', { userId: 'u1', groupId: 'g1' })), null);
    assert.equal(validateEvent(makeEvent('track', { userId: null })), null); // null = not known yet
    assert.match(validateEvent(makeEvent('track', { userId: '' })) ?? '', /^userId must be a non-empty string/);
    assert.match(validateEvent(makeEvent('track', { userId: 42 })) ?? '', /^userId /);
    assert.match(validateEvent(makeEvent('page', { groupId: '' })) ?? '', /^groupId must be a non-empty string/);
    assert.match(validateEvent(makeEvent('page', { groupId: {} })) ?? '', /^groupId /);
  });

  test('track: event required, properties optional object', () => {
    assert.equal(validateEvent(makeEvent('track', { event: '' })), 'event must be a non-empty string (track)');
    assert.equal(validateEvent(makeEvent('track', { event: undefined })), 'event is required (track)');
    assert.equal(validateEvent(makeEvent('track', { properties: undefined })), null);
    assert.match(validateEvent(makeEvent('track', { properties: [] })) ?? '', /^properties must be an object/);
    assert.match(validateEvent(makeEvent('track', { properties: 'x' })) ?? '', /^properties /);
  });

  test('page: name optional string, properties optional object', () => {
    assert.equal(validateEvent(makeEvent('page', { name: undefined, properties: undefined })), null);
    assert.match(validateEvent(makeEvent('page', { name: 5 })) ?? '', /^name must be a string/);
    assert.match(validateEvent(makeEvent('page', { properties: [1] })) ?? '', /^properties must be an object/);
  });

  test('identify: userId required, traits optional object', () => {
    assert.equal(validateEvent(makeEvent('identify', { traits: undefined })), null);
    assert.match(validateEvent(makeEvent('identify', { userId: undefined })) ?? '', /^userId is required \(identify\)/);
    assert.match(validateEvent(makeEvent('identify', { userId: '' })) ?? '', /^userId must be a non-empty string/);
    assert.match(validateEvent(makeEvent('identify', { traits: 'vip' })) ?? '', /^traits must be an object/);
  });

  test('group: groupId required, traits optional object', () => {
    assert.equal(validateEvent(makeEvent('group', { traits: undefined, userId: undefined })), null);
    assert.match(validateEvent(makeEvent('group', { groupId: undefined })) ?? '', /^groupId is required \(group\)/);
    assert.match(validateEvent(makeEvent('group', { traits: [] })) ?? '', /^traits must be an object/);
  });

  test('alias: userId and previousId required', () => {
    assert.match(validateEvent(makeEvent('alias', { userId: undefined })) ?? '', /^userId is required \(alias\)/);
    assert.match(validateEvent(makeEvent('alias', { previousId: '' })) ?? '', /^previousId must be a non-empty string/);
  });

  test('context: optional object; its known parts typed when present, any library name', () => {
    const ctx = makeEvent().context;
    const withCtx = (context: unknown) => validateEvent(makeEvent('track', { context }));
    assert.equal(withCtx(undefined), null);
    assert.match(withCtx([]) ?? '', /^context must be an object/);
    assert.equal(withCtx({ ...ctx, library: undefined, page: undefined }), null);
    assert.equal(withCtx({ ...ctx, library: { name: 'analytics.js', version: '1' } }), null);
    assert.match(
      withCtx({ ...ctx, library: { name: '@datafly/collector', version: 1 } }) ?? '',
      /^context\.library\.version must be a string/,
    );
    assert.match(withCtx({ ...ctx, page: 'x' }) ?? '', /^context\.page must be an object/);
    assert.match(withCtx({ ...ctx, page: { url: 5 } }) ?? '', /^context\.page\.url must be a string/);
  });

  test('unknown extra fields are allowed (forward compatible)', () => {
    assert.equal(validateEvent(makeEvent('track', { integrations: { ga4: true }, sentAt: 'x' })), null);
  });
});

describe('validateBatch', () => {
  test('exports the documented limits', () => {
    assert.equal(MAX_EVENTS, 500);
    assert.equal(MAX_REQUEST_BYTES, 5 * 1024 * 1024);
    assert.equal(MAX_EVENT_BYTES, 65536);
  });

  test('accepts 1..500 valid events', () => {
    assert.equal(validateBatch({ batch: [makeEvent()] }), null);
    assert.equal(validateBatch({ batch: Array.from({ length: 500 }, () => makeEvent('page')), sentAt: new Date().toISOString() }), null);
  });

  test('400 for a body that is not {batch: [...]} or an empty batch', () => {
    for (const body of [null, [], 'x', {}, { batch: {} }, { batch: 'x' }, { batch: [] }]) {
      const r = validateBatch(body);
      assert.equal(r?.status, 400, JSON.stringify(body));
      assert.equal(r?.code, 'invalid_payload');
    }
  });

  test('400 names the index and the field', () => {
    const batch = [makeEvent(), makeEvent(), makeEvent(), makeEvent('track', { messageId: 42 })];
    const r = validateBatch({ batch });
    assert.deepEqual(r, { status: 400, code: 'invalid_payload', message: 'batch[3].messageId must be a string' });
    assert.match(validateBatch({ batch: [makeEvent(), 7] })?.message ?? '', /^batch\[1\] must be a JSON object/);
    assert.match(
      validateBatch({ batch: [makeEvent('track', { context: { ...makeEvent().context, page: { url: [] } } })] })?.message ?? '',
      /^batch\[0\]\.context\.page\.url /,
    );
  });

  test('413 for more than 500 events', () => {
    const r = validateBatch({ batch: Array.from({ length: 501 }, () => makeEvent()) });
    assert.equal(r?.status, 413);
    assert.equal(r?.code, 'payload_too_large');
    assert.match(r?.message ?? '', /501/);
  });

  test('413 for an event over 64 KB, naming index and messageId', () => {
    const big = makeEvent('track', { properties: { blob: 'x'.repeat(MAX_EVENT_BYTES) } });
    const r = validateBatch({ batch: [makeEvent(), big] });
    assert.equal(r?.status, 413);
    assert.equal(r?.code, 'payload_too_large');
    assert.match(r?.message ?? '', /batch\[1\]/);
    assert.ok(r?.message.includes(big.messageId));
  });

  test('an event of exactly 64 KB is accepted', () => {
    const ev = makeEvent('track', { properties: { blob: '' } });
    const room = MAX_EVENT_BYTES - Buffer.byteLength(JSON.stringify(ev));
    ev.properties.blob = 'x'.repeat(room);
    assert.equal(Buffer.byteLength(JSON.stringify(ev)), MAX_EVENT_BYTES);
    assert.equal(validateBatch({ batch: [ev] }), null);
  });
});

// ---------------------------------------------------------------------------
/** Raw request that resolves with 'dropped' when the server destroys the socket. */
function rawPost(gw: Gw, path: string, body: string): Promise<number | 'dropped'> {
  return new Promise((resolve) => {
    const req = request(gw.url + path, { method: 'POST', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve('dropped'));
    req.end(body);
  });
}

describe('gateway over HTTP', () => {
  let gw: Gw;
  let file: string;

  before(async () => {
    file = tmpFile();
    gw = await createGateway({ port: 0, eventsFile: file, quiet: true });
  });
  after(() => gw.close());
  beforeEach(async () => {
    await post(gw, '/debug/reset', '');
  });

  test('url and port', () => {
    assert.ok(gw.port > 0);
    assert.equal(gw.url, `http://127.0.0.1:${gw.port}`);
  });

  test('200 batch: stored as received, in order, and appended to the file', async () => {
    const batch = [makeEvent('page'), makeEvent('identify'), makeEvent('group'), makeEvent('track'), makeEvent('alias')];
    const r = await post(gw, `/v1/batch?key=${KEY}`, { batch, sentAt: new Date().toISOString() });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { success: true, accepted: 5, duplicates: 0 });
    const events = (await call(gw, '/debug/events')).body;
    assert.deepEqual(events, batch);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.deepEqual(
      lines.map((l) => JSON.parse(l)),
      batch,
    );
  });

  test('single-event endpoints: type must match, pipelineKey field is stripped', async () => {
    const cases: Array<[string, string]> = [
      ['/v1/t', 'track'],
      ['/v1/p', 'page'],
      ['/v1/i', 'identify'],
      ['/v1/g', 'group'],
    ];
    for (const [path, type] of cases) {
      const ev = makeEvent(type);
      const r = await post(gw, path, { ...ev, pipelineKey: KEY });
      assert.equal(r.status, 200, `${path} ${r.text}`);
      assert.deepEqual(r.body, { success: true });
      const wrong = await post(gw, `${path}?key=${KEY}`, makeEvent(type === 'track' ? 'page' : 'track'));
      assertError(wrong, 400, 'invalid_payload', new RegExp(`^type must be "${type}"`));
    }
    const events = (await call(gw, '/debug/events')).body;
    assert.equal(events.length, 4);
    for (const ev of events) assert.equal('pipelineKey' in ev, false);
  });

  test('400 names the field', async () => {
    const batch = [makeEvent(), makeEvent('track', { event: '' })];
    const r = await post(gw, `/v1/batch?key=${KEY}`, { batch });
    assertError(r, 400, 'invalid_payload', /^batch\[1\]\.event must be a non-empty string \(track\)/);
    const single = await post(gw, `/v1/i?key=${KEY}`, makeEvent('identify', { timestamp: 'yesterday' }));
    assertError(single, 400, 'invalid_payload', /^timestamp /);
    assert.deepEqual((await call(gw, '/debug/events')).body, []); // nothing of a rejected batch is stored
  });

  test('400 invalid_json for unparsable bodies', async () => {
    assertError(await post(gw, `/v1/batch?key=${KEY}`, '{"batch": ['), 400, 'invalid_json');
    assertError(await post(gw, `/v1/t?key=${KEY}`, 'not json'), 400, 'invalid_json');
  });

  test('401 for a missing, malformed or unknown key; key from query, header or body', async () => {
    const body = { batch: [makeEvent()] };
    assertError(await post(gw, '/v1/batch', body), 401, 'unauthorized');
    assertError(await post(gw, '/v1/batch?key=abc', body), 401, 'unauthorized');
    assertError(await post(gw, '/v1/batch?key=dk_prod_abc', body), 401, 'unauthorized');
    assertError(await post(gw, '/v1/batch', body, { authorization: 'Bearer nope' }), 401, 'unauthorized');
    assertError(await post(gw, '/v1/batch', { ...body, pipelineKey: 'dk_test_' }), 401, 'unauthorized');
    assert.equal((await post(gw, '/v1/batch', { batch: [makeEvent()] }, { authorization: `Bearer ${KEY}` })).status, 200);
    assert.equal((await post(gw, '/v1/batch', { batch: [makeEvent()], pipelineKey: 'dk_live_XYZ9' })).status, 200);

    const strict = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true, keys: ['dk_live_only1'] });
    try {
      assertError(await post(strict, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] }), 401, 'unauthorized', /unknown/);
      assert.equal((await post(strict, '/v1/batch?key=dk_live_only1', { batch: [makeEvent()] })).status, 200);
    } finally {
      await strict.close();
    }
  });

  test('413 for more than 500 events', async () => {
    const r = await post(gw, `/v1/batch?key=${KEY}`, { batch: Array.from({ length: 501 }, () => makeEvent()) });
    assertError(r, 413, 'payload_too_large', /501/);
  });

  test('413 for an event over 64 KB (batch and single)', async () => {
    const big = makeEvent('track', { properties: { blob: 'x'.repeat(70000) } });
    const r = await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent(), big] });
    assertError(r, 413, 'payload_too_large', /batch\[1\]/);
    assert.ok(r.body.error.message.includes(big.messageId));
    assertError(await post(gw, `/v1/t?key=${KEY}`, big), 413, 'payload_too_large');
  });

  test('413 for a body over 5 MB, with and without Content-Length; server keeps serving', async () => {
    const huge = Buffer.alloc(MAX_REQUEST_BYTES + 1024, 0x20);
    assertError(await post(gw, `/v1/batch?key=${KEY}`, huge), 413, 'payload_too_large');
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 12; i++) c.enqueue(new Uint8Array(512 * 1024).fill(0x20));
        c.close();
      },
    });
    const r = await call(gw, `/v1/batch?key=${KEY}`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    assertError(r, 413, 'payload_too_large');
    assert.equal((await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] })).status, 200);
  });

  test('gzip bodies (magic bytes or Content-Encoding), and a capped gzip bomb', async () => {
    const batch = [makeEvent(), makeEvent('page')];
    const gz = gzipSync(JSON.stringify({ batch }));
    assert.equal((await post(gw, `/v1/batch?key=${KEY}`, gz)).status, 200);
    const batch2 = [makeEvent()];
    const r = await post(gw, `/v1/batch?key=${KEY}`, gzipSync(JSON.stringify({ batch: batch2 })), { 'content-encoding': 'gzip' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual((await call(gw, '/debug/events')).body, [...batch, ...batch2]);
    // 6 MB of spaces gzips to a few KB; decompressed size is capped too.
    const bomb = gzipSync(Buffer.alloc(6 * 1024 * 1024, 0x20));
    assert.ok(bomb.length < MAX_REQUEST_BYTES);
    assertError(await post(gw, `/v1/batch?key=${KEY}`, bomb), 413, 'payload_too_large');
    assertError(await post(gw, `/v1/batch?key=${KEY}`, Buffer.from([0x1f, 0x8b, 1, 2, 3])), 400, 'invalid_payload', /gzip/);
  });

  test('dedup on messageId: stored once, counted as duplicate', async () => {
    const ev = makeEvent();
    const first = await post(gw, `/v1/batch?key=${KEY}`, { batch: [ev] });
    assert.deepEqual(first.body, { success: true, accepted: 1, duplicates: 0 });
    const again = await post(gw, `/v1/batch?key=${KEY}`, { batch: [ev, makeEvent()] });
    assert.deepEqual(again.body, { success: true, accepted: 2, duplicates: 1 });
    assert.equal((await post(gw, `/v1/t?key=${KEY}`, ev)).status, 200); // resend on a single endpoint
    const events = (await call(gw, '/debug/events')).body;
    assert.equal(events.filter((e: Ev) => e.messageId === ev.messageId).length, 1);
    assert.equal(events.length, 2);
    const stats = (await call(gw, '/debug/stats')).body;
    assert.equal(stats.received, 4);
    assert.equal(stats.accepted, 2);
    assert.equal(stats.duplicates, 2);
    assert.equal(stats.byStatus['200'], 3);
  });

  test('stats count requests, rejections and statuses', async () => {
    await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] });
    await post(gw, '/v1/batch', { batch: [makeEvent()] });
    await post(gw, `/v1/batch?key=${KEY}`, 'nope');
    const stats = (await call(gw, '/debug/stats')).body;
    assert.deepEqual(
      { requests: stats.requests, received: stats.received, accepted: stats.accepted, rejected: stats.rejected, byStatus: stats.byStatus },
      { requests: 3, received: 1, accepted: 1, rejected: 2, byStatus: { '200': 1, '401': 1, '400': 1 } },
    );
  });

  test('CORS: Origin echoed with credentials on every ingestion answer; preflight', async () => {
    const origin = 'https://shop.example.com';
    const ok = await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] }, { origin });
    assert.equal(ok.headers.get('access-control-allow-origin'), origin);
    assert.equal(ok.headers.get('access-control-allow-credentials'), 'true');
    assert.match(ok.headers.get('vary') ?? '', /Origin/);
    const err = await post(gw, '/v1/batch', {}, { origin });
    assert.equal(err.status, 401);
    assert.equal(err.headers.get('access-control-allow-origin'), origin);
    const unknownV1 = await call(gw, '/v1/nope', { headers: { origin } });
    assert.equal(unknownV1.status, 404);
    assert.equal(unknownV1.headers.get('access-control-allow-origin'), origin);

    const pre = await call(gw, '/v1/batch', {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), origin);
    assert.equal(pre.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(pre.headers.get('access-control-allow-methods'), 'POST, GET, OPTIONS');
    assert.equal(pre.headers.get('access-control-allow-headers'), 'Authorization, Content-Type, Content-Encoding');
    assert.equal(pre.headers.get('access-control-max-age'), '86400');

    const noOrigin = await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] });
    assert.equal(noOrigin.headers.get('access-control-allow-origin'), null);
  });

  test('_dfid cookie set when the request has none', async () => {
    const r = await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] });
    const cookie = r.headers.get('set-cookie') ?? '';
    assert.match(
      cookie,
      /^_dfid=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}; Max-Age=34560000; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    const again = await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] }, { cookie: 'a=1; _dfid=abc' });
    assert.equal(again.headers.get('set-cookie'), null);
    // error answers on /v1 set it too: the browser still gets a first-party id
    const err = await post(gw, '/v1/batch', {});
    assert.match(err.headers.get('set-cookie') ?? '', /^_dfid=/);
  });

  test('404 and 405 with the error body', async () => {
    assertError(await call(gw, '/v2/batch'), 404, 'not_found');
    assertError(await post(gw, '/v1/x', {}), 404, 'not_found');
    const r = await call(gw, '/v1/batch');
    assertError(r, 405, 'method_not_allowed');
    assert.match(r.headers.get('allow') ?? '', /POST/);
    assertError(await post(gw, '/debug/events', {}), 405, 'method_not_allowed');
    assertError(await call(gw, '/debug/reset'), 405, 'method_not_allowed');
  });

  test('/debug/faults answers 404 when faults are off, and faults never fire', async () => {
    assertError(await post(gw, '/debug/faults', { status: 500, count: 1 }), 404, 'not_found');
    assert.equal((await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] })).status, 200);
  });

  test('malformed bodies never crash the server', async () => {
    const bodies: Array<string | Uint8Array> = [
      '',
      'null',
      '[]',
      '{}',
      '0',
      '"x"',
      'true',
      '{"batch":null}',
      '{"batch":[null]}',
      '{"batch":[[]]}',
      '{"__proto__":{"x":1},"batch":[]}',
      '\uFEFF{"batch":[1]}',
      Buffer.from([0, 255, 1, 2, 0x80, 0xfe]),
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
    ];
    for (const path of ['/v1/batch', '/v1/t', '/v1/p', '/v1/i', '/v1/g']) {
      for (const body of bodies) {
        const r = await post(gw, `${path}?key=${KEY}`, body);
        assert.ok([400, 413].includes(r.status), `${path} ${String(body).slice(0, 20)} -> ${r.status} ${r.text}`);
        assert.equal(typeof r.body?.error?.code, 'string');
      }
      // and without a key, where the body is also where the key would be
      for (const body of bodies) {
        const r = await post(gw, path, body);
        assert.ok([400, 401].includes(r.status), `${path} nokey -> ${r.status}`);
      }
    }
    assert.equal((await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] })).status, 200);
    assert.equal((await call(gw, '/debug/events')).body.length, 1);
  });

  test('GET /d.js: 404 when not built, served with CORS * when built', async () => {
    const dist = join(tmpDir(), 'dist');
    const g = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true, distDir: dist });
    try {
      assertError(await call(g, '/d.js'), 404, 'not_found');
      mkdirSync(dist, { recursive: true });
      writeFileSync(join(dist, 'd.js'), 'console.log(1)');
      writeFileSync(join(dist, 'snippet.min.js'), '/*stub*/');
      const r = await call(g, '/d.js', { headers: { origin: 'https://shop.example.com' } });
      assert.equal(r.status, 200);
      assert.equal(r.text, 'console.log(1)');
      assert.equal(r.headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.equal(r.headers.get('cache-control'), 'no-cache');
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
      assert.equal(r.headers.get('access-control-allow-credentials'), null);
      assert.equal((await call(g, '/snippet.min.js')).text, '/*stub*/');
    } finally {
      await g.close();
    }
  });

  test('demo and debug pages: no inline styles or handlers, assets served', async () => {
    const demo = await call(gw, '/?debug&utm_source=test');
    assert.equal(demo.status, 200);
    assert.match(demo.headers.get('content-type') ?? '', /text\/html/);
    assert.ok(demo.text.includes(`${gw.url}/d.js`), 'stub points at this gateway');
    assert.ok(demo.text.includes('dk_test_demo'));
    for (const label of ['Identify user-123', 'Group company-456', 'Track add_to_cart', 'Page', 'Reset']) {
      assert.ok(demo.text.includes(`>${label}</button>`), label);
    }
    assert.ok(demo.text.includes('href="/debug"'));
    const debug = await call(gw, '/debug');
    assert.equal(debug.status, 200);
    assert.ok(debug.text.includes('id="count"'));
    for (const page of [demo.text, debug.text]) {
      assert.doesNotMatch(page, /<style|style=|\son[a-z]+=/i);
    }
    assert.equal((await call(gw, '/demo.js')).headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal((await call(gw, '/debug.js')).status, 200);
    assert.match((await call(gw, '/demo.css')).headers.get('content-type') ?? '', /text\/css/);
  });

  test('/debug/stream sends existing then new events as SSE', async () => {
    const first = makeEvent('page');
    await post(gw, `/v1/batch?key=${KEY}`, { batch: [first] });
    const ac = new AbortController();
    const res = await fetch(`${gw.url}/debug/stream`, { signal: ac.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    const seen: string[] = [];
    const readUntil = async (n: number) => {
      while (seen.length < n) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data && !block.includes('event: ')) seen.push(JSON.parse(data.slice(6)).messageId);
        }
      }
    };
    await readUntil(1);
    const second = makeEvent('track');
    await post(gw, `/v1/t?key=${KEY}`, second);
    await readUntil(2);
    assert.deepEqual(seen, [first.messageId, second.messageId]);
    ac.abort();
  });
});

describe('persistence', () => {
  test('events and dedup survive a restart on the same file', async () => {
    const file = tmpFile();
    const ev = makeEvent();
    const a = await createGateway({ port: 0, eventsFile: file, quiet: true });
    assert.equal((await post(a, `/v1/batch?key=${KEY}`, { batch: [ev, makeEvent('page')] })).status, 200);
    await a.close();
    await a.close(); // idempotent

    const b = await createGateway({ port: 0, eventsFile: file, quiet: true });
    try {
      assert.equal((await call(b, '/debug/events')).body.length, 2);
      const r = await post(b, `/v1/batch?key=${KEY}`, { batch: [ev] });
      assert.deepEqual(r.body, { success: true, accepted: 1, duplicates: 1 });
      assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 2);
      // reset truncates the file
      assert.deepEqual((await post(b, '/debug/reset', '')).body, { success: true });
      assert.equal(readFileSync(file, 'utf8'), '');
    } finally {
      await b.close();
    }
  });

  test('a torn last line is skipped on load', async () => {
    const file = tmpFile();
    const ev = makeEvent();
    const a = await createGateway({ port: 0, eventsFile: file, quiet: true });
    await post(a, `/v1/batch?key=${KEY}`, { batch: [ev] });
    await a.close();
    writeFileSync(file, readFileSync(file, 'utf8') + '{"type":"tr');
    const b = await createGateway({ port: 0, eventsFile: file, quiet: true });
    try {
      assert.deepEqual((await call(b, '/debug/events')).body, [ev]);
      assert.equal((await post(b, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] })).status, 200);
      const c = readFileSync(file, 'utf8').split('\n');
      assert.doesNotThrow(() => JSON.parse(c[c.length - 2]));
    } finally {
      await b.close();
    }
  });
});

describe('fault injection', () => {
  let gw: Gw;
  before(async () => {
    gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true, faults: true });
  });
  after(() => gw.close());
  beforeEach(async () => {
    await post(gw, '/debug/reset', '');
  });
  const send = (ev = makeEvent()) => post(gw, `/v1/batch?key=${KEY}`, { batch: [ev] });

  test('status + count fails the next N requests and stores nothing', async () => {
    const set = await post(gw, '/debug/faults', { status: 500, count: 2 });
    assert.equal(set.status, 200);
    assert.equal(set.body.success, true);
    assertError(await send(), 500, 'internal_error');
    assertError(await send(), 500, 'internal_error');
    assert.equal((await send()).status, 200);
    assert.equal((await call(gw, '/debug/events')).body.length, 1);
  });

  test('status + forMs fails every request for that long', async () => {
    await post(gw, '/debug/faults', { status: 503, forMs: 300 });
    for (let i = 0; i < 3; i++) assert.equal((await send()).status, 503);
    await new Promise((r) => setTimeout(r, 350));
    assert.equal((await send()).status, 200);
  });

  test('retryAfter adds Retry-After to injected failures (429)', async () => {
    await post(gw, '/debug/faults', { status: 429, count: 1, retryAfter: 2 });
    const r = await send();
    assertError(r, 429, 'rate_limited');
    assert.equal(r.headers.get('retry-after'), '2');
    const ok = await send();
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('retry-after'), null);
  });

  test('drop destroys the socket without an answer and stores nothing', async () => {
    await post(gw, '/debug/faults', { drop: 2 });
    const body = JSON.stringify({ batch: [makeEvent()] });
    assert.equal(await rawPost(gw, `/v1/batch?key=${KEY}`, body), 'dropped');
    assert.equal(await rawPost(gw, `/v1/batch?key=${KEY}`, body), 'dropped');
    assert.equal(await rawPost(gw, `/v1/batch?key=${KEY}`, body), 200);
    assert.equal((await call(gw, '/debug/events')).body.length, 1);
    assert.equal((await call(gw, '/debug/stats')).body.dropped, 2);
  });

  test('delayMs delays the next N answers', async () => {
    await post(gw, '/debug/faults', { delayMs: 200, count: 1 });
    let t = Date.now();
    assert.equal((await send()).status, 200);
    assert.ok(Date.now() - t >= 190, 'first answer delayed');
    t = Date.now();
    assert.equal((await send()).status, 200);
    assert.ok(Date.now() - t < 150, 'second answer not delayed');
  });

  test('clear, reset and bad fault bodies', async () => {
    await post(gw, '/debug/faults', { status: 500, count: 5 });
    await post(gw, '/debug/faults', { clear: true });
    assert.equal((await send()).status, 200);
    await post(gw, '/debug/faults', { status: 500, forMs: 10000 });
    await post(gw, '/debug/reset', '');
    assert.equal((await send()).status, 200);
    assertError(await post(gw, '/debug/faults', { status: 200 }), 400, 'invalid_payload');
    assertError(await post(gw, '/debug/faults', '[]'), 400, 'invalid_payload');
    assertError(await post(gw, '/debug/faults', 'nope'), 400, 'invalid_json');
  });
});
