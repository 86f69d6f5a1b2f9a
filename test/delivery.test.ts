// The delivery core with fake I/O: the unload plan as executed, retry/split, Retry-After, the
// monotonic clock, flush waiters. No browser, no real time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDelivery } from '../src/delivery.ts';
import { BUDGET } from '../src/unload-plan.ts';
import { fakeIO, outbox, ev } from './support/fake-io.ts';

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const ns = (ids: string[]) => ids.map((i) => +i.slice(1));

function setup(o: { keepalive?: boolean; beacon?: (b: string) => boolean; maxBytes?: number; batchSize?: number } = {}) {
  const f = fakeIO(o);
  const ob = outbox(o.maxBytes);
  const d = createDelivery('https://gw/v1/batch', o.batchSize ?? 10, 1000, ob.box, f.io);
  ob.setDrop((it, why) => d._failed(it, why));
  const add = (from: number, to: number, size = 200) => {
    ob.box._add(range(from, to).map((i) => ev(i, size)));
    d._kick();
  };
  return { ...f, ...ob, d, add };
}

test('a batch of batchSize goes at once with keepalive; accepted events leave the queue', async () => {
  const s = setup();
  s.add(0, 10);
  await s.advance(0);
  assert.equal(s.log.length, 1);
  assert.equal(s.log[0].keepalive, true);
  assert.deepEqual(ns(s.log[0].ids), range(0, 10));
  s.log[0].answer(200);
  await s.settle();
  assert.equal(s.box._items.length, 0);
});

test('unload with a batch in flight: keepalive fetches fill the room left, all started before any beacon, oldest first', async () => {
  // Beacons share the keepalive budget, as in Chromium and WebKit.
  let inBeacons = 0;
  const s = setup({ beacon: (b) => (inBeacons + b.length + 16000 <= BUDGET ? ((inBeacons += b.length), true) : false) });
  s.add(0, 10, 1500);
  await s.advance(0);
  assert.equal(s.log.length, 1);
  assert.equal(s.log[0].keepalive, true);
  const flight = s.log[0].body.length;
  s.add(10, 60, 2600);
  const before = s.log.length;
  s.d._unload(true);
  // Synchronously: every request of the plan was issued inside _unload.
  const made = s.log.slice(before);
  const kinds = made.map((r) => r.kind);
  assert.equal(kinds.indexOf('beacon') > 0 ? kinds.lastIndexOf('post') < kinds.indexOf('beacon') : true, true);
  const ka = made.filter((r) => r.kind == 'post');
  assert.ok(ka.every((r) => r.keepalive));
  const kaBytes = ka.reduce((t, r) => t + r.body.length, 0);
  assert.ok(kaBytes <= BUDGET - flight && kaBytes > BUDGET - flight - 2800, `${kaBytes} in keepalive, ${flight} in flight`);
  // The oldest pending events are the ones in keepalive.
  assert.deepEqual(ns(ka.flatMap((r) => r.ids)), range(10, 10 + ka[0].ids.length));
});

test('a refused beacon is skipped, not stopped at, and not offered again in the same hide', async () => {
  // The browser refuses the first chunk (the one with m0), takes the next.
  const s = setup({ keepalive: false, beacon: (b) => !b.includes('"m0"') });
  s.box._add(range(0, 30).map((i) => ev(i, 3000)));
  s.d._unload();
  const first = s.log.filter((r) => r.kind == 'beacon');
  assert.equal(first.length, 2);
  assert.deepEqual(
    first.map((r) => r.ids.length > 0),
    [false, true],
  );
  // visibilitychange after pagehide: nothing is repeated.
  s.d._unload(true);
  assert.equal(s.log.length, 2);
  // Visible again, then hidden: the refused ones are offered again.
  s.d._resume();
  s.d._unload();
  assert.ok(s.log.length > 2);
  assert.equal(ns(s.log[2].body.match(/"m\d+"/g)!.map((m) => m.slice(1, -1)))[0], 0);
});

test('beacon bytes count against the budget of a later unload', async () => {
  const s = setup({ keepalive: true });
  // ~30 KB in flight (a normal batch, keepalive), ~60 KB pending: ~34 KB go by keepalive, the
  // rest by beacon (taken).
  s.add(0, 10, 3000);
  await s.advance(0);
  s.add(10, 30, 3000);
  s.d._unload();
  const first = s.log.slice(1);
  assert.deepEqual([...new Set(first.map((r) => r.kind))], ['post', 'beacon']);
  const inFlight = [s.log[0], ...first].reduce((t, r) => t + r.body.length, 0);
  assert.ok(inFlight > BUDGET, String(inFlight));
  // The page makes small events in its exit handlers: the keepalive room left (~1 KB without the
  // beacon) is gone once the beacon is counted: beacons only.
  s.add(30, 35, 200);
  s.d._unload(true);
  const later = s.log.slice(1 + first.length);
  assert.deepEqual(
    later.map((r) => r.kind),
    ['beacon'],
  );
  assert.deepEqual(ns(later[0].ids), range(30, 35));
});

test('no keepalive in this engine: normal batches are not counted as surviving, unload uses beacons', async () => {
  const s = setup({ keepalive: false });
  s.add(0, 10);
  await s.advance(0);
  assert.equal(s.log[0].keepalive, false);
  s.d._unload(true);
  // The batch in flight dies with the page: its events go by beacon too.
  const b = s.log.filter((r) => r.kind == 'beacon');
  assert.deepEqual(ns(b.flatMap((r) => r.ids)), range(0, 10));
});

test('Retry-After holds through a hide, `online` and pagehide; the retry comes after it', async () => {
  const s = setup();
  s.add(0, 10);
  await s.advance(0);
  s.log[0].answer(429, '60');
  await s.settle();
  s.d._unload();
  s.d._online();
  await s.advance(1000);
  s.d._unload(true);
  assert.equal(s.log.length, 1);
  s.d._resume();
  await s.advance(58000);
  assert.equal(s.log.length, 1);
  await s.advance(1100);
  assert.equal(s.log.length, 2);
  assert.equal(s.log[1].ids.length, 10);
});

test('waits are measured on the injected monotonic clock: the first retry comes within 1 s of it', async () => {
  const s = setup();
  s.add(0, 10);
  await s.advance(0);
  s.log[0].answer(500);
  await s.advance(999);
  // The first retry waits at most 1 s of monotonic time (full jitter).
  await s.advance(2);
  assert.equal(s.log.length, 2);
});

test('a keepalive request failing for a network reason is not repeated at once; the retry goes without keepalive', async () => {
  const s = setup();
  s.add(0, 10);
  await s.advance(0);
  s.log[0].answer(0);
  await s.advance(249);
  assert.equal(s.log.length, 1);
  await s.advance(1000);
  assert.equal(s.log.length, 2);
  assert.equal(s.log[1].keepalive, false);
  s.log[1].answer(200);
  await s.settle();
  s.add(10, 20);
  await s.advance(0);
  // Healthy again: keepalive again.
  assert.equal(s.log[2].keepalive, true);
});

test('a timed-out request (answer 0) is retried, and at unload its events go by beacon', async () => {
  const s = setup();
  s.add(0, 10);
  await s.advance(0);
  s.log[0].answer(0);
  await s.settle();
  s.d._unload(true);
  const again = s.log.slice(1);
  assert.deepEqual(
    again.map((r) => r.kind),
    ['beacon'],
  );
  assert.deepEqual(ns(again.flatMap((r) => r.ids)), range(0, 10));
});

test('413 splits the batch; a single event answered 400 is dropped and reported by flush()', async () => {
  const s = setup({ batchSize: 4 });
  s.box._add(range(0, 4).map((i) => ev(i)));
  const f = s.d._flush();
  await s.advance(0);
  s.log[0].answer(413);
  await s.advance(0);
  assert.deepEqual(ns(s.log[1].ids), [0, 1]);
  s.log[1].answer(200);
  await s.advance(0);
  assert.deepEqual(ns(s.log[2].ids), [2, 3]);
  s.log[2].answer(400);
  await s.advance(0);
  assert.deepEqual(ns(s.log[3].ids), [2]);
  s.log[3].answer(400);
  await s.advance(0);
  s.log[4].answer(200);
  const r = await f;
  assert.equal(r.sent, 3);
  assert.deepEqual(
    r.failed.map((x) => x.messageId),
    ['m2'],
  );
  assert.match(r.failed[0].reason, /400/);
});

test('flush(): events the byte bound drops while in flight count as sent when the gateway accepts them', async () => {
  const s = setup({ maxBytes: 65536 });
  s.add(0, 10, 5000);
  await s.advance(0);
  const f = s.d._flush();
  await s.settle();
  // 50 KB more: the oldest (in flight) leave the queue.
  s.add(10, 20, 5000);
  assert.ok(s.box._items.length < 20);
  s.log[0].answer(200);
  await s.advance(0);
  const r = await f;
  assert.deepEqual(r, { sent: 10, failed: [] });
});

test("flush(): ... and as failed, with the queue's reason, when that request fails", async () => {
  const s = setup({ maxBytes: 65536 });
  s.add(0, 10, 5000);
  await s.advance(0);
  const f = s.d._flush();
  await s.settle();
  s.add(10, 20, 5000);
  const dropped = 20 - s.box._items.length;
  s.log[0].answer(503);
  await s.advance(1000);
  s.log[1].answer(200);
  const r = await f;
  assert.equal(r.sent, 10 - dropped);
  // The ones still queued are retried and accepted later; the dropped ones are lost.
  assert.equal(r.failed.length, dropped);
  assert.match(r.failed[0].reason, /queue over/);
});

test('offline: nothing tried until `online`', async () => {
  const s = setup();
  s.state.online = false;
  s.add(0, 10);
  await s.advance(5000);
  assert.equal(s.log.length, 0);
  s.state.online = true;
  s.d._online();
  await s.advance(0);
  assert.equal(s.log.length, 1);
});

test('a send-now asked while a request is in flight goes as soon as that request settles, not a flushInterval later', async () => {
  const s = setup();
  s.add(0, 2);
  s.d._kick(true);
  await s.advance(0);
  assert.equal(s.log.length, 1);
  s.box._add([ev(2, 200)]);
  s.d._kick(true); // e.g. a withdrawal's consent_update
  await s.advance(0);
  assert.equal(s.log.length, 1); // one request at a time
  s.log[0].answer(200);
  await s.settle();
  await s.advance(0);
  assert.equal(s.log.length, 2);
  assert.deepEqual(ns(s.log[1].ids), [2]);
});

test('a big batch goes without keepalive, so an unload still has the whole budget for the oldest events', async () => {
  // d.js sends plain text: 10 events of 2.6 KB make a 26 KB body. In flight with keepalive it would
  // leave the unload plan 38 KB; without it, its events stay pending and the plan resends them first.
  const s = setup();
  s.add(0, 10, 2600);
  await s.advance(0);
  assert.equal(s.log.length, 1);
  assert.ok(s.log[0].body.length > BUDGET / 4);
  assert.equal(s.log[0].keepalive, false);
  s.add(10, 50, 2600);
  const before = s.log.length;
  s.d._unload(true);
  const ka = s.log.slice(before).filter((r) => r.kind == 'post' && r.keepalive);
  const kaBytes = ka.reduce((t, r) => t + r.body.length, 0);
  assert.ok(kaBytes <= BUDGET && kaBytes > BUDGET - 2800, `${kaBytes} in keepalive`);
  // Oldest first: the in-flight batch's events lead.
  assert.deepEqual(ns(ka.flatMap((r) => r.ids)), range(0, ka.flatMap((r) => r.ids).length));
});

test('a send-now drains the whole queue, not only its first batch: adopted leftovers of 27 go as 10, 10, 7 without waiting a flushInterval', async () => {
  const s = setup();
  // Leftovers of a closed tab, adopted: 27 events, then "at once" (collector.ts adopt()).
  s.box._add(range(0, 27).map((i) => ev(i)));
  s.d._kick(true);
  for (let k = 0; k < 3; k++) {
    await s.advance(0);
    assert.equal(s.log.length, k + 1, `request ${k + 1} made without waiting`);
    s.log[k].answer(200);
    await s.settle();
  }
  assert.deepEqual(
    s.log.map((r) => r.ids.length),
    [10, 10, 7],
  );
  assert.equal(s.box._items.length, 0);
  // Drained: the next events wait for the batch to fill, or flushInterval, as usual.
  s.add(30, 33);
  await s.advance(0);
  assert.equal(s.log.length, 3);
  await s.advance(1000);
  assert.equal(s.log.length, 4);
});
