import type { MonoMs } from '../shared/types.js';

export interface BackoffOptions {
  /** Ceiling of the first retry delay. Default 2 s. */
  readonly baseMs?: number;
  /** Largest ceiling. Default 5 min. */
  readonly capMs?: number;
  /** A run of frames this long forgives earlier failures. Default 60 s. */
  readonly healthyResetMs?: number;
  /** Uniform [0, 1); injectable so tests get exact schedules. */
  readonly random?: () => number;
}

export const BACKOFF_DEFAULTS = { baseMs: 2_000, capMs: 300_000, healthyResetMs: 60_000 } as const;

/**
 * "Full jitter" (AWS architecture blog): uniform in [0, min(cap, base·2^attempt)). Hundreds of
 * cameras behind one switch that reboots all come back at once; spreading retries over the whole
 * window keeps them from hammering the NVR/switch in lock-step.
 */
export function fullJitterDelay(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * ceiling);
}

/**
 * Retry pacing for one camera. Each failure widens the window; a healthy stretch (frames for
 * `healthyResetMs`) resets it, so a camera that flaps every few seconds keeps backing off while
 * one that had a single reboot a day starts again from 2 s.
 */
export class Backoff {
  private failures = 0;
  private healthySince: MonoMs | null = null;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly healthyResetMs: number;
  private readonly random: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.baseMs = opts.baseMs ?? BACKOFF_DEFAULTS.baseMs;
    this.capMs = opts.capMs ?? BACKOFF_DEFAULTS.capMs;
    this.healthyResetMs = opts.healthyResetMs ?? BACKOFF_DEFAULTS.healthyResetMs;
    this.random = opts.random ?? Math.random;
    if (!(this.baseMs > 0) || !(this.capMs >= this.baseMs) || !(this.healthyResetMs > 0)) {
      throw new RangeError(
        `Backoff: need baseMs > 0, capMs >= baseMs, healthyResetMs > 0 (got ${this.baseMs}, ${this.capMs}, ${this.healthyResetMs})`,
      );
    }
  }

  /** Consecutive failures since the last healthy stretch. */
  get attempt(): number {
    return this.failures;
  }

  /** A failure happened: the delay before the next try. Ends any healthy stretch. */
  nextDelay(): number {
    const d = fullJitterDelay(this.failures, this.baseMs, this.capMs, this.random);
    this.failures++;
    this.healthySince = null;
    return d;
  }

  /** A frame arrived at `now`. Returns true when this completed a healthy stretch and reset the count. */
  noteHealthy(now: MonoMs): boolean {
    if (this.healthySince === null) {
      this.healthySince = now;
      return false;
    }
    if (this.failures > 0 && now - this.healthySince >= this.healthyResetMs) {
      this.failures = 0;
      return true;
    }
    return false;
  }

  reset(): void {
    this.failures = 0;
    this.healthySince = null;
  }
}
