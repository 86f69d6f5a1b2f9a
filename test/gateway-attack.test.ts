// Outside review of the local Ingestion Gateway (README "The local Ingestion Gateway", contract
// "The gateway"): each test is one promise, tried as a client or an attacker would.
// BUG tests fail while the bug exists; HOLDS tests pin subtle promises that held under attack.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { createGateway } from '../gateway/app.mjs';
import { KEY, makeEvent, tmpFile, call, post, type Ev } from './gateway-kit.ts';

/** A store as a crash mid-append leaves it: whole lines, then a torn last line. */
function tornStore(good: Ev[], torn: string): string {
  const file = tmpFile();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, good.map((e) => JSON.stringify(e) + '\n').join('') + torn);
  return file;
}

describe('restart on a store with a torn last line (README: "torn, foreign or overlong lines are skipped")', () => {
  // The torn line carries a complete `"messageId":"..."` prefix but not the rest of the event.
  const lost = makeEvent('track');
  const whole = JSON.stringify({ messageId: lost.messageId, ...lost }); // as the gateway writes it
  const tornLine = whole.slice(0, whole.indexOf(',"type"') + 3); // {"messageId":"df-...","t

  test('BUG: the id of an event that was never stored whole is not a duplicate; its resend is kept', async () => {
    const kept = makeEvent('page');
    const gw = await createGateway({ port: 0, eventsFile: tornStore([kept], tornLine), quiet: true });
    try {
      assert.match(tornLine, /^\{"messageId":"df-[0-9a-f-]+","t$/);
      const r = await post(gw, `/v1/batch?key=${KEY}`, { batch: [kept, lost] });
      assert.equal(r.status, 200, r.text);
      // kept is a duplicate (stored whole); lost was torn, so the client's resend must be stored.
      assert.equal(r.body.duplicates, 1, `resend of a torn event dropped as a duplicate: ${r.text}`);
    } finally {
      await gw.close();
    }
  });

  test('BUG: /debug/events stays valid JSON (the torn line is not served)', async () => {
    const kept = makeEvent('page');
    const gw = await createGateway({ port: 0, eventsFile: tornStore([kept], tornLine), quiet: true });
    try {
      const fresh = makeEvent();
      assert.equal((await post(gw, `/v1/batch?key=${KEY}`, { batch: [fresh] })).status, 200);
      const r = await fetch(`${gw.url}/debug/events`);
      const text = await r.text();
      let events: Ev[] | undefined;
      assert.doesNotThrow(() => (events = JSON.parse(text)), `not JSON: ${text.slice(0, 300)}`);
      assert.deepEqual(
        events!.map((e) => e.messageId),
        [kept.messageId, fresh.messageId],
      );
    } finally {
      await gw.close();
    }
  });
});

test('BUG: the de-dup window survives a restart even when rotation has deleted the oldest file (README: "last 1,000,000 messageIds, surviving restarts")', async () => {
  // Defaults: 5 files x 100 MB hold ~790k events of the README bench's ~680 B, fewer than the
  // 1,000,000-id window; scaled down here: 40 events of ~600 B, window 1,000, files of 4 KB.
  const file = tmpFile();
  const opts = { port: 0, eventsFile: file, quiet: true, maxFileBytes: 4096, keepFiles: 2, dedupWindow: 1000 };
  const events = Array.from({ length: 40 }, () => makeEvent('track', { properties: { s: 'y'.repeat(300) } }));
  const a = await createGateway(opts);
  for (const ev of events) assert.equal((await post(a, `/v1/t?key=${KEY}`, ev)).status, 200);
  assert.equal((await post(a, `/v1/batch?key=${KEY}`, { batch: [events[0]] })).body.duplicates, 1); // in the window
  await a.close();
  const b = await createGateway(opts);
  try {
    const r = await post(b, `/v1/batch?key=${KEY}`, { batch: [events[0]] });
    assert.equal(r.body.duplicates, 1, `after a restart the first of 40 ids (window 1,000) is new again: ${r.text}`);
  } finally {
    await b.close();
  }
});

describe('the pixel (README: "The answer is always the 1×1 GIF (200, Cache-Control: no-store), never an error image")', () => {
  test('BUG: a malformed percent-escape in the type is a GIF with X-Datafly-Status 400, not a 500', async () => {
    const gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true });
    try {
      for (const path of [`/v1/pixel/tr%ZZack?wk=${KEY}&e=Open`, `/v1/pixel/%E0%A4%A?wk=${KEY}`]) {
        const r = await fetch(gw.url + path);
        assert.equal(r.status, 200, `${path}: ${r.status} ${await r.clone().text()}`);
        assert.equal(r.headers.get('content-type'), 'image/gif', path);
        assert.match(r.headers.get('x-datafly-status') ?? '', /^400 /, path);
        assert.equal(
          Buffer.from(await r.arrayBuffer())
            .subarray(0, 6)
            .toString(),
          'GIF89a',
          path,
        );
      }
    } finally {
      await gw.close();
    }
  });

  test('HOLDS: pixel de-duplication is on the exact mid string, and the pixel is a GIF when refused', async () => {
    const gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true });
    try {
      const status = async (q: string) => (await fetch(`${gw.url}/v1/pixel/track?${q}`)).headers.get('x-datafly-status');
      assert.equal(await status(`wk=${KEY}&e=Open&mid=pxA`), '200 ok');
      assert.equal(await status(`wk=${KEY}&e=Open&mid=pxA`), '200 duplicate');
      assert.equal(await status(`wk=${KEY}&e=Open&mid=PXA`), '200 ok');
      assert.match((await status('e=Open')) ?? '', /^401 /);
    } finally {
      await gw.close();
    }
  });
});

describe('bounded under load (README: "Bodies are read, inflated and parsed 4 at a time (512 more may wait, then 503)")', () => {
  test('BUG: four uploads that stall mid-body do not stop every other client from being answered', async () => {
    const gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true });
    const { port } = new URL(gw.url);
    const slow: Socket[] = [];
    const trickle = setInterval(() => slow.forEach((s) => s.write(' ')), 500); // 2 bytes a second each
    try {
      for (let i = 0; i < 4; i++) {
        const s = connect(Number(port), '127.0.0.1');
        s.on('error', () => {});
        s.write(
          `POST /v1/batch?key=${KEY} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n{"batch":[`,
        );
        slow.push(s);
      }
      await new Promise((r) => setTimeout(r, 300)); // the four now hold the four body slots
      const started = Date.now();
      const r = await fetch(`${gw.url}/v1/t?key=${KEY}`, {
        method: 'POST',
        body: JSON.stringify(makeEvent()),
        signal: AbortSignal.timeout(8000),
      }).catch((e: Error) => e);
      // Expected: 200 (or a 503 with Retry-After, as documented), not a request left hanging.
      assert.ok(!(r instanceof Error), `no answer after ${Date.now() - started} ms while 4 uploads trickle: ${r}`);
      assert.ok([200, 503].includes(r.status), String(r.status));
    } finally {
      clearInterval(trickle);
      slow.forEach((s) => s.destroy());
      await gw.close();
    }
  });
});

describe('subtle promises that held', () => {
  test('HOLDS: ids with quotes, backslashes, controls and lone surrogates de-duplicate exactly across a restart', async () => {
    const file = tmpFile();
    const ids = ['q"uote', 'b\\slash', 'ctl\u0001', 'lone\ud800', 'lone\udbff', 'lone\ufffd', 'ABC', 'abc', 'caf\u00e9', 'cafe\u0301'];
    const batch = ids.map((messageId) => makeEvent('track', { messageId }));
    const a = await createGateway({ port: 0, eventsFile: file, quiet: true });
    assert.equal((await post(a, `/v1/batch?key=${KEY}`, { batch })).body.duplicates, 0);
    await a.close();
    const b = await createGateway({ port: 0, eventsFile: file, quiet: true });
    try {
      assert.equal((await post(b, `/v1/batch?key=${KEY}`, { batch })).body.duplicates, ids.length);
    } finally {
      await b.close();
    }
  });

  test('HOLDS: gzip and brotli bombs (32 MB inflated, ~32 KB on the wire) are 413', async () => {
    const gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true });
    try {
      const zeros = Buffer.alloc(32 * 1024 * 1024, 0x20);
      for (const [enc, body] of [
        ['gzip', gzipSync(zeros)],
        ['br', brotliCompressSync(zeros)],
      ] as const) {
        const r = await post(gw, `/v1/batch?key=${KEY}`, body, { 'content-encoding': enc });
        assert.equal(r.status, 413, `${enc}: ${r.text}`);
      }
      // Magic bytes without the header are inflated too (beacons cannot set Content-Encoding).
      const ev = makeEvent();
      assert.equal((await post(gw, `/v1/t?key=${KEY}`, gzipSync(JSON.stringify(ev)))).status, 200);
    } finally {
      await gw.close();
    }
  });

  test('HOLDS: debug routes refuse rebinding Hosts, and tokenless cross-site state changes', async () => {
    const gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true });
    const port = new URL(gw.url).port;
    const get = (host: string) =>
      new Promise<number>((resolve, reject) => {
        request(`${gw.url}/debug/events`, { headers: { host } }, (res) => (res.resume(), resolve(res.statusCode!)))
          .on('error', reject)
          .end();
      });
    try {
      for (const host of [
        'evil.example',
        `127.0.0.1.evil.example:${port}`,
        'localhost.',
        `127.1:${port}`,
        `2130706433:${port}`,
        `localhost:${port}, evil.example`,
      ]) {
        assert.equal(await get(host), 403, host);
      }
      for (const headers of [{ 'sec-fetch-site': 'same-site' }, { origin: 'null' }, { origin: `http://localhost:${port}` }] as Record<
        string,
        string
      >[]) {
        assert.equal((await call(gw, '/debug/reset', { method: 'POST', headers })).status, 403, JSON.stringify(headers));
      }
    } finally {
      await gw.close();
    }
  });
});
