// Reading captured events, shared by the Playwright specs and the cross-engine runs (e2e/engines):
// plain functions with no test-runner import, so node:test and Playwright can both use them.

/** An anonymousId / messageId as the collector makes them: a random (version 4) UUID. */
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Short names of events, in order, to assert on a sequence at a glance: a track is its event name,
 * a page is `page` (or `page:Name` when named), anything else its type (`identify`, `group`, ...).
 */
export const names = (events: any[]): string[] =>
  events.map((e) => (e.type == 'track' ? e.event : e.type == 'page' ? 'page' + (e.name ? ':' + e.name : '') : e.type));

/** The events of one type (`track`, `page`, `identify`, ...), in order. */
export const byType = (events: any[], type: string): any[] => events.filter((e) => e.type == type);

/** The test gateway as a test reads it (its /debug routes): what it accepted, and its faults. */
export interface Gw {
  url: string;
  /** Every event accepted since the last reset (the start of the test), in order. */
  events(): Promise<any[]>;
  stats(): Promise<any>;
  faults(f: Record<string, unknown>): Promise<void>;
  /** Waits until at least `n` events were accepted (and returns them). */
  waitFor(n: number, timeout?: number): Promise<any[]>;
}
