// The collector: the public methods, each validating its input (src/sanitize.ts), updating identity
// and handing finished events to the outbox and delivery. Every public entry point swallows its own
// errors: nothing a caller passes can throw into the host page.
import type { DataflyEvent, Dict, Options } from './types';
import { buildEvent } from './event';
import { browserContext } from './context';
import { cleanDict, cleanId } from './sanitize';
import { item } from './batch';
import { createIdentity } from './identity';
import { createOutbox } from './outbox';
import { createDelivery } from './delivery';
import { createConsentGate, ENABLE, GRANTED, RENEW, UPDATE, WIPE } from './consent-gate';
import { watchNavigation } from './spa';
import { createCampaignSession, SESSION_KEY } from './campaign-session';
import type { Tags } from './tags';
import { lsGet, lsSet } from './storage';
import { log } from './log';
import { listen } from './listen';
import { uuid } from './uuid';
import { idle } from './idle';
import { withoutToken } from './link-token';
import { loadChunk, type Chunks } from './load-chunk';
import {
  ADOPT_EVERY,
  BATCH_SIZE,
  FLUSH_INTERVAL,
  MAX_BATCH,
  MAX_EVENT_BYTES,
  MAX_FLUSH_INTERVAL,
  MAX_HELD,
  MAX_QUEUE_BYTES,
  MIN_QUEUE_BYTES,
  QUEUE_BYTES,
} from './limits';

export interface Collector {
  /** Runs a public method as if called at `time` on `url` (queued calls replay with their own). */
  _call(method: string, args: ArrayLike<unknown>, time: number, url: string): unknown;
  /** Starts the page view: campaign, CMP, the automatic page event (at the stub's time and URL), navigation. */
  _start(time: number, url: string): void;
}

const num = (v: unknown, d: number, min: number, max: number) => (typeof v == 'number' && v >= min && v <= max ? Math.floor(v) : d);

/** `chunks`: the full build's optional features already loaded for this page (src/install.ts). */
export function createCollector(options: Options, chunks: Partial<Chunks> = {}): Collector {
  if (options.debug || /[?&]df_debug=1/.test(location.search)) log.on = true;
  const warn = log.warn;

  // Consent (src/consent-gate.ts): with requireConsent, nothing is stored or sent until the gate
  // category is granted; events wait in `held` (memory) while it is unknown.
  const gate = createConsentGate(options.requireConsent, options.requireConsent || options.cmp, () => lsGet(CS));
  let held: DataflyEvent[] = [];

  const id = createIdentity(gate._state() == GRANTED, options.cookieDomain);
  // Limits (at start, and on a late init() in the full build).
  const batchSize = () => num(options.batchSize, BATCH_SIZE, 1, MAX_BATCH);
  const interval = () => num(options.flushInterval, FLUSH_INTERVAL, 0, MAX_FLUSH_INTERVAL);
  const maxBytes = () => num(options.maxQueueBytes, QUEUE_BYTES, MIN_QUEUE_BYTES, MAX_QUEUE_BYTES);
  const outbox = createOutbox(
    uuid().slice(0, 8),
    maxBytes(),
    () => id._persist,
    (it, why) => delivery._failed(it, why),
  );
  const delivery = createDelivery(
    String(options.endpoint || '').replace(/\/+$/, '') + '/v1/batch?key=' + encodeURIComponent(options.pipelineKey),
    batchSize(),
    interval(),
    outbox,
  );

  // Campaign session (full build): stored only where storage is allowed.
  const campaign = __FULL__ && createCampaignSession(() => id._persist);
  let landingUrl = location.href;
  let referrer = document.referrer;
  const CS = '_df_cs';
  // At start, and again when consent lets us read the stored session.
  const land = () => campaign && campaign._land(landingUrl);
  // Vendor IDs (with the consent that allows storage) and link decoration (the gate granted, and
  // analytics): full build (README, "Vendor IDs and cross-domain links"). Their chunks load before
  // the start (src/install.ts): one that did not come is said here.
  const missing = (o: string, n: string) => warn(o + ': d.' + n + '.js did not load; started without it');
  if (__FULL__ && options.vendorIds?.length && !chunks.ids) missing('vendorIds', 'ids');
  if (__FULL__ && options.crossDomain && !chunks.link) missing('crossDomain', 'link');
  const vendor =
    __FULL__ &&
    chunks.ids &&
    chunks.ids.createVendorIds(
      options.vendorIds,
      () => (id._persist ? gate._canonical() : {}),
      () => landingUrl,
      options.cookieDomain,
    );
  // The link token (_dfl, full build) never reaches an event's URL or referrer, and with
  // crossDomain it leaves the address bar now, before the first event, whether d.link.js came or not.
  const href = location.href;
  if (__FULL__ && options.crossDomain && withoutToken(href) != href)
    try {
      history.replaceState(history.state, '', withoutToken(href));
    } catch {}
  const linker =
    __FULL__ &&
    chunks.link &&
    chunks.link.createLinker(
      options.crossDomain,
      () => (gate._state() == GRANTED ? gate._canonical() : {}),
      () => id._user.anonymousId,
      id._adopt!,
      href,
    );

  /**
   * false only when the event itself was refused (over 64 KB); held or consent-dropped is true.
   * `ids`: a consent_update's, sent at once whatever the state (granted, or a withdrawal's with
   * the anonymousId only).
   */
  function emit(type: DataflyEvent['type'], fields: Dict, time: number, url: string, ids?: any): boolean {
    // A queued call's URL, or the referrer, may still carry a link token (_dfl): never sent.
    const e = buildEvent(
      type,
      fields,
      ids || id._user,
      __FULL__ ? browserContext(withoutToken(url), withoutToken(referrer)) : browserContext(url, referrer),
      time,
    );
    const st = ids ? GRANTED : gate._state();
    if (st == GRANTED) return send(e, ids); // (ids: at once)
    // Denied: dropped, each one said in debug mode.
    if (st) return (warn((e.event || type) + ' dropped: no ' + gate._category + ' consent'), true);
    // Awaiting consent: held in memory, the oldest dropped first past MAX_HELD.
    if (held.length >= MAX_HELD) warn(held.shift()!.messageId + ' dropped: over ' + MAX_HELD + ' held');
    return !!(held[held.length] = e);
  }

  function send(e: DataflyEvent, now?: boolean): boolean {
    const c = e.context;
    c.consent = gate._consent();
    if (vendor) c.vendorIds = vendor();
    // Adopts a link token's anonymousId once analytics is granted.
    if (linker) linker(e);
    if (campaign) campaign._apply(c);
    const it = item(e.messageId, JSON.stringify(e));
    // Size 0: the page's JSON.stringify is broken; nothing valid can be sent, so nothing is.
    if (!it._size || it._size > MAX_EVENT_BYTES)
      return (warn((e.event || e.name || e.type) + ' dropped: over 64 KB or unserializable'), false);
    log.info(e.type, e.event || e.name || '', e);
    outbox._add([it]);
    delivery._kick(now);
    return true;
  }

  /** Executes a consent gate transition's effects (src/consent-gate.ts), in this order. */
  function apply(fx: number): void {
    const anon = id._user.anonymousId;
    if (fx & WIPE) {
      // From a withdrawal on, nothing is written (its own consent_update included); the stored
      // identity goes now, the queue once what was made under consent is delivered (outbox).
      // The session too (a grant lands again): the withdrawal's consent_update carries no campaign.
      id._off();
      lsSet(SESSION_KEY, null);
      if (campaign) campaign._clear();
      lsSet(CS, null);
    }
    if (fx & RENEW) {
      if (held.length) warn('dropped ' + held.length + ' held events: no consent');
      held = [];
      id._reset();
    }
    if (fx & ENABLE) {
      // Granted: storage starts, a returning visitor gets their stored id back (unless a reset or
      // a withdrawal came first), and what was held is sent with its own time and the consent
      // that now covers it.
      id._enable();
      land();
      for (const e of held) ((e.anonymousId = id._user.anonymousId), send(e));
      held = [];
      adopt(1);
    }
    // Sent at once (once per change, across page views); a withdrawal's carries the anonymousId
    // and the consent only.
    if (fx & UPDATE)
      (emit('track', { event: 'consent_update' }, Date.now(), location.href, fx & WIPE ? { anonymousId: anon } : id._user),
        id._persist && lsSet(CS, gate._sent!));
    if (__FULL__ && tags) tags.update();
    // A withdrawal deletes the vendor ids we made at once.
    if (vendor) vendor();
  }

  /** Optional bag: undefined/null mean {}, a plain object is copied clean, anything else is refused. */
  function bag(v: unknown, what: string): Dict | undefined {
    const d = v == null ? {} : cleanDict(v);
    if (!d) warn(what + ' must be a plain object; ignored');
    return d;
  }

  function named(v: unknown, what: string): string | undefined {
    const s = cleanId(v);
    if (!s) warn(what + ' must be a 1-1024 character string; ignored');
    return s;
  }

  /** identify / group: an id, merged traits, and the event. */
  const setter = (g: boolean) => (time: number, url: string, v?: unknown, traits?: unknown) => {
    const what = g ? 'groupId' : 'userId';
    const n = named(v, what);
    const t = n && bag(traits, what + ' traits');
    // The new state stands only if its event does (an identify over 64 KB changes nothing).
    if (t) id._set(g, n!, t, (traits) => emit(g ? 'group' : 'identify', { ...(g && { groupId: n }), traits }, time, url));
  };

  const api: Record<string, (time: number, url: string, a?: any, b?: any) => unknown> = {
    page(time, url, name, props) {
      // page(properties) is accepted too.
      if (props === undefined && name && typeof name == 'object') ((props = name), (name = undefined));
      const p = bag(props, 'page properties');
      const n = name == null ? '' : named(name, 'page name');
      if (p && n != null) emit('page', { ...(n && { name: n }), properties: p }, time, url);
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
    // (These two take no arguments: passed as they are.)
    reset: id._reset,
    flush: delivery._flush,
    getAnonymousId: () => id._user.anonymousId,
    // A copy: the page may keep or change it without touching ours.
    user: () => JSON.parse(JSON.stringify(id._user)),
    debug: (_time, _url, on) => void (log.on = on !== false),
    consent(_time, _url, s) {
      const x = bag(s, 'consent');
      if (x) apply(gate._set(x));
    },
    getConsent: gate._canonical,
    // A late init() (README, "Late configuration"): what it can still change applies now.
    init(_time, _url, v) {
      const x = bag(v, 'init options');
      for (const k in x) {
        const val = x[k];
        if (k == 'debug') log.on = !!val;
        else if (k == 'requireConsent') apply(gate._require(val));
        else if (__FULL__ && k == 'cmp' && !options.cmp) (apply(gate._require()), cmp((options.cmp = val as Options['cmp'])!));
        else if (__FULL__ && /^(batchSize|flushInterval|maxQueueBytes)$/.test(k)) {
          (options as any)[k] = val;
          delivery._tune!(batchSize(), interval());
          outbox._bound!(maxBytes());
        } else if (val !== (options as any)[k]) warn('init: too late to change ' + k);
      }
    },
  };
  // Tag injection (full build) is a chunk of its own (src/load-chunk.ts), fetched at the first
  // injectTag/removeTag: calls made before it comes answer false and apply in order once it has.
  // `tagCalls`: undefined before that first call, the calls waiting while it loads, null after.
  let tags: Tags | undefined;
  let tagCalls: ((t: Tags) => unknown)[] | undefined | null;
  const withTags = (f: (t: Tags) => boolean): boolean => {
    if (tags) return f(tags);
    if (tagCalls === null) return (warn('injectTag: d.tags.js did not load'), false);
    if (!tagCalls)
      loadChunk('tags', options.nonce, (m) => {
        const calls = tagCalls!;
        tagCalls = null;
        try {
          tags = m?.createTags(
            (k) => gate._state() == GRANTED && (gate._canonical()[k] ?? gate._consent().categories[k]) === true,
            options.nonce,
            log,
          );
        } catch {}
        if (!tags) return warn('injectTag: d.tags.js did not load');
        for (const g of calls)
          try {
            g(tags);
          } catch {}
      });
    (tagCalls ||= [])[tagCalls.length] = f;
    return false;
  };
  if (__FULL__) {
    api.injectTag = (_time, _url, tag) => withTags((t) => t.add(tag));
    api.removeTag = (_time, _url, r) => withTags((t) => t.remove(r));
  }

  // Unload: `visibilitychange` to hidden is the last event mobile browsers reliably fire;
  // `pagehide` is the backstop. A page restored from the back/forward cache resumes.
  listen(document, 'visibilitychange', () => (document.hidden ? delivery._unload() : delivery._resume()));
  listen(window, 'pagehide', () => delivery._unload(true));
  listen(window, 'pageshow', (e: PageTransitionEvent) => e.persisted && delivery._resume());
  listen(window, 'online', delivery._online);
  // Another tab's withdrawal removes _df_cs (written only while granted): applied in this tab too
  // (its consent_update was sent there).
  listen(
    window,
    'storage',
    (e: StorageEvent) =>
      e.key == CS && !e.newValue && gate._category && id._persist && apply(gate._set({ [gate._category]: false }) & ~UPDATE),
  );

  // Leftovers of earlier page views and closed tabs (first when the page is idle, then sent at
  // once), then every 20 s: refresh this tab's heartbeat while it holds events, and adopt
  // what tabs that died since have left.
  async function adopt(now?: any) {
    try {
      await outbox._adopt();
      // What the first adoption (at start, or on a grant) finds goes at once.
      if (outbox._items.length) delivery._kick(now);
    } catch {}
  }
  idle(() => adopt(1));
  setInterval(adopt, ADOPT_EVERY);

  // A CMP reports its whole state (src/cmp/): its codes replace the earlier ones. The readers are
  // a chunk of their own (src/load-chunk.ts): loaded before the start when `cmp` was set by then,
  // else (a late init(), or it did not come in time) fetched now; events wait for consent meanwhile.
  function cmp(which: string) {
    if (!__FULL__) return warn('cmp needs d.full.js');
    const use = (m?: Chunks['cmp']) => {
      try {
        m ? m.watchCmp(which, (r) => apply(gate._set(r, true)), options) : warn('cmp: d.cmp.js did not load');
      } catch {}
    };
    chunks.cmp ? use(chunks.cmp) : loadChunk('cmp', options.nonce, use);
  }

  /** Sends a navigation's pending page event first, so it precedes calls made after it (src/spa.ts). */
  let settle: (() => void) | undefined;
  const self: Collector = {
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
      if (options.cmp) cmp(options.cmp);
      if (options.autoPage !== false) self._call('page', [], time, url);
      // The page view's first batch goes at once (it carries what the stub queued, replayed in
      // the same task); later ones wait for batchSize or flushInterval.
      delivery._kick(true);
      // SPA page views: full build (README, "Builds").
      if (__FULL__ && options.spa !== false)
        settle = watchNavigation(!!options.hashChange, (prev, time) => {
          referrer = prev;
          self._call('page', [], time, location.href);
        });
    },
  };
  return self;
}
