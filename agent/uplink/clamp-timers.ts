import { MAX_TIMER_MS } from '../../contract/index.js';
import type { Timers } from './reconnect.js';

/**
 * A computed delay made safe for setTimeout: Node fires a timer asked for more than 2^31 − 1 ms
 * after 1 ms (with a warning), so a huge delay (a token bucket at 1e-9 msg/s) becomes a busy loop.
 * Clamped to [0, MAX_TIMER_MS]; NaN becomes MAX_TIMER_MS (waiting long is the safe failure).
 */
export function clampTimerMs(ms: number): number {
  if (Number.isNaN(ms)) return MAX_TIMER_MS;
  return Math.min(MAX_TIMER_MS, Math.max(0, ms));
}

/** `timers` with every delay clamped: the Uplink hands only these to the relay and the reconnect loop. */
export function clampedTimers(timers: Timers): Timers {
  return {
    setTimeout: (fn, ms) => timers.setTimeout(fn, clampTimerMs(ms)),
    clearTimeout: (handle) => timers.clearTimeout(handle),
  };
}
