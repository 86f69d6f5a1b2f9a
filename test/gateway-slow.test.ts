// Slow and stalled uploads: a body is read (bounded in size, time and shared bytes) before it
// takes one of the parse slots, so senders that trickle or stall cannot stop ingestion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { createGateway } from '../gateway/app.mjs';
import { KEY, makeEvent, tmpFile, post } from './gateway-kit.ts';

/** Open a POST whose headers promise `length` bytes and send `first` of them; resolves with the raw answer when the server ends it. */
function partialUpload(url: string, length: number, first: string): { socket: Socket; answer: Promise<string> } {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  socket.on('error', () => {});
  socket.write(
    `POST /v1/batch?key=${KEY} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: text/plain\r\nContent-Length: ${length}\r\n\r\n${first}`,
  );
  let text = '';
  socket.on('data', (d) => (text += d));
  const answer = new Promise<string>((resolve) => socket.on('close', () => resolve(text)));
  return { socket, answer };
}

/** Wait until the gateway's count of body bytes being received satisfies `ok`. */
async function receiving(gw: { url: string }, ok: (bytes: number) => boolean) {
  for (let i = 0; i < 200; i++) {
    const stats = (await (await fetch(`${gw.url}/debug/stats`)).json()) as { bodies: { receivingBytes: number } };
    if (ok(stats.bodies.receivingBytes)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail('the gateway never reached the expected body bytes');
}

test('stalled uploads hold no parse slot: others are answered while they wait; a silent one gets 408 and is closed', async () => {
  const gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true, maxBodies: 1, maxWaiting: 0, bodyIdleMs: 400 });
  const stalled = Array.from({ length: 3 }, () => partialUpload(gw.url, 1000, '{"batch":['));
  try {
    // With one slot and no waiting room, a stalled upload holding the slot would make this a 503.
    const r = await post(gw, `/v1/t?key=${KEY}`, makeEvent());
    assert.equal(r.status, 200, r.text);
    for (const s of stalled) {
      const answer = await s.answer;
      assert.match(answer, /^HTTP\/1\.1 408 /, answer);
      assert.match(answer, /connection: close/i);
      assert.match(answer, /"request_timeout"/);
    }
    const stats = (await (await fetch(`${gw.url}/debug/stats`)).json()) as { byStatus: Record<string, number> };
    assert.equal(stats.byStatus['408'], 3);
  } finally {
    stalled.forEach((s) => s.socket.destroy());
    await gw.close();
  }
});

test('bodies being received share a byte budget: beyond it, 503 with Retry-After, and the budget comes back', async () => {
  const gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true, bodyBufferMb: 16 / 1024 }); // 16 KB
  const big = partialUpload(gw.url, 100_000, '{"batch":[' + ' '.repeat(12_000));
  try {
    await receiving(gw, (n) => n >= 12_000); // the 12 KB are received and held
    const second = partialUpload(gw.url, 100_000, ' '.repeat(8_000));
    const answer = await second.answer;
    assert.match(answer, /^HTTP\/1\.1 503 /, answer);
    assert.match(answer, /retry-after: 1/i);
    big.socket.destroy(); // gone mid-upload: its bytes are given back
    await receiving(gw, (n) => n === 0);
    const r = await post(gw, `/v1/batch?key=${KEY}`, { batch: [makeEvent('track', { properties: { s: 'x'.repeat(12_000) } })] });
    assert.equal(r.status, 200, r.text);
  } finally {
    big.socket.destroy();
    await gw.close();
  }
});

test('a client that goes away mid-upload is counted as aborted, not as a 500 or a rejection', async () => {
  const gw = await createGateway({ port: 0, eventsFile: tmpFile(), quiet: true });
  try {
    const up = partialUpload(gw.url, 1000, '{"batch":[');
    await receiving(gw, (n) => n > 0);
    up.socket.destroy();
    let stats: { aborted: number; rejected: number; byStatus: Record<string, number> } | undefined;
    for (let i = 0; i < 200 && !stats?.aborted; i++) {
      await new Promise((r) => setTimeout(r, 25));
      stats = (await (await fetch(`${gw.url}/debug/stats`)).json()) as typeof stats;
    }
    assert.equal(stats!.aborted, 1);
    assert.equal(stats!.rejected, 0);
    assert.deepEqual(stats!.byStatus, {});
    assert.deepEqual(await (await fetch(`${gw.url}/debug/rejected`)).json(), []);
  } finally {
    await gw.close();
  }
});
