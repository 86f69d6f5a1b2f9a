// The CMP readers (src/cmp/*.ts): pure, input → reading, fed real cookie / token values seen on
// live sites and TCData objects shaped as `__tcfapi('addEventListener', 2, cb)` passes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oneTrustGroups, readOneTrust } from '../src/cmp/onetrust';
import { parseCookieConsent, readCookiebot } from '../src/cmp/cookiebot';
import { readDidomi, readDidomiToken } from '../src/cmp/didomi';
import { readOsano } from '../src/cmp/osano';
import { readCustom, parseConsentValue } from '../src/cmp/custom';
import { canon, NONE, ALL } from './support/canonical.ts';

test('OneTrust: real OptanonConsent cookies (as document.cookie decodes them) and OnetrustActiveGroups', () => {
  // A first visit (interactionCount=0) that rejected everything but C0001.
  const rejected = decodeURIComponent(
    'isGpcEnabled=0&datestamp=Mon+Jun+16+2025+17%3A48%3A11+GMT%2B0530+(India+Standard+Time)&version=202501.2.0&browserGpcFlag=0&isIABGlobal=false&hosts=&consentId=9f5da6c6-8680-4a0a-8100-807611edb626&interactionCount=0&isAnonUser=1&landingPath=NotLandingPage&groups=C0001%3A1%2CC0005%3A0%2CC0002%3A0%2CC0003%3A0%2CC0004%3A0&AwaitingReconsent=false',
  );
  assert.equal(oneTrustGroups(rejected), 'C0001:1,C0005:0,C0002:0,C0003:0,C0004:0');
  assert.deepEqual(readOneTrust(oneTrustGroups(rejected)!), {
    categories: { C0001: true, C0005: false, C0002: false, C0003: false, C0004: false },
    canonical: NONE,
  });
  const partial = decodeURIComponent(
    'isGpcEnabled=0&datestamp=Wed+Feb+01+2023+01%3A32%3A17+GMT%2B0300+(GMT%2B03%3A00)&version=6.34.0&isIABGlobal=false&consentId=cf190a2f-866b-413b-8c2d-255be91ddc6b&interactionCount=2&landingPath=NotLandingPage&groups=C0001%3A1%2CC0002%3A1%2CC0003%3A1%2CC0004%3A0&hosts=H32%3A0%2CH43%3A0',
  );
  assert.deepEqual(readOneTrust(oneTrustGroups(partial)!)!.canonical, canon(true, true, false, true));
  // OnetrustActiveGroups lists the active groups only.
  assert.deepEqual(readOneTrust(',C0001,C0002,')!, {
    categories: { C0001: true, C0002: true },
    canonical: canon(false, true, false, false),
  });
  assert.equal(readOneTrust(''), undefined);
  assert.equal(oneTrustGroups('isGpcEnabled=0&hosts='), undefined);
});

test('Cookiebot: real CookieConsent cookies (decoded), "-1", and window.Cookiebot.consent', () => {
  const denied = decodeURIComponent(
    '{stamp:%27/IuO/nQRU/7uSSUWt9Kb0sJQa3BzJm5tm2CDJTT7DZ4AET7KRzB/XA==%27%2Cnecessary:true%2Cpreferences:false%2Cstatistics:false%2Cmarketing:false%2Cmethod:%27explicit%27%2Cver:1%2Cutc:1769301826093%2Cregion:%27de%27}',
  );
  assert.deepEqual(readCookiebot(parseCookieConsent(denied)), {
    categories: { necessary: true, preferences: false, statistics: false, marketing: false },
    canonical: NONE,
  });
  const all = decodeURIComponent(
    '{stamp:%276cM/oZqcGG9XwjaY233NxjKQb+Q5stoA2O6VFtUdMLKxhbXtCgp0xQ==%27%2Cnecessary:true%2Cpreferences:true%2Cstatistics:true%2Cmarketing:true%2Cmethod:%27explicit%27%2Cver:2%2Cutc:1745622155764%2Cregion:%27nz%27}',
  );
  assert.deepEqual(readCookiebot(parseCookieConsent(all)).canonical, ALL);
  assert.deepEqual(readCookiebot(parseCookieConsent('-1')).canonical, ALL);
  assert.deepEqual(
    readCookiebot({ necessary: true, preferences: false, statistics: true, marketing: false, method: 'explicit' }).canonical,
    canon(false, true, false, false),
  );
  assert.equal(parseCookieConsent(undefined), undefined);
});

// Real didomi_token cookies (base64 JSON), from live sites.
const TOKEN_V1_CUSTOM =
  'eyJ1c2VyX2lkIjoiMTc4NmExNmMtMzUzMC02ZWI1LTgwZWMtMmJiYmE4MmYxMGZiIiwiY3JlYXRlZCI6IjIwMjEtMDMtMjVUMTU6NTM6MDAuMDY1WiIsInVwZGF0ZWQiOiIyMDIxLTAzLTI1VDE1OjU0OjU4LjA1MFoiLCJ2ZW5kb3JzIjp7ImVuYWJsZWQiOlsiYzpnb29nbGVhbmEtS0ZLenBXamIiLCJjOmRvY3RvbGliLWl3WEJoV2NwIiwiYzpnb29nbGVhZHMtNk5hODZqbnEiLCJjOmNsb3VkZmxhcmUtbVlZRk1ZTlQiLCJjOmRvdWJsZWNsaWMtcjYyMzhnYTkiXX0sInB1cnBvc2VzIjp7ImVuYWJsZWQiOlsibWVzdXJlZGEtREVUUXo2N0EiLCJtYXJrZXRpbmctSkxScWJ0RzgiLCJwdWJsaWNpdGUtQ2pXcVdhWjIiXX0sInZlcnNpb24iOjF9';
const TOKEN_V2_TCF_REFUSAL =
  'eyJ1c2VyX2lkIjoiMThlZTEwYjUtMWMwYi02N2JiLWI3NjQtMDAzODViNzVkZmY1IiwiY3JlYXRlZCI6IjIwMjQtMDQtMTVUMDk6MTY6MzkuMjMyWiIsInVwZGF0ZWQiOiIyMDI0LTA0LTE1VDA5OjE2OjQyLjUwNFoiLCJ2ZW5kb3JzIjp7ImRpc2FibGVkIjpbImdvb2dsZSIsImFtYXpvbiIsImM6bWl4cGFuZWwiLCJjOmltcGFjdCIsImM6c3RlZWwtaG91c2UtbWVkaWEiLCJjOmdvb2dsZWFuYS00VFhuSmlnUiJdfSwicHVycG9zZXMiOnsiZGlzYWJsZWQiOlsiZGV2aWNlX2NoYXJhY3RlcmlzdGljcyIsImdlb2xvY2F0aW9uX2RhdGEiXX0sInZlbmRvcnNfbGkiOnsiZGlzYWJsZWQiOlsiZ29vZ2xlIiwiYzptaXhwYW5lbC0zMnFpRVlEcCIsImM6aGVhcC15N0VKcnpraSJdfSwicHVycG9zZXNfbGkiOnsiZGlzYWJsZWQiOlsiZGV2aWNlX2NoYXJhY3RlcmlzdGljcyIsImdlb19hZHMiXX0sInZlcnNpb24iOjIsImFjIjoiQUFBQS5BQUFBIn0=';

test("Didomi: real didomi_token values; a site's own purpose ids need consentSource.map", () => {
  // Only custom purposes: nothing known to map, so not an answer about our categories...
  assert.equal(readDidomiToken(TOKEN_V1_CUSTOM), undefined);
  // ... until the site maps them.
  const r = readDidomiToken(TOKEN_V1_CUSTOM, {
    'mesureda-DETQz67A': 'analytics',
    'marketing-JLRqbtG8': 'marketing',
    'publicite-CjWqWaZ2': 'marketing',
  })!;
  assert.deepEqual(r.canonical, canon(false, true, true, false));
  assert.deepEqual(r.categories.purposes, { 'mesureda-DETQz67A': true, 'marketing-JLRqbtG8': true, 'publicite-CjWqWaZ2': true });
  assert.equal((r.categories.vendors as any)['c:googleana-KFKzpWjb'], true);
  // Under a TCF notice the IAB purposes are in euconsent-v2, not in the token: the token alone
  // (only special features here) is not an answer, never a denial that would drop held events.
  assert.equal(readDidomiToken(TOKEN_V2_TCF_REFUSAL), undefined);
  assert.equal(readDidomiToken('not base64 json'), undefined);
  assert.equal(readDidomiToken(''), undefined);
});

test('Didomi: getCurrentUserStatus() shapes (IAB purposes by Didomi id) and token lists with legitimate interest', () => {
  const status = (on: string[], off: string[]) => ({
    purposes: Object.fromEntries([...on.map((id) => [id, { id, enabled: true }]), ...off.map((id) => [id, { id, enabled: false }])]),
    vendors: { google: { id: 'google', enabled: true } },
    consent_string: 'CQ...',
  });
  assert.deepEqual(
    readDidomi(
      status(
        ['cookies', 'measure_content_performance'],
        [
          'select_basic_ads',
          'create_ads_profile',
          'select_personalized_ads',
          'measure_ad_performance',
          'create_content_profile',
          'select_personalized_content',
        ],
      ),
    )!.canonical,
    canon(true, true, false, false),
  );
  assert.deepEqual(readDidomi(status([], ['cookies', 'measure_content_performance']))!.canonical, NONE);
  // Purpose 1 ("cookies") refused: nothing, even with measurement on.
  assert.deepEqual(readDidomi(status(['measure_content_performance'], ['cookies']))!.canonical, NONE);
  // Token lists: measurement on legitimate interest counts; an objection (li disabled) does not.
  const t = { purposes: { enabled: ['cookies'] }, purposes_li: { enabled: ['measure_content_performance'] } };
  assert.deepEqual(readDidomi(t)!.canonical, canon(true, true, false, false));
  assert.deepEqual(
    readDidomi({ purposes: { enabled: ['cookies'] }, purposes_li: { disabled: ['measure_content_performance'] } })!.canonical,
    canon(true, false, false, false),
  );
});

// Real osano_consentmanager cookie values are encrypted by Osano; they are not readable here.
const OSANO_ENCRYPTED =
  '5UxXKcRWQU20820AJNvMhNqMSsPtyfcPPeBoj2BdUk-Id6QOoLMCm7jH9QC7eByxrG3mrv-yzkydIKCWl6knfX0QfwctlRUcYFn_YcolYq89CpJZLXnn3KquoYYATIxsEpqxc5QA97TwLU7LTLb0qM-kxVQhcygr1rh-t0KXnJ-Zi547fQ6sDiOzrInHFY2yBZRXh7t1XJXTTOzgki1IHIAKhALkTGoNUhxkSvAoCCk71fABStizO3GfKNJbbfk1dM1zoSS6ZOwq9mwUUnDCCHmYMkZ-waADOCSA7u02IP9WrYf2M9oAgqNPXea3V-rA9YMpqjd6qRE=';

test('Osano: the ConsentObject of Osano.cm.getConsent() / events, its plain-JSON stored form, and an encrypted cookie', () => {
  const c = { ESSENTIAL: 'ACCEPT', STORAGE: 'ACCEPT', ANALYTICS: 'ACCEPT', MARKETING: 'DENY', PERSONALIZATION: 'DENY', OPT_OUT: 'DENY' };
  assert.deepEqual(readOsano(c), {
    categories: { ESSENTIAL: true, STORAGE: true, ANALYTICS: true, MARKETING: false, PERSONALIZATION: false, OPT_OUT: false },
    canonical: canon(true, true, false, false),
  });
  assert.deepEqual(readOsano(JSON.stringify({ ...c, MARKETING: 'ACCEPT', PERSONALIZATION: 'ACCEPT' }))!.canonical, ALL);
  // Do Not Sell/Share (OPT_OUT ACCEPT) takes marketing away.
  assert.deepEqual(readOsano({ ...c, MARKETING: 'ACCEPT', OPT_OUT: 'ACCEPT' })!.canonical.marketing, false);
  assert.equal(readOsano(OSANO_ENCRYPTED), undefined);
  assert.equal(readOsano(undefined), undefined);
  assert.equal(readOsano({}), undefined);
});

test('custom: comma (a real CookieYes cookie), json, urlencoded and semicolon values through a map', () => {
  const map = { functional: 'functional', analytics: 'analytics', advertisement: 'marketing', performance: 'analytics' };
  const src = (format: any) => ({ cookie: 'x', format, map });
  const cookieyes =
    'consentid:diatom,consent:no,action:no,necessary:yes,functional:no,analytics:no,performance:no,advertisement:no,other:no';
  const r = readCustom(cookieyes, src('comma'))!;
  assert.deepEqual(r.canonical, NONE);
  assert.equal(r.categories.necessary, true);
  assert.equal(r.categories.consentid, false);
  const yes = 'consentid:abc,consent:yes,action:yes,necessary:yes,functional:yes,analytics:yes,performance:yes,advertisement:yes,other:yes';
  assert.deepEqual(readCustom(yes, src('comma'))!.canonical, canon(true, true, true, false));
  // analytics needs every code mapped to it: performance off denies it.
  assert.deepEqual(readCustom(yes.replace('performance:yes', 'performance:no'), src('comma'))!.canonical.analytics, false);
  assert.deepEqual(
    readCustom('{"analytics":true,"advertisement":"granted","functional":0}', src('json'))!.canonical,
    canon(false, true, true, false),
  );
  assert.deepEqual(readCustom('["analytics","performance"]', src('json'))!.canonical, canon(false, true, false, false));
  assert.deepEqual(
    readCustom('analytics=1&advertisement=0&functional=true', src('urlencoded'))!.canonical,
    canon(true, true, false, false),
  );
  assert.deepEqual(parseConsentValue('my%20code=yes&b', 'urlencoded'), { 'my code': true, b: true });
  assert.deepEqual(readCustom('analytics=accepted; advertisement=denied', src('semicolon'))!.canonical, canon(false, true, false, false));
  // Several categories for one code.
  assert.deepEqual(
    readCustom('prefs:1', { format: 'comma', map: { prefs: 'functional personalization' } })!.canonical,
    canon(true, false, false, true),
  );
  // Not an answer: absent, unparsable, nothing mapped, unknown format.
  assert.equal(readCustom(undefined, src('comma')), undefined);
  assert.equal(readCustom('{oops', src('json')), undefined);
  assert.equal(readCustom('other:yes', src('comma')), undefined);
  assert.equal(readCustom('analytics:yes', src('xml')), undefined);
});
