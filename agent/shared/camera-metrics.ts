/**
 * One camera's counters (Frigate's `CameraMetrics`): every stage that handles the camera's frames writes its own
 * fields here, and everything that reports them reads the same object — the heartbeat's `work{}`, `/metrics`, the
 * shutdown summary and the dashboard's health page. Each fact has exactly one writer, so a frame is counted once:
 *
 *   decoded ─┬─ dropped.handoff   (camera supervisor: replaced unread in the latest-wins hand-off)
 *            └─ handedOff ─┬─ dropped.budget     (pipeline: left out by the overload policy, by the camera's priority)
 *                          ├─ dropped.scheduler  (vision scheduler: replaced by a newer frame before the detector ran)
 *                          ├─ inferred           (pipeline: a detector run answered it, whole frame or regions)
 *                          ├─ gated              (pipeline: answered from the previous detections, nothing moved)
 *                          └─ errors             (pipeline: its processing failed, logged)
 *
 * (`decoded` minus the hand-off's one waiting frame, and `handedOff` minus the frame in work, add up exactly.)
 */

/** Why a decoded frame never reached the rules. */
export type FrameDropCause = 'handoff' | 'scheduler' | 'budget';

export const FRAME_DROP_CAUSES: readonly FrameDropCause[] = ['handoff', 'scheduler', 'budget'];

/** What became of a picture the pipeline asked for (a violation's snapshot or context picture). */
export type PictureOutcome = 'made' | 'failed' | 'skipped';

/** A bounded window of recent samples (e.g. CPU ms per picture), for percentiles without unbounded memory. */
export class RecentSamples {
  private readonly values: number[] = [];
  private next = 0;
  /** Samples ever added (the window keeps the newest `size`). */
  count = 0;
  /** Sum of every sample ever added. */
  total = 0;

  constructor(private readonly size = 256) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`RecentSamples size must be a positive integer, got ${size}`);
  }

  add(v: number): void {
    if (!Number.isFinite(v)) return;
    this.count++;
    this.total += v;
    if (this.values.length < this.size) this.values.push(v);
    else this.values[this.next] = v;
    this.next = (this.next + 1) % this.size;
  }

  /** The `q` quantile (0..1) of the window, nearest rank; null when empty. */
  quantile(q: number): number | null {
    if (this.values.length === 0) return null;
    const sorted = [...this.values].sort((a, b) => a - b);
    const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[i] as number;
  }
}

export class CameraMetrics {
  // Camera supervisor.
  /** Frames ffmpeg delivered, across restarts. */
  decoded = 0;
  /** ffmpeg processes started after the first. */
  restarts = 0;
  /** Restarts forced because no frame arrived for `stall_s`. */
  stalls = 0;
  /** Runs that delivered frames again after an earlier run had. */
  reconnects = 0;
  /** Restarts forced because frames came far faster than the detect fps. */
  overFps = 0;

  // Pipeline.
  /** Frames the pipeline took from the hand-off. */
  handedOff = 0;
  readonly dropped: Record<FrameDropCause, number> = { handoff: 0, scheduler: 0, budget: 0 };
  /** Frames a detector run answered (one full-frame pass, or one or more regions). */
  inferred = 0;
  /** Region crops inferred (regions mode): a frame with three regions adds 3. */
  regions = 0;
  /** Frames answered with the previous detections because nothing moved (no detector run). */
  gated = 0;
  /** Tracked persons given no region because they stood still (regions mode), summed over frames. */
  stationarySkipped = 0;
  /** Frames whose processing failed, and revisions the store refused (both logged). */
  errors = 0;
  persons = 0;
  trackedPersons = 0;
  ruleEvents = 0;
  /** Violation revisions recorded for this camera. */
  violations = 0;

  // Pictures (snapshot worker).
  /** Pictures asked for. */
  picturesQueued = 0;
  /** Pictures that had to wait because the snapshot worker was busy with others. */
  picturesDeferred = 0;
  readonly pictures: Record<PictureOutcome, number> = { made: 0, failed: 0, skipped: 0 };
  /** CPU ms the snapshot worker spent per snapshot made (the crop: render and privacy check). */
  readonly pictureCpuMs = new RecentSamples();
  /** CPU ms the snapshot worker spent per context picture made (the whole frame, the rule drawn, the strip). */
  readonly contextCpuMs = new RecentSamples();

  constructor(readonly cameraId: string) {}

  /** Every frame lost between ffmpeg and the rules, whatever the cause. */
  droppedTotal(): number {
    return this.dropped.handoff + this.dropped.scheduler + this.dropped.budget;
  }

  /** Frames the detector answered (a run, or the previous detections when nothing moved): the detect rate's numerator. */
  answered(): number {
    return this.inferred + this.gated;
  }

  /** A plain copy for the agent's stats and the shutdown summary (JSON-able). */
  summary(): CameraSummary {
    return {
      decoded: this.decoded,
      frames: this.handedOff,
      inferences: this.inferred,
      regions: this.regions,
      gated: this.gated,
      stationarySkipped: this.stationarySkipped,
      dropped: this.droppedTotal(),
      droppedBy: { ...this.dropped },
      persons: this.persons,
      trackedPersons: this.trackedPersons,
      ruleEvents: this.ruleEvents,
      violations: this.violations,
      errors: this.errors,
      restarts: this.restarts,
      pictures: {
        queued: this.picturesQueued,
        deferred: this.picturesDeferred,
        ...this.pictures,
        cpuP50Ms: this.pictureCpuMs.quantile(0.5),
        cpuP95Ms: this.pictureCpuMs.quantile(0.95),
        contextCpuP50Ms: this.contextCpuMs.quantile(0.5),
        contextCpuP95Ms: this.contextCpuMs.quantile(0.95),
      },
    };
  }
}

/** One camera's counters as plain data (see CameraMetrics for what each means). */
export interface CameraSummary {
  readonly decoded: number;
  /** Frames the pipeline took from the hand-off. */
  readonly frames: number;
  readonly inferences: number;
  readonly regions: number;
  readonly gated: number;
  readonly stationarySkipped: number;
  /** Every frame lost between ffmpeg and the rules. */
  readonly dropped: number;
  readonly droppedBy: Readonly<Record<FrameDropCause, number>>;
  readonly persons: number;
  readonly trackedPersons: number;
  readonly ruleEvents: number;
  readonly violations: number;
  readonly errors: number;
  readonly restarts: number;
  /** By outcome (snapshots and context pictures together), and the CPU per snapshot and per context picture made. */
  readonly pictures: Readonly<Record<PictureOutcome | 'queued' | 'deferred', number>> & {
    readonly cpuP50Ms: number | null;
    readonly cpuP95Ms: number | null;
    readonly contextCpuP50Ms: number | null;
    readonly contextCpuP95Ms: number | null;
  };
}
