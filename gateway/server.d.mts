// Types for server.mjs (the CLI).
import type { Gateway } from './app.mjs';
export declare function main(argv?: string[], env?: NodeJS.ProcessEnv): Promise<Gateway | null>;
