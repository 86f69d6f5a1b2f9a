// The TCF v2.2 reader (src/cmp/tcf.ts) against TCData objects shaped as the CMP API passes them to
// `__tcfapi('addEventListener', 2, cb)` (IAB Tech Lab TCF v2.2 CMP API: "TCData").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTcf } from '../src/cmp/tcf';
import { canon } from './support/canonical.ts';

const ids = (on: number[], max = 11) => Object.fromEntries(Array.from({ length: max }, (_, i) => [String(i + 1), on.includes(i + 1)]));

/** A TCData as a v2.2 CMP sends it; `over` replaces fields. */
function tcData(over: Record<string, any> = {}) {
  return {
    tcString:
      'CQJ6s8AQJ6s8AAHABBENBJFgAP_gAEPgAAAAKZtV_G__bWlr8X73aftkeY1P9_h77sQxBhfJE-4FzLvW_JwXx2ExNA36tqIKmRIAu3bBIQNlGJDUTVCgaogVryDMakWcoTNKJ6BkiFMRO2dYCF5vmwtj-QKY5vr993dx2D-t_dv83dzyz4VHn3a5_2e0WJCdA58tDfv9bROb-9IPd_58v4v0_F_rk2_eT1l_tevp7D9-cts7_XW-9_fff79Ll9-_______3_8AAAAAAAA.YAAAAAAAAAAA',
    tcfPolicyVersion: 5,
    cmpId: 300,
    cmpVersion: 2,
    gdprApplies: true,
    eventStatus: 'useractioncomplete',
    cmpStatus: 'loaded',
    listenerId: 1,
    isServiceSpecific: true,
    useNonStandardTexts: false,
    publisherCC: 'DE',
    purposeOneTreatment: false,
    purpose: { consents: ids([]), legitimateInterests: ids([]) },
    vendor: { consents: {}, legitimateInterests: {} },
    specialFeatureOptins: { 1: false, 2: false },
    publisher: { consents: {}, legitimateInterests: {}, customPurpose: { consents: {}, legitimateInterests: {} }, restrictions: {} },
    ...over,
  };
}

test('accept all, reject all, and the TC string kept with the purposes verbatim', () => {
  const all = readTcf(
    tcData({ purpose: { consents: ids([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), legitimateInterests: ids([2, 7, 8, 9, 10, 11]) } }),
  )!;
  assert.deepEqual(all.canonical, canon(true, true, true, true));
  assert.equal(all.categories.tcString, tcData().tcString);
  assert.deepEqual((all.categories.purposes as any)['8'], true);
  // Reject all (legitimate interest objected to as well).
  assert.deepEqual(readTcf(tcData())!.canonical, canon(false, false, false, false));
});

test('mapping per purpose: functional 1; analytics 1+8; marketing 1+2+3+4+7; personalization 1+5+6', () => {
  const by = (on: number[]) => readTcf(tcData({ purpose: { consents: ids(on), legitimateInterests: ids([]) } }))!.canonical;
  assert.deepEqual(by([1]), canon(true, false, false, false));
  assert.deepEqual(by([1, 8]), canon(true, true, false, false));
  assert.deepEqual(by([8, 2, 3, 4, 5, 6, 7]), canon(false, false, false, false)); // nothing without purpose 1
  assert.deepEqual(by([1, 3, 4]), canon(true, false, false, false)); // marketing also needs 2 and 7
  assert.deepEqual(by([1, 2, 3, 4, 7]), canon(true, false, true, false));
  assert.deepEqual(by([1, 5, 6]), canon(true, false, false, true));
});

test('legitimate interest: counts for 2, 7, 8 (and 9, 10, 11); never for 1, 3, 4, 5, 6', () => {
  const with_ = (c: number[], li: number[]) => readTcf(tcData({ purpose: { consents: ids(c), legitimateInterests: ids(li) } }))!.canonical;
  // "Measure content performance" on legitimate interest: analytics with consent to purpose 1.
  assert.deepEqual(with_([1], [8]), canon(true, true, false, false));
  assert.deepEqual(with_([1, 3, 4], [2, 7]), canon(true, false, true, false));
  // Purpose 1 on legitimate interest is not a thing: nothing.
  assert.deepEqual(with_([], [1, 8]), canon(false, false, false, false));
  // Profiles (3, 4, 5, 6) on legitimate interest do not count (not allowed in v2.2).
  assert.deepEqual(with_([1, 2, 7], [3, 4, 5, 6]), canon(true, false, false, false));
});

test('publisher segment narrows: the publisher signal must agree, on the same basis', () => {
  const pub = (pc: number[], pli: number[], restrictions = {}) => ({
    consents: pc.length ? ids(pc) : {},
    legitimateInterests: pli.length ? ids(pli) : {},
    customPurpose: { consents: {}, legitimateInterests: {} },
    restrictions,
  });
  const base = { purpose: { consents: ids([1, 2, 3, 4, 5, 6, 7, 8]), legitimateInterests: ids([]) } };
  assert.deepEqual(readTcf(tcData({ ...base, publisher: pub([1, 8], []) }))!.canonical, canon(true, true, false, false));
  assert.deepEqual(readTcf(tcData({ ...base, publisher: pub([8], []) }))!.canonical, canon(false, false, false, false));
  // Restrictions (purpose → vendor → type): 0 not allowed, 1 require consent, 2 require LI.
  assert.deepEqual(readTcf(tcData({ ...base, publisher: pub([], [], { 8: { 755: 0 } }) }))!.canonical, canon(true, false, true, true));
  const li8 = { purpose: { consents: ids([1]), legitimateInterests: ids([8]) } };
  assert.deepEqual(readTcf(tcData({ ...li8, publisher: pub([], [], { 8: { 755: 1 } }) }))!.canonical.analytics, false);
  assert.deepEqual(readTcf(tcData({ ...li8, publisher: pub([], [], { 8: { 755: 2 } }) }))!.canonical.analytics, true);
  assert.deepEqual(readTcf(tcData({ ...base, publisher: pub([], [], { 8: { 755: 2 } }) }))!.canonical.analytics, false);
});

test('purposeOneTreatment: purpose 1 not disclosed, so not required', () => {
  const r = readTcf(tcData({ purposeOneTreatment: true, purpose: { consents: ids([8]), legitimateInterests: ids([]) } }))!;
  assert.deepEqual(r.canonical, canon(true, true, false, false));
});

test('gdprApplies false grants everything; only tcloaded and useractioncomplete are answers', () => {
  assert.deepEqual(
    readTcf(tcData({ gdprApplies: false, eventStatus: 'tcloaded', tcString: '' }))!.canonical,
    canon(true, true, true, true),
  );
  assert.equal(readTcf(tcData({ eventStatus: 'cmpuishown' })), undefined);
  assert.deepEqual(
    readTcf(tcData({ eventStatus: 'tcloaded', purpose: { consents: ids([1, 8]), legitimateInterests: {} } }))!.canonical,
    canon(true, true, false, false),
  );
  assert.equal(readTcf(null), undefined);
  assert.equal(readTcf('x'), undefined);
  // Missing sections are treated as empty, never thrown on.
  assert.deepEqual(readTcf({ eventStatus: 'tcloaded', gdprApplies: true })!.canonical, canon(false, false, false, false));
});
