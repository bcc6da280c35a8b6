/**
 * Whether a camera gets the detect rate it is configured for. Over the last minute of frame time, the frames that
 * reached the rules per second are compared with the configured detect fps: a camera that lost frames inside the
 * agent (decode hand-off or scheduler) and was answered at under 90 % of its rate is overloaded. A camera that only
 * delivers fewer frames than configured loses none inside the agent and is not flagged here: that is the camera's
 * own rate, visible as `fps_in`.
 *
 * Time comes from the frames' monotonic timestamps, so the monitor needs no clock.
 */
export interface DetectRateOptions {
  /** The camera's configured detect fps. */
  readonly fps: number;
  /** Default 60 s. */
  readonly windowMs?: number;
  /** Answered share of the configured rate below which a losing camera is overloaded. Default 0.9. */
  readonly minShare?: number;
  /** No verdict before this much frame time has been seen (a camera that just started). Default 10 s. */
  readonly minSpanMs?: number;
}

export class DetectRateMonitor {
  private readonly windowMs: number;
  private readonly minShare: number;
  private readonly minSpanMs: number;
  /** Frame times of answered frames, and (time, count) of frames lost, oldest first, within the window. */
  private readonly answered: number[] = [];
  private readonly lost: [number, number][] = [];
  private firstTs: number | null = null;
  private state = false;

  constructor(private readonly opts: DetectRateOptions) {
    this.windowMs = opts.windowMs ?? 60_000;
    this.minShare = opts.minShare ?? 0.9;
    this.minSpanMs = Math.min(this.windowMs, opts.minSpanMs ?? 10_000);
    if (!(opts.fps > 0)) throw new RangeError(`detect-rate monitor fps must be positive, got ${opts.fps}`);
    if (!(this.windowMs > 0)) throw new RangeError(`detect-rate monitor windowMs must be positive, got ${this.windowMs}`);
  }

  get overloaded(): boolean {
    return this.state;
  }

  /** Frames answered per second over the window (or the camera's life when shorter); 0 before any frame. */
  effectiveFps(now: number): number {
    if (this.firstTs === null) return 0;
    const span = Math.max(1, Math.min(this.windowMs, now - this.firstTs));
    return (this.answered.length / span) * 1000;
  }

  /**
   * One frame of the camera at `ts`: `answered` when it reached the rules, `lostBefore` frames lost since the previous
   * one. Returns true when the verdict changed.
   */
  note(ts: number, answered: boolean, lostBefore = 0): boolean {
    this.firstTs ??= ts;
    if (answered) this.answered.push(ts);
    if (lostBefore > 0) this.lost.push([ts, lostBefore]);
    const cutoff = ts - this.windowMs;
    while (this.answered.length && (this.answered[0] as number) <= cutoff) this.answered.shift();
    while (this.lost.length && (this.lost[0] as [number, number])[0] <= cutoff) this.lost.shift();
    if (ts - this.firstTs < this.minSpanMs) return false;
    const next = this.lost.length > 0 && this.effectiveFps(ts) < this.minShare * this.opts.fps;
    const changed = next !== this.state;
    this.state = next;
    return changed;
  }
}
