// The gateway follows the documented contract, not one client's habits:
// the docs' own examples, mobile batches, per-type required fields from the published JSON
// Schema, anonymousId from the _dfid cookie, exact-string de-duplication, rejected requests
// visible at /debug/rejected, no 500 for deep JSON on /debug/faults.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { createGateway } from '../gateway/app.mjs';
import { validateEvent, validateBatch } from '../gateway/validate.mjs';
import { KEY, makeEvent, tmpFile, call, post, assertError, allEvents, SEED_GROUP_EXAMPLE, type Ev, type Gw } from './gateway-kit.ts';

/** The Datafly docs' browser example: a plain UUID messageId and no anonymousId. */
const DOCS_BROWSER_EXAMPLE = {
  type: 'track',
  event: 'add_to_cart',
  properties: { product_id: 'SKU-1', price: 19.99, currency: 'USD' },
  context: {
    page: { url: 'https://example.com/products/1', path: '/products/1', referrer: '', title: 'Product', search: '' },
    library: { name: '@datafly/collector', version: '0.1.0' },
  },
  timestamp: '2026-02-25T14:22:00.000Z',
  messageId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
};

/** What the mobile SDKs send to /v1/batch: their own library names, no page context. */
const mobileBatch = () => ({
  batch: [
    {
      type: 'track',
      event: 'Order Completed',
      properties: { total: 42 },
      anonymousId: 'B3B0C7F4-0C1E-4E0A-9C7B-6E5F3C2A1D0E',
      messageId: randomUUID().toUpperCase(), // Foundation's UUID().uuidString
      timestamp: '2026-02-25T15:22:00.123+01:00',
      context: {
        library: { name: '@datafly/ios', version: '1.4.0' },
        os: { name: 'iOS', version: '18.2' },
        device: { model: 'iPhone16,1' },
        app: { version: '3.2.1' },
      },
    },
    {
      type: 'identify',
      userId: 'user-123',
      traits: { plan: 'pro' },
      anonymousId: 'f6b1c0de-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
      messageId: randomUUID(),
      timestamp: '2026-02-25T14:22:00Z',
      context: { library: { name: '@datafly/android', version: '2.0.1' }, os: { name: 'Android', version: '15' } },
    },
  ],
});

describe('the published JSON Schema', () => {
  test('schema/event.schema.json is draft 2020-12 and compiles in a strict validator', () => {
    const schema = JSON.parse(readFileSync(new URL('../schema/event.schema.json', import.meta.url), 'utf8'));
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    const ajv = new (Ajv2020 as any)({ strict: true, strictTypes: false });
    (addFormats as any)(ajv);
    const check = ajv.compile(schema);
    // The same verdicts as the gateway's validateEvent, on good and bad events alike.
    const cases: Ev[] = [
      makeEvent('track'),
      makeEvent('page'),
      makeEvent('identify'),
      makeEvent('group'),
      makeEvent('alias'),
      DOCS_BROWSER_EXAMPLE,
      SEED_GROUP_EXAMPLE,
      ...mobileBatch().batch,
      makeEvent('track', { event: undefined }),
      makeEvent('identify', { userId: undefined }),
      makeEvent('group', { groupId: undefined }),
      makeEvent('alias', { previousId: undefined }),
      makeEvent('page', { event: { toString: 1 } }),
      makeEvent('track', { messageId: '' }),
      makeEvent('track', { timestamp: 'yesterday' }),
      makeEvent('track', { properties: [] }),
    ];
    for (const ev of cases) assert.equal(check(ev), validateEvent(ev) === null, JSON.stringify(ev).slice(0, 120));
  });
});

describe('validation follows the contract', () => {
  test("the docs' browser example (plain UUID messageId, no anonymousId) is valid", () => {
    assert.equal(validateEvent(DOCS_BROWSER_EXAMPLE), null);
    assert.equal(validateEvent(DOCS_BROWSER_EXAMPLE, 'track'), null);
  });

  test("the group() page's own example is valid as published", () => {
    assert.equal(validateEvent(SEED_GROUP_EXAMPLE), null);
  });

  test('mobile SDK events (@datafly/ios, @datafly/android, no page context) are valid', () => {
    assert.equal(validateBatch(mobileBatch()), null);
  });

  test('messageId: any non-empty string of at most 128 characters', () => {
    for (const id of ['x', 'a1b2c3d4-e5f6-7890-abcd-ef1234567890', 'df-123', 'ios:42', 'm'.repeat(128)]) {
      assert.equal(validateEvent(makeEvent('track', { messageId: id })), null, id);
    }
    assert.equal(validateEvent(makeEvent('track', { messageId: 'm'.repeat(129) })), 'messageId must be at most 128 characters');
    assert.equal(validateEvent(makeEvent('track', { messageId: '' })), 'messageId must be a non-empty string');
    assert.equal(validateEvent(makeEvent('track', { messageId: 7 })), 'messageId must be a string');
    assert.equal(validateEvent(makeEvent('track', { messageId: undefined })), 'messageId is required');
  });

  test('required per type, messages naming the field', () => {
    assert.equal(validateEvent(makeEvent('track', { type: undefined })), 'type is required');
    assert.equal(validateEvent(makeEvent('track', { event: undefined })), 'event is required (track)');
    assert.equal(validateEvent(makeEvent('track', { event: '' })), 'event must be a non-empty string (track)');
    assert.equal(validateEvent(makeEvent('identify', { userId: undefined })), 'userId is required (identify)');
    assert.equal(validateEvent(makeEvent('group', { groupId: undefined })), 'groupId is required (group)');
    assert.equal(validateEvent(makeEvent('alias', { previousId: undefined })), 'previousId is required (alias)');
    assert.equal(validateEvent(makeEvent('alias', { userId: undefined })), 'userId is required (alias)');
    assert.equal(validateEvent(makeEvent('track', { timestamp: undefined })), 'timestamp is required');
    // Optional for every type: anonymousId (the gateway fills it), context and its parts.
    assert.equal(
      validateEvent(makeEvent('page', { anonymousId: undefined, context: undefined, name: undefined, properties: undefined })),
      null,
    );
  });

  test('ISO 8601 timestamps, any offset, real dates only', () => {
    for (const ts of ['2026-02-25T14:22:00.000Z', '2026-02-25T14:22:00Z', '2026-02-25T15:22:00.123+01:00', '2026-02-25T14:22:00.123456Z']) {
      assert.equal(validateEvent(makeEvent('track', { timestamp: ts })), null, ts);
    }
    for (const ts of ['2026-02-30T10:00:00.000Z', '2026-02-25T25:00:00.000Z', '2026-02-25', 'yesterday', 1772029320000]) {
      assert.match(validateEvent(makeEvent('track', { timestamp: ts })) ?? '', /^timestamp must/, String(ts));
    }
  });

  test('known fields must have the right JSON type when present; unknown fields pass through', () => {
    const cases: Array<[Ev, RegExp]> = [
      [makeEvent('page', { event: { toString: 1 } }), /^event must be a string$/],
      [makeEvent('page', { name: 5 }), /^name must be a string$/],
      [makeEvent('track', { properties: [] }), /^properties must be an object$/],
      [makeEvent('identify', { traits: 'vip' }), /^traits must be an object$/],
      [makeEvent('track', { context: [] }), /^context must be an object$/],
      [makeEvent('track', { context: { page: 'x' } }), /^context\.page must be an object$/],
      [makeEvent('track', { context: { library: { name: 7 } } }), /^context\.library\.name must be a string$/],
      [makeEvent('track', { userId: 42 }), /^userId must be a string$/],
      [makeEvent('track', { anonymousId: '' }), /^anonymousId must be a non-empty string$/],
      [makeEvent('track', { type: 'screen' }), /^type must be one of page\|track\|identify\|group\|alias$/],
    ];
    for (const [ev, re] of cases) assert.match(validateEvent(ev) ?? '', re);
    assert.equal(validateEvent(makeEvent('track', { userId: null, groupId: null })), null); // null = not known yet
    assert.equal(validateEvent(makeEvent('track', { integrations: { ga4: true }, sentAt: 'x', device: { id: 1 } })), null);
  });

  test('batch errors name the index and the field', () => {
    const r = validateBatch({ batch: [makeEvent(), makeEvent('track', { messageId: 'm'.repeat(200) })] });
    assert.deepEqual(r, { status: 400, code: 'invalid_payload', message: 'batch[1].messageId must be at most 128 characters' });
  });
});

describe('the contract over HTTP', () => {
  let gw: Gw;
  before(async () => {
    gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true, faults: true, rejectedKeep: 3 });
  });
  after(() => gw.close());
  beforeEach(async () => {
    await post(gw, '/debug/reset', '');
  });

  test("the docs' browser example is accepted; anonymousId comes from the _dfid cookie", async () => {
    const withCookie = await post(gw, `/v1/t?key=${KEY}`, DOCS_BROWSER_EXAMPLE, { cookie: '_dfid=9f0c2d1e-5b6a-4c7d-8e9f-0a1b2c3d4e5f' });
    assert.equal(withCookie.status, 200, withCookie.text);
    assert.equal(withCookie.headers.get('set-cookie'), null);
    const second = { ...DOCS_BROWSER_EXAMPLE, messageId: 'b2c3d4e5-f6a7-8901-bcde-f12345678901' };
    const fresh = await post(gw, `/v1/batch?key=${KEY}`, { batch: [second] });
    assert.equal(fresh.status, 200, fresh.text);
    const issued = /^_dfid=([^;]+);/.exec(fresh.headers.get('set-cookie') ?? '')?.[1];
    assert.ok(issued, 'a _dfid cookie is set when the browser has none');
    const events = await allEvents(gw);
    assert.deepEqual(
      events.map((e) => e.anonymousId),
      ['9f0c2d1e-5b6a-4c7d-8e9f-0a1b2c3d4e5f', issued],
    );
    assert.deepEqual(
      events.map((e) => e.messageId),
      [DOCS_BROWSER_EXAMPLE.messageId, second.messageId],
    );
  });

  test("the group() page's example is accepted on /v1/g", async () => {
    const r = await post(gw, `/v1/g?key=${KEY}`, SEED_GROUP_EXAMPLE);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(await allEvents(gw), [SEED_GROUP_EXAMPLE]);
  });

  test('mobile batches are accepted on /v1/batch, unknown fields kept', async () => {
    const body = mobileBatch();
    const r = await post(gw, '/v1/batch', body, { authorization: `Bearer ${KEY}` });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(await allEvents(gw), body.batch);
  });

  test('de-duplication on the exact messageId string', async () => {
    const id = randomUUID();
    const lower = makeEvent('track', { messageId: id });
    const upper = makeEvent('track', { messageId: id.toUpperCase() });
    const r = await post(gw, `/v1/batch?key=${KEY}`, { batch: [lower, upper, lower] });
    assert.deepEqual(r.body, { success: true, accepted: 3, duplicates: 1 });
    assert.deepEqual(
      (await allEvents(gw)).map((e) => e.messageId),
      [id, id.toUpperCase()],
    );
    assert.deepEqual((await post(gw, `/v1/t?key=${KEY}`, upper)).body, { success: true });
    assert.equal((await allEvents(gw)).length, 2);
  });

  test('an odd field type on a page event is refused, naming the field', async () => {
    const r = await post(gw, `/v1/p?key=${KEY}`, makeEvent('page', { event: { toString: 1 } }));
    assertError(r, 400, 'invalid_payload', /^event must be a string$/);
    assert.deepEqual(await allEvents(gw), []);
  });

  test('rejected requests are kept, with the reason, at GET /debug/rejected (the last N)', async () => {
    await post(
      gw,
      `/v1/batch?key=${KEY}`,
      { batch: [makeEvent(), makeEvent('track', { event: '' })] },
      { origin: 'https://shop.example.com' },
    );
    await post(gw, '/v1/t', makeEvent());
    await post(gw, `/v1/batch?key=${KEY}`, '{"batch": [');
    let list = (await call(gw, '/debug/rejected')).body;
    assert.equal(list.length, 3);
    assert.deepEqual(
      list.map((r: Ev) => [r.path, r.status, r.code]),
      [
        ['/v1/batch', 400, 'invalid_payload'],
        ['/v1/t', 401, 'unauthorized'],
        ['/v1/batch', 400, 'invalid_json'],
      ],
    );
    assert.equal(list[0].message, 'batch[1].event must be a non-empty string (track)');
    assert.equal(list[0].origin, 'https://shop.example.com');
    assert.match(list[0].body, /^\{"batch":\[/);
    assert.match(list[0].at, /^\d{4}-\d\d-\d\dT/);
    // Only the last 3 (rejectedKeep) are kept; accepted requests never show up.
    await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] });
    await post(gw, `/v1/i?key=${KEY}`, makeEvent('identify', { userId: undefined }));
    list = (await call(gw, '/debug/rejected')).body;
    assert.equal(list.length, 3);
    assert.equal(list[2].message, 'userId is required (identify)');
    assert.equal(list[0].code, 'unauthorized');
    // A reset empties it.
    await post(gw, '/debug/reset', '');
    assert.deepEqual((await call(gw, '/debug/rejected')).body, []);
  });

  test('the debug page has its own tab for rejected requests', async () => {
    const page = await call(gw, '/debug');
    assert.match(page.text, /id="tab-rejected"/);
    assert.match(page.text, /id="rejected"/);
    const js = await call(gw, '/debug.js');
    assert.match(js.text, /\/debug\/rejected/);
  });

  test('deeply nested JSON is a 400, never a 500 (/debug/faults and /v1)', async () => {
    const deep = '['.repeat(30000) + ']'.repeat(30000);
    assertError(await post(gw, '/debug/faults', deep), 400, 'invalid_json', /deeper than/);
    assertError(await post(gw, '/debug/faults', `{"status":${deep}}`), 400, 'invalid_json');
    assertError(await post(gw, `/v1/batch?key=${KEY}`, `{"batch":[{"properties":${deep}}]}`), 400, 'invalid_json');
    assert.equal((await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] })).status, 200);
  });
});

test("ids up to the collector's own limit (1,024 characters) are accepted, longer ones refused", () => {
  // The collector sends any 1-1024 character userId/groupId (README, "Input rules"): the gateway
  // must not refuse what the client promises to send (the fuzz test found a 1,024-character groupId refused).
  assert.equal(validateEvent(makeEvent('group', { groupId: 'g'.repeat(1024) })), null);
  assert.match(String(validateEvent(makeEvent('group', { groupId: 'g'.repeat(1025) }))), /groupId/);
});
