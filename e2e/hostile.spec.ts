// Safe in any page: bad input (one documented rule per case, a debug warning, no throw), hostile
// environments (storage, blocked CDN, strict CSP, double installs, broken builtins) and the host
// page's globals. Every test asserts the exact events that reach the gateway and that no page error,
// console error or CSP violation happened.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { Page } from '@playwright/test';
import { test, expect, withStub, stubPage, delayCollector, collectorLoaded, KEY, names, type Gw } from './support/fixtures';
import { guard, dfLines, stubCode, doc, WARN_HOOK, type Guard } from './support/hostile-kit';
import { cspHash, sriHash } from '../snippet/build.mjs';
import type { Site } from './support/site';

const dist = (f: string) => readFileSync(new URL('../dist/' + f, import.meta.url));

/** No 400 (an event the gateway's validation refused) was ever answered. */
async function noInvalid(gw: Gw) {
  const s = await gw.stats();
  expect(s.byStatus['400'] ?? 0, 'gateway answered 400: ' + JSON.stringify(s)).toBe(0);
}

async function flushed(page: Page, name = '_df') {
  return page.evaluate((n) => (window as any)[n].flush(), name);
}

type Mode = 'stub' | 'collector';

/**
 * Runs `fn` (a self-contained page function returning a serializable result) on the stub (d.js
 * delayed, calls queued and replayed) or on the loaded collector, with `_df.init(init)` queued
 * first; waits for the collector and flushes. Returns the function's result.
 */
async function scenario(page: Page, gw: Gw, site: Site, mode: Mode, path: string, fn: () => any, init = '{autoPage:false, debug:true}') {
  let body = `<script>_df.init(${init})</script>`;
  if (mode == 'stub') {
    await delayCollector(page, 700);
    body += `<script>window.__result=(${fn.toString()})();window.__onStub=typeof _df.version!='string'</script>`;
  }
  await page.goto(site.set(path, await stubPage(gw, { head: WARN_HOOK, body })));
  await collectorLoaded(page);
  let result: any;
  if (mode == 'stub') {
    expect(await page.evaluate(() => (window as any).__onStub), 'the calls ran on the stub').toBe(true);
    result = await page.evaluate(() => (window as any).__result);
  } else result = await page.evaluate(`(${fn.toString()})()`);
  await flushed(page);
  return result;
}

const dfWarns = (page: Page): Promise<string[]> =>
  page.evaluate(() => (window as any).__warns.filter((w: string) => w.startsWith('[Datafly]')));

// ---------------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------------

function badIds() {
  const df = (window as any)._df;
  const threw: string[] = [];
  const call = (m: string, ...a: any[]) => {
    try {
      df[m](...a);
    } catch (e) {
      threw.push(m + ': ' + e);
    }
  };
  const snap = () => {
    try {
      return JSON.stringify(df.user());
    } catch {
      return 'n/a';
    }
  };
  call('identify', 'base-user', { a: 1 });
  call('group', 'base-group', { g: 1 });
  const before = snap();
  const bad: any[] = [
    null,
    undefined,
    {},
    [],
    ['a'],
    '',
    '   ',
    '\n\t\u00a0\ufeff',
    'x'.repeat(1025),
    NaN,
    Infinity,
    -Infinity,
    true,
    false,
    Symbol('s'),
    function f() {},
    new Date(0),
    new String('str'),
    BigInt(10),
    new Map(),
  ];
  const expectWarn: string[] = [];
  for (const v of bad) {
    call('identify', v, { b: 1 });
    expectWarn.push('userId must be');
    call('group', v, { b: 1 });
    expectWarn.push('groupId must be');
    call('track', v, { b: 1 });
    expectWarn.push('event name must be');
    call('alias', v);
    expectWarn.push('alias userId must be');
    // page(null|undefined, props) is an unnamed page: valid, so not in the bad list for names.
    if (v != null) {
      call('page', v, { b: 1 });
      expectWarn.push('page name must be');
    }
  }
  const after = snap();
  // The edges that are valid: numbers become strings, strings are trimmed, 1024 characters pass.
  call('identify', 42, { n: 1 });
  call('group', '  g-trim  ');
  call('track', 7);
  call('page', 3.5, {});
  call('track', ' ' + 'y'.repeat(1024) + ' ');
  call('alias', 0);
  call('track', 'after_all');
  return { threw, expectWarn, before, after, bad: bad.length };
}

for (const mode of ['collector', 'stub'] as Mode[]) {
  test.describe(`bad input on the ${mode}`, () => {
    test(`ids and names: every rejected value warns once, sends nothing, changes no state; numbers and padded strings pass (${mode})`, async ({
      page,
      gw,
      site,
    }) => {
      const g = await guard(page);
      const r = await scenario(page, gw, site, mode, `/bad-ids-${mode}`, badIds);
      expect(r.threw).toEqual([]);
      if (mode == 'collector') expect(r.after).toBe(r.before);
      const evs = await gw.events();
      expect(names(evs)).toEqual(['identify', 'group', 'identify', 'group', '7', 'page:3.5', 'y'.repeat(1024), 'alias', 'after_all']);
      expect(evs[2]).toMatchObject({ userId: '42', traits: { n: 1 }, groupId: 'base-group' });
      expect(evs[3]).toMatchObject({ groupId: 'g-trim', traits: {}, userId: '42' });
      expect(evs[7]).toMatchObject({ type: 'alias', previousId: '42', userId: '0' });
      expect(evs[8]).toMatchObject({ userId: '0', groupId: 'g-trim' });
      const user = await page.evaluate(() => (window as any)._df.user());
      expect(user).toMatchObject({ userId: '0', traits: { n: 1 }, groupId: 'g-trim', groupTraits: {} });
      // One warning per rejected call, naming the documented rule, in call order.
      const warns = await dfWarns(page);
      expect(warns.length).toBe(r.expectWarn.length);
      warns.forEach((w, i) => expect(w, `warning ${i}`).toMatch(new RegExp(r.expectWarn[i])));
      await noInvalid(gw);
      expect(g.errors).toEqual([]);
      expect(await g.violations()).toEqual([]);
    });

    test(`ids that can't even be printed (Object.create(null), a throwing toString) are rejected with the documented warning (${mode})`, async ({
      page,
      gw,
      site,
    }) => {
      const g = await guard(page);
      const r = await scenario(page, gw, site, mode, `/bad-ids2-${mode}`, () => {
        const df = (window as any)._df;
        const threw: string[] = [];
        const np = Object.create(null);
        const ts = {
          toString() {
            throw new Error('toString');
          },
        };
        for (const v of [np, ts]) {
          for (const m of ['identify', 'group', 'track', 'alias', 'page']) {
            try {
              df[m](v, m == 'alias' ? undefined : { b: 1 });
            } catch (e) {
              threw.push(m + ': ' + e);
            }
          }
        }
        df.track('sentinel');
        return { threw };
      });
      expect(r.threw).toEqual([]);
      expect(names(await gw.events())).toEqual(['sentinel']);
      const warns = await dfWarns(page);
      const rules = ['userId must be', 'groupId must be', 'event name must be', 'alias userId must be', 'page name must be'];
      expect(warns.length).toBe(10);
      warns.forEach((w, i) => expect(w, `warning ${i}`).toContain(rules[i % 5]));
      expect(g.errors).toEqual([]);
    });

    test(`traits and properties: non-plain objects are rejected with a warning; null/undefined mean {}; null-prototype objects pass (${mode})`, async ({
      page,
      gw,
      site,
    }) => {
      const g = await guard(page);
      const r = await scenario(page, gw, site, mode, `/bad-bags-${mode}`, () => {
        const df = (window as any)._df;
        const threw: string[] = [];
        const call = (m: string, ...a: any[]) => {
          try {
            df[m](...a);
          } catch (e) {
            threw.push(m + ': ' + e);
          }
        };
        class Thing {
          a = 1;
        }
        call('identify', 'u-base', { base: 1 });
        const bad: any[] = [
          [],
          [1],
          new Map([['a', 1]]),
          new Set([1]),
          new Thing(),
          new Date(0),
          'str',
          42,
          true,
          Symbol('s'),
          () => 1,
          /re/,
          new Error('e'),
          document.body,
          window,
          new Number(1),
          BigInt(3),
          new Uint8Array(2),
        ];
        const expectWarn: string[] = [];
        for (const v of bad) {
          call('track', 't_bad', v);
          expectWarn.push('track properties must be a plain object');
          call('identify', 'u-other', v);
          expectWarn.push('(identify|userId) traits must be a plain object');
          call('group', 'g-other', v);
          expectWarn.push('group(Id)? traits must be a plain object');
          call('page', 'p_bad', v);
          expectWarn.push('page properties must be a plain object');
          if (v && typeof v == 'object') {
            call('page', v);
            expectWarn.push('page properties must be a plain object');
          }
        }
        const np = Object.create(null);
        np.k = 'v';
        call('track', 't_null', null);
        call('track', 't_undef', undefined);
        call('track', 't_np', np);
        call('page', { section: 'docs' });
        call('page', null, { q: 1 });
        call('identify', 'u-null', null);
        call('group', 'g-np', np);
        return { threw, expectWarn };
      });
      expect(r.threw).toEqual([]);
      const evs = await gw.events();
      expect(names(evs)).toEqual(['identify', 't_null', 't_undef', 't_np', 'page', 'page', 'identify', 'group']);
      for (const e of evs.slice(0, 6)) expect(e.userId).toBe('u-base');
      for (const e of evs.slice(0, 7)) expect(e.groupId).toBeUndefined();
      expect(evs[1].properties).toEqual({});
      expect(evs[2].properties).toEqual({});
      expect(evs[3].properties).toEqual({ k: 'v' });
      expect(evs[4].properties).toEqual({ section: 'docs' });
      expect(evs[4].name).toBeUndefined();
      expect(evs[5].properties).toEqual({ q: 1 });
      expect(evs[6]).toMatchObject({ userId: 'u-null', traits: {} });
      expect(evs[7]).toMatchObject({ groupId: 'g-np', traits: { k: 'v' } });
      const warns = await dfWarns(page);
      expect(warns.length).toBe(r.expectWarn.length);
      warns.forEach((w, i) => expect(w, `warning ${i}`).toMatch(new RegExp(r.expectWarn[i])));
      await noInvalid(gw);
      expect(g.errors).toEqual([]);
    });

    test(`properties are copied clean (cycles, Date, BigInt, NaN, functions, symbols, DOM, depth 10, throwing getters) and never mutated (${mode})`, async ({
      page,
      gw,
      site,
    }) => {
      const g = await guard(page);
      const r = await scenario(page, gw, site, mode, `/clean-${mode}`, () => {
        const df = (window as any)._df;
        let chain: any = { leaf: 1 };
        for (let i = 0; i < 14; i++) chain = { a: chain };
        const div = document.createElement('div');
        const props: any = {
          s: 'str',
          n: 1.5,
          b: true,
          nul: null,
          undef: undefined,
          date: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)),
          badDate: new Date(NaN),
          big: BigInt('12345678901234567890'),
          nan: NaN,
          inf: Infinity,
          ninf: -Infinity,
          fn() {
            return 1;
          },
          sym: Symbol('x'),
          el: div,
          doc: document,
          win: window,
          text: document.createTextNode('t'),
          arr: [1, undefined, () => 1, Symbol('y'), NaN, new Date(0), BigInt(2), div],
          chain,
          get boom() {
            throw new Error('getter');
          },
          toj: {
            toJSON() {
              return { via: 'toJSON' };
            },
          },
          tojThrow: {
            toJSON() {
              throw new Error('toJSON');
            },
          },
          frozen: Object.freeze({ f: Object.freeze([1, 2]) }),
        };
        props.self = props;
        props.nestedCycle = { back: props, arr: [props], inner: {} as any };
        props.nestedCycle.inner.up = props.nestedCycle;
        props[Symbol('key')] = 'symbol key';
        const keysBefore = Object.keys(props).join(',');
        const traits: any = { d: new Date(0), list: [1, 2] };
        const traits2: any = { e: 1 };
        df.track('clean_me', props);
        df.identify('u-clean', traits);
        df.identify('u-clean', traits2);
        let depth = 0;
        for (let o = chain; o.a; o = o.a) depth++;
        return {
          untouched:
            Object.keys(props).join(',') == keysBefore &&
            props.self === props &&
            props.date instanceof Date &&
            typeof props.big == 'bigint' &&
            typeof props.fn == 'function' &&
            props.arr.length == 8 &&
            typeof props.arr[2] == 'function' &&
            props.arr[7] === div &&
            props.nestedCycle.back === props &&
            props.el === div &&
            Number.isNaN(props.nan) &&
            depth == 14 &&
            traits.d instanceof Date &&
            Object.keys(traits).join(',') == 'd,list' &&
            Object.keys(traits2).join(',') == 'e',
        };
      });
      expect(r.untouched, "the caller's objects are unchanged").toBe(true);
      const evs = await gw.events();
      expect(names(evs)).toEqual(['clean_me', 'identify', 'identify']);
      const p = evs[0].properties;
      // 10 object levels in all (MAX_DEPTH): properties is level 1, so chain keeps 9 levels.
      let expectedChain: any = {};
      for (let i = 0; i < 8; i++) expectedChain = { a: expectedChain };
      expect(p).toEqual({
        s: 'str',
        n: 1.5,
        b: true,
        nul: null,
        date: '2024-01-02T03:04:05.678Z',
        badDate: null,
        big: '12345678901234567890',
        nan: null,
        inf: null,
        ninf: null,
        arr: [1, null, null, null, null, '1970-01-01T00:00:00.000Z', '2', null],
        chain: expectedChain,
        toj: { via: 'toJSON' },
        frozen: { f: [1, 2] },
        nestedCycle: { arr: [null], inner: {} },
      });
      expect(evs[1].traits).toEqual({ d: '1970-01-01T00:00:00.000Z', list: [1, 2] });
      expect(evs[2].traits).toEqual({ d: '1970-01-01T00:00:00.000Z', list: [1, 2], e: 1 });
      await noInvalid(gw);
      expect(g.errors).toEqual([]);
    });

    test(`a plain object whose toJSON returns a non-object is not sent as invalid properties (${mode})`, async ({ page, gw, site }) => {
      const g = await guard(page);
      await scenario(page, gw, site, mode, `/tojson-bag-${mode}`, () => {
        const df = (window as any)._df;
        df.track('tojson_string', { toJSON: () => 'a string' });
        df.track('tojson_array', { toJSON: () => [1, 2] });
        df.identify('u-tojson', { toJSON: () => 5 });
        df.track('sentinel');
        return {};
      });
      const evs = await gw.events();
      // Either rule is acceptable (rejected with a warning, or sent with object properties), but an
      // event the gateway refuses must never leave, and nothing valid may be lost.
      await noInvalid(gw);
      expect(names(evs)).toContain('sentinel');
      for (const e of evs) {
        if (e.type == 'track') expect(typeof e.properties == 'object' && !Array.isArray(e.properties)).toBe(true);
        if (e.type == 'identify') expect(typeof e.traits == 'object' && !Array.isArray(e.traits)).toBe(true);
      }
      const sentOrWarned = (await dfWarns(page)).length + evs.length;
      expect(sentOrWarned).toBeGreaterThanOrEqual(4);
      expect(g.errors).toEqual([]);
    });

    test(`every public method swallows its own errors: throwing Proxy, revoked Proxy, throwing toString, detached calls, ready() edge cases (${mode})`, async ({
      page,
      gw,
      site,
    }) => {
      const g = await guard(page);
      const r = await scenario(page, gw, site, mode, `/swallow-${mode}`, () => {
        const w = window as any;
        const df = w._df;
        const threw: string[] = [];
        const trapHandler: ProxyHandler<any> = {};
        for (const t of [
          'get',
          'has',
          'ownKeys',
          'getPrototypeOf',
          'getOwnPropertyDescriptor',
          'set',
          'defineProperty',
          'deleteProperty',
          'apply',
          'construct',
          'isExtensible',
          'preventExtensions',
          'setPrototypeOf',
        ])
          (trapHandler as any)[t] = () => {
            throw new Error('trap ' + t);
          };
        const TRAP = new Proxy({}, trapHandler);
        const rv = Proxy.revocable({}, {});
        rv.revoke();
        const REVOKED = rv.proxy;
        const BADSTR = {
          toString() {
            throw new Error('ts');
          },
          valueOf() {
            throw new Error('vo');
          },
        };
        w.readyRuns = 0;
        const results: any[] = [];
        const call = (m: string, ...a: any[]) => {
          try {
            results.push(df[m](...a));
          } catch (e) {
            threw.push(m + ': ' + e);
          }
        };
        call('reset', TRAP);
        for (const v of [TRAP, REVOKED]) {
          call('page', v);
          call('page', 'p', v);
          call('page', v, v);
          call('track', v);
          call('track', 't', v);
          call('identify', v);
          call('identify', 'u-trap', v);
          call('group', v);
          call('group', 'g-trap', v);
          call('alias', v);
          call('ready', v);
          call('flush', v);
          call('getAnonymousId', v);
          call('user', v);
          call('debug', v);
        }
        call('track', BADSTR);
        call('track', 'tr_badstr', BADSTR); // valid: functions are dropped, {} remains
        call('ready', () => {
          throw new Error('ready threw');
        });
        call('ready', () => {
          w.readyRuns++;
        });
        call('ready');
        call('ready', 'not a function');
        call('debug', false);
        // Detached and re-bound calls.
        const { track } = df;
        try {
          track('detached');
        } catch (e) {
          threw.push('detached: ' + e);
        }
        try {
          df.track.call(null, 'called_on_null');
        } catch (e) {
          threw.push('call(null): ' + e);
        }
        try {
          df.track.apply(undefined, ['applied', { x: 1 }]);
        } catch (e) {
          threw.push('apply: ' + e);
        }
        // Whatever flush() returns (a Promise on the collector, undefined on the stub) never rejects.
        w.__flushes = Promise.all(results.filter((x) => x && typeof x.then == 'function')).then(
          () => 'ok',
          (e) => 'rejected: ' + e,
        );
        return { threw };
      });
      expect(r.threw).toEqual([]);
      expect(await page.evaluate(() => (window as any).__flushes)).toBe('ok');
      expect(await page.evaluate(() => (window as any).readyRuns)).toBe(1);
      const evs = await gw.events();
      expect(names(evs)).toEqual(['tr_badstr', 'detached', 'called_on_null', 'applied']);
      expect(evs[0].properties).toEqual({});
      expect(evs[0].userId).toBeUndefined();
      expect(evs[0].groupId).toBeUndefined();
      await noInvalid(gw);
      expect(g.errors).toEqual([]);
    });
  });
}

const HOSTILE_INIT: Record<string, string> = {
  'a Proxy whose every trap throws': `(function(){var h={};['get','has','ownKeys','getPrototypeOf','getOwnPropertyDescriptor'].forEach(function(t){h[t]=function(){throw new Error('trap '+t)}});return new Proxy({},h)})()`,
  'an object with a throwing getter': `{ get autoPage() { throw new Error('getter'); } }`,
  'a revoked Proxy': `(function(){var r=Proxy.revocable({},{});r.revoke();return r.proxy})()`,
};

for (const [what, arg] of Object.entries(HOSTILE_INIT)) {
  test(`_df.init(${what}) queued on the stub does not stop the collector`, async ({ page, gw, site }) => {
    const g = await guard(page);
    await delayCollector(page, 300);
    const url = site.set(
      '/init-hostile',
      await stubPage(gw, {
        body: `<script>
        window.__threw = [];
        try { _df.init(${arg}); } catch (e) { __threw.push(String(e)); }
        _df.track('after_hostile_init');
      </script>`,
      }),
    );
    await page.goto(url);
    expect(await page.evaluate(() => (window as any).__threw)).toEqual([]);
    const evs = await gw.waitFor(2, 5000);
    expect(names(evs)).toEqual(['page', 'after_hostile_init']);
    expect(g.errors).toEqual([]);
  });
}

test('an event over 64 KB is dropped with a debug warning naming it; the others arrive', async ({ page, gw, site }) => {
  const g = await guard(page);
  await withStub(page, gw, site, '/big', { head: WARN_HOOK, body: `<script>_df.init({ autoPage: false })</script>` });
  const threw = await page.evaluate(async () => {
    const df = (window as any)._df;
    try {
      // Silent without debug.
      df.track('huge_quiet', { pad: 'x'.repeat(70000) });
      df.debug(true);
      df.track('huge_event', { pad: 'x'.repeat(70000) });
      df.page('Huge Page', { pad: 'é'.repeat(40000) }); // 80 KB of UTF-8, 40 K characters
      df.track('ok_after', { pad: 'x'.repeat(60000) });
      await df.flush();
      return '';
    } catch (e) {
      return String(e);
    }
  });
  expect(threw).toBe('');
  const evs = await gw.events();
  expect(names(evs)).toEqual(['ok_after']);
  const warns = await dfWarns(page);
  expect(warns.length).toBe(2);
  expect(warns[0]).toContain('64 KB');
  expect(warns[0]).toContain('huge_event');
  expect(warns[1]).toContain('64 KB');
  expect(warns[1]).toContain('Huge Page');
  expect(warns.join()).not.toContain('huge_quiet');
  await noInvalid(gw);
  expect(g.errors).toEqual([]);
});

test('an identify dropped for size does not poison later identify calls of the same user', async ({ page, gw, site }) => {
  const g = await guard(page);
  await withStub(page, gw, site, '/big-identify', { body: `<script>_df.init({ autoPage: false })</script>` });
  await page.evaluate(async () => {
    const df = (window as any)._df;
    df.identify('u-big', { pad: 'x'.repeat(70000) });
    df.identify('u-big', { plan: 'pro' }); // a valid, small call
    await df.flush();
  });
  const evs = await gw.events();
  // The small identify is a valid call: it must not be lost because of what an earlier, dropped
  // event left in the merged traits.
  expect(names(evs)).toEqual(['identify']);
  expect(evs[0].traits.plan).toBe('pro');
  expect(g.errors).toEqual([]);
});

test.describe('debug output', () => {
  const calls = `
    _df.track('dbg_track', { a: 1 });
    _df.page('Dbg Page');
    _df.identify('dbg-user');
    _df.group('dbg-group');
    _df.alias('dbg-alias');
    _df.track('');
    _df.track('x', [1]);
  `;
  const expectDebug = (g: Guard) => {
    const logs = dfLines(g, 'log');
    const warns = dfLines(g, 'warning');
    for (const want of ['page', 'track dbg_track', 'page Dbg Page', 'identify', 'group', 'alias'])
      expect(
        logs.some((l) => l.startsWith('[Datafly] ' + want)),
        `a log line for ${want} in ${JSON.stringify(logs)}`,
      ).toBe(true);
    expect(logs.length).toBe(6);
    expect(warns.length).toBe(2);
    expect(warns[0]).toContain('event name must be');
    expect(warns[1]).toContain('track properties must be a plain object');
  };

  test('debug(true) on the loaded collector prints every event and warning; debug(false) silences it', async ({ page, gw, site }) => {
    const g = await guard(page);
    await page.goto(site.set('/dbg1', await stubPage(gw)));
    await collectorLoaded(page);
    await gw.waitFor(1);
    expect(dfLines(g)).toEqual([]);
    await page.evaluate(`_df.debug(true);${calls}; _df.flush()`);
    await gw.waitFor(6);
    await expect.poll(() => dfLines(g).length).toBe(7);
    // The auto page event was before debug(true): only 5 events logged here, plus 2 warnings.
    expect(dfLines(g, 'log').length).toBe(5);
    const n = g.console.length;
    await page.evaluate(`_df.debug(false);${calls}; _df.flush()`);
    await gw.waitFor(11);
    expect(g.console.length).toBe(n);
    expect(g.errors).toEqual([]);
  });

  for (const [how, path, init, query] of [
    ['?df_debug=1 in the page URL', '/dbg2', '', '?df_debug=1'],
    ['a queued _df.init({debug: true})', '/dbg3', '_df.init({ debug: true });', ''],
  ]) {
    test(`${how} turns debug on from the start`, async ({ page, gw, site }) => {
      const g = await guard(page);
      await page.goto(site.set(path, await stubPage(gw, { body: `<script>${init}${calls}</script>` })) + query);
      await gw.waitFor(6);
      await expect.poll(() => dfLines(g).length).toBe(8);
      expectDebug(g);
      expect(g.errors).toEqual([]);
    });
  }

  test('without debug the collector is silent, whatever happens (bad input, 64 KB drops, 401s, 500s)', async ({ page, gw, site }) => {
    const g = await guard(page);
    await gw.faults({ status: 500, count: 1 });
    await page.goto(
      site.set(
        '/quiet',
        await stubPage(gw, {
          body: `<script>${calls}; _df.track('big', { p: 'x'.repeat(70000) }); _df.identify(null); _df.page([])</script>`,
        }),
      ),
    );
    await collectorLoaded(page);
    await flushed(page);
    expect(names(await gw.events())).toEqual(['page', 'dbg_track', 'page:Dbg Page', 'identify', 'group', 'alias']);
    expect(dfLines(g)).toEqual([]);
    // The only console line is the browser's own network log of the injected 500.
    expect(g.console).toEqual([
      { type: 'error', text: 'Failed to load resource: the server responded with a status of 500 (Internal Server Error)' },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile environments: storage
// ---------------------------------------------------------------------------------------------

const STORAGE_ENVS: Record<string, () => void> = {
  'cookies disabled (document.cookie reads "" and ignores writes)': () => {
    Object.defineProperty(Document.prototype, 'cookie', { configurable: true, get: () => '', set: () => {} });
  },
  'document.cookie overridden to throw': () => {
    Object.defineProperty(Document.prototype, 'cookie', {
      configurable: true,
      get() {
        throw new Error('cookie getter broken');
      },
      set() {
        throw new Error('cookie setter broken');
      },
    });
  },
  'localStorage and sessionStorage throwing on access (Safari private mode, old)': () => {
    for (const k of ['localStorage', 'sessionStorage'])
      Object.defineProperty(window, k, {
        configurable: true,
        get() {
          throw new DOMException('The operation is insecure.', 'SecurityError');
        },
      });
  },
  'every Storage method throwing (QuotaExceededError)': () => {
    for (const m of ['setItem', 'getItem', 'removeItem', 'key', 'clear'])
      (Storage.prototype as any)[m] = function () {
        throw new DOMException('quota', 'QuotaExceededError');
      };
  },
  'all at once: no cookies, no localStorage, no sessionStorage': () => {
    Object.defineProperty(Document.prototype, 'cookie', {
      configurable: true,
      get() {
        throw new Error('no cookies');
      },
      set() {
        throw new Error('no cookies');
      },
    });
    for (const k of ['localStorage', 'sessionStorage'])
      Object.defineProperty(window, k, {
        configurable: true,
        get() {
          throw new DOMException('denied', 'SecurityError');
        },
      });
  },
};

test.describe('hostile storage: events still flow, identity lives in memory for the page view', () => {
  for (const [name, breakIt] of Object.entries(STORAGE_ENVS)) {
    test(name, async ({ page, gw, site }) => {
      const g = await guard(page);
      await page.addInitScript(breakIt);
      await delayCollector(page, 300);
      await page.goto(
        site.set('/storage', await stubPage(gw, { body: `<script>_df.track('queued'); _df.identify('u-mem', { t: 1 })</script>` })),
      );
      await collectorLoaded(page);
      const r = await page.evaluate(async () => {
        const df = (window as any)._df;
        df.track('live');
        df.group('g-mem', { x: 1 });
        df.track('after_group');
        const flush = await df.flush();
        return { flush, user: df.user(), anon: df.getAnonymousId() };
      });
      const evs = await gw.events();
      expect(names(evs)).toEqual(['page', 'queued', 'identify', 'live', 'group', 'after_group']);
      expect(new Set(evs.map((e) => e.anonymousId))).toEqual(new Set([r.anon]));
      expect(evs[3]).toMatchObject({ userId: 'u-mem' });
      expect(evs[5]).toMatchObject({ userId: 'u-mem', groupId: 'g-mem' });
      expect(r.user).toMatchObject({ userId: 'u-mem', traits: { t: 1 }, groupId: 'g-mem', groupTraits: { x: 1 } });
      expect(r.flush.failed).toEqual([]);
      await noInvalid(gw);
      expect(g.errors).toEqual([]);
    });
  }

  test('localStorage really full (filled to quota before the collector runs)', async ({ page, gw, site }) => {
    const g = await guard(page);
    const url = site.set('/full', await stubPage(gw, { body: `<script>_df.track('queued'); _df.identify('u-full')</script>` }));
    const blank = site.set('/fill', doc(''));
    await page.goto(blank);
    const filled = await page.evaluate(() => {
      localStorage.clear();
      let n = 0;
      for (let size = 1 << 20; size >= 1; size >>= 2) {
        const chunk = 'x'.repeat(size);
        try {
          for (;;) localStorage.setItem('f' + n++, chunk);
        } catch {}
      }
      try {
        localStorage.setItem('probe', 'x');
        return false;
      } catch {
        return true;
      }
    });
    expect(filled, 'localStorage is full').toBe(true);
    await page.goto(url);
    await collectorLoaded(page);
    await page.evaluate(async () => {
      const df = (window as any)._df;
      for (let i = 0; i < 20; i++) df.track('t' + i, { i });
      await df.flush();
    });
    const evs = await gw.events();
    expect(names(evs)).toEqual(['page', 'queued', 'identify', ...Array.from({ length: 20 }, (_, i) => 't' + i)]);
    for (const e of evs.slice(2)) expect(e.userId).toBe('u-full');
    expect(new Set(evs.map((e) => e.anonymousId)).size).toBe(1);
    await noInvalid(gw);
    expect(g.errors).toEqual([]);
    await page.evaluate(() => localStorage.clear());
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile environments: the CDN script blocked or failing
// ---------------------------------------------------------------------------------------------

const BLOCKED: Record<string, (p: Page) => Promise<void>> = {
  'blocked by an ad blocker': async (p) => void (await p.route('**/d.js', (r) => r.abort('blockedbyclient'))),
  'answered 404': async (p) =>
    void (await p.route('**/d.js', (r) => r.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' }))),
  'network failure': async (p) => void (await p.route('**/d.js', (r) => r.abort('connectionrefused'))),
};

test.describe('the CDN script blocked or failing: the stub never throws, its queue stays at 1,000, ready() never runs, the page works', () => {
  for (const [name, block] of Object.entries(BLOCKED)) {
    test(name, async ({ page, gw, site }) => {
      const g = await guard(page);
      await block(page);
      const failed = page.waitForEvent('requestfinished', (r) => r.url().endsWith('/d.js')).catch(() => null);
      const failed2 = page.waitForEvent('requestfailed', (r) => r.url().endsWith('/d.js')).catch(() => null);
      const url = site.set(
        '/blocked',
        await stubPage(gw, {
          body: `<script>
          window.threw = [];
          window.readyRan = 0;
          var methods = ['page','track','identify','group','alias','reset','ready','flush','getAnonymousId','user','debug','init','consent','anything'];
          for (var i = 0; i < 1100; i++) for (var j = 0; j < methods.length; j++) {
            try { _df[methods[j]](methods[j] == 'ready' ? function () { window.readyRan++; } : 'x' + i, { i: i }); } catch (e) { threw.push(String(e)); }
          }
          window.firstQueued = _df.q[0][0] + ':' + _df.q[0][1][0];
          window.qlen = _df.q.length;
          window.awaited = 'pending';
          (async function () { await _df; window.awaited = 'resolved'; })();
        </script>
        <p id="p">page content</p>
        <script>document.getElementById('p').textContent = 'page script ran';</script>`,
        }),
      );
      await page.goto(url);
      await page.waitForLoadState('load');
      await Promise.race([failed, failed2]);
      const r = await page.evaluate(
        () =>
          new Promise((res) =>
            setTimeout(() => {
              const w = window as any;
              res({
                threw: w.threw,
                readyRan: w.readyRan,
                q: w._df.q.length,
                qlen: w.qlen,
                first: w.firstQueued,
                awaited: w.awaited,
                text: document.getElementById('p')!.textContent,
                isStub: typeof w._df.version != 'string',
              });
            }, 300),
          ),
      );
      expect(r).toEqual({
        threw: [],
        readyRan: 0,
        q: 1000,
        qlen: 1000,
        first: 'page:x0',
        awaited: 'resolved',
        text: 'page script ran',
        isStub: true,
      });
      // More calls later still don't grow it.
      expect(
        await page.evaluate(() => {
          for (let i = 0; i < 5000; i++) (window as any)._df.track('late');
          return (window as any)._df.q.length;
        }),
      ).toBe(1000);
      expect((await gw.stats()).requests).toBe(0);
      // The browser's own "Failed to load resource" line is the network layer's, not ours.
      expect(g.errors.filter((e) => !/Failed to load resource|net::ERR_/.test(e))).toEqual([]);
      expect(g.errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
      expect(await g.violations()).toEqual([]);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Strict CSP
// ---------------------------------------------------------------------------------------------

const origin = (u: string) => new URL(u).origin;

async function cspCheck(page: Page, g: Guard, gw: Gw, expected: string[]) {
  await collectorLoaded(page);
  await page.evaluate(async () => {
    const df = (window as any)._df;
    df.track('csp_live');
    await df.flush();
  });
  const evs = await gw.events();
  expect(names(evs)).toEqual(expected);
  await noInvalid(gw);
  expect(await g.violations()).toEqual([]);
  expect(g.errors).toEqual([]);
}

test.describe('strict CSP: no violation, events arrive', () => {
  test("script-src 'nonce-…' only (stub built with --nonce), connect-src the gateway only", async ({ page, gw, site }) => {
    const g = await guard(page);
    const nonce = 'R4nd0mN0nce42';
    const csp = `default-src 'none'; script-src 'nonce-${nonce}'; connect-src ${origin(gw.url)}; base-uri 'none'; object-src 'none'`;
    const html = await stubPage(gw, { nonce, body: `<script nonce="${nonce}">_df.track('csp_inline')</script>` });
    await page.goto(site.set('/csp-nonce', html, { 'Content-Security-Policy': csp }));
    await cspCheck(page, g, gw, ['page', 'csp_inline', 'csp_live']);
    expect(await page.evaluate(() => (document.querySelector('script[src$="/d.js"]') as HTMLScriptElement).nonce)).toBe(nonce);
  });

  test("script-src 'sha256-<stub>' 'sha384-<d.js SRI>' only (stub built with integrity), connect-src the gateway only", async ({
    page,
    gw,
    site,
  }) => {
    const g = await guard(page);
    const integrity = sriHash(dist('d.js'));
    const code = await stubCode(gw, { integrity });
    const inline = `_df.track('csp_inline')`;
    const csp = `default-src 'none'; script-src ${cspHash(code)} ${cspHash(inline)} '${integrity}'; connect-src ${origin(gw.url)}; base-uri 'none'; object-src 'none'`;
    await page.goto(
      site.set('/csp-hash-sri', doc(`<script>${code}</script>`, `<script>${inline}</script>`), { 'Content-Security-Policy': csp }),
    );
    await cspCheck(page, g, gw, ['page', 'csp_inline', 'csp_live']);
  });

  test("script-src 'sha256-<stub>' 'strict-dynamic', with the tag and hash exactly as `npm run snippet` prints them", async ({
    page,
    gw,
    site,
  }) => {
    const g = await guard(page);
    // The README's way: `npm run -s snippet -- --src ... --key ...` prints the tag on stdout and the
    // stub's CSP hash on stderr.
    const r = spawnSync(process.execPath, ['scripts/snippet.mjs', '--src', gw.url + '/d.js', '--key', KEY], {
      cwd: new URL('..', import.meta.url).pathname,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const tag = r.stdout.trim();
    const hash = /script-src ('sha256-[^']+')/.exec(r.stderr)![1];
    expect(hash).toBe(cspHash(tag.replace(/^<script>|<\/script>$/g, '')));
    const inline = `_df.track('csp_inline')`;
    const csp = `default-src 'none'; script-src ${hash} ${cspHash(inline)} 'strict-dynamic'; connect-src ${origin(gw.url)}; base-uri 'none'; object-src 'none'`;
    await page.goto(site.set('/csp-hash-sd', doc(tag, `<script>${inline}</script>`), { 'Content-Security-Policy': csp }));
    await cspCheck(page, g, gw, ['page', 'csp_inline', 'csp_live']);
  });

  test('d.full.js and its four chunks under a hash-only script-src, with the tag and hashes exactly as `npm run snippet -- --integrity` prints them', async ({
    page,
    gw,
    site,
  }) => {
    const g = await guard(page);
    const r = spawnSync(
      process.execPath,
      [
        'scripts/snippet.mjs',
        '--src',
        gw.url + '/d.full.js',
        '--key',
        KEY,
        '--integrity',
        '--cmp',
        'custom',
        '--vendor-ids',
        'ga',
        '--linked-domains',
        'example.org',
      ],
      { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    const tag = r.stdout.trim();
    // The stub's sha256, d.full.js's sha384 (not d.js's), and one sha256 per chunk.
    const sources = /script-src ((?:'sha\d+-[^']+' ?)+)/.exec(r.stderr)![1].trim();
    expect(sources.split(' ').map((x) => x.slice(1, 7))).toEqual(['sha256', 'sha384', 'sha256', 'sha256', 'sha256', 'sha256']);
    expect(sources).toContain(sriHash(dist('d.full.js')));
    const inline = `_df.consent({ analytics: true }); _df.injectTag({ id: 't', src: location.origin + '/nope.js', category: 'essential' }); _df.track('csp_inline')`;
    const csp = `default-src 'none'; script-src ${sources} ${cspHash(inline)}; connect-src ${origin(gw.url)}; base-uri 'none'; object-src 'none'`;
    const loaded: string[] = [];
    page.on('response', (res) => /\/d\.(cmp|ids|link|tags)\.js$/.test(res.url()) && loaded.push(res.url().replace(/^.*\//, '')));
    await page.goto(site.set('/csp-hash-full', doc(tag, `<script>${inline}</script>`), { 'Content-Security-Policy': csp }));
    await collectorLoaded(page);
    const evs = await gw.waitFor(3);
    expect(names(evs)).toEqual(['page', 'consent_update', 'csp_inline']);
    // d.ids.js ran: the events made once analytics was granted carry _ga (README, "Vendor IDs").
    expect(Object.keys(evs[2].context.vendorIds)).toEqual(['_ga']);
    await expect.poll(() => loaded.slice().sort()).toEqual(['d.cmp.js', 'd.ids.js', 'd.link.js', 'd.tags.js']);
    // The injected tag (not listed in the CSP) is the page's business; the collector's own files raise nothing.
    expect((await g.violations()).filter((v: any) => !/nope\.js/.test(JSON.stringify(v)))).toEqual([]);
  });

  test('connect-src limited to the gateway: the unload path (keepalive fetch / sendBeacon) raises no violation either', async ({
    page,
    gw,
    site,
  }) => {
    const g = await guard(page);
    const nonce = 'N0nceUnload';
    const csp = `default-src 'none'; script-src 'nonce-${nonce}'; connect-src ${origin(gw.url)}`;
    await page.goto(
      site.set(
        '/csp-unload',
        await stubPage(gw, { nonce, body: `<script nonce="${nonce}">_df.init({ autoPage: false, flushInterval: 60000 })</script>` }),
        { 'Content-Security-Policy': csp },
      ),
    );
    await collectorLoaded(page);
    await page.evaluate(() => {
      for (let i = 0; i < 5; i++) (window as any)._df.track('unload_' + i);
      // The page is hidden: everything pending leaves at once.
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    const evs = await gw.waitFor(5);
    expect(names(evs)).toEqual(['unload_0', 'unload_1', 'unload_2', 'unload_3', 'unload_4']);
    expect(await g.violations()).toEqual([]);
    expect(g.errors).toEqual([]);
  });
});

test('the CDN answers 200 with an HTML error page: with the stub built with --integrity, SRI refuses it and nothing throws', async ({
  page,
  gw,
  site,
}) => {
  const g = await guard(page);
  await page.route('**/d.js', (r) =>
    r.fulfill({ status: 200, contentType: 'text/html', headers: { 'access-control-allow-origin': '*' }, body: '<html>oops' }),
  );
  const code = await stubCode(gw, { integrity: sriHash(dist('d.js')) });
  await page.goto(
    site.set(
      '/cdn-html',
      doc(
        `<script>${code}</script>`,
        `<script>window.threw=[];try{_df.track('x');_df.ready(function(){window.readyRan=1})}catch(e){threw.push(String(e))}</script><script>window.after=1</script>`,
      ),
    ),
  );
  await page.waitForLoadState('load');
  expect(
    await page.evaluate(() => ({
      threw: (window as any).threw,
      after: (window as any).after,
      ready: (window as any).readyRan,
      q: (window as any)._df.q.length,
    })),
  ).toEqual({ threw: [], after: 1, ready: undefined, q: 2 });
  expect(g.errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
  expect((await gw.stats()).requests).toBe(0);
});

// ---------------------------------------------------------------------------------------------
// Double installs: one collector, every event once
// ---------------------------------------------------------------------------------------------

/** Waits for the collector, flushes, then gives any second collector time to show itself. */
async function settle(page: Page, gw: Gw, n: number) {
  await collectorLoaded(page);
  await flushed(page);
  await gw.waitFor(n);
  // A second collector would send its own page event within its 1 s flush interval.
  await page.waitForTimeout(1500);
  await flushed(page);
  return gw.events();
}

test.describe('double installs: one collector, every event once', () => {
  test('the stub pasted twice (head and body)', async ({ page, gw, site }) => {
    const g = await guard(page);
    const code = await stubCode(gw);
    await page.goto(
      site.set(
        '/twice',
        doc(`<script>${code}</script><script>_df.track('a')</script>`, `<script>${code}</script><script>_df.track('b')</script>`),
      ),
    );
    const evs = await settle(page, gw, 3);
    expect(names(evs)).toEqual(['page', 'a', 'b']);
    expect(await page.evaluate(() => document.querySelectorAll('script[src$="/d.js"]').length)).toBe(1);
    expect(g.errors).toEqual([]);
  });

  test('the stub plus a plain d.js script tag', async ({ page, gw, site }) => {
    const g = await guard(page);
    const code = await stubCode(gw);
    await page.goto(
      site.set(
        '/stub-plus-tag',
        doc(
          `<script>${code}</script><script async src="${gw.url}/d.js" data-pipeline-key="${KEY}"></script><script>_df.track('a')</script>`,
          `<script>_df.track('b')</script>`,
        ),
      ),
    );
    const evs = await settle(page, gw, 3);
    expect(names(evs)).toEqual(['page', 'a', 'b']);
    expect(new Set(evs.map((e) => e.anonymousId)).size).toBe(1);
    expect(g.errors).toEqual([]);
  });

  test('a tag manager firing the tag twice (once before and once after d.js loaded)', async ({ page, gw, site }) => {
    const g = await guard(page);
    const code = await stubCode(gw);
    await page.goto(site.set('/gtm-twice', doc('')));
    await page.evaluate((c) => {
      (0, eval)(c);
      (0, eval)(c);
      (window as any)._df.track('fired_twice');
    }, code);
    await collectorLoaded(page);
    await page.evaluate((c) => {
      (0, eval)(c);
      (window as any)._df.track('fired_again');
    }, code);
    const evs = await settle(page, gw, 3);
    expect(names(evs)).toEqual(['page', 'fired_twice', 'fired_again']);
    expect(await page.evaluate(() => document.querySelectorAll('script[src$="/d.js"]').length)).toBe(1);
    expect(g.errors).toEqual([]);
  });

  const npmInit = (gw: Gw) => `datafly.init({ pipelineKey: '${KEY}', endpoint: '${gw.url}' })`;

  test('npm package first, then the stub', async ({ page, gw, site }) => {
    const g = await guard(page);
    site.set('/index.mjs', dist('index.mjs').toString(), { 'content-type': 'text/javascript' });
    const code = await stubCode(gw);
    await page.goto(
      site.set(
        '/npm-first',
        doc(
          '',
          `<script type="module">
      import datafly from '/index.mjs';
      datafly.track('npm_before_init');
      ${npmInit(gw)};
      datafly.track('npm_after_init');
      ${code};
      _df.track('stub_call');
      window.done = 1;
    </script>`,
        ),
      ),
    );
    await page.waitForFunction(() => (window as any).done == 1);
    const evs = await settle(page, gw, 4);
    expect(names(evs)).toEqual(['page', 'npm_before_init', 'npm_after_init', 'stub_call']);
    expect(await page.evaluate(() => document.querySelectorAll('script[src$="/d.js"]').length)).toBe(0);
    expect(g.errors).toEqual([]);
  });

  test('the stub first, npm init() before d.js arrives (d.js delayed)', async ({ page, gw, site }) => {
    const g = await guard(page);
    site.set('/index.mjs', dist('index.mjs').toString(), { 'content-type': 'text/javascript' });
    await delayCollector(page, 1500);
    const code = await stubCode(gw);
    await page.goto(
      site.set(
        '/stub-first',
        doc(
          `<script>${code}</script><script>_df.track('stub_early')</script>`,
          `<script type="module">
      import datafly from '/index.mjs';
      datafly.track('npm_before_init');
      ${npmInit(gw)};
      datafly.track('npm_after_init');
      _df.track('stub_live');
    </script>`,
        ),
      ),
    );
    const evs = await settle(page, gw, 5);
    expect(names(evs)).toEqual(['page', 'stub_early', 'npm_before_init', 'npm_after_init', 'stub_live']);
    expect(g.errors).toEqual([]);
  });

  test('the stub first, d.js loaded, then the npm package (calls before its init included)', async ({ page, gw, site }) => {
    const g = await guard(page);
    site.set('/index.mjs', dist('index.mjs').toString(), { 'content-type': 'text/javascript' });
    await page.goto(site.set('/stub-then-npm', await stubPage(gw, { body: `<script>_df.track('stub_early')</script>` })));
    await collectorLoaded(page);
    await page.evaluate(async (init) => {
      const { default: datafly } = await import('/index.mjs' as string);
      (window as any).datafly = datafly;
      datafly.track('npm_before_init');
      new Function('datafly', init)(datafly);
      datafly.track('npm_after_init');
      (window as any)._df.track('stub_live');
    }, npmInit(gw));
    const evs = await settle(page, gw, 4);
    expect(names(evs)).toEqual(['page', 'stub_early', 'npm_before_init', 'npm_after_init', 'stub_live']);
    expect(g.errors).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Broken builtins
// ---------------------------------------------------------------------------------------------

const BROKEN: { name: string; outcome: 'events arrive' | 'nothing is sent, silently'; breakIt: () => void }[] = [
  {
    name: 'Array.prototype.push throwing',
    outcome: 'events arrive',
    breakIt: () => {
      Array.prototype.push = function () {
        throw new Error('push is broken');
      };
    },
  },
  {
    name: 'JSON.stringify returning undefined',
    outcome: 'nothing is sent, silently',
    breakIt: () => {
      (JSON as any).stringify = () => undefined;
    },
  },
  {
    name: 'window.fetch throwing',
    outcome: 'events arrive',
    breakIt: () => {
      (window as any).fetch = () => {
        throw new TypeError('fetch is broken');
      };
    },
  },
  {
    name: 'window.fetch never settling',
    outcome: 'nothing is sent, silently',
    breakIt: () => {
      (window as any).fetch = () => ({ then() {} });
    },
  },
  {
    name: 'window.Promise replaced by a throwing function',
    outcome: 'events arrive',
    breakIt: () => {
      (window as any).Promise = function () {
        throw new Error('no Promise');
      };
    },
  },
];

test.describe('a page with broken builtins: the collector keeps working or fails silently, the host never breaks', () => {
  for (const b of BROKEN) {
    test(`${b.name}: ${b.outcome}`, async ({ page, gw, site }) => {
      const g = await guard(page);
      await page.addInitScript(b.breakIt);
      // Results go through DOM attributes, read from Playwright's isolated world: page.evaluate in
      // the main world needs the very builtins these pages break.
      await page.goto(
        site.set(
          '/broken',
          await stubPage(gw, {
            body: `<script>
          var out = document.documentElement, threw = '';
          try {
            _df.track('queued', { a: [1, 2], d: new Date(0) });
            _df.identify('u-broken', { t: 1 });
            _df.ready(function () {
              try { _df.track('from_ready'); _df.page('Live'); _df.flush(); } catch (e) { threw += String(e); }
              out.setAttribute('data-ready', typeof _df.version);
              out.setAttribute('data-threw-ready', threw);
            });
          } catch (e) { threw += String(e); }
          out.setAttribute('data-threw', threw);
        </script><script>document.documentElement.setAttribute('data-host', 'ran')</script>`,
          }),
        ),
      );
      const html = page.locator('html');
      await expect(html).toHaveAttribute('data-ready', 'string');
      await expect(html).toHaveAttribute('data-host', 'ran');
      await expect(html).toHaveAttribute('data-threw', '');
      await expect(html).toHaveAttribute('data-threw-ready', '');
      if (b.outcome == 'events arrive') {
        const evs = await gw.waitFor(5);
        expect(names(evs)).toEqual(['page', 'queued', 'identify', 'from_ready', 'page:Live']);
        expect(evs[1].properties).toEqual({ a: [1, 2], d: '1970-01-01T00:00:00.000Z' });
        expect(evs[3].userId).toBe('u-broken');
      } else {
        // Absence can only be shown by waiting: two flush intervals.
        await page.waitForTimeout(2500);
        expect(await gw.events()).toEqual([]);
      }
      await noInvalid(gw);
      expect(g.errors).toEqual([]);
      expect(g.console.filter((m) => m.text.includes('Datafly'))).toEqual([]);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Globals
// ---------------------------------------------------------------------------------------------

test("the host page's globals: only `_df` is added, and no existing global is replaced", async ({ page, gw, site }) => {
  const g = await guard(page, { cspListener: false });
  await page.addInitScript(() => {
    const names = Object.getOwnPropertyNames(window);
    const values = new Map<string, unknown>();
    for (const k of names) {
      try {
        const d = Object.getOwnPropertyDescriptor(window, k)!;
        if ('value' in d && (typeof d.value == 'function' || (d.value && typeof d.value == 'object'))) values.set(k, d.value);
      } catch {}
    }
    // Kept in a closure reached through a symbol-keyed, non-enumerable property: not a global name.
    Object.defineProperty(window, Symbol.for('globals-before'), { value: { names, values } });
  });
  await page.goto(site.set('/globals', await stubPage(gw, { body: `<script>_df.track('g1'); _df.identify('u-g')</script>` })));
  await collectorLoaded(page);
  await page.evaluate(async () => {
    const df = (window as any)._df;
    df.track('g2', { d: new Date() });
    df.group('g-g');
    df.debug(true);
    df.debug(false);
    df.user();
    await df.flush();
  });
  expect(names(await gw.events())).toEqual(['page', 'g1', 'identify', 'g2', 'group']);
  const diff = await page.evaluate(() => {
    const before = (window as any)[Symbol.for('globals-before')];
    const now = Object.getOwnPropertyNames(window);
    const added = now.filter((k) => !before.names.includes(k));
    const removed = before.names.filter((k: string) => !now.includes(k));
    const replaced: string[] = [];
    before.values.forEach((v: unknown, k: string) => {
      try {
        const d = Object.getOwnPropertyDescriptor(window, k);
        if (d && 'value' in d && d.value !== v) replaced.push(k);
      } catch {}
    });
    return { added, removed, replaced };
  });
  expect(diff).toEqual({ added: ['_df'], removed: [], replaced: [] });
  expect(g.errors).toEqual([]);
});
