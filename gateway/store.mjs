// @ts-check
// The accepted-event store, bounded in memory and on disk:
// - events are appended to an NDJSON file, rotated at `maxFileBytes` (default 100 MB) into
//   FILE.1, FILE.2, ... keeping `keepFiles` files in all (default 5: at most ~500 MB on disk);
// - de-duplication remembers the last `dedupWindow` messageIds (default 1,000,000), exact strings;
// - the live view (/debug/events, /debug/stream) holds the most recent `tailEvents` events
//   (default 10,000) and at most `tailBytes` of them (default 16 MB), as their JSON text;
// - startup reads the files in fixed-size chunks, oldest first, so a gateway always starts,
//   whatever it stored (a torn or foreign line is skipped, a huge legacy file is just read).
// Each line is written with messageId first, so startup takes the id without parsing the event.
import {
  closeSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createDedupWindow } from './dedup.mjs';
import { eventText } from './validate.mjs';

export const DEFAULT_EVENTS_FILE = '.datafly/events.ndjson';
export const DEFAULTS = Object.freeze({
  maxFileBytes: 100 * 1024 * 1024,
  keepFiles: 5,
  dedupWindow: 1_000_000,
  tailEvents: 10_000,
  tailBytes: 16 * 1024 * 1024,
});

const CHUNK = 1 << 20;
/** Longest line read back: events are at most 64 KB; anything longer is not one. */
const MAX_LINE = 1 << 20;
const ID_PREFIX = '{"messageId":"';
const IDS_MAGIC = Buffer.from('DFIDS1\n\0');

/**
 * @typedef {{ requests: number, received: number, accepted: number, duplicates: number,
 *   rejected: number, dropped: number, aborted: number, rateLimited: number, byStatus: Record<string, number> }} GatewayStats
 * @typedef {(event: Record<string, any> | null, seq: number) => void} Listener
 *   called with each newly stored event and its sequence number; `null` when the store was cleared
 * @typedef {{ file?: string, maxFileBytes?: number, keepFiles?: number, dedupWindow?: number,
 *   tailEvents?: number, tailBytes?: number }} StoreOptions
 */

/** @returns {GatewayStats} */
function freshStats() {
  return { requests: 0, received: 0, accepted: 0, duplicates: 0, rejected: 0, dropped: 0, aborted: 0, rateLimited: 0, byStatus: {} };
}

/**
 * The messageId of a stored line: fast when the line starts with it (how this store writes) and
 * ends as an object does, else by parsing the line (files from older gateways, and `parse`: the
 * unterminated last line of a file, which a crash mid-write may have torn anywhere, so only a
 * line that parses whole counts). Always a fresh string (never a slice of the line, which would
 * keep the whole read chunk alive). undefined for a line that is not a whole event.
 * @param {string} line
 * @param {boolean} [parse] always parse the whole line
 * @returns {string | undefined}
 */
export function lineMessageId(line, parse = false) {
  try {
    if (!parse && line.startsWith(ID_PREFIX) && line.trimEnd().endsWith('}')) {
      let i = ID_PREFIX.length;
      for (; i < line.length; i++) {
        const c = line.charCodeAt(i);
        if (c === 92) i++;
        else if (c === 34) break;
      }
      return JSON.parse(line.slice(ID_PREFIX.length - 1, i + 1));
    }
    const ev = JSON.parse(line);
    return ev && typeof ev.messageId === 'string' ? ev.messageId : undefined;
  } catch {
    return undefined; // a torn last line (crash mid-write) or garbage: skipped, not fatal
  }
}

/**
 * @param {StoreOptions} [options] events file relative to cwd (default .datafly/events.ndjson) and limits
 */
export function createStore(options = {}) {
  const { file = DEFAULT_EVENTS_FILE } = options;
  const maxFileBytes = options.maxFileBytes ?? DEFAULTS.maxFileBytes;
  const keepFiles = Math.max(1, options.keepFiles ?? DEFAULTS.keepFiles);
  const dedupWindow = Math.max(1, options.dedupWindow ?? DEFAULTS.dedupWindow);
  const tailEvents = Math.max(1, options.tailEvents ?? DEFAULTS.tailEvents);
  const tailBytes = options.tailBytes ?? DEFAULTS.tailBytes;
  const path = resolve(file);
  /** FILE, FILE.1, ... FILE.(keepFiles-1): newest first. @param {number} i */
  const fileAt = (i) => (i === 0 ? path : `${path}.${i}`);
  /** The de-dup window as saved at the last rotation or close: it outlives deleted files. */
  const idsPath = `${path}.ids`;

  // De-duplication window: the last dedupWindow messageIds (dedup.mjs).
  let seen = createDedupWindow(dedupWindow);

  // Live view: lines[i - start] has sequence number firstSeq + (i - start).
  /** @type {string[]} */
  let lines = [];
  let start = 0;
  let tailSize = 0;
  /** Sequence number of the oldest event in the view, and of the next event to be stored. */
  let firstSeq = 1;
  let nextSeq = 1;

  let stats = freshStats();
  /** @type {Set<Listener>} */
  const listeners = new Set();
  let fd = -1;
  let fileBytes = 0;
  let loadedEvents = 0;

  /** @param {string} id */
  function rememberId(id) {
    seen.add(id);
  }

  /** @param {string} line */
  function pushLine(line) {
    lines.push(line);
    tailSize += line.length;
    nextSeq++;
    while (lines.length - start > tailEvents || (tailSize > tailBytes && lines.length - start > 1)) {
      tailSize -= lines[start].length;
      lines[start] = '';
      start++;
      firstSeq++;
    }
    if (start > 4096 && start * 2 > lines.length) {
      lines = lines.slice(start);
      start = 0;
    }
  }

  /**
   * Read one file line by line in fixed-size chunks (memory: one chunk and one line). A line
   * longer than MAX_LINE (no event is: they are at most 64 KB) is skipped up to its newline.
   * @param {string} p
   * @param {(line: string, tornBytes: number) => void} onLine `tornBytes`: 0, or for an
   *   unterminated last line (perhaps torn by a crash mid-write) its length in bytes
   */
  function readLines(p, onLine) {
    let f;
    try {
      f = openSync(p, 'r');
    } catch {
      return;
    }
    try {
      const buf = Buffer.allocUnsafe(CHUNK);
      /** @type {Buffer[]} the start of a line that began in an earlier chunk */
      let parts = [];
      let partBytes = 0;
      let skipping = false;
      let n;
      while ((n = readSync(f, buf, 0, CHUNK, null)) > 0) {
        let from = 0;
        while (from < n) {
          const nl = buf.indexOf(0x0a, from);
          const end = nl === -1 || nl >= n ? n : nl;
          if (!skipping) {
            if (partBytes + (end - from) > MAX_LINE) {
              skipping = true;
              parts = [];
              partBytes = 0;
            } else if (end === nl && partBytes === 0) {
              // The whole line is in this chunk: decode it in place.
              if (end > from) onLine(buf.toString('utf8', from, end), 0);
            } else if (end > from) {
              parts.push(Buffer.from(buf.subarray(from, end))); // a copy: buf is reused
              partBytes += end - from;
            }
          }
          if (end !== nl) break; // the line goes on in the next chunk
          if (!skipping && partBytes) onLine(Buffer.concat(parts).toString('utf8'), 0);
          parts = [];
          partBytes = 0;
          skipping = false;
          from = nl + 1;
        }
      }
      if (!skipping && partBytes) onLine(Buffer.concat(parts).toString('utf8'), partBytes);
    } finally {
      closeSync(f);
    }
  }

  function load() {
    mkdirSync(dirname(path), { recursive: true });
    /** Bytes of a torn last line of the current file (cut off below). */
    let torn = 0;
    for (let i = keepFiles - 1; i >= 0; i--) {
      readLines(fileAt(i), (line, tornBytes) => {
        const id = lineMessageId(line, tornBytes > 0);
        if (id === undefined && i === 0) torn = tornBytes;
        if (id === undefined || seen.has(id)) return;
        rememberId(id);
        pushLine(line);
        loadedEvents++;
      });
    }
    // Files beyond keepFiles (a smaller setting than last run) are left alone, not read.
    // Ids saved when rotation deleted a file (or at close) come before those of the files.
    const saved = readSavedIds();
    if (saved.length) {
      const fromFiles = seen;
      const files = fromFiles.hashes();
      seen = createDedupWindow(dedupWindow);
      for (let k = 0; k < saved.length; k += 2) if (!fromFiles.hasHash(saved[k], saved[k + 1])) seen.addHash(saved[k], saved[k + 1]);
      for (let k = 0; k < files.length; k += 2) seen.addHash(files[k], files[k + 1]);
    }
    fd = openSync(path, 'a');
    fileBytes = fstatSync(fd).size;
    // A torn last line (an append cut short, never answered 200) is cut off: it is not an event.
    if (torn > 0 && torn <= fileBytes) {
      fileBytes -= torn;
      ftruncateSync(fd, fileBytes);
    }
    // Make sure the next append starts on its own line (after an unterminated last line).
    if (fileBytes > 0) {
      const last = Buffer.alloc(1);
      const r = openSync(path, 'r');
      readSync(r, last, 0, 1, fileBytes - 1);
      closeSync(r);
      if (last[0] !== 0x0a) {
        writeSync(fd, '\n');
        fileBytes++;
      }
    }
  }

  /** The de-dup window saved by saveIds(), as hashes oldest first (empty when none or unreadable). */
  function readSavedIds() {
    try {
      const buf = readFileSync(idsPath);
      if (buf.length % 8 || !buf.subarray(0, 8).equals(IDS_MAGIC)) return new Uint32Array(0);
      return new Uint32Array(buf.buffer.slice(buf.byteOffset + 8, buf.byteOffset + buf.length));
    } catch {
      return new Uint32Array(0);
    }
  }

  /** Save the whole de-dup window (8 bytes an id) before a file is deleted, and at close. */
  function saveIds() {
    const h = seen.hashes();
    writeFileSync(`${idsPath}.tmp`, Buffer.concat([IDS_MAGIC, Buffer.from(h.buffer, h.byteOffset, h.byteLength)]));
    renameSync(`${idsPath}.tmp`, idsPath);
  }

  /** FILE -> FILE.1 -> FILE.2 ...; the oldest beyond keepFiles is deleted. */
  function rotate() {
    saveIds();
    closeSync(fd);
    rmSync(fileAt(keepFiles - 1), { force: true });
    for (let i = keepFiles - 2; i >= 0; i--) {
      if (existsSync(fileAt(i))) renameSync(fileAt(i), fileAt(i + 1));
    }
    fd = openSync(path, 'a');
    fileBytes = 0;
  }

  /** @param {string} text */
  function append(text) {
    const bytes = Buffer.byteLength(text);
    if (fileBytes > 0 && fileBytes + bytes > maxFileBytes) {
      if (keepFiles > 1) rotate();
      else {
        saveIds();
        closeSync(fd);
        fd = openSync(path, 'w');
        fileBytes = 0;
      }
    }
    writeSync(fd, text);
    fileBytes += bytes;
  }

  load();

  return {
    path,
    limits: { maxFileBytes, keepFiles, dedupWindow, tailEvents, tailBytes },
    /** Events read from disk at startup. */
    loadedEvents,

    /**
     * Store the events not seen before (by exact messageId), in order.
     * @param {Record<string, any>[]} batch already validated events
     * @param {(string | undefined)[]} [texts] their eventText(), when already made
     * @returns {{ accepted: number, duplicates: number }}
     */
    add(batch, texts) {
      /** @type {Record<string, any>[]} */
      const fresh = [];
      /** @type {string[]} */
      const freshLines = [];
      let duplicates = 0;
      batch.forEach((ev, i) => {
        if (seen.has(ev.messageId)) {
          duplicates++;
          return;
        }
        rememberId(ev.messageId);
        fresh.push(ev);
        freshLines.push(texts?.[i] ?? /** @type {string} */ (eventText(ev)));
      });
      // One synchronous append per request: simple, ordered, no interleaving.
      if (freshLines.length) append(freshLines.join('\n') + '\n');
      const firstNew = nextSeq;
      for (const line of freshLines) pushLine(line);
      stats.received += batch.length;
      stats.accepted += fresh.length;
      stats.duplicates += duplicates;
      for (const fn of listeners) {
        fresh.forEach((ev, i) => fn(ev, firstNew + i));
      }
      return { accepted: fresh.length, duplicates };
    },

    /**
     * Up to `limit` stored events (as JSON text) after sequence number `after`, oldest first.
     * A cursor older than the view starts at the oldest event still in it.
     * @param {{ after?: number, limit: number }} q
     * @returns {{ lines: string[], last: number, more: boolean }} `last`: the sequence number of the last line returned (or `after`)
     */
    page({ after = 0, limit }) {
      const from = Math.max(after + 1, firstSeq);
      const to = Math.min(nextSeq, from + limit);
      const out = [];
      for (let s = from; s < to; s++) out.push(lines[start + (s - firstSeq)]);
      return { lines: out, last: to > from ? to - 1 : Math.max(after, firstSeq - 1), more: to < nextSeq };
    },

    /** The JSON text of event `seq`, or undefined when it left the view or does not exist yet. @param {number} seq */
    line(seq) {
      return seq >= firstSeq && seq < nextSeq ? lines[start + (seq - firstSeq)] : undefined;
    },

    /** Sequence numbers: the oldest event in the view, and the next one to be stored. */
    seqs() {
      return { first: firstSeq, next: nextSeq };
    },

    /** Events in the live view, parsed (oldest first). */
    list() {
      return lines.slice(start).map((l) => JSON.parse(l));
    },

    /** Forget everything: events, de-duplication window, stats; truncates and drops the files. */
    clear() {
      seen = createDedupWindow(dedupWindow);
      lines = [];
      start = 0;
      tailSize = 0;
      firstSeq = nextSeq; // sequence numbers keep counting: a cursor never sees an old number again
      stats = freshStats();
      closeSync(fd);
      for (let i = 1; i < keepFiles; i++) rmSync(fileAt(i), { force: true });
      rmSync(idsPath, { force: true });
      fd = openSync(path, 'w');
      fileBytes = 0;
      for (const fn of listeners) fn(null, nextSeq); // null = "cleared", for live views
    },

    /** Count one answered /v1 request (status 0 = socket dropped on purpose, -1 = the client went away mid-upload). @param {number} status */
    recordResponse(status) {
      stats.requests++;
      if (status === -1) {
        stats.aborted++;
        return;
      }
      if (status === 0) {
        stats.dropped++;
        return;
      }
      const key = String(status);
      stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1;
      if (status !== 200) stats.rejected++;
      if (status === 429) stats.rateLimited++;
    },

    /** Counters, plus what is held now. */
    stats() {
      return {
        ...stats,
        byStatus: { ...stats.byStatus },
        stored: { events: nextSeq - firstSeq, firstSeq, nextSeq, dedupIds: seen.size, fileBytes },
      };
    },

    /** Subscribe to newly stored events (and `null` on clear). Returns an unsubscribe function. @param {Listener} fn */
    subscribe(fn) {
      listeners.add(fn);
      return () => {
        listeners.delete(fn);
      };
    },

    /** Save the de-dup window and close the events file. */
    close() {
      if (fd < 0) return;
      saveIds();
      closeSync(fd);
      fd = -1;
    },
  };
}

/** @typedef {ReturnType<typeof createStore>} EventStore */
