// The two ways a batch leaves the page. Both are CORS "simple" requests (POST, text/plain body, no
// custom header), so neither needs a preflight and either can be used while the page unloads.

/** [status, Retry-After]: status 0 means the request never got an answer. */
export type Answer = [number, string | null];

/** An answer that takes longer than this counts as a network error (and is retried). */
export const TIMEOUT = 30000;

export async function post(url: string, body: BodyInit, keepalive: boolean): Promise<Answer> {
  // Awaiting a thenable settled by whichever comes first, the answer or the timeout: a page's
  // broken fetch (or Promise) must not leave delivery waiting forever.
  return await {
    then(done: (a: Answer) => void) {
      const t = setTimeout(() => done([0, null]), TIMEOUT);
      const end = (a: Answer) => {
        clearTimeout(t);
        done(a);
      };
      const go = (ka: boolean): unknown =>
        fetch(url, { method: 'POST', body, keepalive: ka, credentials: 'include', mode: 'cors' }).then(
          (r) => {
            // Read the (tiny) answer: Chrome counts a keepalive request against its 64 KB budget
            // until its body is consumed, and refuses further keepalive requests past it.
            r.text().catch(() => 0);
            end([r.status, r.headers.get('Retry-After')]);
          },
          // A refused keepalive request (the browser's budget is spent) goes again without it.
          () => (ka ? go(false) : end([0, null])),
        );
      try {
        go(keepalive);
      } catch {
        // fetch itself is broken (replaced by the page): the beacon is the way out, and the
        // browser's word that it took the body is all the answer there will be.
        end([beacon(url, body) ? 202 : 0, null]);
      }
    },
  };
}

/**
 * gzip by CompressionStream (streamed off the main thread) for bodies big enough to gain; the
 * gateway recognises gzip by its first bytes, and a body without Content-Type still needs no
 * preflight. Where CompressionStream is missing, or it fails, the text goes as it is.
 */
export async function gzip(text: string): Promise<BodyInit> {
  try {
    if (text.length > 1024)
      return new Uint8Array(await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
  } catch {}
  return text;
}

/** Hands the body to the browser for delivery after unload; false when the browser refused it. */
export function beacon(url: string, body: BodyInit): boolean {
  try {
    return navigator.sendBeacon(url, body);
  } catch {
    return false;
  }
}
