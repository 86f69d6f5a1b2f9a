import { test } from 'node:test';
import assert from 'node:assert/strict';
import { take, body, item as mk } from '../src/batch.ts';
import { byteLength } from '../src/sanitize.ts';

const item = (i: number, size = 10) => mk('m' + i, JSON.stringify({ i, pad: 'x'.repeat(size) }));

test('take respects the count', () => {
  const items = Array.from({ length: 25 }, (_, i) => item(i));
  assert.equal(take(items, 10, 1e9).length, 10);
  assert.equal(take(items.slice(0, 3), 10, 1e9).length, 3);
  assert.deepEqual(
    take(items, 10, 1e9).map((x) => x._id),
    items.slice(0, 10).map((x) => x._id),
  );
});

test('take respects the byte limit and the body stays under it', () => {
  const items = Array.from({ length: 100 }, (_, i) => item(i, 1000));
  const got = take(items, 500, 65536);
  assert.ok(got.length > 10 && got.length < 100);
  assert.ok(byteLength(body(got)) <= 65536, String(byteLength(body(got))));
  assert.ok(byteLength(body(take(items, 500, 65536 + 1100))) > 65536 - 1100);
});

test('take skips an item that does not fit, and takes the smaller ones behind it', () => {
  assert.deepEqual(
    take([item(1, 100000), item(2), item(3, 70000), item(4)], 10, 65536).map((x) => x._id),
    ['m2', 'm4'],
  );
  assert.deepEqual(take([item(1, 100000)], 10, 65536), []);
});

test('body is the gateway batch shape', () => {
  const b = JSON.parse(body([item(1), item(2)]));
  assert.deepEqual(
    b.batch.map((e: any) => e.i),
    [1, 2],
  );
  assert.match(b.sentAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});
