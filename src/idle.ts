/** Runs `f` when the page is idle (requestIdleCallback), or on the next task where that is missing (Safari). */
export const idle = (f: () => void): unknown => ((window as any).requestIdleCallback || setTimeout)(f);
