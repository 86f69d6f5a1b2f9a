// Debug output: silent unless debug(true), the `debug` option or `?df_debug=1` in the page URL.
const say =
  (kind: 'log' | 'warn') =>
  (...a: unknown[]): void => {
    if (log.on)
      try {
        console[kind]('[Datafly]', ...a);
      } catch {}
  };

export const log = { on: false, info: say('log'), warn: say('warn') };
