// Event and batch validation for the local Ingestion Gateway.
// Pure functions, no I/O: the HTTP layer (app.mjs) turns the results into answers.
// Rules follow /work/shared/spec/datafly-contract.md and the seed's group() payload.

/** Documented limits ("at most 500 events, 5 MB a request, 64 KB an event"). */
export const MAX_EVENTS = 500;
export const MAX_REQUEST_BYTES = 5 * 1024 * 1024;
export const MAX_EVENT_BYTES = 65536;

export const EVENT_TYPES = Object.freeze(['page', 'track', 'identify', 'group', 'alias']);
export const LIBRARY_NAME = '@datafly/collector';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const MESSAGE_ID = /^df-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const ISO_MS_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export function isPlainObject(v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const isNonEmptyString = (v) => typeof v === 'string' && v.length > 0;
// Optional fields: absent (undefined) or null both count as "not sent"
// (collectors commonly serialise an unknown userId as null).
const isAbsent = (v) => v === undefined || v === null;

/** UTF-8 size of the event as JSON, the unit of the 64 KB per-event limit. */
export function eventBytes(ev) {
  try {
    return Buffer.byteLength(JSON.stringify(ev) ?? '', 'utf8');
  } catch {
    return Infinity; // cyclic / BigInt: cannot be sent anyway
  }
}

/** A real calendar instant: the regex alone would accept 2026-02-30T25:61:00.000Z. */
function isRealTimestamp(ts) {
  if (typeof ts !== 'string' || !ISO_MS_UTC.test(ts)) return false;
  const d = new Date(ts);
  return !Number.isNaN(d.getTime()) && d.toISOString() === ts;
}

/**
 * Returns [path, problem] for the first rule the event breaks, or null.
 * path is '' for the event itself, else a dotted field path.
 */
function firstProblem(ev, expectedType) {
  if (!isPlainObject(ev)) return ['', 'must be a JSON object'];

  const { type } = ev;
  if (!EVENT_TYPES.includes(type)) return ['type', `must be one of ${EVENT_TYPES.join('|')}`];
  if (expectedType !== undefined && type !== expectedType) {
    return ['type', `must be "${expectedType}" on this endpoint (got "${type}")`];
  }

  if (typeof ev.messageId !== 'string' || !MESSAGE_ID.test(ev.messageId)) {
    return ['messageId', 'must be "df-" followed by a UUID v4'];
  }
  if (typeof ev.anonymousId !== 'string' || !UUID_V4.test(ev.anonymousId)) {
    return ['anonymousId', 'must be a UUID v4'];
  }
  if (!isRealTimestamp(ev.timestamp)) {
    return ['timestamp', 'must be an ISO 8601 UTC date with milliseconds (YYYY-MM-DDTHH:mm:ss.sssZ)'];
  }
  if (!isAbsent(ev.userId) && !isNonEmptyString(ev.userId)) return ['userId', 'must be a non-empty string'];
  if (!isAbsent(ev.groupId) && !isNonEmptyString(ev.groupId)) return ['groupId', 'must be a non-empty string'];

  const optionalObject = (field) =>
    !isAbsent(ev[field]) && !isPlainObject(ev[field]) ? [field, `(${type}) must be an object when present`] : null;

  switch (type) {
    case 'track': {
      if (!isNonEmptyString(ev.event)) return ['event', '(track) must be a non-empty string'];
      const p = optionalObject('properties');
      if (p) return p;
      break;
    }
    case 'page': {
      if (!isAbsent(ev.name) && typeof ev.name !== 'string') return ['name', '(page) must be a string when present'];
      const p = optionalObject('properties');
      if (p) return p;
      break;
    }
    case 'identify': {
      if (!isNonEmptyString(ev.userId)) return ['userId', '(identify) must be a non-empty string'];
      const p = optionalObject('traits');
      if (p) return p;
      break;
    }
    case 'group': {
      if (!isNonEmptyString(ev.groupId)) return ['groupId', '(group) must be a non-empty string'];
      const p = optionalObject('traits');
      if (p) return p;
      break;
    }
    case 'alias': {
      if (!isNonEmptyString(ev.userId)) return ['userId', '(alias) must be a non-empty string'];
      if (!isNonEmptyString(ev.previousId)) return ['previousId', '(alias) must be a non-empty string'];
      break;
    }
  }

  const { context } = ev;
  if (!isPlainObject(context)) return ['context', 'must be an object'];
  if (!isPlainObject(context.library)) return ['context.library', 'must be an object'];
  if (context.library.name !== LIBRARY_NAME) return ['context.library.name', `must be "${LIBRARY_NAME}"`];
  if (typeof context.library.version !== 'string') return ['context.library.version', 'must be a string'];
  if (!isPlainObject(context.page)) return ['context.page', 'must be an object'];
  if (typeof context.page.url !== 'string') return ['context.page.url', 'must be a string'];

  return null;
}

/**
 * Validate one event. Returns null when OK, else a message naming the field,
 * e.g. `messageId must be "df-" followed by a UUID v4`.
 * @param {unknown} ev
 * @param {string} [expectedType] the type a single-event endpoint requires
 */
export function validateEvent(ev, expectedType) {
  const problem = firstProblem(ev, expectedType);
  if (!problem) return null;
  const [path, text] = problem;
  return `${path || 'event'} ${text}`;
}

const invalid = (message) => ({ status: 400, code: 'invalid_payload', message });
const tooLarge = (message) => ({ status: 413, code: 'payload_too_large', message });

/** 413 answer for an event over MAX_EVENT_BYTES, or null. `where` names it ("batch[3]" / "event"). */
export function checkEventSize(ev, where = 'event') {
  const bytes = eventBytes(ev);
  if (bytes <= MAX_EVENT_BYTES) return null;
  const id = isPlainObject(ev) && typeof ev.messageId === 'string' ? ev.messageId : 'none';
  return tooLarge(`${where} (messageId ${id}) is ${bytes} bytes; at most ${MAX_EVENT_BYTES} bytes an event`);
}

/**
 * Validate a `/v1/batch` body `{batch: [...]}`.
 * Returns null when OK, else `{status, code, message}` for the first problem.
 */
export function validateBatch(body) {
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
    const size = checkEventSize(batch[i], where);
    if (size) return size;
    const problem = firstProblem(batch[i]);
    if (problem) {
      const [path, text] = problem;
      return invalid(`${where}${path ? '.' + path : ''} ${text}`);
    }
  }
  return null;
}
