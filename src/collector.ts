// The collector: the public methods, each validating its input (src/sanitize.ts), updating identity
// and handing finished events to the outbox and delivery. Every public entry point swallows its own
// errors: nothing a caller passes can throw into the host page.
import type { DataflyEvent, Dict, FlushResult, Options, User } from './types';
import { buildEvent } from './event';
import { browserContext } from './context';
import { cleanDict, cleanId, byteLength } from './sanitize';
import { Identity } from './identity';
import { Outbox } from './outbox';
import { Delivery } from './delivery';
import { log } from './log';
import { uuid } from './uuid';

/** The gateway refuses events over 64 KB; they are dropped here, with a warning naming them. */
export const MAX_EVENT_BYTES = 65536;

export interface Collector {
  /** Runs a public method as if called at `time` on `url` (queued calls replay with their own). */
  call(method: string, args: ArrayLike<unknown>, time: number, url: string): unknown;
  options: Required<Pick<Options, 'pipelineKey' | 'endpoint' | 'batchSize' | 'flushInterval' | 'autoPage'>> & Options;
}

export function normalize(o: Options): Collector['options'] {
  const n = (v: unknown, d: number, min: number, max: number) =>
    typeof v == 'number' && v >= min && v <= max ? Math.floor(v) : d;
  return {
    ...o,
    endpoint: String(o.endpoint || '').replace(/\/+$/, ''),
    batchSize: n(o.batchSize, 10, 1, 500),
    flushInterval: n(o.flushInterval, 1000, 0, 864e5),
    maxQueueBytes: n(o.maxQueueBytes, 1 << 20, 65536, 50 << 20),
    autoPage: o.autoPage !== false,
  };
}

export function createCollector(opts: Options): Collector {
  const o = normalize(opts);
  if (o.debug || /[?&]df_debug=1/.test(location.search)) log.on = true;
  const id = new Identity(true, o.cookieDomain);
  const tab = uuid().slice(0, 8);
  const box = new Outbox(tab, o.maxQueueBytes!, true, (it, why) => out.failed(it, why));
  const out = new Delivery(
    o.endpoint + '/v1/batch?key=' + encodeURIComponent(o.pipelineKey),
    o.batchSize,
    o.flushInterval,
    box,
  );

  const warn = (m: string) => log.warn(m);

  function emit(type: DataflyEvent['type'], fields: Dict, time: number, url: string): void {
    const u = id.u;
    const e = buildEvent(type, fields, u, browserContext(url, document.referrer), time);
    const json = JSON.stringify(e);
    if (byteLength(json) > MAX_EVENT_BYTES) {
      return warn(type + ' ' + (e.event || e.name || '') + ' (' + e.messageId + ') is over 64 KB and was dropped');
    }
    log.info(type, e.event || e.name || e.userId || e.groupId || '', e);
    box.add([{ id: e.messageId, json }]);
    out.kick();
  }

  /** Optional bag: undefined/null mean {}, a plain object is copied clean, anything else is refused. */
  function bag(v: unknown, what: string): Dict | undefined {
    if (v == null) return {};
    const d = cleanDict(v);
    if (!d) warn(what + ' must be a plain object; call ignored');
    return d;
  }

  function named(v: unknown, what: string): string | undefined {
    const s = cleanId(v);
    if (!s) warn(what + ' must be a non-empty string (at most 1024 characters); call ignored: ' + String(v));
    return s;
  }

  const api: Record<string, (time: number, url: string, ...a: any[]) => unknown> = {
    page(time, url, name?: unknown, props?: unknown) {
      // page(properties) is accepted too.
      if (props === undefined && name && typeof name == 'object') (props = name), (name = undefined);
      const p = bag(props, 'page properties');
      if (!p) return;
      if (name == null) return emit('page', { properties: p }, time, url);
      const n = named(name, 'page name');
      if (n) emit('page', { name: n, properties: p }, time, url);
    },
    track(time, url, event?: unknown, props?: unknown) {
      const n = named(event, 'track event name');
      const p = n && bag(props, 'track properties');
      if (p) emit('track', { event: n, properties: p }, time, url);
    },
    identify(time, url, userId?: unknown, traits?: unknown) {
      const n = named(userId, 'userId');
      const t = n && bag(traits, 'identify traits');
      if (t) emit('identify', { traits: id.identify(n!, t) }, time, url);
    },
    group(time, url, groupId?: unknown, traits?: unknown) {
      const n = named(groupId, 'groupId');
      const t = n && bag(traits, 'group traits');
      if (t) emit('group', { groupId: n, traits: id.group(n!, t) }, time, url);
    },
    alias(time, url, newId?: unknown) {
      const n = named(newId, 'alias userId');
      if (n) emit('alias', { previousId: id.alias(n) }, time, url);
    },
    reset() {
      id.reset();
    },
    flush(): Promise<FlushResult> {
      return out.flush();
    },
    getAnonymousId(): string {
      return id.u.anonymousId;
    },
    user(): User {
      return id.snapshot();
    },
    debug(_t, _u, on?: unknown) {
      log.on = on !== false;
    },
  };

  // Unload: `visibilitychange` to hidden is the last event mobile browsers reliably fire;
  // `pagehide` is the backstop. A page restored from the back/forward cache resumes.
  const on = (t: EventTarget, ev: string, f: (e: any) => void) => t.addEventListener(ev, f, { capture: true });
  on(document, 'visibilitychange', () => (document.visibilityState == 'hidden' ? out.unload() : out.resume()));
  on(window, 'pagehide', () => out.unload());
  on(window, 'pageshow', (e: PageTransitionEvent) => e.persisted && out.resume());
  on(window, 'online', () => out.online());

  // Leftovers of earlier page views and closed tabs go first. Then, every 20 s: refresh this tab's
  // heartbeat while it holds events, and adopt what tabs that died since have left.
  const adopt = () => Promise.resolve(box.adopt()).then(() => box.items.length && out.kick());
  adopt();
  setInterval(adopt, 20000);

  return {
    options: o,
    call(method, args, time, url) {
      const f = api[method];
      if (!f) return warn('unknown method ' + String(method));
      try {
        return f(time, url, ...Array.prototype.slice.call(args));
      } catch (e) {
        warn(method + ' failed: ' + e);
      }
    },
  };
}
