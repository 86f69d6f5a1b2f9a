// Every limit of the collector, named once, with why. Platform-free (tsconfig.core.json); the
// gateway's own limits are pinned equal to these where the contract shares them
// (test/limits.test.ts).

/** Largest event the gateway takes (the contract: 64 KB an event); bigger ones are dropped here. */
export const MAX_EVENT_BYTES = 65536;
/** Most events in one request (the contract's batch limit); also the most per unload chunk. */
export const MAX_BATCH = 500;
/** Default events per batch request (the contract's `batchSize` default). */
export const BATCH_SIZE = 10;
/** Default wait for a batch to fill, ms (the contract's `flushInterval` default). */
export const FLUSH_INTERVAL = 1000;
/** Longest `flushInterval` accepted, ms: a day (longer is surely a mistake). */
export const MAX_FLUSH_INTERVAL = 864e5;
/** Default bound of the persisted queue, bytes: 1 MB, well inside any localStorage quota. */
export const QUEUE_BYTES = 1e6;
/** Smallest `maxQueueBytes`: one event of the largest size must fit. */
export const MIN_QUEUE_BYTES = MAX_EVENT_BYTES;
/** Largest `maxQueueBytes`: 50 MB, past what browsers let one origin store. */
export const MAX_QUEUE_BYTES = 5e7;
/** Largest body of one normal request: 1 MB (the gateway takes 5 MB; smaller requests fail and retry cheaper). */
export const MAX_BODY = 1e6;
/** Bodies shorter than this go uncompressed: gzip's own overhead eats the gain (full build). */
export const GZIP_MIN = 1024;
/** Most events held in memory while consent is awaited (the oldest go first). */
export const MAX_HELD = 500;
/** Most calls the npm entry queues before init() (the stub's own cap is the same). */
export const MAX_QUEUED_CALLS = 1000;
/** Longest id or name, characters (README, "Input rules"; the gateway takes the same). */
export const MAX_ID_LENGTH = 1024;
/** How often a tab refreshes its queue's heartbeat and adopts orphaned queues, ms. */
export const ADOPT_EVERY = 2e4;
/** A queue whose heartbeat is older than this is an orphan, ms (six missed heartbeats). */
export const STALE = 12e4;
/** Removals from the persisted queue are written at most this often, ms (rewrites cost O(n²)). */
export const LAZY_WRITE = 1000;
/** The campaign session's stamp is written at most this often, ms. */
export const SESSION_STAMP = 6e4;
/**
 * Longest wait for the chunks the page view starts with (CMP readers, vendor IDs, cross-domain links; full build),
 * ms: the page view starts without a chunk that has not come by then (the CDN stalls), rather than
 * hold every call in memory where an unload would lose them.
 */
export const CHUNK_WAIT = 3000;
