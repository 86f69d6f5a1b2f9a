// @ts-check
// Event and batch validation for the local Ingestion Gateway.
// The event rules live in one place, the published JSON Schema schema/event.schema.json
// (draft 2020-12), checked with ajv; this module only adds what a schema cannot say
// (request-level limits, sizes) and turns ajv's errors into messages that name the field.
// Pure functions, no I/O beyond loading the schema once: app.mjs turns results into answers.
import { readFileSync } from 'node:fs';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/** Documented limits ("at most 500 events, 5 MB a request, 64 KB an event"). */
export const MAX_EVENTS = 500;
export const MAX_REQUEST_BYTES = 5 * 1024 * 1024;
export const MAX_EVENT_BYTES = 65536;
/** Deepest JSON nesting a request may have (objects and arrays); deeper is a 400, not a crash. */
export const MAX_JSON_DEPTH = 64;

export const EVENT_TYPES = Object.freeze(['page', 'track', 'identify', 'group', 'alias']);

export const SCHEMA_URL = new URL('../schema/event.schema.json', import.meta.url);
/** The published event schema (schema/event.schema.json). */
export const EVENT_SCHEMA = JSON.parse(readFileSync(SCHEMA_URL, 'utf8'));

// ajv and ajv-formats are CommonJS with a default export; under Node ESM it sits on .default.
/** @type {typeof import('ajv/dist/2020.js').default} */
const Ajv2020 = /** @type {any} */ (Ajv2020Module).default ?? Ajv2020Module;
/** @type {typeof import('ajv-formats').default} */
const addFormats = /** @type {any} */ (addFormatsModule).default ?? addFormatsModule;

const ajv = new Ajv2020({ allErrors: false, strictTypes: false });
addFormats(ajv, ['date-time']);
const checkSchema = ajv.compile(EVENT_SCHEMA);

/**
 * @param {unknown} v
 * @returns {v is Record<string, any>}
 */
export function isPlainObject(v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * The event as the JSON line the store writes: messageId first, the rest in the order received.
 * Same bytes as JSON.stringify(ev), reordered, so its length is the event's size too.
 * @param {unknown} ev
 * @returns {string | undefined} undefined when it cannot be serialised (cyclic, BigInt)
 */
export function eventText(ev) {
  try {
    return isPlainObject(ev) ? JSON.stringify({ messageId: ev.messageId, ...ev }) : JSON.stringify(ev);
  } catch {
    return undefined;
  }
}

/**
 * UTF-8 size of the event as JSON, the unit of the 64 KB per-event limit.
 * @param {unknown} ev
 * @param {string} [text] its JSON text, when already made
 */
export function eventBytes(ev, text = eventText(ev)) {
  return text === undefined ? Infinity : Buffer.byteLength(text, 'utf8');
}

/** `/context/page/url` -> `context.page.url`; `/a~1b` -> `a/b`. @param {string} pointer */
function fieldPath(pointer) {
  return pointer
    .split('/')
    .slice(1)
    .map((/** @type {string} */ p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

/** @param {string} a @param {string} b */
const join = (a, b) => (a ? `${a}.${b}` : b);

/**
 * The first schema error as [field path, problem], or null when the event is valid.
 * @param {unknown} ev
 * @returns {null | [string, string]}
 */
function schemaProblem(ev) {
  if (!isPlainObject(ev)) return ['', 'must be a JSON object'];
  const type = typeof ev.type === 'string' ? ev.type : '';
  if (checkSchema(ev)) return null;
  // With allErrors off, the first error is the concrete one; an `if` wrapper comes after it.
  const err = (checkSchema.errors ?? []).find((e) => e.keyword !== 'if') ?? checkSchema.errors?.[0];
  if (!err) return ['', 'is invalid'];
  const at = fieldPath(err.instancePath);
  const params = /** @type {Record<string, any>} */ (err.params);
  switch (err.keyword) {
    case 'required': {
      const perType = err.schemaPath.startsWith('#/allOf/') ? ` (${type})` : '';
      return [join(at, params.missingProperty), `is required${perType}`];
    }
    case 'enum':
      return [at, `must be one of ${(params.allowedValues ?? []).join('|')}`];
    case 'format':
      return [at, 'must be an ISO 8601 date-time with a time zone (e.g. 2026-02-25T14:22:00.000Z)'];
    case 'minLength':
      return [at, `must be a non-empty string${err.schemaPath.startsWith('#/allOf/') ? ` (${type})` : ''}`];
    case 'maxLength':
      return [at, `must be at most ${params.limit} characters`];
    case 'type': {
      const want = Array.isArray(params.type) ? params.type.filter((t) => t !== 'null') : [params.type];
      const article = (/** @type {string} */ t) => (t === 'object' || t === 'array' || t === 'integer' ? 'an' : 'a');
      return [at, `must be ${want.map((t) => `${article(t)} ${t}`).join(' or ')}`];
    }
    default:
      return [at, err.message ?? 'is invalid'];
  }
}

/**
 * Returns [path, problem] for the first rule the event breaks, or null.
 * @param {unknown} ev
 * @param {string} [expectedType] the type a single-event endpoint requires
 * @returns {null | [string, string]}
 */
function firstProblem(ev, expectedType) {
  const problem = schemaProblem(ev);
  if (problem) return problem;
  const type = /** @type {Record<string, any>} */ (ev).type;
  if (expectedType !== undefined && type !== expectedType) {
    return ['type', `must be "${expectedType}" on this endpoint (got "${type}")`];
  }
  return null;
}

/**
 * Validate one event. Returns null when OK, else a message naming the field,
 * e.g. `messageId must be at most 128 characters`.
 * @param {unknown} ev
 * @param {string} [expectedType] the type a single-event endpoint requires
 * @returns {string | null}
 */
export function validateEvent(ev, expectedType) {
  const problem = firstProblem(ev, expectedType);
  if (!problem) return null;
  const [path, text] = problem;
  return `${path || 'event'} ${text}`;
}

/** @typedef {{ status: 400 | 413, code: 'invalid_payload' | 'payload_too_large', message: string }} Problem */

/** @param {string} message @returns {Problem} */
const invalid = (message) => ({ status: 400, code: 'invalid_payload', message });
/** @param {string} message @returns {Problem} */
const tooLarge = (message) => ({ status: 413, code: 'payload_too_large', message });

/**
 * 413 answer for an event over MAX_EVENT_BYTES, or null. `where` names it ("batch[3]" / "event").
 * @param {unknown} ev
 * @param {string} [where]
 * @param {string} [text] its JSON text, when already made
 * @returns {Problem | null}
 */
export function checkEventSize(ev, where = 'event', text) {
  const bytes = eventBytes(ev, text);
  if (bytes <= MAX_EVENT_BYTES) return null;
  const id = isPlainObject(ev) && typeof ev.messageId === 'string' ? ev.messageId : 'none';
  return tooLarge(`${where} (messageId ${id}) is ${bytes} bytes; at most ${MAX_EVENT_BYTES} bytes an event`);
}

/**
 * Validate a `/v1/batch` body `{batch: [...]}`.
 * Returns null when OK, else `{status, code, message}` for the first problem.
 * @param {unknown} body
 * @param {string[]} [texts] filled with each event's JSON text (eventText), made for the size check anyway
 * @returns {Problem | null}
 */
export function validateBatch(body, texts) {
  if (!isPlainObject(body)) return invalid('body must be a JSON object with a "batch" array');
  const { batch } = body;
  if (!Array.isArray(batch)) return invalid('batch must be an array of events');
  if (batch.length === 0) return invalid('batch must contain at least 1 event');
  if (batch.length > MAX_EVENTS) {
    return tooLarge(`batch has ${batch.length} events; at most ${MAX_EVENTS} allowed`);
  }
  for (let i = 0; i < batch.length; i++) {
    const where = `batch[${i}]`;
    // Size first: an oversized event is a 413 whatever its content.
    const text = eventText(batch[i]);
    if (texts && text !== undefined) texts[i] = text;
    const size = checkEventSize(batch[i], where, text);
    if (size) return size;
    const problem = firstProblem(batch[i]);
    if (problem) {
      const [path, text] = problem;
      return invalid(`${where}${path ? '.' + path : ''} ${text}`);
    }
  }
  return null;
}

/**
 * How deeply the JSON text nests objects and arrays, counted without parsing it
 * (strings skipped), so a body like `[[[[...]]]]` is refused before anything recurses into it.
 * @param {string} text
 */
export function jsonDepth(text) {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}
