// Property-based fuzzing of the public API in Chromium: random sequences of page/track/identify/
// group/alias/reset/flush/getAnonymousId/user/debug calls with random values (strings of every
// kind, whitespace, 1,022..1,026 characters, numbers with NaN/±Infinity/-0, BigInt, Dates valid and
// invalid, functions, symbols, DOM nodes, window, Maps, Sets, class instances, arrays, null-prototype
// objects, cycles, toJSON, throwing getters, chains deeper than 10) run through the real collector,
// on the loaded collector and on the stub (queued, then replayed). For every sequence:
//   - no exception reaches the page (no call throws, no page error, no console error);
//   - every event that reaches the gateway passes its validation (no 400 answered, ever);
//   - the events that arrive are exactly those an independent model of the documented rules
//     expects, in order (type, name, userId, groupId, cleaned properties/traits, previousId, and
//     the anonymousId changing only on reset): valid calls are never lost, invalid ones send nothing.
import fc from 'fast-check';
import type { Page } from '@playwright/test';
import { test, expect, stubPage, collectorLoaded, type Gw } from './support/fixtures';
import { guard, type Guard } from './support/hostile-kit';
import { sequence, model, freshState, decodeInPage, type Call, type Expected } from './support/fuzz-model';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
const RUNS = Number(process.env.FUZZ_RUNS || 200);
const STUB_RUNS = Number(process.env.FUZZ_STUB_RUNS || 40);

const totals = { sequences: 0, calls: 0, events: 0 };

test.describe.configure({ mode: 'serial' });
test.afterAll(() => {
  console.log(`fuzz: ${totals.sequences} sequences, ${totals.calls} calls, ${totals.events} events (seed ${SEED})`);
});

const DECODER = `window.__fuzzDecode = (${decodeInPage.toString()});`;

/** Runs the calls in the page; returns what was thrown (must be nothing). */
function runCalls(page: Page, seq: Call[], reset: boolean): Promise<string[]> {
  return page.evaluate(
    ({ json, reset }) => {
      const w = window as any;
      const df = w._df;
      const threw: string[] = [];
      if (reset) df.reset();
      for (const c of JSON.parse(json) as Call[]) {
        let args: unknown[];
        try {
          args = c.a.map((d) => w.__fuzzDecode(d, []));
        } catch (e) {
          threw.push('decoder: ' + e);
          continue;
        }
        try {
          const r = df[c.m](...args);
          if (r && typeof r.then == 'function') r.then(null, (e: unknown) => threw.push(c.m + ' rejected: ' + e));
        } catch (e) {
          threw.push(c.m + ' threw: ' + e);
        }
      }
      return threw;
    },
    { json: JSON.stringify(seq), reset },
  );
}

/** flush(), bounded: a flush that never settles is a failure of its own, not a hung test. */
const flushOrTimeout = (page: Page) =>
  page.evaluate(() =>
    Promise.race([
      (window as any)._df.flush().then(() => 'flushed'),
      new Promise((r) => setTimeout(() => r('flush() did not settle in 10 s'), 10000)),
    ]),
  );

const show = (e: any) => {
  const o: any = { type: e.type };
  for (const k of ['event', 'name', 'userId', 'groupId', 'previousId']) if (e[k] !== undefined) o[k] = e[k];
  if (e.type == 'identify' || e.type == 'group') o.traits = e.traits;
  else if (e.type != 'alias') o.properties = e.properties;
  return o;
};

/** Compares what arrived with what the model expects, field by field. */
function check(got: any[], want: Expected[]) {
  const wantShown = want.map((w) => {
    const o: any = { type: w.type };
    for (const k of ['event', 'name', 'userId', 'groupId'] as const) if (w[k] !== undefined) o[k] = w[k];
    if (w.type == 'alias') o.previousId = w.previousId ?? '(anonymousId)';
    if (w.type == 'identify' || w.type == 'group') o.traits = w.traits;
    else if (w.type != 'alias') o.properties = w.properties;
    return o;
  });
  const gotShown = got.map((e, i) => {
    const o = show(e);
    if (e.type == 'alias' && want[i] && want[i].previousId == null && e.previousId === e.anonymousId) o.previousId = '(anonymousId)';
    return o;
  });
  expect(gotShown).toEqual(wantShown);
  // anonymousId: one per segment, a new one after each reset.
  const bySeg = new Map<number, Set<string>>();
  want.forEach((w, i) => bySeg.set(w.seg, (bySeg.get(w.seg) || new Set()).add(got[i].anonymousId)));
  const all = new Set<string>();
  for (const [seg, ids] of bySeg) {
    expect(ids.size, `one anonymousId in segment ${seg}`).toBe(1);
    const [id] = ids;
    expect(all.has(id), 'a new anonymousId after reset').toBe(false);
    all.add(id);
  }
}

async function noHarm(gw: Gw, g: Guard, threw: string[]) {
  expect(threw).toEqual([]);
  expect(g.errors).toEqual([]);
  const s = await gw.stats();
  expect(s.byStatus['400'], 'the gateway refused an event: ' + JSON.stringify(s.byStatus)).toBeUndefined();
}

/** What arrived since `offset` must be exactly `want`, with no harm done; counts go to the totals. */
async function verify(gw: Gw, g: Guard, threw: string[], calls: number, offset: number, want: Expected[]) {
  const got = (await gw.events()).slice(offset);
  totals.sequences++;
  totals.calls += calls;
  totals.events += got.length;
  await noHarm(gw, g, threw);
  check(got, want);
}

test('fuzz: random call sequences on the loaded collector', async ({ page, gw, site }) => {
  test.setTimeout(150_000);
  const g = await guard(page);
  await page.goto(site.set('/fuzz', await stubPage(gw, { body: `<script>_df.init({ autoPage: false })</script>` })));
  await collectorLoaded(page);
  await page.evaluate(DECODER);
  await fc.assert(
    fc.asyncProperty(sequence, async (seq) => {
      const offset = (await gw.events()).length;
      const state = freshState();
      const want = seq.map((c) => model(state, c)).filter((e): e is Expected => !!e);
      if (process.env.FUZZ_LOG) console.log('SEQ', totals.sequences, JSON.stringify(seq));
      const threw = await runCalls(page, seq, true);
      expect(await flushOrTimeout(page), 'flush() settles').toBe('flushed');
      await verify(gw, g, threw, seq.length, offset, want);
    }),
    { numRuns: RUNS, seed: SEED, verbose: 1 },
  );
});

test('fuzz: random call sequences queued on the stub, replayed by the collector', async ({ browser, gw, site }) => {
  test.setTimeout(150_000);
  const url = site.set('/fuzz-stub', await stubPage(gw));
  await fc.assert(
    fc.asyncProperty(sequence, async (seq) => {
      // A fresh browser context: no identity or queue left by the previous sequence.
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const g = await guard(page);
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        await page.route('**/d.js', async (r) => {
          await gate;
          await r.continue();
        });
        const offset = (await gw.events()).length;
        await page.goto(url, { waitUntil: 'domcontentloaded' });
        await page.evaluate(DECODER);
        expect(await page.evaluate(() => typeof (window as any)._df.version), 'still the stub').toBe('function');
        const threw = await runCalls(page, seq, false);
        release();
        await collectorLoaded(page);
        expect(await flushOrTimeout(page), 'flush() settles').toBe('flushed');
        const state = freshState();
        const want: Expected[] = [
          { type: 'page', properties: {}, seg: 0 },
          ...seq.map((c) => model(state, c)).filter((e): e is Expected => !!e),
        ];
        await verify(gw, g, threw, seq.length, offset, want);
      } finally {
        await context.close();
      }
    }),
    { numRuns: STUB_RUNS, seed: SEED + 1, verbose: 1 },
  );
});
