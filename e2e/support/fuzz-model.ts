// The fuzz test's value descriptors, their generators (fast-check), the in-page decoder, and an
// independent model of the documented input rules (README / src/sanitize.ts) that says, for each
// call, which event must reach the gateway.
import fc from 'fast-check';

/** A value, described so that it can cross into the page as JSON and be rebuilt there. */
export type D =
  | { t: 's'; v: string }
  | { t: 'num'; v: number }
  | { t: 'negzero' | 'nan' | 'inf' | 'ninf' | 'null' | 'undef' | 'fn' | 'sym' | 'dom' | 'win' | 'map' | 'set' | 'getterThrows' }
  | { t: 'b'; v: boolean }
  | { t: 'big'; v: string }
  | { t: 'date'; v: number | null }
  | { t: 'arr'; items: D[] }
  | { t: 'obj'; entries: [string, D][]; np?: boolean }
  | { t: 'inst'; entries: [string, D][] }
  | { t: 'tojson'; v: D }
  | { t: 'cycle'; up: number }
  | { t: 'chain'; n: number; leaf: D };

export interface Call {
  m: string;
  a: D[];
}

// ---- generators ---------------------------------------------------------------------------------

const WS = [' ', '\t', '\n', '\r', '\u00a0', '\u2028', '\ufeff', '\u3000', '\v', '\f'];
const str = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom('signup', 'Checkout Started', 'u-1', 'g-1', 'user-123', 'company-456'),
);
/** Strings for ids and names: ordinary, whitespace-only, padded, at and over 1024 characters. */
const idStr = fc.oneof(
  { weight: 6, arbitrary: str },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...WS), { maxLength: 4 }).map((a) => a.join('')) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...WS), str, fc.constantFrom(...WS)).map(([a, b, c]) => a + b + c) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 1022, max: 1026 }), fc.constantFrom('', ' ', '\n ')).map(([n, p]) => p + 'k'.repeat(n) + p),
  },
);

const num: fc.Arbitrary<D> = fc.double().map((v): D => {
  if (Number.isNaN(v)) return { t: 'nan' };
  if (v === Infinity) return { t: 'inf' };
  if (v === -Infinity) return { t: 'ninf' };
  if (Object.is(v, -0)) return { t: 'negzero' };
  return { t: 'num', v };
});

const leaf = (s: fc.Arbitrary<string>): fc.Arbitrary<D> =>
  fc.oneof(
    { weight: 5, arbitrary: s.map((v): D => ({ t: 's', v })) },
    { weight: 3, arbitrary: num },
    { weight: 2, arbitrary: fc.integer({ min: -5, max: 1e6 }).map((v): D => ({ t: 'num', v })) },
    { weight: 1, arbitrary: fc.boolean().map((v): D => ({ t: 'b', v })) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map((v): D => ({ t: 'big', v: String(v) })) },
    { weight: 1, arbitrary: fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.constant(null)).map((v): D => ({ t: 'date', v })) },
    {
      weight: 3,
      arbitrary: fc.constantFrom<D>(
        { t: 'null' },
        { t: 'undef' },
        { t: 'fn' },
        { t: 'sym' },
        { t: 'dom' },
        { t: 'win' },
        { t: 'map' },
        { t: 'set' },
      ),
    },
  );

const KEYS = ['a', 'b', 'c', 'x', 'y', 'z', '0', '1', 'name', 'value', 'ê', ' '];

/** Nested values: containers, cycles, toJSON, throwing getters, deep chains. */
const nested: fc.Arbitrary<D> = fc.letrec<{ v: D; o: D }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: leaf(fc.string({ maxLength: 10 })) },
    { weight: 2, arbitrary: tie('o') },
    { weight: 1, arbitrary: fc.array(tie('v'), { maxLength: 4 }).map((items): D => ({ t: 'arr', items })) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }).map((up): D => ({ t: 'cycle', up })) },
    { weight: 1, arbitrary: tie('v').map((v): D => ({ t: 'tojson', v })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 6, max: 14 }), leaf(fc.string({ maxLength: 4 })))
        .map(([n, l]): D => ({ t: 'chain', n, leaf: l })),
    },
  ),
  o: fc
    .tuple(
      fc.uniqueArray(
        fc.tuple(
          fc.constantFrom(...KEYS),
          fc.oneof({ weight: 8, arbitrary: tie('v') }, { weight: 1, arbitrary: fc.constant<D>({ t: 'getterThrows' }) }),
        ),
        { maxLength: 4, selector: (e) => e[0] },
      ),
      fc.integer({ min: 0, max: 9 }),
    )
    .map(([entries, k]): D => (k == 0 ? { t: 'inst', entries } : { t: 'obj', entries, np: k == 1 })),
})).v;

/** A bag argument: mostly plain objects, sometimes anything else. */
const bag: fc.Arbitrary<D> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .uniqueArray(
        fc.tuple(
          fc.constantFrom(...KEYS),
          fc.oneof({ weight: 9, arbitrary: nested }, { weight: 1, arbitrary: fc.constant<D>({ t: 'getterThrows' }) }),
        ),
        { maxLength: 5, selector: (e) => e[0] },
      )
      .chain((entries) => fc.boolean().map((np): D => ({ t: 'obj', entries, np: np && entries.length % 3 == 0 }))),
  },
  { weight: 2, arbitrary: fc.constantFrom<D>({ t: 'null' }, { t: 'undef' }) },
  { weight: 2, arbitrary: nested.filter((d) => d.t != 'tojson' && d.t != 'cycle') },
);

/** Any top-level argument (no toJSON objects at top level: see hostile.spec.ts for that case). */
const anyArg: fc.Arbitrary<D> = fc.oneof(
  { weight: 4, arbitrary: idStr.map((v): D => ({ t: 's', v })) },
  { weight: 2, arbitrary: num },
  { weight: 1, arbitrary: fc.integer({ min: -100, max: 100 }).map((v): D => ({ t: 'num', v })) },
  { weight: 2, arbitrary: bag },
);

const idArg = fc.oneof({ weight: 5, arbitrary: idStr.map((v): D => ({ t: 's', v })) }, { weight: 2, arbitrary: anyArg });
/** A call of `m` with a first argument from `first` and a bag, given 0, 1 or 2 of them. */
const withBag = (m: string, first: fc.Arbitrary<D>): fc.Arbitrary<Call> =>
  fc.tuple(first, bag).chain(([n, p]) => fc.integer({ min: 0, max: 2 }).map((k): Call => ({ m, a: [n, p].slice(0, k) })));

const call: fc.Arbitrary<Call> = fc.oneof(
  { weight: 4, arbitrary: withBag('track', idArg) },
  { weight: 3, arbitrary: withBag('page', anyArg) },
  { weight: 2, arbitrary: withBag('identify', idArg) },
  { weight: 2, arbitrary: withBag('group', idArg) },
  { weight: 1, arbitrary: fc.array(idArg, { maxLength: 2 }).map((a): Call => ({ m: 'alias', a })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('reset', 'flush', 'getAnonymousId', 'user', 'debug'), fc.array(anyArg, { maxLength: 1 }))
      .map(([m, a]): Call => ({ m, a })),
  },
);

export const sequence = fc.array(call, { minLength: 1, maxLength: 25, size: 'max' });

// ---- the in-page decoder (self-contained: passed to the page as a string) ----------------------

export function decodeInPage(d: any, stack: any[]): any {
  const dec = decodeInPage;
  switch (d.t) {
    case 's':
      return d.v;
    case 'num':
      return d.v;
    case 'negzero':
      return -0;
    case 'nan':
      return NaN;
    case 'inf':
      return Infinity;
    case 'ninf':
      return -Infinity;
    case 'b':
      return d.v;
    case 'null':
      return null;
    case 'undef':
      return undefined;
    case 'big':
      return BigInt(d.v);
    case 'date':
      return new Date(d.v === null ? NaN : d.v);
    case 'fn':
      return function () {
        return 1;
      };
    case 'sym':
      return Symbol('fuzz');
    case 'dom':
      return document.createElement('span');
    case 'win':
      return window;
    case 'map':
      return new Map([['k', 1]]);
    case 'set':
      return new Set([1]);
    case 'cycle':
      return stack.length ? stack[Math.max(0, stack.length - 1 - d.up)] : null;
    case 'tojson': {
      const inner = dec(d.v, stack);
      return { toJSON: () => inner };
    }
    case 'chain': {
      let o: any = { leaf: dec(d.leaf, stack) };
      for (let i = 1; i < d.n; i++) o = { a: o };
      return o;
    }
    case 'arr': {
      const a: any[] = [];
      stack[stack.length] = a;
      for (let i = 0; i < d.items.length; i++) a[i] = dec(d.items[i], stack);
      stack.length--;
      return a;
    }
    case 'obj':
    case 'inst': {
      const o: any = d.t == 'inst' ? new (class Thing {})() : d.np ? Object.create(null) : {};
      stack[stack.length] = o;
      for (const [k, v] of d.entries) {
        if (v.t == 'getterThrows')
          Object.defineProperty(o, k, {
            enumerable: true,
            configurable: true,
            get() {
              throw new Error('getter ' + k);
            },
          });
        else Object.defineProperty(o, k, { enumerable: true, configurable: true, writable: true, value: dec(v, stack) });
      }
      stack.length--;
      return o;
    }
  }
  throw new Error('unknown descriptor ' + d.t);
}

// ---- the model of the documented rules ----------------------------------------------------------

const MAX_DEPTH = 10;
const DROP = Symbol('drop');
const isObj = (d: D) => ['arr', 'obj', 'inst', 'map', 'set', 'date', 'dom', 'win', 'tojson', 'chain', 'cycle'].includes(d.t);

/** ids and names: trimmed strings of 1..1024 characters; finite numbers as strings; else rejected. */
export function cleanId(d: D | undefined): string | undefined {
  if (!d) return;
  let s: string | undefined;
  if (d.t == 'num') s = String(d.v);
  else if (d.t == 'negzero') s = '0';
  else if (d.t == 's') s = d.v;
  if (s === undefined) return;
  s = s.trim();
  return s.length >= 1 && s.length <= 1024 ? s : undefined;
}

/** A plain object: a {} literal or Object.create(null). */
const isPlain = (d: D | undefined) => !!d && (d.t == 'obj' || d.t == 'chain');

function clean(d: D, depth: number): unknown {
  switch (d.t) {
    case 's':
    case 'b':
      return d.v;
    case 'null':
      return null;
    case 'num':
      return d.v;
    case 'negzero':
      return 0;
    case 'nan':
    case 'inf':
    case 'ninf':
      return null;
    case 'big':
      return d.v;
    case 'undef':
    case 'fn':
    case 'sym':
    case 'getterThrows':
      return DROP;
    case 'date': {
      if (d.v === null) return null;
      const t = new Date(d.v);
      return Number.isFinite(+t) ? t.toISOString() : null;
    }
    case 'dom':
    case 'win':
      return DROP;
  }
  if (depth >= MAX_DEPTH) return DROP;
  switch (d.t) {
    case 'cycle':
      return DROP; // a reference to an object being copied
    case 'tojson':
      return clean(d.v, depth);
    case 'map':
    case 'set':
      return {};
    case 'chain': {
      let c: D = { t: 'obj', entries: [['leaf', d.leaf]] };
      for (let i = 1; i < d.n; i++) c = { t: 'obj', entries: [['a', c]] };
      return clean(c, depth);
    }
    case 'arr':
      return d.items.map((x) => {
        const c = clean(x, depth + 1);
        return c === DROP ? null : c;
      });
    case 'obj':
    case 'inst': {
      const o: Record<string, unknown> = {};
      for (const [k, v] of d.entries) {
        const c = clean(v, depth + 1);
        if (c !== DROP) o[k] = c;
      }
      return o;
    }
  }
  throw new Error('model: unknown ' + (d as any).t);
}

/** Optional bag: missing/undefined/null mean {}; a plain object is copied clean; else rejected. */
function bagOf(d: D | undefined): Record<string, unknown> | undefined {
  if (!d || d.t == 'undef' || d.t == 'null') return {};
  if (!isPlain(d)) return;
  return JSON.parse(JSON.stringify(clean(d, 0)));
}

export interface Expected {
  type: string;
  event?: string;
  name?: string;
  userId?: string;
  groupId?: string;
  properties?: unknown;
  traits?: unknown;
  /** alias: the previous userId, or null meaning "the anonymousId" */
  previousId?: string | null;
  /** which anonymousId segment (increments on reset) */
  seg: number;
}

export interface State {
  userId?: string;
  groupId?: string;
  traits: Record<string, unknown>;
  groupTraits: Record<string, unknown>;
  seg: number;
}

export const freshState = (): State => ({ traits: {}, groupTraits: {}, seg: 0 });

/** The event a call must produce (or undefined), updating the state as the collector must. */
export function model(s: State, c: Call): Expected | undefined {
  const [a0, a1] = c.a;
  const ids = () => ({ userId: s.userId, groupId: s.groupId, seg: s.seg });
  switch (c.m) {
    case 'track': {
      const n = cleanId(a0);
      const p = n !== undefined ? bagOf(a1) : undefined;
      if (p) return { type: 'track', event: n, properties: p, ...ids() };
      return;
    }
    case 'page': {
      let name: D | undefined = a0,
        props: D | undefined = a1;
      const undef = (d?: D) => !d || d.t == 'undef';
      if (undef(props) && name && isObj(name)) ((props = name), (name = undefined));
      const p = bagOf(props);
      if (!p) return;
      if (!name || name.t == 'undef' || name.t == 'null') return { type: 'page', properties: p, ...ids() };
      const n = cleanId(name);
      if (n !== undefined) return { type: 'page', name: n, properties: p, ...ids() };
      return;
    }
    // identify and group: an id and a bag of traits; traits merge while the id stays the same.
    case 'identify':
    case 'group': {
      const n = cleanId(a0);
      const t = n !== undefined ? bagOf(a1) : undefined;
      if (!t) return;
      if (c.m == 'identify') {
        s.traits = { ...(s.userId === n ? s.traits : {}), ...t };
        s.userId = n;
        return { type: 'identify', traits: s.traits, ...ids() };
      }
      s.groupTraits = { ...(s.groupId === n ? s.groupTraits : {}), ...t };
      s.groupId = n;
      return { type: 'group', traits: s.groupTraits, ...ids(), groupId: n };
    }
    case 'alias': {
      const n = cleanId(a0);
      if (n === undefined) return;
      const prev = s.userId ?? null;
      s.userId = n;
      return { type: 'alias', previousId: prev, ...ids() };
    }
    case 'reset':
      s.userId = s.groupId = undefined;
      s.traits = {};
      s.groupTraits = {};
      s.seg++;
      return;
  }
}
