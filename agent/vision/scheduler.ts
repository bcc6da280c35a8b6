/**
 * Shares one person detector (one onnxruntime session) among all cameras.
 *
 * - Latest wins per camera: each camera has at most one frame waiting; a newer frame replaces it
 *   and the replaced frame's promise resolves to null (dropped). So latency never builds up: when
 *   the machine is too slow, cameras get fewer detections, not older ones.
 * - Fair: waiting cameras are served round-robin, so one busy camera cannot starve the others and
 *   every camera's detect rate degrades by the same share when the machine is overloaded.
 * - Motion gate (optional): a frame in which nothing moved since the last detector run gets the
 *   last detections again without a run (see motion-gate.ts).
 * - Counted: a frame replaced before the detector got to it is counted here, and only here, as the camera's
 *   `dropped.scheduler` (its CameraMetrics, see `attach`); what answered a frame (a run, or the gate) the pipeline
 *   counts from `Detections.work`. `stats()` gives rates over a sliding window (the detect-fps gauge, latency) and
 *   whether the camera is degraded (dropping more than 1 % of its frames).
 */
import type { Clock } from '../shared/clock.js';
import { CameraMetrics } from '../shared/camera-metrics.js';
import type { DetectWork, Detections, Frame } from '../shared/types.js';
import { MotionGate, type GateDecision, type GateReason, type MotionGateOptions } from './motion-gate.js';

/** What the scheduler needs of a detector; PersonDetector is one. */
export interface FrameDetector {
  detect(frame: Frame): Promise<Detections>;
}

export interface SchedulerOptions {
  readonly detector: FrameDetector;
  readonly clock: Clock;
  /** Motion gate settings for every camera, or false for none. Default: gate on with its defaults. */
  readonly motion?: MotionGateOptions | false;
  /**
   * Cameras whose detector gates by motion itself (`detect.mode: regions`: no region, no run), which the frame-level
   * gate would only second-guess: frames of these cameras always reach the detector.
   */
  readonly selfGated?: (cameraId: string) => boolean;
  /** Window for the rates in `stats()`, ms. Default 10 s. */
  readonly windowMs?: number;
  /** A camera whose dropped share in the window exceeds this is reported degraded. Default 0.01. */
  readonly degradedDropShare?: number;
  /**
   * Detector runs at once, for a detector that is a pool of sessions (one per core, `DetectorPool`). Never two of the
   * same camera, so each camera's results stay in frame order. Default 1.
   */
  readonly maxInFlight?: number;
}

/** One camera's rates over the scheduler's window (totals are the camera's CameraMetrics). */
export interface CameraVisionStats {
  readonly cameraId: string;
  /** Rates over the window, frames per second. */
  readonly inputFps: number;
  /** Frames answered (detected + gated) per second: the camera's effective detect-fps. */
  readonly outputFps: number;
  readonly detectorFps: number;
  readonly droppedShare: number;
  readonly degraded: boolean;
  /** Submit → result for detector runs in the window: median and worst, ms. */
  readonly latencyP50Ms: number | null;
  readonly latencyMaxMs: number | null;
}

interface Waiting {
  readonly frame: Frame;
  readonly decision: GateDecision | null;
  readonly submittedAt: number;
  readonly resolve: (d: Detections | null) => void;
  readonly reject: (e: unknown) => void;
}

type Outcome = 'detected' | 'gated' | 'dropped';

const GATED: DetectWork = { gated: true, regions: 0, stationarySkipped: 0 };
const FULL_FRAME: DetectWork = { gated: false, regions: 0, stationarySkipped: 0 };

interface CameraState {
  readonly id: string;
  readonly gate: MotionGate | null;
  waiting: Waiting | null;
  inFlight: Promise<Detections> | null;
  last: Detections | null;
  /** The camera's counters: the scheduler writes `dropped.scheduler`, nothing else. */
  readonly metrics: CameraMetrics;
  /** (time, outcome) of recent frames, oldest first; latency only for detector runs. */
  recent: { at: number; outcome: Outcome | 'submitted'; latency?: number }[];
}

export class VisionScheduler {
  private readonly cameras = new Map<string, CameraState>();
  /** Round-robin order: cameras in order of first frame; the next search starts at `next` mod their number. */
  private readonly order: CameraState[] = [];
  private next = 0;
  private running = 0;
  private closed = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxInFlight: number;
  private readonly windowMs: number;
  private readonly degradedDropShare: number;

  constructor(private readonly opts: SchedulerOptions) {
    this.windowMs = opts.windowMs ?? 10_000;
    this.degradedDropShare = opts.degradedDropShare ?? 0.01;
    this.maxInFlight = opts.maxInFlight ?? 1;
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) throw new RangeError(`scheduler maxInFlight must be an integer ≥ 1, got ${this.maxInFlight}`);
    if (!(this.windowMs > 0)) throw new RangeError(`scheduler windowMs must be positive, got ${this.windowMs}`);
    if (opts.motion) new MotionGate(opts.motion); // validate options now, not at the first frame
  }

  /**
   * Detections for `frame`, or null when a newer frame of the same camera replaced it before the
   * detector got to it. Results of one camera resolve in frame order.
   */
  submit(frame: Frame): Promise<Detections | null> {
    if (this.closed) return Promise.reject(new Error('vision scheduler is closed'));
    const cam = this.camera(frame.cameraId);
    const now = this.opts.clock.now();
    this.note(cam, now, 'submitted');
    let decision: GateDecision | null;
    try {
      decision = cam.gate ? cam.gate.check(frame) : null;
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    if (decision && !decision.run && cam.last) return this.reuse(cam, frame, decision.reason);
    if (cam.waiting) this.drop(cam, cam.waiting, now);
    return new Promise((resolve, reject) => {
      cam.waiting = { frame, decision, submittedAt: now, resolve, reject };
      this.pump();
    });
  }

  /**
   * Registers a camera's counters before its first frame, so the scheduler's drops land in the object the rest of
   * the agent reads. A camera never attached gets counters of its own (tests, tools).
   */
  attach(metrics: CameraMetrics): void {
    const existing = this.cameras.get(metrics.cameraId);
    if (existing && existing.metrics !== metrics) throw new Error(`vision scheduler: camera ${metrics.cameraId} already has other counters`);
    this.camera(metrics.cameraId, metrics);
  }

  stats(): CameraVisionStats[] {
    const now = this.opts.clock.now();
    return this.order.map((c) => this.statsOf(c, now));
  }

  /** Frames still waiting resolve null; resolves when the detector run in progress has finished. */
  async close(): Promise<void> {
    this.closed = true;
    const now = this.opts.clock.now();
    for (const c of this.order) if (c.waiting) this.drop(c, c.waiting, now);
    await Promise.all([...this.inFlight]);
  }

  private camera(id: string, metrics?: CameraMetrics): CameraState {
    let c = this.cameras.get(id);
    if (!c) {
      c = {
        id,
        gate: this.opts.motion === false || this.opts.selfGated?.(id) ? null : new MotionGate(this.opts.motion ?? {}),
        waiting: null,
        inFlight: null,
        last: null,
        metrics: metrics ?? new CameraMetrics(id),
        recent: [],
      };
      this.cameras.set(id, c);
      this.order.push(c);
    }
    return c;
  }

  /** Nothing moved: answer with the newest detections (after the run in progress, to keep order). */
  private async reuse(cam: CameraState, frame: Frame, _reason: GateReason): Promise<Detections | null> {
    if (cam.waiting) this.drop(cam, cam.waiting, this.opts.clock.now());
    if (cam.inFlight) await cam.inFlight.catch(() => undefined);
    const last = cam.last as Detections;
    this.note(cam, this.opts.clock.now(), 'gated');
    return { ...last, frameSeq: frame.seq, ts: frame.ts, wallTs: frame.wallTs, work: GATED };
  }

  private drop(cam: CameraState, w: Waiting, now: number): void {
    cam.waiting = null;
    cam.metrics.dropped.scheduler++;
    this.note(cam, now, 'dropped');
    w.resolve(null);
  }

  /** Starts waiting frames, round-robin, while the detector has room (one run per camera at a time). */
  private pump(): void {
    while (this.running < this.maxInFlight && this.startNext());
  }

  private startNext(): boolean {
    const n = this.order.length;
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      const cam = this.order[i] as CameraState;
      if (!cam.waiting || cam.inFlight) continue;
      // Not reduced mod n: cameras added later go after this one in the turn, not before.
      this.next = i + 1;
      this.running++;
      const w = cam.waiting;
      cam.waiting = null;
      const done = this.run(cam, w);
      this.inFlight.add(done);
      void done.finally(() => this.inFlight.delete(done));
      return true;
    }
    return false;
  }

  private async run(cam: CameraState, w: Waiting): Promise<void> {
    if (w.decision) cam.gate?.commit(w.decision);
    const running = this.opts.detector.detect(w.frame);
    cam.inFlight = running;
    try {
      const found = await running;
      // A detector that ran on regions says so itself; otherwise this was one full-frame pass.
      const d: Detections = found.work ? found : { ...found, work: FULL_FRAME };
      cam.last = d;
      const now = this.opts.clock.now();
      this.note(cam, now, 'detected', now - w.submittedAt);
      w.resolve(d);
    } catch (e) {
      // The reference frame never got detections: let the next frame run instead of reusing stale ones.
      cam.gate?.reset();
      w.reject(e);
    } finally {
      cam.inFlight = null;
      this.running--;
      if (!this.closed) this.pump();
    }
  }

  private note(cam: CameraState, at: number, outcome: Outcome | 'submitted', latency?: number): void {
    cam.recent.push(latency === undefined ? { at, outcome } : { at, outcome, latency });
    const cutoff = at - this.windowMs;
    let i = 0;
    while (i < cam.recent.length && (cam.recent[i] as { at: number }).at < cutoff) i++;
    if (i > 0) cam.recent.splice(0, i);
  }

  private statsOf(c: CameraState, now: number): CameraVisionStats {
    const inWindow = c.recent.filter((r) => r.at >= now - this.windowMs);
    const count = (o: Outcome | 'submitted') => inWindow.filter((r) => r.outcome === o).length;
    // Rates over the window, or over the camera's life when that is shorter (a camera that just started).
    const first = inWindow[0]?.at;
    const span = first === undefined ? this.windowMs : Math.max(1, Math.min(this.windowMs, now - first));
    const perSec = (n: number) => Math.round((n / span) * 1000 * 100) / 100;
    const submitted = count('submitted');
    const dropped = count('dropped');
    const lat = inWindow.flatMap((r) => (r.latency === undefined ? [] : [r.latency])).sort((a, b) => a - b);
    const droppedShare = submitted > 0 ? dropped / submitted : 0;
    return {
      cameraId: c.id,
      inputFps: perSec(submitted),
      outputFps: perSec(count('detected') + count('gated')),
      detectorFps: perSec(count('detected')),
      droppedShare: Math.round(droppedShare * 10_000) / 10_000,
      degraded: droppedShare > this.degradedDropShare,
      latencyP50Ms: lat.length ? (lat[Math.floor((lat.length - 1) / 2)] as number) : null,
      latencyMaxMs: lat.length ? (lat[lat.length - 1] as number) : null,
    };
  }
}
