import type { EpochMs, MonoMs } from './types.js';

/**
 * Injected everywhere time matters so tests are exact and fast. `now()` is monotonic (for
 * durations, timeouts, backoff); `wall()` is calendar time (for timestamps that leave the box).
 */
export interface Clock {
  now(): MonoMs;
  wall(): EpochMs;
}

// Anchored at the process's time origin so values read like epoch ms in logs, yet only ever grow
// (performance.now() is monotonic; a wall-clock step from NTP does not move it).
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  wall: () => Date.now(),
};

/** A clock that only moves when told to; for tests and simulations. */
export class ManualClock implements Clock {
  constructor(
    private mono: MonoMs = 0,
    private wallAtZero: EpochMs = Date.UTC(2026, 0, 1),
  ) {}
  now(): MonoMs {
    return this.mono;
  }
  wall(): EpochMs {
    return this.wallAtZero + this.mono;
  }
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`ManualClock cannot go backwards (advance(${ms}))`);
    this.mono += ms;
  }
}
