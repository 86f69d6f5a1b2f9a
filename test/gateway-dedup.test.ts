// The de-duplication window (gateway/dedup.mjs): exact strings, the last N ids, fixed memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createDedupWindow, hash64 } from '../gateway/dedup.mjs';

test('remembers exact strings: case and spacing make different ids', () => {
  const w = createDedupWindow(10);
  const id = randomUUID();
  w.add(id);
  assert.ok(w.has(id));
  for (const other of [id.toUpperCase(), ` ${id}`, id.slice(1), `df-${id}`]) assert.equal(w.has(other), false, other);
  assert.notDeepEqual(hash64('a'), hash64('A'));
  assert.notDeepEqual(hash64(''), hash64('\0'));
});

test('holds the last N ids; the oldest leave first, through many wrap-arounds', () => {
  const n = 1000;
  const w = createDedupWindow(n);
  const ids = Array.from({ length: 5 * n + 17 }, () => randomUUID());
  ids.forEach((id, i) => {
    assert.equal(w.has(id), false);
    w.add(id);
    assert.ok(w.has(id));
    if (i >= n) assert.equal(w.has(ids[i - n]), false, `id ${i - n} left`);
    if (i >= n - 1) assert.ok(w.has(ids[i - n + 1]), `id ${i - n + 1} still there`);
  });
  assert.equal(w.size, n);
  for (const id of ids.slice(-n)) assert.ok(w.has(id));
  for (const id of ids.slice(0, -n)) assert.equal(w.has(id), false);
});

test('a window of 1,000,000 ids: no false duplicates among 2,000,000 fresh ones', () => {
  const w = createDedupWindow(1_000_000);
  let falseHits = 0;
  for (let i = 0; i < 2_000_000; i++) {
    const id = `df-${i}-${i * 7919}`;
    if (w.has(id)) falseHits++;
    w.add(id);
  }
  assert.equal(falseHits, 0);
  assert.equal(w.size, 1_000_000);
});
