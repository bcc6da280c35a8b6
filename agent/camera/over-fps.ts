import type { MonoMs } from '../shared/types.js';

export interface OverFpsOptions {
  /** How many times the detect rate counts as "far above". Default 3. */
  readonly factor?: number;
  /** Sliding window the rate is judged over. Default 10 s. */
  readonly windowMs?: number;
}

export const OVER_FPS_DEFAULTS = { factor: 3, windowMs: 10_000 } as const;

/**
 * Spots a stream delivering far more frames than the detect rate. ffmpeg's `fps` filter makes the
 * output rate exact while the camera's timestamps are sane; when they are not (a clock that jumps,
 * a camera that restarts its RTP timestamps mid-session), the filter emits bursts of duplicates
 * or a flood of frames, which burns CPU downstream and makes fps-based health look fine while the
 * pictures are nonsense. The window is long enough that the short burst after an ordinary network
 * hiccup (a second or two of filled-in frames) stays under the limit.
 *
 * Exact sliding window: the arrival times of the last `limit + 1` frames in a ring; the rate is
 * too high when all of them fit in `windowMs`. Constant memory and time per frame.
 */
export class OverFpsDetector {
  readonly limit: number;
  readonly windowMs: number;
  private readonly ring: Float64Array;
  private count = 0;
  private head = 0;

  constructor(targetFps: number, opts: OverFpsOptions = {}) {
    const factor = opts.factor ?? OVER_FPS_DEFAULTS.factor;
    this.windowMs = opts.windowMs ?? OVER_FPS_DEFAULTS.windowMs;
    if (!(targetFps > 0) || !(factor > 1) || !(this.windowMs > 0)) {
      throw new RangeError(
        `OverFpsDetector: need targetFps > 0, factor > 1, windowMs > 0 (got ${targetFps}, ${factor}, ${this.windowMs})`,
      );
    }
    this.limit = Math.ceil(targetFps * factor * (this.windowMs / 1000));
    this.ring = new Float64Array(this.limit + 1);
  }

  /** A frame arrived at `now`; true when more than `limit` frames arrived within the window. */
  update(now: MonoMs): boolean {
    this.ring[this.head] = now;
    this.head = (this.head + 1) % this.ring.length;
    if (this.count < this.ring.length) this.count++;
    if (this.count < this.ring.length) return false;
    const oldest = this.ring[this.head]!; // the slot written longest ago
    return now - oldest < this.windowMs;
  }

  reset(): void {
    this.count = 0;
    this.head = 0;
  }
}
