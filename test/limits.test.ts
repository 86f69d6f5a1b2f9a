// The limits the collector and the gateway share (the contract's numbers) are written twice, once
// per side (the gateway runs as plain Node, the collector ships in the page): pinned equal here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_BATCH, MAX_EVENT_BYTES, MAX_ID_LENGTH, MAX_BODY } from '../src/limits.ts';
import { MAX_EVENTS, MAX_EVENT_BYTES as GATEWAY_EVENT_BYTES, MAX_REQUEST_BYTES } from '../gateway/validate.mjs';
import { readFileSync } from 'node:fs';

test('the collector and the gateway agree on the contract limits', () => {
  assert.equal(MAX_EVENT_BYTES, GATEWAY_EVENT_BYTES);
  assert.equal(MAX_BATCH, MAX_EVENTS);
  // A normal request is smaller than the gateway's cap, so it is never refused for size alone.
  assert.ok(MAX_BODY < MAX_REQUEST_BYTES);
});

test('ids: the gateway schema takes every id the collector sends', () => {
  const schema = JSON.parse(readFileSync(new URL('../schema/event.schema.json', import.meta.url), 'utf8'));
  assert.equal(schema.$defs.optionalId.maxLength, MAX_ID_LENGTH);
});

test('the messageId the collector makes fits the gateway schema', async () => {
  const schema = JSON.parse(readFileSync(new URL('../schema/event.schema.json', import.meta.url), 'utf8'));
  const { uuid } = await import('../src/uuid.ts');
  const id = 'df-' + uuid();
  assert.ok(id.length >= schema.properties.messageId.minLength && id.length <= schema.properties.messageId.maxLength);
});
