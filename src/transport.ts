// The two ways a batch leaves the page. Both are CORS "simple" requests (POST, text/plain body, no
// custom header), so neither needs a preflight and either can be used while the page unloads.

/** [status, Retry-After]: status 0 means the request never got an answer. */
export type Answer = [number, string | null];

export async function post(url: string, body: BodyInit, keepalive: boolean): Promise<Answer> {
  try {
    const r = await fetch(url, { method: 'POST', body, keepalive, credentials: 'include', mode: 'cors' });
    return [r.status, r.headers.get('Retry-After')];
  } catch {
    return [0, null];
  }
}

/** Hands the body to the browser for delivery after unload; false when the browser refused it. */
export function beacon(url: string, body: BodyInit): boolean {
  try {
    return navigator.sendBeacon(url, body);
  } catch {
    return false;
  }
}
