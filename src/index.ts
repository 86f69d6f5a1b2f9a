// The npm entry: `import datafly from '@datafly/collector'; datafly.init({ pipelineKey, endpoint })`.
// Calls made before init() are queued with their time and URL, as the stub does, and replayed by
// the same loader code. On a page that also has the stub or d.js, one collector serves both.
import type { Datafly, Options } from './types';
import { install, isCollector } from './install';
import { METHODS, type Call } from './methods';
import { MAX_QUEUED_CALLS } from './limits';

export type * from './types';

const queue: Call[] = [];
let real: any;

const hasWindow = typeof window != 'undefined';

function forward(m: string) {
  return function (): any {
    try {
      if (real) return real[m].apply(real, arguments);
      if (hasWindow && queue.length < MAX_QUEUED_CALLS) queue[queue.length] = [m, arguments, Date.now(), location.href];
    } catch {}
  };
}

const datafly = { init } as Datafly & { init(o: Options): Datafly };
// Every method the loaded collector has (e2e/collector.spec.ts checks the two lists agree).
for (const m of METHODS) if (m != 'init') (datafly as any)[m] = forward(m);

function init(o: Options): Datafly {
  try {
    if (!real && hasWindow) {
      const w = window as any;
      const name = (o && o.global) || '_df';
      const current = w[name];
      if (!isCollector(current)) {
        // Our early calls join the stub's queue in call order (the stub itself stays, so code that
        // kept a reference to it reaches the collector too); without a stub they are the queue.
        const q = current && (current.q || current);
        if (Array.isArray(q))
          for (const c of queue) {
            let i = q.length;
            // Before the stub's later calls (an entry that is not a call stays where it is).
            while (i && (q[i - 1] || 0)[2] > c[2]) i--;
            q.splice(i, 0, c);
          }
        else w[name] = queue.slice();
      }
      real = install(w, o || ({} as Options));
      // A collector was already installed (d.js first): our options and early calls go to it, in order.
      if (real === current) {
        real.init(o);
        for (const [m, a] of queue) real[m].apply(real, a);
      }
      queue.length = 0;
    }
  } catch {}
  return datafly;
}

export default datafly;
export { datafly, init };
