// The de-dup window outlives the events files: it is saved (FILE.ids, 8 bytes an id) at each
// rotation, before a file is deleted, and at close; a restart reads it before the files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { createGateway } from '../gateway/app.mjs';
import { createDedupWindow } from '../gateway/dedup.mjs';
import { KEY, makeEvent, tmpFile, post, call, type Ev } from './gateway-kit.ts';

const opts = (file: string) => ({ port: 0, eventsFile: file, quiet: true, maxFileBytes: 4096, keepFiles: 2, dedupWindow: 30 });
const padded = (n: number) => Array.from({ length: n }, () => makeEvent('track', { properties: { s: 'y'.repeat(300) } }));
const dups = async (gw: { url: string }, batch: Ev[]) => (await post(gw, `/v1/batch?key=${KEY}`, { batch })).body.duplicates as number;

test('hashes() lists the window oldest first; addHash() rebuilds it, skipping ids it holds', () => {
  const w = createDedupWindow(3);
  for (const id of ['a', 'b', 'c', 'd']) w.add(id);
  const copy = createDedupWindow(3);
  const h = w.hashes();
  assert.equal(h.length, 6);
  for (let k = 0; k < h.length; k += 2) copy.addHash(h[k], h[k + 1]);
  copy.addHash(h[4], h[5]); // d again: held, not added twice
  assert.deepEqual([...copy.hashes()], [...h]);
  assert.deepEqual(
    ['a', 'b', 'c', 'd'].map((id) => copy.has(id)),
    [false, true, true, true],
  );
});

test('after a crash (no close) the window is what the last rotation saved plus the files: the last N ids exactly', async () => {
  const file = tmpFile();
  const crashed = `${dirname(file)}-crash`;
  const events = padded(40);
  const a = await createGateway(opts(file));
  for (const ev of events) assert.equal((await post(a, `/v1/t?key=${KEY}`, ev)).status, 200);
  cpSync(dirname(file), crashed, { recursive: true }); // the disk as a crash would leave it
  await a.close();
  rmSync(dirname(file), { recursive: true });
  cpSync(crashed, dirname(file), { recursive: true });
  const b = await createGateway(opts(file));
  try {
    // Window 30: the first 10 of 40 have left it, the last 30 are remembered, across deleted files.
    assert.equal(await dups(b, events.slice(10)), 30);
    assert.equal(await dups(b, events.slice(0, 10)), 0);
  } finally {
    await b.close();
  }
});

test('a graceful restart keeps the window; /debug/reset forgets it, on disk too', async () => {
  const file = tmpFile();
  const events = padded(25);
  const a = await createGateway(opts(file));
  for (const ev of events) assert.equal((await post(a, `/v1/t?key=${KEY}`, ev)).status, 200);
  await a.close();
  const b = await createGateway(opts(file));
  try {
    assert.equal(await dups(b, events), 25);
    assert.equal((await call(b, '/debug/reset', { method: 'POST' })).status, 200);
    assert.equal(existsSync(`${file}.ids`), false);
  } finally {
    await b.close();
  }
  const c = await createGateway(opts(file));
  try {
    assert.equal(await dups(c, events), 0);
  } finally {
    await c.close();
  }
});
