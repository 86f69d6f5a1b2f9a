// The public method names, in one place (the npm entry, the installer, the collector), and the
// shape of a queued call.

/** [method, arguments, time, url]: one call as the stub (or the npm entry) queues it. */
export type Call = [string, ArrayLike<unknown>, number, string];

/**
 * Calls that answer at once, even while the replay runs: reads, and calls whose result the caller
 * waits for. Every other call waits its turn behind the replay backlog. By name, so that a new
 * method never changes the replay order by accident: add it to one list or the other.
 */
export const ANSWERED = ['flush', 'getAnonymousId', 'user', 'getConsent', 'injectTag', 'removeTag'];

/** Every public method: the state-changing ones, then ANSWERED. */
export const METHODS = ['page', 'track', 'identify', 'group', 'alias', 'reset', 'ready', 'debug', 'consent', 'init'].concat(ANSWERED);
