#!/usr/bin/env node
// @ts-check
// CLI for the local Ingestion Gateway. All logic lives in app.mjs; this file only
// reads flags/env, starts it, prints where things are and shuts down cleanly.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGateway } from './app.mjs';
import { DEFAULT_EVENTS_FILE, DEFAULTS } from './store.mjs';

const USAGE = `Usage: node gateway/server.mjs [options]
  --port N             port to listen on (env PORT, default 8080; 0 = any free port)
  --host H             interface to bind (default 127.0.0.1)
  --events FILE        NDJSON file of accepted events (env DATAFLY_EVENTS_FILE, default ${DEFAULT_EVENTS_FILE})
  --allow-origin O     origin allowed to send events with CORS; repeat or comma-separate; exact
                       (https://shop.example.com), wildcard (https://*.example.com) or * (env
                       DATAFLY_ALLOWED_ORIGINS; default: any origin)
  --debug-token T      open /debug/* to non-loopback clients that send the token
                       (Authorization: Bearer T, X-Debug-Token: T or ?token=T; env DATAFLY_DEBUG_TOKEN)
  --rate-limit N       requests a second per pipeline key before 429 (env DATAFLY_RATE_LIMIT_RPS, default 1000; 0 = off)
  --max-file-mb N      rotate the events file at N MB (default ${DEFAULTS.maxFileBytes / 1024 / 1024})
  --keep-files N       events files kept, the current one included (default ${DEFAULTS.keepFiles})
  --dedup-window N     messageIds remembered for de-duplication (default ${DEFAULTS.dedupWindow})
  --faults             enable test-only fault injection at POST /debug/faults (env DATAFLY_FAULTS=1)
  --quiet              do not log requests
  env DATAFLY_KEYS: comma-separated list of accepted pipeline keys (default: any dk_live_/dk_test_ key)`;

/**
 * @param {string | undefined} v
 * @param {string} name
 * @param {number} min
 */
function number(v, name, min) {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`invalid ${name}: ${v}`);
  return n;
}

/**
 * Start the gateway from command-line arguments; returns the running gateway.
 * @param {string[]} [argv]
 * @param {NodeJS.ProcessEnv} [env]
 */
export async function main(argv = process.argv.slice(2), env = process.env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      events: { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
      'debug-token': { type: 'string' },
      'rate-limit': { type: 'string' },
      'max-file-mb': { type: 'string' },
      'keep-files': { type: 'string' },
      'dedup-window': { type: 'string' },
      faults: { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return null;
  }
  const port = Number(values.port ?? env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${values.port ?? env.PORT}`);
  const maxFileMb = number(values['max-file-mb'], '--max-file-mb', 0.001);

  const started = Date.now();
  const gateway = await createGateway({
    port,
    host: values.host ?? '127.0.0.1',
    eventsFile: values.events ?? env.DATAFLY_EVENTS_FILE ?? DEFAULT_EVENTS_FILE,
    allowedOrigins: values['allow-origin'] ?? env.DATAFLY_ALLOWED_ORIGINS ?? null,
    debugToken: values['debug-token'] ?? (env.DATAFLY_DEBUG_TOKEN || undefined),
    rateLimitRps: number(values['rate-limit'] ?? env.DATAFLY_RATE_LIMIT_RPS, '--rate-limit', 0),
    maxFileBytes: maxFileMb === undefined ? undefined : Math.round(maxFileMb * 1024 * 1024),
    keepFiles: number(values['keep-files'], '--keep-files', 1),
    dedupWindow: number(values['dedup-window'], '--dedup-window', 1),
    faults: values.faults ?? (env.DATAFLY_FAULTS === '1' || env.DATAFLY_FAULTS === 'true'),
    quiet: values.quiet ?? false,
  });

  console.log(`Datafly demo:    ${gateway.url}/`);
  console.log(`Live events:     ${gateway.url}/debug`);
  console.log(`Events file:     ${gateway.store.path} (${gateway.store.loadedEvents} events read in ${Date.now() - started} ms)`);
  console.log(`Allowed origins: ${gateway.allowedOrigins ? gateway.allowedOrigins.join(', ') : 'any (use --allow-origin to restrict)'}`);
  if (gateway.faults) console.log(`Fault injection: ON (POST ${gateway.url}/debug/faults)`);

  /** @param {string} signal */
  const stop = async (signal) => {
    console.log(`\n${signal}: shutting down`);
    await gateway.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return gateway;
}

// Start only when run directly, so tests and tools can import main() without side effects.
const isMain = (() => {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (isMain) {
  main().catch((err) => {
    console.error(`gateway: ${err.message}`);
    process.exit(1);
  });
}
