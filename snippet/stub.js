// The inline stub, as pasted into <head>. `snippet/build.mjs` fills in the UPPER_CASE values and
// minifies it; anything the collector can do instead stays out of here.
//
// - A Proxy makes every method name callable before d.js has loaded, so the stub never needs a
//   method list (and never changes when the API grows).
// - Each call is queued with its time and page URL: replayed events keep when and where they happened.
// - `q[q.length] = x` rather than push(): pages that break Array.prototype.push exist.
// - The queue is capped (QUEUE_CAP) so a blocked CDN cannot grow the page's memory without bound.
// - `then` is left undefined so that `await _df` or Promise.resolve(_df) does not hang.
// - A second copy of the stub, or a stub pasted after d.js loaded, finds the global and does nothing.
try {
  ((w, d, q, s) => {
    // A page's own plain array (`_df = _df || []`, a habit from other snippets) becomes our queue:
    // d.js replays the entries in our call format and skips the rest. Anything else there is a
    // stub or a collector already.
    q = w[GLOBAL_NAME] || [];
    if (!Array.isArray(q)) return;
    w[GLOBAL_NAME] = new Proxy({ q: q }, {
      get: (t, m) =>
        t[m] || m != 'then' && function () {
          // user() answers before d.js is there: the identity stored by an earlier page view (always
          // an object), or {} when there is none (JSON.parse(undefined) throws).
          // With --require-consent nothing is read before consent: {}.
          /* REQUIRE_CONSENT */ if (m == 'user') return {};
          /* STORED_USER */ if (m == 'user') try { return JSON.parse(localStorage._df_id); } catch { return {}; }
          // +new Date is Date.now(), '' + location is location.href: bytes, in every page.
          q.length < QUEUE_CAP && (q[q.length] = [m, arguments, +new Date, '' + location]);
        }
    });
    s = d.createElement('script');
    s.src = SRC;
    s.dataset.pipelineKey = KEY;
    /* GLOBAL */ s.dataset.global = GLOBAL_NAME;
    /* ENDPOINT */ s.dataset.endpoint = ENDPOINT;
    /* NONCE */ s.nonce = NONCE;
    /* REQUIRE_CONSENT */ s.dataset.requireConsent = REQUIRE_CONSENT;
    /* CMP */ s.dataset.cmp = CMP;
    /* VENDOR_IDS */ s.dataset.vendorIds = VENDOR_IDS;
    /* LINKED_DOMAINS */ s.dataset.linkedDomains = LINKED_DOMAINS;
    /* INTEGRITY */ s.integrity = INTEGRITY; s.crossOrigin = 'anonymous';
    // Inserted scripts are async by default; d.head exists in every HTML document, also after
    // DOMContentLoaded when a tag manager fires the tag.
    d.head.append(s);
  })(window, document);
} catch {}
