// The gateway is bounded: rotated event files, a startup that reads
// any store in chunks, a de-duplication window, paged /debug/events, a stream that honours
// backpressure and drops laggards, a per-key rate limit and a gate on bodies in flight.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, truncateSync, writeFileSync, mkdirSync, appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { connect } from 'node:net';
import { createGateway, EVENTS_PAGE, EVENTS_PAGE_MAX } from '../gateway/app.mjs';
import { createGate, createRateLimiter } from '../gateway/limits.mjs';
import { lineMessageId } from '../gateway/store.mjs';
import { KEY, makeEvent, tmpFile, call, post, assertError, allEvents, type Ev, type Gw } from './gateway-kit.ts';

const batchOf = (n: number, extra: Ev = {}) => Array.from({ length: n }, () => makeEvent('track', extra));

describe('events files', () => {
  test('rotated at the size limit, keeping N files; a restart reads them oldest first', async () => {
    const file = tmpFile();
    const gw = await createGateway({ port: 0, eventsFile: file, quiet: true, maxFileBytes: 4096, keepFiles: 3 });
    const sent: Ev[] = [];
    try {
      for (let i = 0; i < 40; i++) {
        const ev = makeEvent('track', { properties: { i, pad: 'x'.repeat(300) } });
        sent.push(ev);
        assert.equal((await post(gw, `/v1/batch?key=${KEY}`, { batch: [ev] })).status, 200);
      }
    } finally {
      await gw.close();
    }
    const files = readdirSync(dirname(file)).sort();
    // .ids: the de-dup window, saved at each rotation and at close (8 bytes an id).
    assert.deepEqual(files, ['events.ndjson', 'events.ndjson.1', 'events.ndjson.2', 'events.ndjson.ids']);
    assert.equal(statSync(`${file}.ids`).size, 8 + 40 * 8);
    for (const f of files.slice(0, 3)) assert.ok(statSync(join(dirname(file), f)).size <= 4096, f);
    const again = await createGateway({ port: 0, eventsFile: file, quiet: true, maxFileBytes: 4096, keepFiles: 3 });
    try {
      const kept = await allEvents(again);
      assert.ok(kept.length > 0 && kept.length < 40, `kept ${kept.length}`);
      // The newest events, in order, and nothing else.
      assert.deepEqual(kept, sent.slice(40 - kept.length));
    } finally {
      await again.close();
    }
  });

  test('startup reads a store bigger than any string in chunks (a 600 MB unbroken line, legacy and torn lines)', async () => {
    const file = tmpFile();
    mkdirSync(dirname(file), { recursive: true });
    const legacy = makeEvent('page'); // written by an older gateway: messageId not first
    const current = makeEvent('track');
    writeFileSync(file, JSON.stringify(legacy) + '\n');
    truncateSync(file, 600 * 1024 * 1024 + 100); // sparse: 600 MB of NUL bytes, no newline, no disk used
    appendFileSync(file, '\n' + JSON.stringify({ messageId: current.messageId, ...current }) + '\n{"messageId":"torn');
    const started = Date.now();
    const gw = await createGateway({ port: 0, eventsFile: file, quiet: true });
    try {
      assert.deepEqual(await allEvents(gw), [legacy, current]);
      assert.ok(Date.now() - started < 20000, `started in ${Date.now() - started} ms`);
      // The torn line ended with a newline before the next append.
      assert.equal((await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] })).status, 200);
      const tail = readFileSync(file, 'utf8').slice(-2000).split('\n');
      assert.doesNotThrow(() => JSON.parse(tail[tail.length - 2]));
    } finally {
      await gw.close();
      truncateSync(file, 0);
    }
  });

  test('lines that cross read chunks load intact; ids come out as their own strings', async () => {
    const file = tmpFile();
    mkdirSync(dirname(file), { recursive: true });
    const events = Array.from({ length: 60 }, (_, i) => makeEvent('track', { properties: { i, pad: 'é'.repeat(20000 + i) } }));
    writeFileSync(file, events.map((e) => JSON.stringify({ messageId: e.messageId, ...e }) + '\n').join(''));
    assert.ok(statSync(file).size > 2 * 1024 * 1024);
    const gw = await createGateway({ port: 0, eventsFile: file, quiet: true });
    try {
      assert.deepEqual(await allEvents(gw), events);
    } finally {
      await gw.close();
    }
    assert.equal(lineMessageId('{"messageId":"a\\"b","type":"x"}'), 'a"b');
    assert.equal(lineMessageId('{"type":"x","messageId":"legacy"}'), 'legacy');
    assert.equal(lineMessageId('{"messageId":"to'), undefined);
    assert.equal(lineMessageId('\0\0\0'), undefined);
  });
});

describe('in memory', () => {
  test('de-duplication window: the last N messageIds', async () => {
    const gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true, dedupWindow: 3 });
    try {
      const [a, b, c, d] = batchOf(4);
      assert.deepEqual((await post(gw, `/v1/batch?key=${KEY}`, { batch: [a, b, c, a] })).body.duplicates, 1);
      assert.deepEqual((await post(gw, `/v1/batch?key=${KEY}`, { batch: [d] })).body.duplicates, 0);
      // a left the window when d came in; b and c are still remembered.
      assert.deepEqual((await post(gw, `/v1/batch?key=${KEY}`, { batch: [b, c, a] })).body, { success: true, accepted: 3, duplicates: 2 });
      assert.equal((await call(gw, '/debug/stats')).body.stored.dedupIds, 3);
    } finally {
      await gw.close();
    }
  });

  test('/debug/events is paged (limit, cursor) and capped; only the most recent events are held', async () => {
    const gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true, tailEvents: 5 });
    try {
      const sent = batchOf(8);
      await post(gw, `/v1/batch?key=${KEY}`, { batch: sent });
      const first = await fetch(`${gw.url}/debug/events?limit=2`);
      assert.deepEqual(
        (await first.json()).map((e: Ev) => e.messageId),
        sent.slice(3, 5).map((e) => e.messageId),
      );
      assert.equal(first.headers.get('x-has-more'), 'true');
      const cursor = first.headers.get('x-next-cursor');
      const second = await fetch(`${gw.url}/debug/events?limit=2&cursor=${cursor}`);
      assert.deepEqual(
        (await second.json()).map((e: Ev) => e.messageId),
        sent.slice(5, 7).map((e) => e.messageId),
      );
      const rest = await fetch(`${gw.url}/debug/events?cursor=${second.headers.get('x-next-cursor')}`);
      assert.deepEqual(await rest.json(), sent.slice(7));
      assert.equal(rest.headers.get('x-has-more'), 'false');
      // Polling from the last cursor sees only what came after.
      const later = makeEvent();
      await post(gw, `/v1/t?key=${KEY}`, later);
      const poll = await fetch(`${gw.url}/debug/events?cursor=${rest.headers.get('x-next-cursor')}`);
      assert.deepEqual(await poll.json(), [later]);
      assertError(await call(gw, '/debug/events?limit=0'), 400, 'invalid_request');
      assertError(await call(gw, '/debug/events?cursor=abc'), 400, 'invalid_request');
      // Integers past 2^53 are not cursors (1e30 would page from a number no event can have).
      for (const q of ['cursor=1e30', 'cursor=9007199254740993', 'limit=1e30'])
        assertError(await call(gw, `/debug/events?${q}`), 400, 'invalid_request');
    } finally {
      await gw.close();
    }
  });

  test('a page holds at most EVENTS_PAGE events by default and EVENTS_PAGE_MAX at all', async () => {
    const gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true, tailEvents: 20000, rateLimitRps: 0 });
    try {
      for (let i = 0; i < 21; i++) await post(gw, `/v1/batch?key=${KEY}`, { batch: batchOf(500) });
      assert.equal((await call(gw, '/debug/events')).body.length, EVENTS_PAGE);
      const big = await fetch(`${gw.url}/debug/events?limit=99999999`);
      assert.equal((await big.json()).length, EVENTS_PAGE_MAX);
      assert.equal(big.headers.get('x-has-more'), 'true');
      assert.equal((await allEvents(gw)).length, 10500);
    } finally {
      await gw.close();
    }
  });
});

/** A raw /debug/stream client that never reads what it is sent. Resolves `closed` when the server drops it. */
function stalledStreamClient(gw: Gw) {
  const socket = connect(gw.port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.write(`GET /debug/stream HTTP/1.1\r\nHost: 127.0.0.1:${gw.port}\r\n\r\n`);
  socket.pause(); // read nothing: the kernel buffers fill, then the server's write() says stop
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { socket, closed };
}

describe('/debug/stream', () => {
  test('a client that stops reading is dropped once too far behind; readers get everything in order', async () => {
    const gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true, sseMaxLag: 2000, rateLimitRps: 0 });
    try {
      const stalled = stalledStreamClient(gw);
      // A reading client, counting what it receives.
      const ac = new AbortController();
      const res = await fetch(`${gw.url}/debug/stream`, { signal: ac.signal });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      const got: string[] = [];
      let buf = '';
      const reading = (async () => {
        for (;;) {
          const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
          if (done) return;
          buf += decoder.decode(value, { stream: true });
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            if (block.startsWith('data: ')) got.push(JSON.parse(block.slice(6)).messageId);
          }
        }
      })();
      const sent: string[] = [];
      const droppedCount = async () => (await call(gw, '/debug/stats')).body.streams.dropped;
      // Up to 50 MB of events: more than kernel socket buffers hold, however tuned.
      for (let i = 0; i < 100 && (await droppedCount()) === 0; i++) {
        const batch = batchOf(250, { properties: { pad: 'x'.repeat(2000) } });
        sent.push(...batch.map((e) => e.messageId));
        await post(gw, `/v1/batch?key=${KEY}`, { batch });
      }
      assert.equal(await droppedCount(), 1, 'the stalled client was dropped');
      const streams = (await call(gw, '/debug/stats')).body.streams;
      assert.equal(streams.clients, 1, 'the reading client was not');
      // The dropped client sees its connection end once it reads again.
      stalled.socket.resume();
      await stalled.closed;
      // Keep sending: the reader still gets every event, in order.
      const last = batchOf(50);
      sent.push(...last.map((e) => e.messageId));
      await post(gw, `/v1/batch?key=${KEY}`, { batch: last });
      const deadline = Date.now() + 15000;
      while (got.length < sent.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(got, sent);
      ac.abort();
      await reading;
    } finally {
      await gw.close();
    }
  });

  test("a new client that does not read: the server buffers about one socket's worth, not the store", async () => {
    const gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true, rateLimitRps: 0 });
    try {
      // 4,000 events of ~1.3 KB held (5 MB): more than the kernel buffers take.
      for (let i = 0; i < 8; i++)
        await post(gw, `/v1/batch?key=${KEY}`, { batch: batchOf(500, { properties: { pad: 'y'.repeat(1000) } }) });
      const stalled = stalledStreamClient(gw);
      let streams: any;
      const deadline = Date.now() + 5000;
      do {
        await new Promise((r) => setTimeout(r, 50));
        streams = (await call(gw, '/debug/stats')).body.streams;
      } while (!(streams?.clients === 1 && streams.maxBuffered > 0) && Date.now() < deadline);
      assert.equal(streams?.clients, 1);
      assert.ok(streams.maxBuffered < 64 * 1024, `server buffers ${streams.maxBuffered} bytes for one stalled client`);
      assert.ok(streams.maxBehind > 0, 'the client is behind, waiting for drain');
      stalled.socket.destroy();
    } finally {
      await gw.close();
    }
  });
});

describe('limits', () => {
  test('rate limiter: rps per key, bursts up to rps, Retry-After in whole seconds', () => {
    let t = 0;
    const rl = createRateLimiter({ rps: 2, now: () => t });
    assert.equal(rl.take('a'), 0);
    assert.equal(rl.take('a'), 0);
    assert.equal(rl.take('a'), 1);
    assert.equal(rl.take('b'), 0);
    t = 500;
    assert.equal(rl.take('a'), 0);
    assert.equal(rl.take('a'), 1);
    assert.equal(createRateLimiter({ rps: 0 }).take('a'), 0);
    const small = createRateLimiter({ rps: 1, now: () => t, maxKeys: 2 });
    small.take('x');
    small.take('y');
    small.take('z'); // x's bucket is forgotten
    assert.equal(small.take('x'), 0);
  });

  test('429 with Retry-After once a key goes over rateLimitRps; other keys unaffected', async () => {
    const gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true, rateLimitRps: 5 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] })).status);
      assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
      assert.ok(statuses.slice(5).includes(429), statuses.join());
      const limited = await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] });
      assertError(limited, 429, 'rate_limited');
      assert.match(limited.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
      // The key in the body counts too.
      assertError(await post(gw, '/v1/t', { ...makeEvent(), pipelineKey: KEY }), 429, 'rate_limited');
      assert.equal((await post(gw, '/v1/batch?key=dk_test_other', { batch: [makeEvent()] })).status, 200);
      assert.ok((await call(gw, '/debug/stats')).body.rateLimited >= 2);
    } finally {
      await gw.close();
    }
  });

  test('gate: at most N holders, then a bounded queue, then refusal', async () => {
    const gate = createGate({ concurrency: 1, maxWaiting: 1 });
    const first = await gate.acquire()!;
    const second = gate.acquire();
    assert.ok(second);
    assert.equal(gate.acquire(), null);
    first();
    first(); // releasing twice is harmless
    const release2 = await second!;
    assert.equal(gate.active, 1);
    release2();
    assert.equal(gate.active, 0);
  });

  // Bodies are received before they queue for a parse slot (a slow upload holds none); what
  // bounds them while received is a shared byte budget and an idle timeout: gateway-slow.test.ts.
  test('a slow upload holds no parse slot: with one slot and no queue, others still get 200', async () => {
    const gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true, maxBodies: 1, maxWaiting: 0 });
    const slow = connect(gw.port, '127.0.0.1');
    slow.on('error', () => {});
    try {
      slow.write(`POST /v1/batch?key=${KEY} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{"batch":`);
      for (let i = 0; i < 3; i++) assert.equal((await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent()] })).status, 200);
    } finally {
      slow.destroy();
      await gw.close();
    }
  });
});
