import type { MonoMs } from './types.js';

export interface BackoffOptions {
  /** Ceiling of the first retry delay. Default 1 s (the uplink's); cameras use 2 s (`CAMERA_BACKOFF` in camera/). */
  readonly baseMs?: number;
  /** Largest ceiling. Default 5 min. */
  readonly capMs?: number;
  /** A healthy stretch (frames flowing, a connection up) this long forgives earlier failures. Default 60 s. */
  readonly resetAfterMs?: number;
  /** Uniform [0, 1); injectable so tests get exact schedules. */
  readonly random?: () => number;
}

export const BACKOFF_DEFAULTS = { baseMs: 1_000, capMs: 300_000, resetAfterMs: 60_000 } as const;

/**
 * "Full jitter" (AWS architecture blog): uniform in [0, min(cap, base·2^attempt)). Hundreds of cameras behind one
 * switch that reboots, or 2,000 agents that lost the hub at the same moment, all come back at once; spreading retries
 * over the whole window keeps them from hammering the NVR or the broker in lock-step.
 */
export function fullJitterDelay(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * ceiling);
}

/**
 * Retry pacing for one thing that fails and recovers (a camera stream, the hub connection). Each failure widens the
 * window; a healthy stretch of `resetAfterMs` resets it, so something that flaps every few seconds keeps backing off
 * while one that had a single outage a day starts again from `baseMs`. The stretch is reported either continuously
 * (`noteHealthy` on every frame) or as its two ends (`connected` / `disconnected`).
 */
export class Backoff {
  readonly baseMs: number;
  readonly capMs: number;
  readonly resetAfterMs: number;
  private readonly random: () => number;
  private failures = 0;
  private healthySince: MonoMs | null = null;

  constructor(opts: BackoffOptions = {}) {
    this.baseMs = opts.baseMs ?? BACKOFF_DEFAULTS.baseMs;
    this.capMs = opts.capMs ?? BACKOFF_DEFAULTS.capMs;
    this.resetAfterMs = opts.resetAfterMs ?? BACKOFF_DEFAULTS.resetAfterMs;
    this.random = opts.random ?? Math.random;
    if (!(this.baseMs > 0) || !(this.capMs >= this.baseMs) || !(this.resetAfterMs > 0)) {
      throw new RangeError(
        `Backoff: need baseMs > 0, capMs >= baseMs, resetAfterMs > 0 (got ${this.baseMs}, ${this.capMs}, ${this.resetAfterMs})`,
      );
    }
  }

  /** Consecutive failures since the last healthy stretch. */
  get attempt(): number {
    return this.failures;
  }

  /** The upper bound of the next delay. */
  ceiling(): number {
    return Math.min(this.capMs, this.baseMs * 2 ** this.failures);
  }

  /** A failure happened: the delay before the next try. Ends any healthy stretch. */
  nextDelay(): number {
    const d = fullJitterDelay(this.failures, this.baseMs, this.capMs, this.random);
    this.failures++;
    this.healthySince = null;
    return d;
  }

  /** Still healthy at `now` (e.g. a frame arrived). True when this completed a healthy stretch and reset the count. */
  noteHealthy(now: MonoMs): boolean {
    if (this.healthySince === null) {
      this.healthySince = now;
      return false;
    }
    if (this.failures > 0 && now - this.healthySince >= this.resetAfterMs) {
      this.failures = 0;
      return true;
    }
    return false;
  }

  /** A healthy stretch starts at `at` (a connection is up). */
  connected(at: MonoMs): void {
    this.healthySince = at;
  }

  /** The stretch that `connected` began ends at `at`; it resets the count if it lasted `resetAfterMs`. */
  disconnected(at: MonoMs): void {
    if (this.healthySince !== null) this.noteHealthy(at);
    this.healthySince = null;
  }

  /** After a refusal (bad credentials, not authorised): retry slowly from now on. */
  penalize(): void {
    while (this.ceiling() < this.capMs) this.failures++;
  }

  reset(): void {
    this.failures = 0;
    this.healthySince = null;
  }
}
