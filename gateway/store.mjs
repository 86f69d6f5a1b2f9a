// The accepted-event store: an append-only NDJSON file plus an in-memory view.
// The file is reloaded at start so the event list and messageId de-duplication
// survive a gateway restart (a client may resend after the gateway was down).
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export const DEFAULT_EVENTS_FILE = '.datafly/events.ndjson';

function freshStats() {
  return { requests: 0, received: 0, accepted: 0, duplicates: 0, rejected: 0, dropped: 0, byStatus: {} };
}

/**
 * @param {{ file?: string }} [options] events file, relative to cwd (default .datafly/events.ndjson)
 */
export function createStore({ file = DEFAULT_EVENTS_FILE } = {}) {
  const path = resolve(file);
  /** @type {object[]} accepted events in arrival order */
  let events = [];
  /** @type {Set<string>} messageIds seen, for de-duplication */
  let seen = new Set();
  let stats = freshStats();
  const listeners = new Set();

  load();

  function load() {
    mkdirSync(dirname(path), { recursive: true });
    if (!existsSync(path)) {
      writeFileSync(path, '');
      return;
    }
    const text = readFileSync(path, 'utf8');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        remember(JSON.parse(line));
      } catch {
        // A torn last line (crash mid-write) is skipped rather than fatal.
      }
    }
    // Make sure the next append starts on its own line.
    if (text.length && !text.endsWith('\n')) appendFileSync(path, '\n');
  }

  function remember(ev) {
    events.push(ev);
    if (ev && typeof ev.messageId === 'string') seen.add(ev.messageId);
  }

  return {
    path,

    /**
     * Store the events not seen before (by messageId), in order.
     * @param {object[]} batch already validated events
     * @returns {{ accepted: number, duplicates: number }}
     */
    add(batch) {
      const fresh = [];
      let duplicates = 0;
      for (const ev of batch) {
        if (seen.has(ev.messageId)) {
          duplicates++;
          continue;
        }
        remember(ev);
        fresh.push(ev);
      }
      // One synchronous append per request: simple, ordered, no interleaving.
      if (fresh.length) appendFileSync(path, fresh.map((ev) => JSON.stringify(ev) + '\n').join(''));
      stats.received += batch.length;
      stats.accepted += fresh.length;
      stats.duplicates += duplicates;
      for (const fn of listeners) {
        for (const ev of fresh) fn(ev);
      }
      return { accepted: fresh.length, duplicates };
    },

    /** Accepted events in arrival order (a copy). */
    list() {
      return events.slice();
    },

    /** Forget everything: events, de-duplication set, stats; truncates the file. */
    clear() {
      events = [];
      seen = new Set();
      stats = freshStats();
      writeFileSync(path, '');
      for (const fn of listeners) fn(null); // null = "cleared", for live views
    },

    /** Count one answered /v1 request (status 0 = socket dropped on purpose). */
    recordResponse(status) {
      stats.requests++;
      if (status === 0) {
        stats.dropped++;
        return;
      }
      const key = String(status);
      stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1;
      if (status !== 200) stats.rejected++;
    },

    stats() {
      return { ...stats, byStatus: { ...stats.byStatus } };
    },

    /** Subscribe to newly accepted events (and `null` on clear). Returns an unsubscribe function. */
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
