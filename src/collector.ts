// The collector: the public methods, each validating its input (src/sanitize.ts), updating identity
// and handing finished events to the outbox and delivery. Every public entry point swallows its own
// errors: nothing a caller passes can throw into the host page.
import type { ConsentState, DataflyEvent, Dict, Options } from './types';
import { buildEvent } from './event';
import { browserContext } from './context';
import { cleanDict, cleanId } from './sanitize';
import { item } from './batch';
import { createIdentity } from './identity';
import { createOutbox } from './outbox';
import { createDelivery } from './delivery';
import { CATEGORIES, state } from './consent';
import { watchCmp } from './cmp/watch';
import { watchNavigation } from './spa';
import { landing, SESSION_MS, type Session } from './campaign';
import { createTags } from './tags';
import { lsGet, lsSet, readJSON } from './storage';
import { log } from './log';
import { listen } from './listen';
import { uuid } from './uuid';
import { createVendorIds } from './vendor-ids'; // [idfeat]
import { createLinker } from './link-decoration'; // [idfeat]
import { withoutToken } from './link-token'; // [idfeat]

/** The gateway refuses events over 64 KB; they are dropped here, with a warning naming them. */
export const MAX_EVENT_BYTES = 65536;
/** Most events held in memory while consent is awaited (the oldest go first). */
export const MAX_HELD = 500;

export interface Collector {
  /** The public method names. */
  _methods: string[];
  /** Runs a public method as if called at `time` on `url` (queued calls replay with their own). */
  _call(method: string, args: ArrayLike<unknown>, time: number, url: string): unknown;
  /** Starts the page view: campaign, CMP, the automatic page event (at the stub's time and URL), navigation. */
  _start(time: number, url: string): void;
}

const num = (v: unknown, d: number, min: number, max: number) => (typeof v == 'number' && v >= min && v <= max ? Math.floor(v) : d);


export function createCollector(o: Options): Collector {
  if (o.debug || /[?&]df_debug=1/.test(location.search)) log.on = true;
  const warn = log.warn;

  // Consent: with requireConsent, nothing is stored or sent until `gate` is granted.
  const gate = o.requireConsent ? (o.requireConsent === true ? 'analytics' : o.requireConsent) : '';
  const managed = !!(gate || o.cmp);
  let cs: ConsentState = state(!managed, !managed, !managed, !managed);
  const allowed = () => !gate || cs[gate] === true;
  let held: DataflyEvent[] = [];
  // Whether the gate category was answered (by the page or a CMP): not known yet is not a denial.
  let answered = false;
  let lastSent: string | undefined;

  const id = createIdentity(allowed(), o.cookieDomain);
  const box = createOutbox(uuid().slice(0, 8), num(o.maxQueueBytes, 1e6, 65536, 5e7), () => id._persist, (it, why) => out._failed(it, why));
  const batchSize = num(o.batchSize, 10, 1, 500);
  const out = createDelivery(
    String(o.endpoint || '').replace(/\/+$/, '') + '/v1/batch?key=' + encodeURIComponent(o.pipelineKey),
    batchSize,
    num(o.flushInterval, 1000, 0, 864e5),
    box,
  );
  // CMP auto-detection and tag injection are in the full build only (README, "Builds").
  const tags = __FULL__ && createTags(() => cs, o.nonce);

  // Campaign session: stored only where storage is allowed.
  let session: Session = { t: 0 };
  let lastEvent = 0;
  let landingUrl = location.href;
  let referrer = document.referrer;
  const SKEY = '_df_s';
  const saveSession = () => id._persist && lsSet(SKEY, JSON.stringify(session));
  // At start, and again when consent lets us read the stored session.
  const land = () => {
    session = landing(id._persist ? readJSON<Session>(SKEY) : undefined, landingUrl, Date.now());
    saveSession();
  };
  // [idfeat] Vendor IDs (with the consent that allows storage) and link decoration (analytics), full build.
  const vendor = __FULL__ && o.vendorIds && createVendorIds(o.vendorIds, () => (id._persist ? cs : {}), () => landingUrl, o.cookieDomain);
  const linker = __FULL__ && o.crossDomain && createLinker(o.crossDomain, () => cs, id);

  /** false only when the event itself was refused (over 64 KB); held or consent-dropped is true. */
  function emit(type: DataflyEvent['type'], fields: Dict, time: number, url: string, now?: boolean): boolean {
    if (linker) url = withoutToken(url); // [idfeat] a queued call's URL may still carry _dfl
    const e = buildEvent(type, fields, id._u, browserContext(url, referrer), time);
    if (allowed()) return send(e, now);
    if (answered) return warn(type + ' dropped: no ' + gate + ' consent'), true;
    // Awaiting consent: held in memory, the oldest dropped first past MAX_HELD.
    if (held.length >= MAX_HELD) warn('dropped ' + held.shift()!.messageId + ': over ' + MAX_HELD + ' held');
    return !!(held[held.length] = e);
  }

  function send(e: DataflyEvent, now?: boolean): boolean {
    const c = e.context;
    c.consent = { ...cs };
    if (vendor) c.vendorIds = vendor(); // [idfeat]
    if (linker) linker(e); // [idfeat] adopts a link token's anonymousId once analytics is granted
    // A session stays alive while events flow (its stamp is written at most once a minute); 30
    // minutes without an event end it, also within one long page view.
    const t = Date.now();
    if (lastEvent && t - lastEvent >= SESSION_MS) session = { t: 0 };
    lastEvent = t;
    if (session.campaign) c.campaign = session.campaign;
    if (session.clickIds) c.clickIds = session.clickIds;
    if (t - session.t > 6e4) (session.t = t), saveSession();
    const it = item(e.messageId, JSON.stringify(e));
    // Size 0: the page's JSON.stringify is broken; nothing valid can be sent, so nothing is.
    if (!it._size || it._size > MAX_EVENT_BYTES)
      return warn(e.type + ' ' + (e.event || e.name || '') + ' ' + e.messageId + ' dropped: over 64 KB or unserializable'), false;
    log.info(e.type, e.event || e.name || '', e);
    box._add([it]);
    out._kick(now);
    return true;
  }

  function setConsent(s: unknown, fromCmp?: boolean): void {
    if (!s || typeof s != 'object') return warn('consent needs an object');
    // A CMP reports its whole state: its codes replace the earlier ones (none left stale).
    const next: ConsentState = fromCmp ? state(cs.functional, cs.analytics, cs.marketing, cs.personalization) : { ...cs };
    if (gate && typeof (s as Dict)[gate] == 'boolean') answered = true;
    for (const k in s) {
      const v = (s as Dict)[k];
      // Canonical categories are booleans; a CMP's own codes may also be strings (a TC string).
      if (typeof v == 'boolean' || (typeof v == 'string' && CATEGORIES.indexOf(k) < 0)) next[k] = v;
    }
    next.essential = true;
    cs = next;
    if (vendor) vendor(); // [idfeat] a withdrawal deletes ours at once
    if (allowed() && !id._persist) {
      // Granted: storage starts, a returning visitor gets their stored id back, and what was held
      // is sent with its own time (and the consent that now covers it).
      id._enable();
      lastSent = undefined;
      land();
      for (const e of held) (e.anonymousId = id._u.anonymousId), send(e);
      held = [];
      adopt();
    } else if (answered && cs[gate] === false && held.length) {
      warn('no consent: dropped ' + held.length + ' held events');
      held = [];
    }
    if (tags) tags._update();
    // A change is sent at once, as a `consent_update` track event (once per change, across pages).
    const j = JSON.stringify(cs);
    if (lastSent === undefined && id._persist) lastSent = lsGet('_df_cs') || '';
    if (j != lastSent) {
      lastSent = j;
      if (id._persist) lsSet('_df_cs', j);
      emit('track', { event: 'consent_update', properties: { ...cs } }, Date.now(), location.href, true);
    }
  }

  /** Optional bag: undefined/null mean {}, a plain object is copied clean, anything else is refused. */
  function bag(v: unknown, what: string): Dict | undefined {
    const d = v == null ? {} : cleanDict(v);
    if (!d) warn(what + ' must be a plain object; ignored');
    return d;
  }

  function named(v: unknown, what: string): string | undefined {
    const s = cleanId(v);
    // typeof, not String(v): that throws for Object.create(null) or a hostile toString.
    if (!s) warn(what + ' must be a 1-1024 character string; ignored: ' + (typeof v == 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v));
    return s;
  }

  /** identify / group: an id, merged traits, and the event. */
  const setter = (g: boolean) => (time: number, url: string, v?: unknown, traits?: unknown) => {
    const what = g ? 'groupId' : 'userId';
    const n = named(v, what);
    const t = n && bag(traits, what + ' traits');
    // The new state stands only if its event does (an identify over 64 KB changes nothing).
    if (t) id._set(g, n!, t, (traits) => emit(g ? 'group' : 'identify', g ? { groupId: n, traits } : { traits }, time, url));
  };

  const api: Record<string, (time: number, url: string, a?: any, b?: any) => unknown> = {
    page(time, url, name, props) {
      // page(properties) is accepted too.
      if (props === undefined && name && typeof name == 'object') (props = name), (name = undefined);
      const p = bag(props, 'page properties');
      const n = name == null ? '' : named(name, 'page name');
      if (p && n != null) emit('page', n ? { name: n, properties: p } : { properties: p }, time, url);
    },
    track(time, url, event, props) {
      const n = named(event, 'event name');
      const p = n && bag(props, 'track properties');
      if (p) emit('track', { event: n, properties: p }, time, url);
    },
    identify: setter(false),
    group: setter(true),
    alias(time, url, newId) {
      const n = named(newId, 'alias userId');
      if (n) emit('alias', { previousId: id._alias(n) }, time, url);
    },
    reset: () => id._reset(),
    flush: () => out._flush(),
    getAnonymousId: () => id._u.anonymousId,
    // A copy: the page may keep or change it without touching ours.
    user: () => JSON.parse(JSON.stringify(id._u)),
    debug: (_t, _u, on) => void (log.on = on !== false),
    consent: (_t, _u, s) => setConsent(s),
    getConsent: () => ({ ...cs }),
  };
  if (tags) {
    api.injectTag = (_t, _u, tag) => tags._add(tag);
    api.removeTag = (_t, _u, r) => tags._remove(r);
  }

  // Unload: `visibilitychange` to hidden is the last event mobile browsers reliably fire;
  // `pagehide` is the backstop. A page restored from the back/forward cache resumes.
  listen(document, 'visibilitychange', () => (document.hidden ? out._unload() : out._resume()));
  listen(window, 'pagehide', () => out._unload(true));
  listen(window, 'pageshow', (e: PageTransitionEvent) => e.persisted && out._resume());
  listen(window, 'online', out._online);

  // Leftovers of earlier page views and closed tabs (first when the page is idle: nothing urgent
  // about them), then every 20 s: refresh this tab's heartbeat while it holds events, and adopt
  // what tabs that died since have left.
  async function adopt() {
    try {
      await box._adopt();
      if (box._items.length) out._kick();
    } catch {}
  }
  ((window as any).requestIdleCallback || setTimeout)(adopt);
  setInterval(adopt, 2e4);

  let settle: (() => void) | undefined;
  const self: Collector = {
    _methods: Object.keys(api),
    _call(method, args, time, url) {
      settle?.();
      const f = api[method];
      // Method names come from the stub's Proxy: strings or symbols, both safe for String().
      // (injectTag and removeTag land here on the core build: README, "Builds".)
      if (!f) return warn('unknown method ' + String(method));
      try {
        return f(time, url, args[0], args[1]);
      } catch (e) {
        warn(method + ' failed: ' + e);
      }
    },
    _start(time, url) {
      landingUrl = url;
      land();
      if (o.cmp) __FULL__ ? watchCmp(o.cmp, (r) => setConsent({ ...r.categories, ...r.canonical }, true), o) : warn('cmp needs d.full.js');
      if (o.autoPage !== false) self._call('page', [], time, url);
      // The page view's first batch goes at once (it carries what the stub queued, replayed in
      // the same task); later ones wait for batchSize or flushInterval.
      out._kick(true);
      if (o.spa !== false)
        settle = watchNavigation(!!o.hashChange, (prev, time) => {
          referrer = prev;
          self._call('page', [], time, location.href);
        });
    },
  };
  return self;
}
