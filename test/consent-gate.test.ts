// The consent gate as a transition table: every state × every input, with the effects the
// collector executes. Storage is injected (the state last sent as a consent_update).
import { test } from 'node:test';
import assert from 'node:assert/strict';
// CMP readings exist in the full build only (the core's gate compiles that path out).
(globalThis as any).__FULL__ = true;
import { createConsentGate, UNKNOWN, GRANTED, DENIED, ENABLE, UPDATE, WIPE, RENEW, type Gate } from '../src/consent-gate.ts';

const NAMES: Record<number, string> = { [ENABLE]: 'ENABLE', [UPDATE]: 'UPDATE', [WIPE]: 'WIPE', [RENEW]: 'RENEW' };
const fx = (bits: number) =>
  Object.keys(NAMES)
    .map(Number)
    .filter((b) => bits & b)
    .map((b) => NAMES[b])
    .join('|') || '-';
const STATE = ['unknown', 'granted', 'denied'];

/** A gate in each state, consent-first on analytics (the last update sent, as storage would say). */
function gateIn(state: number, stored: string | null = null): Gate {
  const g = createConsentGate(true, true, () => stored);
  if (state == GRANTED) g._set({ analytics: true });
  if (state == DENIED) g._set({ analytics: false });
  assert.equal(g._state(), state);
  return g;
}

const CMP = (analytics: boolean) => ({
  categories: { C0001: true, C0002: analytics },
  canonical: { essential: true, functional: false, analytics, marketing: false, personalization: false },
});

/**
 * input → what it does to a gate. reset() and identify() change no state: the state decides what
 * the collector does with them (ROUTE below); a reset while storage is off is kept by the identity
 * (the next ENABLE writes the memory identity instead of restoring the stored one).
 */
const INPUTS: Record<string, (g: Gate) => number> = {
  grant: (g) => g._set({ analytics: true }),
  deny: (g) => g._set({ analytics: false }),
  'other category': (g) => g._set({ marketing: true }),
  'cmp grant': (g) => g._set(CMP(true), true),
  'cmp deny': (g) => g._set(CMP(false), true),
  reset: () => 0,
  identify: () => 0,
  'init marketing': (g) => g._require('marketing'),
  'init cmp': (g) => g._require(),
};

// [state, input] → [next state, effects]
const TABLE: Record<string, Record<string, [number, string]>> = {
  unknown: {
    grant: [GRANTED, 'ENABLE|UPDATE'],
    deny: [DENIED, 'WIPE|RENEW'],
    'other category': [UNKNOWN, '-'],
    'cmp grant': [GRANTED, 'ENABLE|UPDATE'],
    'cmp deny': [DENIED, 'WIPE|RENEW'],
    reset: [UNKNOWN, '-'],
    identify: [UNKNOWN, '-'],
    'init marketing': [UNKNOWN, '-'],
    'init cmp': [UNKNOWN, '-'],
  },
  granted: {
    grant: [GRANTED, '-'],
    deny: [DENIED, 'UPDATE|WIPE|RENEW'],
    'other category': [GRANTED, 'UPDATE'],
    'cmp grant': [GRANTED, 'UPDATE'],
    'cmp deny': [DENIED, 'UPDATE|WIPE|RENEW'],
    reset: [GRANTED, '-'],
    identify: [GRANTED, '-'],
    'init marketing': [UNKNOWN, 'WIPE'],
    'init cmp': [GRANTED, '-'],
  },
  denied: {
    grant: [GRANTED, 'ENABLE|UPDATE|RENEW'],
    deny: [DENIED, '-'],
    'other category': [DENIED, '-'],
    'cmp grant': [GRANTED, 'ENABLE|UPDATE|RENEW'],
    'cmp deny': [DENIED, '-'],
    reset: [DENIED, '-'],
    identify: [DENIED, '-'],
    'init marketing': [UNKNOWN, 'WIPE|RENEW'],
    'init cmp': [DENIED, '-'],
  },
};

test('transition table: every state × every input', () => {
  for (const s of [UNKNOWN, GRANTED, DENIED])
    for (const input in INPUTS) {
      const g = gateIn(s);
      const bits = INPUTS[input](g);
      const [next, effects] = TABLE[STATE[s]][input];
      assert.deepEqual([STATE[g._state()], fx(bits)], [STATE[next], effects], `${STATE[s]} × ${input}`);
    }
});

/** What the collector does with an event (identify, track, ...) and an identity write (identify, alias, reset) in each state. */
const ROUTE = {
  [UNKNOWN]: 'held in memory; identity in memory only',
  [GRANTED]: 'sent; identity stored',
  [DENIED]: 'dropped; nothing stored',
};

test('identify / reset in each state: routed by the state, which they do not change', () => {
  const seen = [UNKNOWN, GRANTED, DENIED].map((s) => ROUTE[gateIn(s)._state() as 0 | 1 | 2]);
  assert.deepEqual(seen, ['held in memory; identity in memory only', 'sent; identity stored', 'dropped; nothing stored']);
});

test('no gate: granted for good; consent changes only send updates, once per change, against the stored last one', () => {
  const last = JSON.stringify({
    categories: { analytics: true },
    canonical: { essential: true, functional: true, analytics: true, marketing: true, personalization: true },
  });
  const g = createConsentGate(undefined, false, () => last);
  assert.equal(g._state(), GRANTED);
  assert.deepEqual(g._canonical(), { essential: true, functional: true, analytics: true, marketing: true, personalization: true });
  assert.equal(fx(g._set({ analytics: true })), '-'); // same as the last page view's
  assert.equal(fx(g._set({ analytics: false })), 'UPDATE'); // not the gate category: no withdrawal
  assert.equal(g._state(), GRANTED);
  assert.equal(fx(g._set({ analytics: false })), '-');
  // A late requireConsent on a category already denied: a withdrawal.
  assert.equal(fx(g._require(true)), 'UPDATE|WIPE|RENEW');
  assert.equal(g._state(), DENIED);
  // Unanswered categories are no longer granted once managed.
  assert.deepEqual(g._canonical(), { essential: true, functional: false, analytics: false, marketing: false, personalization: false });
});

test('a falsy late requireConsent cannot loosen the gate', () => {
  const g = gateIn(UNKNOWN);
  g._require(false);
  assert.equal(g._category, 'analytics');
  assert.equal(g._state(), UNKNOWN);
});

test('both views: page values verbatim (booleans; strings for own codes), canonical booleans only, essential always true; a CMP reading replaces the codes', () => {
  const g = createConsentGate(undefined, true, () => null);
  g._set({ analytics: 'yes', functional: 1, essential: false, tcString: 'CP1', marketing: true, n: 3 });
  assert.deepEqual(g._consent(), {
    categories: { essential: false, tcString: 'CP1', marketing: true },
    canonical: { essential: true, functional: false, analytics: false, marketing: true, personalization: false },
  });
  g._set(CMP(true), true);
  assert.deepEqual(g._consent(), { categories: { C0001: true, C0002: true }, canonical: CMP(true).canonical });
  // A reading is a whole state: an earlier page answer does not survive it.
  assert.equal(g._canonical().marketing, false);
  // getConsent() is a copy: changing it changes nothing.
  g._canonical().analytics = false;
  assert.equal(g._canonical().analytics, true);
});

test('essential as the gate category is always granted', () => {
  assert.equal(createConsentGate('essential', true, () => null)._state(), GRANTED);
});

test('a polluted Object.prototype grants nothing; a requireConsent that is not canonical is never granted; essential always is', () => {
  const P = Object.prototype as any;
  P.analytics = true;
  try {
    const g = createConsentGate(true, true, () => null);
    assert.equal(g._state(), UNKNOWN);
    g._set({ functional: true }); // for…in would walk the inherited analytics
    assert.equal(g._state(), UNKNOWN);
    assert.equal(g._canonical().analytics, false);
    const cmp = createConsentGate(true, true, () => null);
    cmp._set({ categories: {}, canonical: { functional: true } }, true);
    assert.equal(cmp._state(), UNKNOWN);
  } finally {
    delete P.analytics;
  }
  for (const c of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'ads']) {
    const g = createConsentGate(c, true, () => null);
    assert.equal(g._state(), UNKNOWN, c);
    g._set({ functional: true, analytics: true, marketing: true, personalization: true, [c]: true });
    assert.equal(g._state(), UNKNOWN, c);
  }
  assert.equal(createConsentGate('essential', true, () => null)._state(), GRANTED);
});
