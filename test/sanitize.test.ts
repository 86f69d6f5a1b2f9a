import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanId, cleanDict, isPlainObject, byteLength, MAX_DEPTH } from '../src/sanitize.ts';

test('cleanId: strings trimmed, numbers converted, the rest rejected', () => {
  assert.equal(cleanId('user-1'), 'user-1');
  assert.equal(cleanId('  user-1 '), 'user-1');
  assert.equal(cleanId(42), '42');
  assert.equal(cleanId(0), '0');
  for (const bad of [null, undefined, '', '   ', {}, [], NaN, Infinity, true, () => 1, Symbol('x'), 10n, 'x'.repeat(1025)])
    assert.equal(cleanId(bad), undefined, String(typeof bad));
  assert.equal(cleanId('x'.repeat(1024))!.length, 1024);
});

test('isPlainObject', () => {
  assert.ok(isPlainObject({}));
  assert.ok(isPlainObject(Object.create(null)));
  for (const v of [[], null, 'x', 1, new Date(), new Map(), new (class A {})(), () => 1]) assert.equal(isPlainObject(v), false);
});

test('cleanDict: coercions and drops, documented rules', () => {
  const input: any = {
    s: 'x',
    n: 1,
    b: false,
    z: null,
    d: new Date(Date.UTC(2024, 5, 1)),
    bad: new Date(NaN),
    big: 12345678901234567890n,
    nan: NaN,
    inf: -Infinity,
    f() {},
    sym: Symbol('s'),
    u: undefined,
    arr: [1, undefined, () => 1, NaN, 'a'],
    nested: { deep: { ok: true } },
    withJSON: { toJSON: () => 'custom' },
  };
  input.self = input;
  input.nested.back = input;
  assert.deepEqual(cleanDict(input), {
    s: 'x',
    n: 1,
    b: false,
    z: null,
    d: '2024-06-01T00:00:00.000Z',
    bad: null,
    big: '12345678901234567890',
    nan: null,
    inf: null,
    arr: [1, null, null, null, 'a'],
    nested: { deep: { ok: true } },
    withJSON: 'custom',
  });
});

test('cleanDict never mutates the caller and rejects non-plain objects', () => {
  const o = { a: { b: [1, 2] }, d: new Date(0) };
  const snapshot = JSON.stringify(o);
  const c = cleanDict(o)!;
  (c.a as any).b.push(3);
  assert.equal(JSON.stringify(o), snapshot);
  assert.ok(o.d instanceof Date);
  for (const v of [[], 'x', 1, null, new Map()]) assert.equal(cleanDict(v), undefined);
});

test('cleanDict caps nesting depth', () => {
  let o: any = { leaf: 1 };
  for (let i = 0; i < MAX_DEPTH + 5; i++) o = { o };
  let c: any = cleanDict(o);
  let depth = 0;
  while (c && c.o) ((c = c.o), depth++);
  assert.equal(depth, MAX_DEPTH - 1);
});

test('cleanDict drops a key whose getter or toJSON throws, and DOM-like nodes', () => {
  const o = {
    get boom() {
      throw new Error('x');
    },
    j: {
      toJSON() {
        throw new Error('y');
      },
    },
    node: { nodeType: 1, nodeName: 'DIV' },
    ok: 1,
  };
  assert.deepEqual(cleanDict(o), { ok: 1 });
});

test('byteLength matches UTF-8', () => {
  for (const s of ['', 'abc', 'é', '€uro', '😀 grin', 'mixed ü € 😀 z', JSON.stringify({ a: 'ß' })])
    assert.equal(byteLength(s), Buffer.byteLength(s), s);
});

test('own __proto__ keys are kept as ordinary data keys, at any depth; no prototype is set or polluted', () => {
  const input = JSON.parse('{"__proto__": {"a": 1}, "b": 2, "n": {"__proto__": "s", "list": [{"__proto__": null}]}}');
  const c: any = cleanDict(input)!;
  // The same JSON, key for key (JSON.parse makes __proto__ an own key, as the page had it).
  assert.equal(JSON.stringify(c), '{"__proto__":{"a":1},"b":2,"n":{"__proto__":"s","list":[{"__proto__":null}]}}');
  assert.deepEqual(Object.keys(c), ['__proto__', 'b', 'n']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(c, '__proto__'), {
    value: { a: 1 },
    writable: true,
    enumerable: true,
    configurable: true,
  });
  // Copies are ordinary objects: the prototype is Object.prototype, not the page's value.
  for (const o of [c, c.n, c.n.list[0]]) assert.equal(Object.getPrototypeOf(o), Object.prototype);
  assert.equal(c.a, undefined);
  assert.equal(({} as any).a, undefined);
  assert.equal((Object.prototype as any).a, undefined);
  // Object.create(null) input with the key too.
  const bare = Object.create(null);
  bare['__proto__'] = { x: 1 };
  assert.equal(JSON.stringify(cleanDict(bare)), '{"__proto__":{"x":1}}');
  // An inherited __proto__ (every object has one) is not an own key: nothing added.
  assert.deepEqual(Object.keys(cleanDict({ k: 1 })!), ['k']);
  // The kept key survives a later merge by object spread (identity merges traits so).
  const merged: any = { ...{ old: 1 }, ...c };
  assert.equal(JSON.stringify(merged), '{"old":1,"__proto__":{"a":1},"b":2,"n":{"__proto__":"s","list":[{"__proto__":null}]}}');
  assert.equal(Object.getPrototypeOf(merged), Object.prototype);
});
