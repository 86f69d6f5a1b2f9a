#!/usr/bin/env node
// CLI for the local Ingestion Gateway. All logic lives in app.mjs; this file only
// reads flags/env, starts it, prints where things are and shuts down cleanly.
//
//   node gateway/server.mjs [--port N] [--host H] [--events FILE] [--faults] [--quiet]
//   env: PORT, DATAFLY_EVENTS_FILE, DATAFLY_FAULTS=1, DATAFLY_KEYS=dk_test_a,dk_live_b
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGateway } from './app.mjs';
import { DEFAULT_EVENTS_FILE } from './store.mjs';

const USAGE = `Usage: node gateway/server.mjs [--port N] [--host H] [--events FILE] [--faults] [--quiet]
  --port N       port to listen on (env PORT, default 8080; 0 = any free port)
  --host H       interface to bind (default 127.0.0.1)
  --events FILE  NDJSON file of accepted events (env DATAFLY_EVENTS_FILE, default ${DEFAULT_EVENTS_FILE})
  --faults       enable test-only fault injection at POST /debug/faults (env DATAFLY_FAULTS=1)
  --quiet        do not log requests
  env DATAFLY_KEYS: comma-separated list of accepted pipeline keys (default: any dk_live_/dk_test_ key)`;

/** Start the gateway from command-line arguments; returns the running gateway. */
export async function main(argv = process.argv.slice(2), env = process.env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      events: { type: 'string' },
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

  const gateway = await createGateway({
    port,
    host: values.host ?? '127.0.0.1',
    eventsFile: values.events ?? env.DATAFLY_EVENTS_FILE ?? DEFAULT_EVENTS_FILE,
    faults: values.faults ?? (env.DATAFLY_FAULTS === '1' || env.DATAFLY_FAULTS === 'true'),
    quiet: values.quiet ?? false,
  });

  console.log(`Datafly demo:    ${gateway.url}/`);
  console.log(`Live events:     ${gateway.url}/debug`);
  console.log(`Events file:     ${gateway.store.path} (${gateway.store.list().length} stored)`);
  if (gateway.faults) console.log(`Fault injection: ON (POST ${gateway.url}/debug/faults)`);

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
