/** Public types of Datafly.js. */

export type Dict = Record<string, unknown>;

export type ConsentCategory = 'essential' | 'functional' | 'analytics' | 'marketing' | 'personalization';
export type ConsentState = Partial<Record<ConsentCategory, boolean>> & Record<string, unknown>;

/** `context.consent`: the CMP's own codes verbatim (or what the page passed), and the five canonical categories. */
export interface ConsentContext {
  categories: Record<string, unknown>;
  canonical: ConsentState;
}

export interface Options {
  /** `dk_live_...` or `dk_test_...`, issued per source. Required. */
  pipelineKey: string;
  /** Ingestion Gateway base URL. Default: the origin of d.js (npm: required). */
  endpoint?: string;
  /** Most events in one batch request. Default 10, at most 500. */
  batchSize?: number;
  /** Auto-flush period in ms. Default 1000. */
  flushInterval?: number;
  /** Send one page event when the collector starts. Default true. */
  autoPage?: boolean;
  /** Print every event and warning to the console. Default false (or `?df_debug=1` in the URL). */
  debug?: boolean;
  /** Most bytes the persisted queue may hold before the oldest events are dropped. Default 1 MB. */
  maxQueueBytes?: number;
  /** Global name the collector is installed on in the page. Default `_df`. */
  global?: string;
  /** Automatic page events on client-side navigation (pushState, replaceState, popstate). Default true. */
  spa?: boolean;
  /** Also send page events on `hashchange`. Default false. */
  hashChange?: boolean;
  /** Read consent from a CMP (full build): 'onetrust' | 'cookiebot' | 'tcf' | 'didomi' | 'osano' | 'custom' | 'auto'. Default: off. */
  cmp?: 'onetrust' | 'cookiebot' | 'tcf' | 'didomi' | 'osano' | 'custom' | 'auto';
  /**
   * Where another CMP keeps its choice, for `cmp: 'custom'` (and 'auto'): a cookie or localStorage
   * key, its format, and a map from the CMP's codes to categories (`{C2: 'analytics'}`; a code may
   * name several, space-separated). Its map also maps a site's own Didomi purpose ids.
   */
  consentSource?: {
    cookie?: string;
    localStorage?: string;
    format: 'json' | 'comma' | 'urlencoded' | 'semicolon';
    map: Record<string, string>;
  };
  /** Hold every event (in memory, nothing stored) until this category is granted; a withdrawal removes what was stored. Default off. */
  requireConsent?: boolean | ConsentCategory;
  /** CSP nonce passed on to scripts the collector injects (read from d.js's own tag by default). */
  nonce?: string;
  /** Cookie domain for the anonymous id cookie (e.g. `example.com` to share it with subdomains). */
  cookieDomain?: string;
  /** Vendor ids kept first-party (full build), e.g. `['ga', 'meta']`; also `data-vendor-ids="ga,meta"`. Default off. */
  vendorIds?: string[];
  /** One visitor across these domains by link decoration (full build); also `data-linked-domains="a.com,b.org"`. The Identity Hub (`hubUrl`) is not supported. */
  crossDomain?: { linkedDomains: string[]; hubUrl?: string };
}

export interface EventContext {
  page: { url: string; path: string; referrer: string; title: string; search: string };
  screen: { width: number; height: number };
  locale: string;
  timezone: string;
  userAgent: string;
  library: { name: string; version: string };
  campaign?: { source?: string; medium?: string; name?: string; term?: string; content?: string };
  clickIds?: Record<string, string>;
  consent?: ConsentContext;
  /** Vendor first-party ids, keyed by cookie name (`vendorIds` option). */
  vendorIds?: Record<string, string>;
  /** On the first event after arriving by a decorated link: the anonymousId the link carried. */
  linkedAnonymousId?: string;
}

export interface DataflyEvent {
  type: 'page' | 'track' | 'identify' | 'group' | 'alias';
  event?: string;
  name?: string;
  properties?: Dict;
  traits?: Dict;
  groupId?: string;
  previousId?: string;
  anonymousId: string;
  userId?: string;
  context: EventContext;
  timestamp: string;
  messageId: string;
}

export interface FlushResult {
  /** Events the gateway accepted. */
  sent: number;
  /** Events dropped for good (4xx answer, too large, storage overflow), with the reason. */
  failed: { messageId: string; reason: string }[];
}

export interface User {
  anonymousId: string;
  userId?: string;
  traits: Dict;
  groupId?: string;
  groupTraits: Dict;
}

export interface Datafly {
  readonly version: string;
  page(name?: string, properties?: Dict): void;
  track(event: string, properties?: Dict): void;
  identify(userId: string, traits?: Dict): void;
  group(groupId: string, traits?: Dict): void;
  alias(newUserId: string): void;
  reset(): void;
  ready(callback: () => void): void;
  flush(): Promise<FlushResult>;
  getAnonymousId(): string;
  user(): User;
  debug(on?: boolean): void;
  consent(state: ConsentState): void;
  /** The canonical view (events carry both views in `context.consent`). */
  getConsent(): ConsentState;
  /** Full build only (d.full.js and npm); on d.js they do nothing. */
  injectTag(tag: Tag): boolean;
  removeTag(tag: Pick<Tag, 'id' | 'cookiePrefixes' | 'storageKeys'>): boolean;
}

/** A consent-gated vendor script (README, "Tag injection"). */
export interface Tag {
  id: string;
  src: string;
  /** Consent category that must be granted. Default 'marketing'. */
  category?: string;
  /** 'immediate' (default), 'load' (after the window load event) or 'idle' (requestIdleCallback). */
  timing?: 'immediate' | 'load' | 'idle';
  /** Extra attributes for the <script> (data-*, crossorigin, ...); `async` is always set. */
  attributes?: Record<string, string>;
  /** Cookie name prefixes and storage key prefixes the vendor uses, cleared by removeTag(). */
  cookiePrefixes?: string[];
  storageKeys?: string[];
}
