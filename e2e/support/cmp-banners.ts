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
 * IAB TCF v2.2-like `__tcfapi`, for <head> before the stub (the CMP stub defines it early). Listeners
 * get the current TCData at once (`cmpuishown` while the banner is up, or `tcloaded` with
 * `gdprApplies`), and `useractioncomplete` after a click. Purposes 1..10.
 */
export function tcfHead(o: { gdprApplies?: boolean; stored?: number[] } = {}): string {
  return `<script>
(function () {
  var listeners = [], nextId = 1;
  var state = { gdprApplies: ${o.gdprApplies !== false}, stored: ${JSON.stringify(o.stored || null)} };
  function data(status, purposes) {
    var consents = {};
    for (var i = 1; i <= 10; i++) consents[i] = !!purposes && purposes.indexOf(i) >= 0;
    return { tcString: purposes ? 'CP-fake-' + purposes.join('') : '', tcfPolicyVersion: 4, cmpId: 999, cmpVersion: 1,
      gdprApplies: state.gdprApplies, eventStatus: status, cmpStatus: 'loaded',
      purpose: { consents: consents, legitimateInterests: {} }, vendor: { consents: {}, legitimateInterests: {} } };
  }
  window.__tcfapi = function (cmd, version, cb) {
    if (cmd == 'ping') return cb({ gdprApplies: state.gdprApplies, cmpLoaded: true, cmpStatus: 'loaded', displayStatus: 'visible', apiVersion: '2.2' }, true);
    if (cmd == 'addEventListener') {
      var id = nextId++;
      listeners.push({ id: id, cb: cb });
      var d = !state.gdprApplies || state.stored ? data('tcloaded', state.stored || []) : data('cmpuishown', null);
      d.listenerId = id;
      setTimeout(function () { cb(d, true); }, 0);
      return;
    }
    if (cmd == 'removeEventListener') { listeners = listeners.filter(function (l) { return l.id != cb; }); return; }
    cb(null, false);
  };
  window.__tcfChoose = function (purposes) {
    listeners.forEach(function (l) { var d = data('useractioncomplete', purposes); d.listenerId = l.id; l.cb(d, true); });
  };
})();
</script>`;
}

export function tcfBanner(): string {
  return `<div id="tcf-banner">
  <button id="tcf-accept">Accept all</button>
  <button id="tcf-measure">Only measurement</button>
  <button id="tcf-reject">Reject all</button>
</div>
<script>
document.getElementById('tcf-accept').onclick = function () { __tcfChoose([1,2,3,4,5,6,7,8,9,10]); };
document.getElementById('tcf-measure').onclick = function () { __tcfChoose([1,8]); };
document.getElementById('tcf-reject').onclick = function () { __tcfChoose([]); };
</script>`;
}
