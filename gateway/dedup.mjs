// @ts-check
// The de-duplication window: the last `size` messageIds, in ~24 bytes an id whatever their
// length (a Set of 1,000,000 strings took ~150 MB). Each id is kept as a 64-bit hash of its
// exact string (no case folding or trimming: "ABC" and "abc" are different ids); a false
// duplicate needs two different ids in the window with the same 64-bit hash, about one chance
// in 10^13 per event at a full window of 1,000,000.
// Open addressing with linear probing and backward-shift deletion (no tombstones), plus a ring
// of the hashes in arrival order so the oldest leaves first.

/**
 * Two independent 32-bit hashes (murmur3-style mixing, different seeds) of a string's UTF-16 code units.
 * @param {string} s
 * @returns {[number, number]}
 */
export function hash64(s) {
  let a = 0x9747b28c ^ s.length;
  let b = 0x1b873593 ^ Math.imul(s.length, 0x85ebca6b);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0xcc9e2d51);
    a = (a << 15) | (a >>> 17);
    a = Math.imul(a, 0x1b873593) + 0xe6546b64;
    b = Math.imul(b ^ c, 0x85ebca6b) + 0x7feb352d;
    b = (b << 13) | (b >>> 19);
    b = Math.imul(b, 0xc2b2ae35);
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  a = Math.imul(a, 0xc2b2ae35);
  a ^= a >>> 16;
  b ^= b >>> 15;
  b = Math.imul(b, 0x2c1b3c6d);
  b ^= b >>> 12;
  b = Math.imul(b, 0x297a2d39);
  b ^= b >>> 15;
  return [a >>> 0, (b | 1) >>> 0]; // the second is never 0: 0 marks an empty slot
}

/** @param {number} size how many ids the window holds */
export function createDedupWindow(size) {
  let bits = 4;
  while (1 << bits < size * 2) bits++;
  const capacity = 1 << bits;
  const mask = capacity - 1;
  const lo = new Uint32Array(capacity);
  const hi = new Uint32Array(capacity); // 0 = empty
  const ringLo = new Uint32Array(size);
  const ringHi = new Uint32Array(size);
  let head = 0;
  let count = 0;

  /** @param {number} a @param {number} b @returns {number} slot index, or -1 */
  function find(a, b) {
    for (let i = a & mask; hi[i] !== 0; i = (i + 1) & mask) {
      if (hi[i] === b && lo[i] === a) return i;
    }
    return -1;
  }

  /** @param {number} i */
  function removeAt(i) {
    // Backward-shift: pull later entries of the probe run into the hole.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (hi[j] === 0) break;
      const home = lo[j] & mask;
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!between) {
        lo[i] = lo[j];
        hi[i] = hi[j];
        i = j;
      }
    }
    hi[i] = 0;
    lo[i] = 0;
  }

  return {
    /** @param {string} id */
    has(id) {
      const [a, b] = hash64(id);
      return find(a, b) >= 0;
    },
    /** Remember `id` (the caller checked it is new); the oldest leaves when full. @param {string} id */
    add(id) {
      const [a, b] = hash64(id);
      this.addHash(a, b);
    },
    /** @param {number} a @param {number} b */
    hasHash(a, b) {
      return find(a, b) >= 0;
    },
    /** Remember a hash from hashes() unless already held. @param {number} a @param {number} b */
    addHash(a, b) {
      if (b === 0 || find(a, b) >= 0) return;
      if (count === size) {
        const old = find(ringLo[head], ringHi[head]);
        if (old >= 0) removeAt(old);
        count--;
      }
      let i = a & mask;
      while (hi[i] !== 0) i = (i + 1) & mask;
      lo[i] = a;
      hi[i] = b;
      ringLo[head] = a;
      ringHi[head] = b;
      head = (head + 1) % size;
      count++;
    },
    /** The window's hashes, oldest first: [a0, b0, a1, b1, ...] (to save it across restarts). */
    hashes() {
      const out = new Uint32Array(count * 2);
      for (let k = 0, i = (head - count + size) % size; k < count; k++, i = (i + 1) % size) {
        out[2 * k] = ringLo[i];
        out[2 * k + 1] = ringHi[i];
      }
      return out;
    },
    get size() {
      return count;
    },
  };
}
