// Types for store.mjs.
export declare const DEFAULT_EVENTS_FILE: string;
export interface GatewayStats {
  requests: number;
  received: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  dropped: number;
  byStatus: Record<string, number>;
}
export interface EventStore {
  readonly path: string;
  add(events: object[]): { accepted: number; duplicates: number };
  list(): any[];
  clear(): void;
  recordResponse(status: number): void;
  stats(): GatewayStats;
  subscribe(fn: (event: any | null) => void): () => void;
}
export declare function createStore(options?: { file?: string }): EventStore;
