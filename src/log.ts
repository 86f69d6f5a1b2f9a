// Debug output: silent unless debug(true), the `debug` option or `?df_debug=1` in the page URL.
export const log = {
  on: false,
  info(...a: unknown[]): void {
    if (log.on) try { console.log('[Datafly]', ...a); } catch {}
  },
  warn(...a: unknown[]): void {
    if (log.on) try { console.warn('[Datafly]', ...a); } catch {}
  },
};
