// Bundles e2e/apps/spa-router-app.ts (React + React Router from node_modules) into one IIFE
// string with esbuild's JS API, once per worker, to be served by the site server.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

let cached: Promise<string> | undefined;

export function routerAppJs(): Promise<string> {
  cached ||= build({
    entryPoints: [fileURLToPath(new URL('../apps/spa-router-app.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    minify: true,
    target: 'es2020',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0].text);
  return cached;
}
