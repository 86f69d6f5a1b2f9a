/** Replaced at build time with the package version. */
declare const __VERSION__: string;
