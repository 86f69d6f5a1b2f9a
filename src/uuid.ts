// UUID v4 from getRandomValues: crypto.randomUUID() exists only in secure contexts, and plain-http
// sites still exist.
export function uuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  let s = '';
  for (let i = 0; i < 16; i++) s += (i > 3 && i < 11 && !(i & 1) ? '-' : '') + (b[i] + 256).toString(16).slice(1);
  return s;
}
