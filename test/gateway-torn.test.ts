// A crash mid-append leaves a torn last line in the events file. Only lines that are whole
// events count on restart (their ids de-duplicate, they are served); a torn last line is cut
// off the file, so it never becomes a line in the middle that a later restart would trust.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createGateway } from '../gateway/app.mjs';
import { lineMessageId } from '../gateway/store.mjs';
import { KEY, makeEvent, tmpFile, post, allEvents } from './gateway-kit.ts';

const stored = (e: Record<string, unknown>) => JSON.stringify({ messageId: e.messageId, ...e });

test('a last line torn right after a nested object is not an event, and is cut off the file', async () => {
  const kept = makeEvent('page');
  const lost = makeEvent('track', { properties: { a: { b: 1 } } });
  const whole = stored(lost);
  const torn = whole.slice(0, whole.indexOf('{"b":1}') + 7); // ends with "}", still not whole
  assert.ok(torn.endsWith('}') && torn.length < whole.length);
  assert.equal(lineMessageId(torn, true), undefined);
  assert.equal(lineMessageId(whole, true), lost.messageId);
  const file = tmpFile();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, stored(kept) + '\n' + torn);
  for (let run = 0; run < 2; run++) {
    // Twice: the second restart must not trust the torn line either.
    const gw = await createGateway({ port: 0, eventsFile: file, quiet: true });
    try {
      assert.deepEqual(
        (await allEvents(gw)).map((e) => e.messageId),
        run ? [kept.messageId, lost.messageId] : [kept.messageId],
      );
      const r = await post(gw, `/v1/batch?key=${KEY}`, { batch: [kept, lost] });
      assert.equal(r.body.duplicates, run ? 2 : 1, r.text);
    } finally {
      await gw.close();
    }
    assert.equal(readFileSync(file, 'utf8'), stored(kept) + '\n' + stored(lost) + '\n');
  }
});

test('an unterminated last line that is a whole event is kept, and the next append starts a new line', async () => {
  const a = makeEvent('page');
  const file = tmpFile();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, stored(a));
  const gw = await createGateway({ port: 0, eventsFile: file, quiet: true });
  const b = makeEvent();
  try {
    assert.equal((await post(gw, `/v1/batch?key=${KEY}`, { batch: [a, b] })).body.duplicates, 1);
    assert.deepEqual(
      (await allEvents(gw)).map((e) => e.messageId),
      [a.messageId, b.messageId],
    );
  } finally {
    await gw.close();
  }
  assert.equal(readFileSync(file, 'utf8'), stored(a) + '\n' + stored(b) + '\n');
});
