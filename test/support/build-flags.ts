// The build flags rollup defines (rollup.config.mjs), for unit tests that import src/ directly:
// the full build's behaviour unless a test sets them otherwise.
const g = globalThis as any;
g.__FULL__ ??= true;
g.__VERSION__ ??= '0.0.0-test';
