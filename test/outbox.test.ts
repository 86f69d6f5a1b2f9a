// The outbox with a fake storage: adoption of orphaned queues writes before it deletes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PREFIX } from '../src/outbox.ts';
import { fakeStore, outbox } from './support/fake-io.ts';

const orphan = (n: number, h = 0) => JSON.stringify({ h, e: Array.from({ length: n }, (_, i) => ({ type: 'track', messageId: 'o' + i })) });

test("adoption: the orphan's events are stored under this tab's key, then the orphan is deleted", async () => {
  const { m, store } = fakeStore();
  m.set(PREFIX + 'dead', orphan(5));
  const { box } = outbox(1e6, store);
  await box._adopt();
  assert.equal(box._items.length, 5);
  assert.equal(m.has(PREFIX + 'dead'), false);
  assert.equal(JSON.parse(m.get(PREFIX + 'tab1')!).e.length, 5);
});

test('adoption with storage full: the orphan stays (the only durable copy), is not taken again while storage refuses, and is sent from memory', async () => {
  // Every write of this tab's queue is refused; deletes would succeed.
  const { m, store } = fakeStore((k, v) => k == PREFIX + 'tab1' && v != null);
  m.set(PREFIX + 'dead', orphan(5));
  const { box } = outbox(1e6, store);
  await box._adopt();
  assert.equal(box._items.length, 5);
  assert.equal(m.get(PREFIX + 'dead'), orphan(5));
  // The next look (every 20 s) does not take the same orphan again.
  await box._adopt();
  assert.equal(box._items.length, 5);
});

test("a live tab's queue (fresh heartbeat) is left alone", async () => {
  const { m, store } = fakeStore();
  m.set(PREFIX + 'live', orphan(3, Date.now()));
  const { box } = outbox(1e6, store);
  await box._adopt();
  assert.equal(box._items.length, 0);
  assert.ok(m.has(PREFIX + 'live'));
});
