/**
 * setTimeout/clearTimeout, the one way the agent's retry loops and deadlines wait. Injected so that tests drive
 * restart schedules, stall deadlines and reconnect loops with a manual clock instead of sleeping through minutes.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  /** Harmless after the timer fired or for a handle already cleared. */
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
