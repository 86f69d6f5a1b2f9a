// Chrome DevTools Protocol tracing: record a trace over a browser-level CDP session and add up the
// main-thread work of one page's renderer.

export const TRACE_CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline'];

/** Events that are JavaScript work (compile, evaluate, calls, microtasks); nested ones are merged. */
const SCRIPT_EVENTS = new Set([
  'EvaluateScript',
  'v8.evaluateModule',
  'v8.compile',
  'v8.compileModule',
  'FunctionCall',
  'RunMicrotasks',
  'V8.Execute',
]);

/**
 * Starts a trace. Returns `stop()`, which resolves to the list of trace events.
 * @param {import('playwright-core').CDPSession} cdp a browser CDP session
 */
export async function startTrace(cdp) {
  const events = [];
  const onData = (p) => {
    for (const e of p.value) events.push(e);
  };
  cdp.on('Tracing.dataCollected', onData);
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: { includedCategories: TRACE_CATEGORIES, recordMode: 'recordAsMuchAsPossible' },
  });
  return async function stop() {
    const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.end');
    await done;
    cdp.off('Tracing.dataCollected', onData);
    return events;
  };
}

/**
 * `thread`: "pid:tid" of the renderer main thread that parsed `url` (from the navigation's trace);
 * `parseTs`: when it started parsing it.
 */
export function findPageThread(events, url) {
  let first = null;
  for (const e of events) {
    if (e.name === 'ParseHTML' && e.args?.beginData?.url === url && (!first || e.ts < first.ts)) first = e;
  }
  if (first) return { thread: `${first.pid}:${first.tid}`, parseTs: first.ts };
  // Fallback: the busiest renderer main thread.
  const names = new Map();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args?.name);
  const busy = new Map();
  for (const e of events) {
    const k = `${e.pid}:${e.tid}`;
    if (e.name === 'RunTask' && names.get(k) === 'CrRendererMain') busy.set(k, (busy.get(k) ?? 0) + (e.dur ?? 0));
  }
  return { thread: [...busy.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null, parseTs: 0 };
}

/** Total length in ms of the union of [start, end) intervals given in microseconds. */
function unionMs(intervals) {
  intervals.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let cur = null;
  for (const [s, e] of intervals) {
    if (!cur || s > cur[1]) {
      if (cur) total += cur[1] - cur[0];
      cur = [s, e];
    } else if (e > cur[1]) cur[1] = e;
  }
  if (cur) total += cur[1] - cur[0];
  return total / 1000;
}

/**
 * Main-thread work on one thread: `tasksMs` is the union of all `RunTask` (top-level task)
 * durations, `scriptMs` the union of the JavaScript events within them, `longestTaskMs` the
 * longest single task. Only tasks still running at or after `fromTs` (trace µs) count.
 */
export function mainThreadWork(events, threadKey, fromTs = 0) {
  const tasks = [];
  const script = [];
  let longest = 0;
  for (const e of events) {
    if (e.ph !== 'X' || `${e.pid}:${e.tid}` !== threadKey) continue;
    const dur = e.dur ?? 0;
    if (e.ts + dur < fromTs) continue;
    if (e.name === 'RunTask') {
      tasks.push([e.ts, e.ts + dur]);
      if (dur > longest) longest = dur;
    } else if (SCRIPT_EVENTS.has(e.name)) script.push([e.ts, e.ts + dur]);
  }
  return { tasksMs: unionMs(tasks), scriptMs: unionMs(script), longestTaskMs: longest / 1000, taskCount: tasks.length };
}
