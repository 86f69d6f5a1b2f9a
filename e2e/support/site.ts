// A tiny "customer site" server for the e2e tests, on its own port: the page and the collector
// (served by the gateway) are on different origins, as on a real site with a CDN.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Page {
  body: string;
  headers?: Record<string, string>;
  status?: number;
}

export interface Site {
  url: string;
  /** Registers `path` (e.g. "/a.html") and returns its full URL. */
  set(path: string, body: string, headers?: Record<string, string>): string;
  close(): Promise<void>;
}

// Chromium asks every origin for /favicon.ico and logs a 404 as a console error, which tests that
// assert "no console errors" would see: the site answers it (an empty icon) unless a test sets one.
const FAVICON: Page = { body: '', headers: { 'content-type': 'image/x-icon' } };

export async function startSite(): Promise<Site> {
  const pages = new Map<string, Page>();
  const server = http.createServer((req, res) => {
    const path = (req.url || '/').split('?')[0];
    const p = pages.get(path) || (path == '/favicon.ico' ? FAVICON : undefined);
    if (!p) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found');
    }
    res.writeHead(p.status || 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...p.headers });
    res.end(p.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  // "localhost" for the site, 127.0.0.1 for the gateway: two origins, like www. and data. subdomains.
  const url = `http://localhost:${port}`;
  return {
    url,
    set(path, body, headers) {
      pages.set(path, { body, headers });
      return url + path;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}
