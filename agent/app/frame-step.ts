import type { Logger } from '../ops/index.js';
import type { Tracker } from '../track/index.js';
import type { RuleEngine } from '../rules/index.js';
import type { ViolationLifecycle } from '../events/index.js';
import { thumbnail, type PersonAttributes } from '../vision/index.js';
import type { Detections, Frame, RuleEvent, Violation } from '../shared/types.js';
import type { Snapshotter } from './snapshotter.js';

/** Per-camera counters, for the heartbeat, the shutdown summary and the end-to-end test. */
export interface CameraPipelineStats {
  /** Frames that reached this step (frames lost in the decode hand-off never do: see `dropped`). */
  frames: number;
  /** Frames the person detector ran on (full frame or regions); gated frames are not counted. */
  inferences: number;
  /** Region crops inferred (regions mode): one frame with three regions adds 3. */
  regions: number;
  /** Frames answered with the previous detections because nothing moved (no detector run). */
  gated: number;
  /** Tracked persons left without a region because they stood still (regions mode), summed over frames. */
  stationarySkipped: number;
  /** Frames the scheduler replaced with a newer one of this camera before inference (overload); part of `dropped`. */
  skipped: number;
  /**
   * Every frame lost between ffmpeg and the rules: replaced unread in the decode hand-off (a gap in the
   * supervisor's `seq`) plus `skipped`. Zero at a load the box carries.
   */
  dropped: number;
  persons: number;
  trackedPersons: number;
  ruleEvents: number;
  violations: number;
  errors: number;
}

/** The person detector as the step uses it: the agent's shared scheduler (null = frame dropped, latest-wins). */
export interface FrameDetector {
  submit(frame: Frame): Promise<Detections | null>;
}

export interface FrameStepParts {
  readonly cameraId: string;
  /** Where persons come from when the caller does not pass them; null when the caller always does (tests, tools). */
  readonly vision: FrameDetector | null;
  /** Face + mask per tracked person; null when the camera's mask rule is off. */
  readonly attributes: PersonAttributes | null;
  /** Gray thumbnail height for the tamper rule; 0 when the camera's tamper rule is off. */
  readonly tamperThumbHeight: number;
  readonly tracker: Tracker;
  readonly rules: RuleEngine;
  readonly lifecycle: ViolationLifecycle;
  readonly logger: Logger;
  /** Null: violations are recorded without pictures. */
  readonly snapshotter: Snapshotter | null;
  readonly onViolation?: (v: Violation, ev: RuleEvent) => void;
  /** Every frame the detector looked at, with everything it found (the dashboard's blurred previews). */
  readonly onDetected?: (frame: Frame, found: Detections) => void;
  /** Told the tracked persons after each detected frame: the region detector looks where they are next (regions mode). */
  readonly observeTracks?: (tracked: Detections) => void;
}

/** What one frame produced. */
export interface FrameResult {
  /** Tracked (and, with attributes, mask-annotated) persons of the frame. */
  readonly detections: Detections;
  readonly events: readonly RuleEvent[];
  /** The revisions recorded for those events (an event the lifecycle ignores has none). */
  readonly violations: readonly Violation[];
}

/**
 * One frame through vision → track → (face + mask) → rules → snapshot → lifecycle, the agent's per-frame work in one
 * place: `CameraPipeline` runs it on a supervisor's frames, and the real-video tests run it on ordered frames. A frame
 * that fails is counted and logged, never thrown: one bad frame must not stop the camera.
 */
export class FrameStep {
  readonly stats: CameraPipelineStats = newPipelineStats();

  constructor(private readonly p: FrameStepParts) {}

  /** Frames of this camera lost before this step (the decode hand-off's latest-wins slot replaced them unread). */
  countLostBefore(n: number): void {
    if (n > 0) this.stats.dropped += n;
  }

  /**
   * Runs one frame. `found` is the person detector's output for it when the caller ran the detector itself;
   * otherwise `vision` is asked. Null when the frame produced nothing: skipped by the scheduler, or failed.
   */
  async process(frame: Frame, found?: Detections): Promise<FrameResult | null> {
    this.stats.frames++;
    let events: RuleEvent[];
    let detections: Detections;
    try {
      const persons = found ?? (await this.detect(frame));
      if (persons === null) {
        this.stats.skipped++;
        this.stats.dropped++;
        return null;
      }
      this.countWork(persons);
      this.stats.persons += persons.items.length;
      this.p.onDetected?.(frame, persons);
      const tracked = this.p.tracker.update(persons);
      const expired = tracked.expired;
      this.p.observeTracks?.(tracked.detections);
      detections = this.p.attributes ? await this.p.attributes.annotate(frame, tracked.detections) : tracked.detections;
      this.p.attributes?.forget(frame.cameraId, expired);
      this.stats.trackedPersons += detections.items.filter((d) => d.trackId !== undefined).length;
      const thumb = this.p.tamperThumbHeight > 0 ? thumbnail(frame, this.p.tamperThumbHeight) : undefined;
      events = this.p.rules.update(detections, expired, thumb);
    } catch (err) {
      this.stats.errors++;
      this.p.logger.error({ err, cameraId: this.p.cameraId, seq: frame.seq }, 'frame processing failed');
      return null;
    }
    const violations: Violation[] = [];
    // Each event on its own: a refused write for one must not drop the others of the same frame.
    for (const ev of events) {
      const v = await this.record(ev, frame, detections);
      if (v) violations.push(v);
    }
    return { detections, events, violations };
  }

  private countWork(persons: Detections): void {
    const w = persons.work;
    if (w?.gated) {
      this.stats.gated++;
      return;
    }
    this.stats.inferences++;
    this.stats.regions += w?.regions ?? 0;
    this.stats.stationarySkipped += w?.stationarySkipped ?? 0;
  }

  private detect(frame: Frame): Promise<Detections | null> {
    if (!this.p.vision) throw new Error(`camera ${this.p.cameraId}: no detections given and no vision scheduler to ask`);
    return this.p.vision.submit(frame);
  }

  private async record(ev: RuleEvent, frame: Frame, dets: Detections): Promise<Violation | null> {
    this.stats.ruleEvents++;
    try {
      const snapshot = this.p.snapshotter ? await this.p.snapshotter.forEvent(ev, frame, dets, this.p.lifecycle) : null;
      const v = this.p.lifecycle.handle(ev, snapshot);
      if (v) {
        this.stats.violations++;
        this.p.onViolation?.(v, ev);
      }
      return v;
    } catch (err) {
      this.stats.errors++;
      this.p.logger.error({ err, cameraId: this.p.cameraId, key: ev.key }, 'violation could not be recorded');
      return null;
    }
  }
}

export function newPipelineStats(): CameraPipelineStats {
  return { frames: 0, inferences: 0, regions: 0, gated: 0, stationarySkipped: 0, skipped: 0, dropped: 0, persons: 0, trackedPersons: 0, ruleEvents: 0, violations: 0, errors: 0 };
}
