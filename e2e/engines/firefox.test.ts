// The cross-engine scenarios in Firefox ESR (over WebDriver BiDi with puppeteer-core), and
// Firefox before fetch keepalive (it arrived in Firefox 133): there, sendBeacon must carry the
// events of a closing tab.
import assert from 'node:assert/strict';
import { runEngine } from './scenarios';
import { launchFirefox } from './puppeteer';
import { collectorLoaded } from './driver';
import { collect, ranges, stubPage, describe as showLog } from './harness';

runEngine(
  'firefox',
  () => launchFirefox(),
  (scenario) => {
    scenario(
      '9c. keepalive disabled (dom.fetchKeepalive.enabled=false): 50 events on tab close leave by sendBeacon',
      { timeout: 90000 },
      async (c) => {
        // A second Firefox, with the pref: quit below whatever happens.
        const ff = await launchFirefox({ 'dom.fetchKeepalive.enabled': false });
        try {
          const tab = await ff.open(c.site.set('/s9c', await stubPage(c.gw, { body: `<script>_df.init({ autoPage: false })</script>` })));
          await collectorLoaded(tab);
          const ka = await tab.run(`() => 'keepalive' in Request.prototype`);
          await tab.run(`() => { for (var i = 0; i < 50; i++) window._df.track('evt', { scenario: 's9c', n: i }); }`);
          await tab.close();
          const r = await collect(c.gw, 's9c', 50, 10000);
          const reqs = c.gw.requests().filter((q) => q.events.some((e) => e.tag == 's9c'));
          const beacons = reqs.filter((q) => q.mode == 'no-cors');
          c.row({
            scenario: '9c. keepalive off (Firefox < 133), tab closed after 50 calls',
            sent: 50,
            received: r.received,
            'duplicates after dedup': r.duplicates,
            lost: r.missing.length,
            note:
              `'keepalive' in Request.prototype: ${ka}; ${beacons.length} of ${reqs.length} requests were beacons (Sec-Fetch-Mode no-cors) ${showLog(reqs)}` +
              (r.missing.length ? '; missing ' + ranges(r.missing) : ''),
          });
          assert.equal(
            r.received,
            50,
            `firefox keepalive off, tab close: received ${r.received}/50, missing ${ranges(r.missing)}; requests ${showLog(reqs)}`,
          );
          assert.equal(r.duplicates, 0);
          assert.ok(beacons.length > 0, `no beacon (Sec-Fetch-Mode: no-cors) carried them: ${showLog(reqs)}`);
        } finally {
          await ff.quit();
        }
      },
    );
  },
);
