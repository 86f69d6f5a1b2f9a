// Types for app.mjs (so TypeScript tests, e2e fixtures and tools can import it).
import type { Server } from 'node:http';
import type { EventStore } from './store.mjs';
import type { Faults } from './faults.mjs';

export interface GatewayOptions {
  /** default 8080; 0 = a random free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** NDJSON file of accepted events; default env DATAFLY_EVENTS_FILE or .datafly/events.ndjson (relative to cwd) */
  eventsFile?: string;
  /** enable POST /debug/faults (test-only); default false */
  faults?: boolean;
  /** accepted pipeline keys; default env DATAFLY_KEYS (comma list), else any dk_live_/dk_test_ key */
  keys?: string[];
  /** where d.js and snippet.min.js are served from; default <repo>/dist */
  distDir?: string;
  /** no request logging */
  quiet?: boolean;
}

export interface Gateway {
  /** e.g. http://127.0.0.1:8080 (no trailing slash) */
  url: string;
  port: number;
  server: Server;
  store: EventStore;
  /** null unless created with faults: true */
  faults: Faults | null;
  close(): Promise<void>;
}

export declare function createGateway(options?: GatewayOptions): Promise<Gateway>;
