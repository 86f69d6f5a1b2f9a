import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plan as planWith, BUDGET, type Part } from '../src/unload-plan.ts';
import { body } from '../src/batch.ts';
import { byteLength } from '../src/sanitize.ts';
import { ev } from './support/fake-io.ts';
import type { Item } from '../src/batch.ts';

const n = (items: { _id: string }[]) => items.map((i) => +i._id.slice(1));
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const size = (p: Part) => byteLength(body(p[0]));
/** The plan's requests as a list, in the order it made them. */
const plan = (items: Item[], room: number, keepalive: boolean) => {
  const parts: Part[] = [];
  planWith(items, room, keepalive, (...p) => void parts.push(p));
  return parts;
};

test('130 KB with 20 KB in flight: keepalive fills the 44 KB left with the oldest, beacons take the rest', () => {
  const items = range(0, 50).map((i) => ev(i, 2600));
  const parts = plan(items, BUDGET - 20000, true);
  const ka = parts.filter((p) => p[1]);
  assert.equal(ka.length, 1);
  assert.deepEqual(n(ka[0][0]), range(0, ka[0][0].length));
  assert.ok(size(ka[0]) <= BUDGET - 20000 && size(ka[0]) > BUDGET - 20000 - 2700, String(size(ka[0])));
  // Keepalive first (the caller starts them before any beacon), then beacons of at most 64 KB.
  assert.deepEqual(
    parts.map((p) => p[1]),
    [true, false, false],
  );
  for (const p of parts) assert.ok(size(p) <= BUDGET);
  assert.deepEqual(
    parts.flatMap((p) => n(p[0])),
    range(0, 50),
  );
});

test('an event too big for the room is skipped, not stopped at: smaller ones behind it still go', () => {
  const items = [ev(0, 65400), ...range(1, 20).map((i) => ev(i, 1000))];
  const parts = plan(items, 30000, true);
  assert.equal(parts[0][1], true);
  assert.deepEqual(n(parts[0][0]), range(1, 20));
  // It fits a beacon on its own (the browser may still refuse it).
  assert.deepEqual(
    parts.slice(1).map((p) => [p[1], n(p[0])]),
    [[false, [0]]],
  );
});

test('an event that fits no request at all is left out, and the rest still go', () => {
  const items = [ev(0, 65530), ev(1), ev(2)];
  const parts = plan(items, BUDGET, true);
  assert.deepEqual(
    parts.map((p) => [p[1], n(p[0])]),
    [[true, [1, 2]]],
  );
});

test('no room left (the budget is in flight): beacons only', () => {
  const parts = plan(
    range(0, 5).map((i) => ev(i)),
    100,
    true,
  );
  assert.deepEqual(
    parts.map((p) => [p[1], n(p[0])]),
    [[false, range(0, 5)]],
  );
});

test('no keepalive in this engine: everything as beacons of at most 64 KB, oldest first', () => {
  const items = range(0, 60).map((i) => ev(i, 2600));
  const parts = plan(items, BUDGET, false);
  assert.ok(parts.every((p) => !p[1] && size(p) <= BUDGET));
  assert.equal(parts.length, 3);
  assert.deepEqual(
    parts.flatMap((p) => n(p[0])),
    range(0, 60),
  );
});

test('at most 500 events a request', () => {
  const parts = plan(
    range(0, 700).map((i) => ev(i, 60)),
    BUDGET,
    true,
  );
  assert.ok(parts.every((p) => p[0].length <= 500));
  assert.equal(
    parts.reduce((s, p) => s + p[0].length, 0),
    700,
  );
  assert.equal(parts[0][1], true);
});

test('nothing pending: no request', () => {
  assert.deepEqual(plan([], BUDGET, true), []);
});
