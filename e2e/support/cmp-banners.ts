// Fake consent banners that behave like the real CMPs do in a page, for the consent e2e tests.
// Each returns HTML (a banner with buttons, and the CMP's script) to put in a page's <body>,
// except where noted. They are clicked with Playwright like a visitor would.

/**
 * OneTrust-like. Like the real SDK: on a choice it writes the `OptanonConsent` cookie (URL-encoded
 * `groups=C0001:1,C0002:0,...`), sets `window.OnetrustActiveGroups` (",C0001,C0002," — the active
 * groups only), fires the `OneTrustGroupsUpdated` window event and calls `window.OptanonWrapper()`.
 * The page keeps its own `OptanonWrapper` (it counts calls in `window.pageWrapperCalls`).
 */
export function oneTrustHead(): string {
  return `<script>window.pageWrapperCalls = 0; function OptanonWrapper() { window.pageWrapperCalls++; }</script>`;
}

export function oneTrustBanner(): string {
  return `<div id="onetrust-banner-sdk">
  <button id="onetrust-accept-btn-handler">Accept All Cookies</button>
  <button id="onetrust-reject-all-handler">Reject All</button>
  <button id="ot-save-stats">Allow performance only</button>
</div>
<script>
(function () {
  function choose(on) {
    var groups = ['C0001', 'C0002', 'C0003', 'C0004'];
    var g = groups.map(function (k) { return k + ':' + (k == 'C0001' || on.indexOf(k) >= 0 ? 1 : 0); }).join(',');
    var active = groups.filter(function (k) { return k == 'C0001' || on.indexOf(k) >= 0; });
    document.cookie = 'OptanonConsent=isGpcEnabled=0&datestamp=' + encodeURIComponent(new Date().toString()) +
      '&version=202409.1.0&isIABGlobal=false&hosts=&consentId=abc&interactionCount=1&landingPath=NotLandingPage&groups=' +
      encodeURIComponent(g) + '&AwaitingReconsent=false; path=/; max-age=31536000';
    document.cookie = 'OptanonAlertBoxClosed=' + new Date().toISOString() + '; path=/';
    window.OnetrustActiveGroups = ',' + active.join(',') + ',';
    window.OptanonActiveGroups = window.OnetrustActiveGroups;
    window.dispatchEvent(new CustomEvent('OneTrustGroupsUpdated', { detail: active }));
    if (typeof window.OptanonWrapper == 'function') window.OptanonWrapper();
  }
  document.getElementById('onetrust-accept-btn-handler').onclick = function () { choose(['C0002', 'C0003', 'C0004']); };
  document.getElementById('onetrust-reject-all-handler').onclick = function () { choose([]); };
  document.getElementById('ot-save-stats').onclick = function () { choose(['C0002']); };
})();
</script>`;
}

/**
 * Cookiebot-like, for <head> before the stub (uc.js is loaded first, synchronously, as Cookiebot
 * asks). Like the real SDK, `window.Cookiebot` exists from the start with its documented defaults
 * (necessary true, the rest false, `hasResponse` false) until the visitor answers or a
 * `CookieConsent` cookie from an earlier answer is there. A choice writes the cookie, updates
 * `Cookiebot.consent`, and fires `CookiebotOnAccept` / `CookiebotOnDecline` on window.
 */
export function cookiebotHead(): string {
  return `<script>
(function () {
  var m = /(?:^|; )CookieConsent=([^;]*)/.exec(document.cookie);
  var raw = m ? decodeURIComponent(m[1]) : '';
  var flag = function (k) { return new RegExp(k + ':true').test(raw); };
  window.Cookiebot = {
    consent: { necessary: true, preferences: raw ? flag('preferences') : false, statistics: raw ? flag('statistics') : false, marketing: raw ? flag('marketing') : false, method: raw ? 'explicit' : null, stamp: raw ? 'x' : '0' },
    consented: !!raw, declined: false, hasResponse: !!raw,
  };
})();
</script>`;
}

export function cookiebotBanner(): string {
  return `<div id="CybotCookiebotDialog">
  <button id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll">Allow all</button>
  <button id="CybotCookiebotDialogBodyButtonDecline">Deny</button>
</div>
<script>
(function () {
  function choose(all) {
    var c = { necessary: true, preferences: all, statistics: all, marketing: all, method: 'explicit', stamp: 'x' + Date.now() };
    document.cookie = 'CookieConsent=' + encodeURIComponent("{stamp:'" + c.stamp + "',necessary:true,preferences:" + all + ',statistics:' + all + ',marketing:' + all + ",method:'explicit',ver:1,utc:" + Date.now() + ",region:'de'}") + '; path=/; max-age=31536000';
    window.Cookiebot.consent = c;
    window.Cookiebot.consented = all;
    window.Cookiebot.declined = !all;
    window.Cookiebot.hasResponse = true;
    window.dispatchEvent(new Event(all ? 'CookiebotOnAccept' : 'CookiebotOnDecline'));
  }
  document.getElementById('CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll').onclick = function () { choose(true); };
  document.getElementById('CybotCookiebotDialogBodyButtonDecline').onclick = function () { choose(false); };
})();
</script>`;
}

/**
 * IAB TCF v2.2-like CMP (the TCF v2.2 CMP API: `__tcfapi` commands `ping`, `addEventListener`,
 * `removeEventListener`; TCData with eventStatus, cmpStatus, gdprApplies, tcString,
 * purposeOneTreatment, purpose.{consents,legitimateInterests}, publisher.{consents,
 * legitimateInterests,restrictions}, listenerId). Listeners get the current TCData at once
 * (`cmpuishown` while the banner is up, or `tcloaded`), and `useractioncomplete` after a click.
 * `tcfScript` is the CMP's code (defines `window.__installTcf`); `tcfHead` installs it in <head>
 * before the stub, as the CMP's own stub would.
 * `o.locator`: also the `__tcfapiLocator` frame and the postMessage bridge (`__tcfapiCall` in,
 * `__tcfapiReturn` out, objects or JSON strings), for vendors in child frames.
 */
export function tcfScript(o: { gdprApplies?: boolean; stored?: number[]; locator?: boolean } = {}): string {
  return `<script>
window.__installTcf = function () {
  var listeners = [], nextId = 1;
  var state = { gdprApplies: ${o.gdprApplies !== false}, stored: ${JSON.stringify(o.stored || null)}, li: [] };
  function ids(list) { var o = {}; for (var i = 1; i <= 11; i++) o[i] = !!list && list.indexOf(i) >= 0; return o; }
  function data(status, purposes, li) {
    return { tcString: purposes ? 'CP-fake-' + purposes.join('') : '', tcfPolicyVersion: 5, cmpId: 999, cmpVersion: 1,
      gdprApplies: state.gdprApplies, eventStatus: status, cmpStatus: 'loaded', isServiceSpecific: true, useNonStandardTexts: false,
      publisherCC: 'DE', purposeOneTreatment: false,
      purpose: { consents: purposes ? ids(purposes) : {}, legitimateInterests: purposes ? ids(li || []) : {} },
      vendor: { consents: {}, legitimateInterests: {} }, specialFeatureOptins: {},
      publisher: { consents: {}, legitimateInterests: {}, customPurpose: { consents: {}, legitimateInterests: {} }, restrictions: {} } };
  }
  window.__tcfapi = function (cmd, version, cb, param) {
    if (cmd == 'ping') return cb({ gdprApplies: state.gdprApplies, cmpLoaded: true, cmpStatus: 'loaded', displayStatus: 'visible', apiVersion: '2.2', cmpVersion: 1, cmpId: 999, gvlVersion: 80, tcfPolicyVersion: 5 }, true);
    if (cmd == 'addEventListener') {
      var id = nextId++;
      listeners.push({ id: id, cb: cb });
      var d = !state.gdprApplies || state.stored ? data('tcloaded', state.stored || [], state.li) : data('cmpuishown', null);
      d.listenerId = id;
      setTimeout(function () { cb(d, true); }, 0);
      return;
    }
    if (cmd == 'removeEventListener') { listeners = listeners.filter(function (l) { return l.id != param; }); return cb(true, true); }
    cb(null, false);
  };
  window.__tcfChoose = function (purposes, li) {
    state.stored = purposes; state.li = li || [];
    listeners.forEach(function (l) { var d = data('useractioncomplete', purposes, li); d.listenerId = l.id; l.cb(d, true); });
  };
  ${
    o.locator
      ? `
  (function addLocator() {
    if (!document.body) return setTimeout(addLocator, 5);
    var f = document.createElement('iframe');
    f.name = '__tcfapiLocator';
    f.hidden = true;
    document.body.appendChild(f);
  })();
  window.addEventListener('message', function (event) {
    var str = typeof event.data == 'string', json = event.data;
    try { if (str) json = JSON.parse(event.data); } catch (e) { return; }
    var call = json && json.__tcfapiCall;
    if (!call) return;
    window.__tcfapiCalls = (window.__tcfapiCalls || 0) + 1;
    window.__tcfapi(call.command, call.version, function (retValue, success) {
      var msg = { __tcfapiReturn: { returnValue: retValue, success: success, callId: call.callId } };
      event.source.postMessage(str ? JSON.stringify(msg) : msg, '*');
    }, call.parameter);
  });`
      : ''
  }
};
</script>`;
}

export function tcfHead(o: { gdprApplies?: boolean; stored?: number[]; locator?: boolean } = {}): string {
  return tcfScript(o) + '<script>__installTcf()</script>';
}

/**
 * What the collector's TCF reader keeps as `context.consent.categories` for a choice made on this
 * fake CMP (`__tcfChoose(purposes, li)`): the TC string it makes and both purpose maps (1 to 11).
 */
export function tcfCategories(purposes: number[], li: number[] = []) {
  const ids = (list: number[]) => Object.fromEntries(Array.from({ length: 11 }, (_, i) => [String(i + 1), list.includes(i + 1)]));
  return { tcString: 'CP-fake-' + purposes.join(''), purposes: ids(purposes), legitimateInterests: ids(li) };
}

/** The choices behind tcfBanner's buttons, as `[purposes, legitimate interests]`. */
export const TCF_ACCEPT: [number[], number[]] = [
  [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  [2, 7, 8, 9, 10, 11],
];
export const TCF_MEASURE: [number[], number[]] = [[1, 8], []];
export const TCF_REJECT: [number[], number[]] = [[], []];

export function tcfBanner(): string {
  return `<div id="tcf-banner">
  <button id="tcf-accept">Accept all</button>
  <button id="tcf-measure">Only measurement</button>
  <button id="tcf-li">Purpose 1, the rest on legitimate interest</button>
  <button id="tcf-reject">Reject all</button>
</div>
<script>
document.getElementById('tcf-accept').onclick = function () { __tcfChoose(${JSON.stringify(TCF_ACCEPT[0])}, ${JSON.stringify(TCF_ACCEPT[1])}); };
document.getElementById('tcf-measure').onclick = function () { __tcfChoose(${JSON.stringify(TCF_MEASURE[0])}); };
document.getElementById('tcf-li').onclick = function () { __tcfChoose([1], [2,7,8,9,10,11]); };
document.getElementById('tcf-reject').onclick = function () { __tcfChoose(${JSON.stringify(TCF_REJECT[0])}); };
</script>`;
}

/**
 * OneTrust's SDK arriving: defines `window.OneTrust` / `window.Optanon` (the SDK's globals) and calls
 * `OptanonWrapper()` once loaded, as otSDKStub.js / otBannerSdk.js do. Put after `oneTrustBanner()`;
 * `afterLoadMs`: the SDK arrives that long after `window.load` (a tag manager loading it late).
 */
export function oneTrustSdk(afterLoadMs = 0): string {
  return `<script>
(function () {
  function arrive() {
    window.OneTrust = window.Optanon = { IsAlertBoxClosed: function () { return /OptanonAlertBoxClosed=/.test(document.cookie); }, OnConsentChanged: function () {} };
    window.oneTrustArrived = true;
    if (typeof window.OptanonWrapper == 'function') window.OptanonWrapper();
  }
  ${afterLoadMs ? `addEventListener('load', function () { setTimeout(arrive, ${afterLoadMs}); });` : 'arrive();'}
})();
</script>`;
}

/** The purposes of a Didomi notice: Didomi's ids for the IAB purposes, plus one custom purpose. */
export const DIDOMI_PURPOSES = [
  'cookies',
  'select_basic_ads',
  'create_ads_profile',
  'select_personalized_ads',
  'create_content_profile',
  'select_personalized_content',
  'measure_ad_performance',
  'measure_content_performance',
  'market_research',
  'improve_products',
  'analytics-XYZ123',
];

/** A `didomi_token` value as the SDK writes it (base64 JSON, version 2), for `context.addCookies`. */
export function didomiToken(enabled: string[], disabled: string[]): string {
  const now = new Date().toISOString();
  return Buffer.from(
    JSON.stringify({
      user_id: '18ee10b5-1c0b-67bb-b764-00385b75dff5',
      created: now,
      updated: now,
      vendors: { enabled: ['google'], disabled: [] },
      purposes: { enabled, disabled },
      version: 2,
    }),
  ).toString('base64');
}

/**
 * Didomi-like Web SDK (developers.didomi.io/cmp/web-sdk: reference/api, reference/events).
 * The page declares `didomiOnReady` / `didomiEventListeners` arrays, as Didomi's docs ask; the SDK,
 * once loaded (`afterLoadMs` after window.load, or at once), defines `window.Didomi`
 * (getCurrentUserStatus, shouldConsentBeCollected, isConsentRequired, on), calls what was pushed on
 * didomiOnReady with Didomi and registers what was pushed on didomiEventListeners, then replaces
 * both `push` methods so later pushes run / register at once. A choice writes the `didomi_token`
 * cookie (base64 JSON) and fires `consent.changed`. `noQueues`: the page declares neither array
 * (then only `window.Didomi` and its `on` are there).
 */
export function didomiPage(o: { afterLoadMs?: number; noQueues?: boolean } = {}): string {
  return `${
    o.noQueues
      ? ''
      : `<script>
window.didomiOnReady = window.didomiOnReady || [];
window.didomiEventListeners = window.didomiEventListeners || [];
</script>`
  }
<div id="didomi-notice">
  <button id="didomi-notice-agree-button">Agree and close</button>
  <button id="didomi-notice-disagree-button">Disagree</button>
  <button id="didomi-measure">Only audience measurement</button>
</div>
<script>
(function () {
  var ALL = ${JSON.stringify(DIDOMI_PURPOSES)};
  var handlers = {};
  function token() {
    var m = /(?:^|; )didomi_token=([^;]*)/.exec(document.cookie);
    try { return m ? JSON.parse(atob(decodeURIComponent(m[1]))) : null; } catch (e) { return null; }
  }
  var Didomi = {
    isConsentRequired: function () { return true; },
    shouldConsentBeCollected: function () { return !token(); },
    getCurrentUserStatus: function () {
      var t = token() || { purposes: { enabled: [], disabled: [] }, vendors: { enabled: [], disabled: [] } };
      var purposes = {};
      ALL.forEach(function (id) { purposes[id] = { id: id, enabled: t.purposes.enabled.indexOf(id) >= 0 }; });
      return { purposes: purposes, vendors: { google: { id: 'google', enabled: t.vendors.enabled.indexOf('google') >= 0 } }, user_id: t.user_id, created: t.created, updated: t.updated, consent_string: 'CQ-fake', addtl_consent: '', regulation: 'gdpr' };
    },
    on: function (ev, fn) { (handlers[ev] = handlers[ev] || []).push(fn); },
  };
  function choose(enabled) {
    var now = new Date().toISOString();
    var t = { user_id: '18ee10b5-1c0b-67bb-b764-00385b75dff5', created: now, updated: now,
      vendors: { enabled: enabled.length ? ['google'] : [], disabled: enabled.length ? [] : ['google'] },
      purposes: { enabled: enabled, disabled: ALL.filter(function (p) { return enabled.indexOf(p) < 0; }) }, version: 2 };
    document.cookie = 'didomi_token=' + encodeURIComponent(btoa(JSON.stringify(t))) + '; path=/; max-age=31536000';
    (handlers['consent.changed'] || []).forEach(function (fn) { fn({ type: 'consent.changed' }); });
  }
  function load() {
    window.Didomi = Didomi;
    window.didomiLoaded = true;
    var ready = window.didomiOnReady, listeners = window.didomiEventListeners;
    if (!ready || !listeners) return;
    listeners.forEach(function (l) { Didomi.on(l.event, l.listener); });
    listeners.push = function (l) { Didomi.on(l.event, l.listener); return 0; };
    ready.forEach(function (fn) { fn(Didomi); });
    ready.push = function (fn) { fn(Didomi); return 0; };
  }
  document.getElementById('didomi-notice-agree-button').onclick = function () { choose(ALL.slice()); };
  document.getElementById('didomi-notice-disagree-button').onclick = function () { choose([]); };
  document.getElementById('didomi-measure').onclick = function () { choose(['cookies', 'measure_content_performance', 'analytics-XYZ123']); };
  ${o.afterLoadMs ? `addEventListener('load', function () { setTimeout(load, ${o.afterLoadMs}); });` : 'load();'}
})();
</script>`;
}

/**
 * Osano-like CMP (developers.osano.com/cmp/javascript-api/developer-documentation-consent-javascript-api):
 * `window.Osano.cm` with addEventListener / removeEventListener / getConsent and the
 * analytics / marketing / personalization / optOut flags. `osano-cm-initialized` passes the
 * ConsentObject, or undefined before any answer (fired at once for a listener added later);
 * a choice stores the record in localStorage `osano_consentmanager` and the cookie, ENCRYPTED as
 * Osano does (opaque here), fires `osano-cm-consent-changed` per toggled category, then
 * `osano-cm-consent-saved` with the whole ConsentObject.
 */
export function osanoPage(o: { afterLoadMs?: number } = {}): string {
  return `<div class="osano-cm-dialog">
  <button class="osano-cm-accept-all">Accept all</button>
  <button class="osano-cm-deny">Deny</button>
  <button id="osano-analytics-only">Analytics only</button>
</div>
<script>
(function () {
  var listeners = {}, initialized = false;
  var stored = localStorage.getItem('osano_consentmanager_plain');
  var consent = stored ? JSON.parse(stored) : null;
  function emit(ev, arg) { (listeners[ev] || []).forEach(function (fn) { fn(arg); }); }
  var cm = {
    addEventListener: function (ev, fn) {
      (listeners[ev] = listeners[ev] || []).push(fn);
      if (ev == 'osano-cm-initialized' && initialized) fn(consent || undefined);
    },
    removeEventListener: function (ev, fn) { listeners[ev] = (listeners[ev] || []).filter(function (f) { return f != fn; }); },
    getConsent: function () { return consent ? JSON.parse(JSON.stringify(consent)) : { ESSENTIAL: 'ACCEPT', STORAGE: 'DENY', ANALYTICS: 'DENY', MARKETING: 'DENY', PERSONALIZATION: 'DENY', OPT_OUT: 'DENY' }; },
    get analytics() { return !!consent && consent.ANALYTICS == 'ACCEPT'; },
    get marketing() { return !!consent && consent.MARKETING == 'ACCEPT'; },
    get personalization() { return !!consent && consent.PERSONALIZATION == 'ACCEPT'; },
    get optOut() { return !!consent && consent.OPT_OUT == 'ACCEPT'; },
    mode: 'production',
  };
  function save(next) {
    var prev = consent || cm.getConsent();
    Object.keys(next).forEach(function (k) { if (prev[k] != next[k]) { var d = {}; d[k] = next[k]; emit('osano-cm-consent-changed', d); } });
    consent = next;
    // Osano encrypts its record; the plain copy is this fake's own memory across page views.
    var opaque = btoa(String(Math.random())).replace(/=/g, '') + 'Xq9_-Zt';
    localStorage.setItem('osano_consentmanager', opaque);
    localStorage.setItem('osano_consentmanager_plain', JSON.stringify(next));
    document.cookie = 'osano_consentmanager=' + opaque + '; path=/; max-age=31536000';
    emit('osano-cm-consent-saved', JSON.parse(JSON.stringify(next)));
  }
  function c(s, a, m, p) { return { ESSENTIAL: 'ACCEPT', STORAGE: s, ANALYTICS: a, MARKETING: m, PERSONALIZATION: p, OPT_OUT: 'DENY' }; }
  function load() {
    window.Osano = window.Osano || function () { (window.Osano.data = window.Osano.data || []).push(arguments); };
    window.Osano.cm = cm;
    initialized = true;
    emit('osano-cm-initialized', consent || undefined);
  }
  document.querySelector('.osano-cm-accept-all').onclick = function () { save(c('ACCEPT', 'ACCEPT', 'ACCEPT', 'ACCEPT')); };
  document.querySelector('.osano-cm-deny').onclick = function () { save(c('DENY', 'DENY', 'DENY', 'DENY')); };
  document.getElementById('osano-analytics-only').onclick = function () { save(c('DENY', 'ACCEPT', 'DENY', 'DENY')); };
  ${o.afterLoadMs ? `addEventListener('load', function () { setTimeout(load, ${o.afterLoadMs}); });` : 'load();'}
})();
</script>`;
}

/**
 * A CMP we have no reader for: CookieYes-like, keeping its choice in the `cookieyes-consent`
 * cookie as `consentid:...,consent:yes,action:yes,necessary:yes,functional:no,analytics:yes,...`
 * and firing no event Datafly knows. Read with `consentSource: {cookie, format: 'comma', map}`.
 */
export function cookieYesBanner(): string {
  return `<div class="cky-consent-bar">
  <button class="cky-btn-accept">Accept All</button>
  <button class="cky-btn-reject">Reject All</button>
</div>
<script>
(function () {
  function choose(yes) {
    var v = yes ? 'yes' : 'no';
    document.cookie = 'cookieyes-consent=' + ['consentid:Q2xvdWRmbGFyZQ', 'consent:' + v, 'action:yes', 'necessary:yes', 'functional:' + v, 'analytics:' + v, 'performance:' + v, 'advertisement:' + v, 'other:' + v].join(',') + '; path=/; max-age=31536000';
  }
  document.querySelector('.cky-btn-accept').onclick = function () { choose(true); };
  document.querySelector('.cky-btn-reject').onclick = function () { choose(false); };
})();
</script>`;
}
