/** Replaced at build time with the package version. */
declare const __VERSION__: string;
/** Build flag: true in dist/d.full.js and the npm package (CMP readers, tag injection); false in dist/d.js. */
declare const __FULL__: boolean;
/** dist/d.full.js only: the sha256 SRI value of each chunk it may load (loader/load-chunk.ts). */
declare const __SRI__: Record<string, string>;
