// The HTML of a test page, shared by the Playwright specs (fixtures.ts, hostile-kit.ts) and the
// cross-engine runs (e2e/engines/harness.ts): no test-runner import here.
import { snippetTag } from '../../snippet/build.mjs';

/** A minimal HTML document: `head` goes after the charset and title, `body` into <body>. */
export const htmlPage = (head: string, body = '', title = 'Test page') =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>${head}</head><body>${body}</body></html>`;

/** Where the stub loads the collector from and how it is configured (see snippet/build.mjs). */
export interface StubOptions {
  src: string;
  key: string;
  global?: string;
  nonce?: string;
  endpoint?: string;
}

/** A page with the stub pasted first in <head>; `head` and `body` are more HTML (scripts included) after it. */
export async function stubHtml(stub: StubOptions, o: { head?: string; body?: string } = {}): Promise<string> {
  return htmlPage((await snippetTag(stub)) + (o.head || ''), o.body);
}
