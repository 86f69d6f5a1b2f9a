// Types for validate.mjs (so TypeScript tests and tools can import it).
export declare const MAX_EVENTS: 500;
export declare const MAX_REQUEST_BYTES: number;
export declare const MAX_EVENT_BYTES: 65536;
export declare const EVENT_TYPES: readonly ['page', 'track', 'identify', 'group', 'alias'];
export declare const LIBRARY_NAME: '@datafly/collector';
export interface Problem {
  status: 400 | 413;
  code: 'invalid_payload' | 'payload_too_large';
  message: string;
}
export declare function isPlainObject(v: unknown): v is Record<string, unknown>;
export declare function eventBytes(ev: unknown): number;
export declare function validateEvent(ev: unknown, expectedType?: string): string | null;
export declare function checkEventSize(ev: unknown, where?: string): Problem | null;
export declare function validateBatch(body: unknown): Problem | null;
