// Types for faults.mjs.
export interface FaultsBody {
  status?: number;
  count?: number;
  forMs?: number;
  retryAfter?: number | null;
  delayMs?: number;
  drop?: number;
  clear?: boolean;
}
export interface FaultsState {
  status: number | null;
  count: number;
  forMs: number;
  retryAfter: number | null;
  delayMs: number;
  delayCount: number | null;
  drop: number;
}
export interface Faults {
  check(body: unknown): string | null;
  set(body: FaultsBody): FaultsState;
  clear(): void;
  state(): FaultsState;
  next(): { drop: boolean; delayMs: number; fail: null | { status: number; retryAfter: number | null } };
}
export declare function createFaults(): Faults;
export declare function faultCode(status: number): string;
