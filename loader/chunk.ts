// The end of every chunk d.full.js loads (loader/load-chunk.ts): hand the chunk's exports to the
// script element that loaded it. document.currentScript is that element while a classic script runs.
export const handOver = (exports: object): void => {
  const s = document.currentScript as any;
  if (s) s.df = exports;
};
