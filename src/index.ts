// The npm entry: `import datafly from '@datafly/collector'; datafly.init({ pipelineKey, endpoint })`.
// Calls made before init() are queued with their time and URL, as the stub does, and replayed by
// the same loader code. On a page that also has the stub or d.js, one collector serves both.
import type { Datafly, Options } from './types';
import { install } from './install';
import { METHODS, type Call } from './methods';

export type * from './types';

const queue: Call[] = [];
let real: any;

const hasWindow = typeof window != 'undefined';

function forward(m: string) {
  return function (): any {
    try {
      if (real) return real[m].apply(real, arguments);
      if (hasWindow && queue.length < 1000) queue[queue.length] = [m, arguments, Date.now(), location.href];
    } catch {}
  };
}

const datafly = { init } as Datafly & { init(o: Options): Datafly };
// Every method the loaded collector has (e2e/collector.spec.ts checks the two lists agree).
for (const m of METHODS) if (m != 'init') (datafly as any)[m] = forward(m);

function init(o: Options): Datafly {
  try {
    if (!real && hasWindow) {
      const name = (o && o.global) || '_df';
      const w = window as any;
      const stub = w[name];
      // Merge our own early calls with the stub's (if any), in call order.
      if (queue.length && !(stub && typeof stub.version == 'string')) {
        const q: Call[] = (stub && Array.isArray(stub.q) ? stub.q : []).concat(queue);
        q.sort((a, b) => a[2] - b[2]);
        w[name] = { q };
      }
      real = install(w, o || ({} as Options));
      // A collector was already loaded (stub + d.js first): hand it our early calls, in order.
      if (queue.length && stub === real) for (const [m, a] of queue) real[m].apply(real, a);
      queue.length = 0;
    }
  } catch {}
  return datafly;
}

export default datafly;
export { datafly, init };
