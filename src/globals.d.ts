/** Replaced at build time with the package version. */
declare const __VERSION__: string;
/** Build flag: true in dist/d.full.js, its chunks and the npm package (README, "Builds"); false in dist/d.js. */
declare const __FULL__: boolean;
/** dist/d.full.js only: the sha256 SRI value of each chunk it may load (loader/load-chunk.ts). */
declare const __SRI__: Record<string, string>;
