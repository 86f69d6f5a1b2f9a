// The collector: the public methods, each validating its input (src/sanitize.ts), updating identity
// and handing finished events to the outbox and delivery. Every public entry point swallows its own
// errors: nothing a caller passes can throw into the host page.
import type { ConsentState, DataflyEvent, Dict, FlushResult, Options, User } from './types';
import { buildEvent } from './event';
import { browserContext } from './context';
import { cleanDict, cleanId, byteLength } from './sanitize';
import { Identity } from './identity';
import { Outbox } from './outbox';
import { Delivery } from './delivery';
import { CATEGORIES, watchCmp } from './consent';
import { watchNavigation } from './spa';
import { landing, type Session } from './campaign';
import { tagManager } from './tags';
import { lsSet, readJSON } from './storage';
import { log } from './log';
import { uuid } from './uuid';

/** The gateway refuses events over 64 KB; they are dropped here, with a warning naming them. */
export const MAX_EVENT_BYTES = 65536;
/** Most events held in memory while consent is awaited (the oldest go first). */
export const MAX_HELD = 500;

export interface Collector {
  /** Runs a public method as if called at `time` on `url` (queued calls replay with their own). */
  call(method: string, args: ArrayLike<unknown>, time: number, url: string): unknown;
  /** The automatic page view (first page of the page view, at the stub's time and URL). */
  start(time: number, url: string): void;
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
  const warn = (m: string) => log.warn(m);

  // Consent: with requireConsent, nothing is stored or sent until `gate` is granted.
  const gate = o.requireConsent ? (o.requireConsent === true ? 'analytics' : o.requireConsent) : '';
  const managed = !!(gate || o.cmp);
  let cs: ConsentState = {};
  for (const c of CATEGORIES) cs[c] = c == 'essential' || !managed;
  const allowed = () => !gate || cs[gate] === true;
  let held: DataflyEvent[] = [];
  let lastSent: string | undefined;

  const id = new Identity(allowed(), o.cookieDomain);
  const box = new Outbox(uuid().slice(0, 8), o.maxQueueBytes!, allowed(), (it, why) => out.failed(it, why));
  const out = new Delivery(
    o.endpoint + '/v1/batch?key=' + encodeURIComponent(o.pipelineKey),
    o.batchSize,
    o.flushInterval,
    box,
  );
  const tags = tagManager(() => cs, o.nonce);

  // Campaign session: stored only where storage is allowed.
  let session: Session = { t: 0 };
  let referrer = document.referrer;
  const SKEY = '_df_s';
  const saveSession = () => id.persist && lsSet(SKEY, JSON.stringify(session));

  function emit(type: DataflyEvent['type'], fields: Dict, time: number, url: string, now?: boolean): void {
    const e = buildEvent(type, fields, id.u, browserContext(url, referrer), time);
    if (allowed()) return send(e, now);
    if (cs[gate] === false) return warn(type + ' dropped: no ' + gate + ' consent');
    // Awaiting consent: held in memory, the oldest dropped first past MAX_HELD.
    if (held.length >= MAX_HELD) warn('dropped ' + held.shift()!.messageId + ': too many events awaiting consent');
    held[held.length] = e;
    log.info('held until consent', type, e);
  }

  function send(e: DataflyEvent, now?: boolean): void {
    const c = e.context;
    c.consent = { ...cs };
    if (session.campaign) c.campaign = session.campaign;
    if (session.clickIds) c.clickIds = session.clickIds;
    // A session stays alive while events flow; its stamp is written at most once a minute.
    const t = Date.now();
    if (t - session.t > 60000) (session.t = t), saveSession();
    const json = JSON.stringify(e);
    if (byteLength(json) > MAX_EVENT_BYTES) {
      return warn(e.type + ' ' + (e.event || e.name || '') + ' (' + e.messageId + ') is over 64 KB and was dropped');
    }
    log.info(e.type, e.event || e.name || e.userId || e.groupId || '', e);
    box.add([{ id: e.messageId, json }]);
    out.kick(now);
  }

  function setConsent(s: unknown): void {
    if (!s || typeof s != 'object') return warn('consent needs an object like { analytics: true }');
    const next: ConsentState = { ...cs };
    for (const k of Object.keys(s)) {
      const v = (s as Dict)[k];
      // Canonical categories are booleans; a CMP's own codes may also be strings (a TC string).
      if (typeof v == 'boolean' || (typeof v == 'string' && CATEGORIES.indexOf(k as any) < 0)) next[k] = v;
    }
    next.essential = true;
    cs = next;
    if (allowed() && !id.persist) {
      // Granted: storage starts, a returning visitor gets their stored id back, and what was held
      // is sent with its own time (and the consent that now covers it).
      id.enable();
      box.persist = true;
      lastSent = undefined;
      session = landing(readJSON<Session>(SKEY) || session, location.href, Date.now());
      saveSession();
      for (const e of held) {
        e.anonymousId = id.u.anonymousId;
        send(e);
      }
      held = [];
      box.adopt();
    } else if (cs[gate] === false && held.length) {
      warn('consent denied: dropped ' + held.length + ' held events');
      held = [];
    }
    tags.update();
    // A change is sent at once, as a `consent_update` track event (once per change, across pages).
    const j = JSON.stringify(cs);
    if (lastSent === undefined && id.persist) lastSent = (readJSON<{ j: string }>('_df_cs') || ({} as any)).j;
    if (j != lastSent) {
      lastSent = j;
      if (id.persist) lsSet('_df_cs', JSON.stringify({ j }));
      emit('track', { event: 'consent_update', properties: { ...cs } }, Date.now(), location.href, true);
    }
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
    consent(_t, _u, s?: unknown) {
      setConsent(s);
    },
    getConsent(): ConsentState {
      return { ...cs };
    },
    injectTag(_t, _u, tag?: unknown) {
      return tags.add(tag);
    },
    removeTag(_t, _u, r?: unknown) {
      return tags.remove(r);
    },
  };

  // Unload: `visibilitychange` to hidden is the last event mobile browsers reliably fire;
  // `pagehide` is the backstop. A page restored from the back/forward cache resumes.
  const on = (t: EventTarget, ev: string, f: (e: any) => void) =>
    t.addEventListener(ev, (e) => {
      try {
        f(e);
      } catch {}
    }, { capture: true });
  on(document, 'visibilitychange', () => (document.visibilityState == 'hidden' ? out.unload() : out.resume()));
  on(window, 'pagehide', () => out.unload());
  on(window, 'pageshow', (e: PageTransitionEvent) => e.persisted && out.resume());
  on(window, 'online', () => out.online());

  // Leftovers of earlier page views and closed tabs go first. Then, every 20 s: refresh this tab's
  // heartbeat while it holds events, and adopt what tabs that died since have left.
  const adopt = async () => {
    try {
      await box.adopt();
      if (box.items.length) out.kick();
    } catch {}
  };
  adopt();
  setInterval(adopt, 20000);

  const self: Collector = {
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
    start(time, url) {
      session = landing(id.persist ? readJSON<Session>(SKEY) : undefined, url, Date.now());
      saveSession();
      if (o.cmp) watchCmp(o.cmp, setConsent);
      if (o.autoPage) self.call('page', [], time, url);
      if (o.spa !== false)
        watchNavigation(!!o.hashChange, (prev) => {
          referrer = prev;
          self.call('page', [], Date.now(), location.href);
        });
    },
  };
  return self;
}
