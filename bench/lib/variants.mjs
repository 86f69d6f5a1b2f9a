// The variants: what each puts in the test page's <head>, which files the vendor server serves
// for it, what its settings/config endpoints answer, and where its events go.
// Each peer is installed as its vendor documents for a website (the vendor's own async snippet
// that loads the CDN build), with its CDN/API hosts pointed at the local vendor server.
import { fileURLToPath } from 'node:url';
import { existsSync, mkdirSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

// The peers live in bench/node_modules (some packages don't export ./package.json).
const MODULES = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules');
const pkgDir = (name) => join(MODULES, name);
const pkgVersion = (name) => JSON.parse(readFileSync(join(MODULES, name, 'package.json'), 'utf8')).version;

export const TRACK_EVENT = 'bench_event';

const SEGMENT_KEY = 'benchWriteKey123';
const RUDDER_KEY = 'benchRudderWriteKey123';
const POSTHOG_KEY = 'phc_benchProjectToken123';

/**
 * RudderStack's npm package has no dist/cdn (the CDN's rsa.min.js is not published to npm). We
 * make the equivalent: its `modern/bundled` ESM build (all plugins in the one file, so none are
 * fetched at run time) as a script that instantiates RudderAnalytics on load, which is what
 * rsa.min.js does (it picks up the snippet's buffered load/page calls), minified with terser.
 */
async function rudderCdnBuild(cacheDir) {
  const dir = pkgDir('@rudderstack/analytics-js');
  const version = pkgVersion('@rudderstack/analytics-js');
  const out = join(cacheDir, `rsa-${version}.min.js`);
  if (existsSync(out)) return out;
  const src = readFileSync(join(dir, 'dist/npm/modern/bundled/esm/index.mjs'), 'utf8');
  if (!/^export \{ RudderAnalytics \};$/m.test(src)) throw new Error('unexpected RudderStack ESM build layout');
  const iife = `(function(){${src.replace(/^export \{ RudderAnalytics \};$/m, '')}\nnew RudderAnalytics();})();`;
  const { minify } = await import('terser');
  const min = await minify(iife, { ecma: 2020, compress: { passes: 2 }, mangle: true, format: { comments: false } });
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(out, min.code);
  return out;
}

const js = (code) => `<script>${code}</script>`;

/**
 * @param {{gatewayUrl: string, vendorUrl: string, snippetTag: Function, cacheDir: string,
 *          sameWork?: boolean}} o  sameWork: raise the peers' burst limits so that all 1,000
 *          track calls are delivered by every library (default: each library as shipped).
 */
export async function makeVariants({ gatewayUrl, vendorUrl, snippetTag, cacheDir, sameWork = false }) {
  const vhost = vendorUrl.replace(/^https?:\/\//, '');

  // --- Segment (analytics-next standalone, the file cdn.segment.com serves as analytics.min.js)
  const segDir = join(pkgDir('@segment/analytics-next'), 'dist/umd');
  const segFiles = { [`/analytics.js/v1/${SEGMENT_KEY}/analytics.min.js`]: join(segDir, 'standalone.js') };
  for (const f of readdirSync(segDir)) {
    if (f.endsWith('.js') && f !== 'standalone.js' && f !== 'index.js') segFiles[`/analytics-next/bundles/${f}`] = join(segDir, f);
  }
  const segmentSettings = {
    integrations: {
      'Segment.io': {
        apiKey: SEGMENT_KEY,
        unbundledIntegrations: [],
        addBundledMetadata: true,
        maybeBundledConfigIds: {},
        versionSettings: { version: '4.4.7', componentTypes: ['browser'] },
        apiHost: `${vhost}/seg/v1`,
        protocol: 'http',
      },
    },
    plan: {
      track: { __default: { enabled: true, integrations: {} } },
      identify: { __default: { enabled: true } },
      group: { __default: { enabled: true } },
    },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    // Segment's own telemetry off: tracking only.
    metrics: { sampleRate: 0 },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  };
  // Segment's official snippet (v5.2), with analytics._cdn pointing the library (settings, lazy
  // chunks) at the local server.
  const segmentHead =
    js(`!function(){var i="analytics",analytics=window[i]=window[i]||[];if(!analytics.initialize)if(analytics.invoked)window.console&&console.error&&console.error("Segment snippet included twice.");else{analytics.invoked=!0;analytics.methods=["trackSubmit","trackClick","trackLink","trackForm","pageview","identify","reset","group","track","ready","alias","debug","page","screen","once","off","on","addSourceMiddleware","addIntegrationMiddleware","setAnonymousId","addDestinationMiddleware","register"];analytics.factory=function(e){return function(){if(window[i].initialized)return window[i][e].apply(window[i],arguments);var n=Array.prototype.slice.call(arguments);if(["track","screen","alias","group","page","identify"].indexOf(e)>-1){var c=document.querySelector("link[rel='canonical']");n.push({__t:"bpc",c:c&&c.getAttribute("href")||void 0,p:location.pathname,u:location.href,s:location.search,t:document.title,r:document.referrer})}n.unshift(e);analytics.push(n);return analytics}};for(var n=0;n<analytics.methods.length;n++){var key=analytics.methods[n];analytics[key]=analytics.factory(key)}analytics.load=function(key,n){var t=document.createElement("script");t.type="text/javascript";t.async=!0;t.setAttribute("data-global-segment-analytics-key",i);t.src="${vendorUrl}/analytics.js/v1/"+key+"/analytics.min.js";var r=document.getElementsByTagName("script")[0];r.parentNode.insertBefore(t,r);analytics._loadOptions=n};analytics._writeKey="${SEGMENT_KEY}";analytics._cdn="${vendorUrl}";analytics.SNIPPET_VERSION="5.2.0";
analytics.load("${SEGMENT_KEY}");
analytics.page();
}}();`);

  // --- RudderStack v3 (modern build, the official v3 loading snippet, shortened to its logic).
  // By default its delivery queue keeps only the newest 100 events (queueOptions.maxItems), so a
  // 1,000-call burst loses most of them; --same-work raises it to 1,000.
  const rsaFile = await rudderCdnBuild(cacheDir);
  const rudderConfig = {
    isHosted: true,
    source: {
      id: 'benchSourceId',
      name: 'bench',
      writeKey: RUDDER_KEY,
      workspaceId: 'benchWorkspace',
      enabled: true,
      // RudderStack's own error/metrics reporting off: tracking only.
      config: { statsCollection: { errors: { enabled: false }, metrics: { enabled: false } } },
      destinations: [],
    },
  };
  const rudderHead =
    js(`(function(){"use strict";window.RudderSnippetVersion="3.0.60";var identifier="rudderanalytics";if(!window[identifier]){window[identifier]=[]}var rudderanalytics=window[identifier];if(Array.isArray(rudderanalytics)){if(rudderanalytics.snippetExecuted===true&&window.console&&console.error){console.error("RudderStack JavaScript SDK snippet included more than once.")}else{rudderanalytics.snippetExecuted=true;window.rudderAnalyticsBuildType="modern";var sdkBaseUrl="${vendorUrl}";var sdkVersion="v3";var sdkFileName="rsa.min.js";var methods=["setDefaultInstanceKey","load","ready","page","track","identify","alias","group","reset","setAnonymousId","startSession","endSession","consent"];for(var i=0;i<methods.length;i++){var method=methods[i];rudderanalytics[method]=function(methodName){return function(){if(Array.isArray(window[identifier])){rudderanalytics.push([methodName].concat(Array.prototype.slice.call(arguments)))}else{var _methodName;(_methodName=window[identifier][methodName])===null||_methodName===void 0||_methodName.apply(window[identifier],arguments)}}}(method)}var head=document.head||document.getElementsByTagName("head")[0];var s=document.createElement("script");s.src=sdkBaseUrl+"/"+sdkVersion+"/"+window.rudderAnalyticsBuildType+"/"+sdkFileName;s.setAttribute("data-loader","RS_JS_SDK");s.async=true;head.insertBefore(s,head.firstChild);
rudderanalytics.load("${RUDDER_KEY}","${vendorUrl}/rs",{configUrl:"${vendorUrl}",destSDKBaseURL:"${vendorUrl}/v3/modern/js-integrations",pluginsSDKBaseURL:"${vendorUrl}/v3/modern/plugins",polyfillIfRequired:false${sameWork ? ',queueOptions:{maxItems:1000}' : ''}});
rudderanalytics.page();
}}})();`);

  // --- PostHog (posthog-js array.js, the file the PostHog snippet loads from /static/array.js)
  const phDir = join(pkgDir('posthog-js'), 'dist');
  const phFiles = { '/static/array.js': join(phDir, 'array.js') };
  for (const f of readdirSync(phDir)) if (f.endsWith('.js') && !phFiles[`/static/${f}`]) phFiles[`/static/${f}`] = join(phDir, f);
  const posthogRemoteConfig = {
    token: POSTHOG_KEY,
    supportedCompression: ['gzip', 'gzip-js'],
    hasFeatureFlags: false,
    captureDeadClicks: false,
    capturePerformance: false,
    autocapture_opt_out: true,
    autocaptureExceptions: false,
    analytics: { endpoint: '/i/v0/e/' },
    elementsChainAsString: true,
    sessionRecording: false,
    heatmaps: false,
    surveys: false,
    defaultIdentifiedOnly: true,
  };
  // The official PostHog snippet; options turn off everything but event capture.
  const posthogOptions = {
    api_host: vendorUrl,
    person_profiles: 'identified_only',
    autocapture: false,
    capture_pageview: true,
    capture_pageleave: false,
    capture_dead_clicks: false,
    capture_exceptions: false,
    capture_performance: false,
    capture_heatmaps: false,
    disable_session_recording: true,
    disable_surveys: true,
    disable_web_experiments: true,
    disable_product_tours: true,
    disable_conversations: true,
    advanced_disable_flags: true,
    // PostHog drops events from automated browsers (navigator.webdriver, HeadlessChrome) as bots.
    opt_out_useragent_filter: true,
    // By default PostHog's client-side rate limit (10 events/s, bursts of 100) drops most of a
    // 1,000-call burst; --same-work raises it.
    ...(sameWork ? { rate_limiting: { events_per_second: 1000, events_burst_limit: 1000 } } : {}),
    disable_external_dependency_loading: true,
  };
  const posthogHead =
    js(`!function(t,e){var o,n,p,r;e.__SV||(window.posthog=e,e._i=[],e.init=function(i,s,a){function g(t,e){var o=e.split(".");2==o.length&&(t=t[o[0]],e=o[1]),t[e]=function(){t.push([e].concat(Array.prototype.slice.call(arguments,0)))}}(p=t.createElement("script")).type="text/javascript",p.crossOrigin="anonymous",p.async=!0,p.src=s.api_host.replace(".i.posthog.com","-assets.i.posthog.com")+"/static/array.js",(r=t.getElementsByTagName("script")[0]).parentNode.insertBefore(p,r);var u=e;for(void 0!==a?u=e[a]=[]:a="posthog",u.people=u.people||[],u.toString=function(t){var e="posthog";return"posthog"!==a&&(e+="."+a),t||(e+=" (stub)"),e},u.people.toString=function(){return u.toString(1)+".people (stub)"},o="init capture register register_once register_for_session unregister unregister_for_session getFeatureFlag getFeatureFlagPayload isFeatureEnabled reloadFeatureFlags updateEarlyAccessFeatureEnrollment getEarlyAccessFeatures on onFeatureFlags onSessionId getSurveys getActiveMatchingSurveys renderSurvey canRenderSurvey getNextSurveyStep identify setPersonProperties group resetGroups setPersonPropertiesForFlags resetPersonPropertiesForFlags setGroupPropertiesForFlags resetGroupPropertiesForFlags reset get_distinct_id getGroups get_session_id get_session_replay_url alias set_config startSessionRecording stopSessionRecording sessionRecordingStarted captureException loadToolbar get_property getSessionProperty createPersonProfile opt_in_capturing opt_out_capturing has_opted_in_capturing has_opted_out_capturing clear_opt_in_out_capturing debug".split(" "),n=0;n<o.length;n++)g(u,o[n]);e._i.push([i,s,a])},e.__SV=1)}(document,window.posthog||[]);
posthog.init("${POSTHOG_KEY}",${JSON.stringify(posthogOptions)});`);

  const dataflyHead = await snippetTag({ src: `${gatewayUrl}/d.js`, key: 'dk_test_bench' });

  const variants = [
    {
      id: 'none',
      label: 'no analytics',
      head: '',
      ready: 'true',
      track: 'function(){}',
    },
    {
      id: 'datafly',
      label: 'Datafly.js',
      version: null, // filled in from the page (_df.version)
      head: dataflyHead,
      ready: 'window._df && typeof window._df.version === "string"',
      track: 'function(n,p){_df.track(n,p)}',
    },
    {
      id: 'segment',
      label: 'Segment analytics-next',
      version: pkgVersion('@segment/analytics-next'),
      head: segmentHead,
      ready: 'window.analytics && window.analytics.initialized === true',
      track: 'function(n,p){analytics.track(n,p)}',
    },
    {
      id: 'rudderstack',
      label: 'RudderStack v3',
      version: pkgVersion('@rudderstack/analytics-js'),
      head: rudderHead,
      ready:
        'window.rudderanalytics && !Array.isArray(window.rudderanalytics) && typeof window.rudderanalytics.getAnonymousId === "function" && !!window.rudderanalytics.getAnonymousId()',
      track: 'function(n,p){rudderanalytics.track(n,p)}',
    },
    {
      id: 'posthog',
      label: 'PostHog',
      version: pkgVersion('posthog-js'),
      head: posthogHead,
      ready: 'window.posthog && window.posthog.__loaded === true',
      track: 'function(n,p){posthog.capture(n,p)}',
    },
  ];

  const vendor = {
    files: {
      ...segFiles,
      '/v3/modern/rsa.min.js': rsaFile,
      ...phFiles,
    },
    json(path) {
      if (/^\/v1\/projects\/[^/]+\/settings$/.test(path)) return segmentSettings;
      if (/^\/sourceConfig\/?$/.test(path)) return rudderConfig;
      if (/^\/array\/[^/]+\/config$/.test(path)) return posthogRemoteConfig;
      if (/^\/array\/[^/]+\/config\.js$/.test(path))
        return `(window._POSTHOG_REMOTE_CONFIG=window._POSTHOG_REMOTE_CONFIG||{})[${JSON.stringify(POSTHOG_KEY)}]={config:${JSON.stringify(posthogRemoteConfig)},siteApps:[]};`;
      if (/^\/(flags|decide)\/?$/.test(path)) return { featureFlags: {}, featureFlagPayloads: {}, errorsWhileComputingFlags: false };
      return undefined;
    },
    isEventPath(path) {
      return (
        /^\/seg\/v1\/(t|p|i|g|a|s|batch|m)$/.test(path) ||
        /^\/rs\/v1\/(track|page|identify|group|alias|screen|batch)$/.test(path) ||
        /^\/(e|i\/v0\/e|batch|capture|track|engage)\/?$/.test(path)
      );
    },
    eventReply(path) {
      if (path.startsWith('/rs/')) return { type: 'text/plain', body: 'OK' };
      if (path.startsWith('/seg/')) return { type: 'application/json', body: '{"success":true}' };
      return { type: 'application/json', body: '{"status":1}' };
    },
  };
  return { variants, vendor };
}

/** The same plain test page for every variant; only the head snippet differs. */
export function testPage(variant) {
  const paras = Array.from(
    { length: 8 },
    (_, i) =>
      `<p>Paragraph ${i + 1}. A plain page with a little text, no images, fonts or other scripts, so that what differs between the variants is the analytics library alone.</p>`,
  ).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Benchmark page</title>
<link rel="icon" href="data:,">
${variant.head}
<script>window.__benchTrack=${variant.track};window.__benchReady=function(){try{return !!(${variant.ready})}catch(e){return false}};</script>
</head>
<body>
<main>
<h1>Benchmark page</h1>
${paras}
<ul><li>one</li><li>two</li><li>three</li></ul>
</main>
</body>
</html>
`;
}
