import type { Logger } from '../ops/index.js';
import type { Tracker } from '../track/index.js';
import type { RuleEngine } from '../rules/index.js';
import type { ViolationLifecycle } from '../events/index.js';
import { thumbnail, type PersonAttributes } from '../vision/index.js';
import type { CameraMetrics } from '../shared/camera-metrics.js';
import type { Detections, Frame, RuleEvent, Violation } from '../shared/types.js';
import type { ViolationPictures } from './pictures/violation-pictures.js';

/** The person detector as the step uses it: the agent's shared scheduler (null = frame dropped, latest-wins). */
export interface FrameDetector {
  submit(frame: Frame): Promise<Detections | null>;
}

export interface FrameStepParts {
  readonly cameraId: string;
  /** The camera's one set of counters; the step writes what answered each frame and what came of it. */
  readonly metrics: CameraMetrics;
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
  /** Asks the snapshot worker for each violation's picture (it follows as a later revision); null: no pictures. */
  readonly pictures: ViolationPictures | null;
  /**
   * The overload policy's word on a frame before it goes to the detector: false leaves it out (counted as the
   * `budget` cause). Absent: every frame goes.
   */
  readonly admit?: (frame: Frame) => boolean;
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
 * One frame through vision → track → (face + mask) → rules → lifecycle, the agent's per-frame work in one place:
 * `CameraPipeline` runs it on a supervisor's frames, and the real-video tests run it on ordered frames. Nothing here
 * waits for a picture: a violation is recorded at once and its picture is asked for, to follow as a later revision.
 * A frame that fails is counted and logged, never thrown: one bad frame must not stop the camera.
 */
export class FrameStep {
  constructor(private readonly p: FrameStepParts) {}

  get metrics(): CameraMetrics {
    return this.p.metrics;
  }

  /**
   * Runs one frame. `found` is the person detector's output for it when the caller ran the detector itself;
   * otherwise `vision` is asked. Null when the frame produced nothing: left out by the overload policy, dropped by
   * the scheduler, or failed.
   */
  async process(frame: Frame, found?: Detections): Promise<FrameResult | null> {
    const m = this.p.metrics;
    let events: RuleEvent[];
    let detections: Detections;
    try {
      if (found === undefined && this.p.admit && !this.p.admit(frame)) {
        m.dropped.budget++;
        return null;
      }
      const persons = found ?? (await this.detect(frame));
      // The scheduler counted its own drop.
      if (persons === null) return null;
      this.countWork(persons);
      m.persons += persons.items.length;
      this.p.onDetected?.(frame, persons);
      const tracked = this.p.tracker.update(persons);
      const expired = tracked.expired;
      this.p.observeTracks?.(tracked.detections);
      detections = this.p.attributes ? await this.p.attributes.annotate(frame, tracked.detections) : tracked.detections;
      this.p.attributes?.forget(frame.cameraId, expired);
      m.trackedPersons += detections.items.filter((d) => d.trackId !== undefined).length;
      this.p.pictures?.observe(frame, detections);
      const thumb = this.p.tamperThumbHeight > 0 ? thumbnail(frame, this.p.tamperThumbHeight) : undefined;
      events = this.p.rules.update(detections, expired, thumb);
    } catch (err) {
      m.errors++;
      this.p.logger.error({ err, cameraId: this.p.cameraId, seq: frame.seq }, 'frame processing failed');
      return null;
    }
    const violations: Violation[] = [];
    // Each event on its own: a refused write for one must not drop the others of the same frame.
    for (const ev of events) {
      const v = this.record(ev, frame, detections);
      if (v) violations.push(v);
    }
    return { detections, events, violations };
  }

  private countWork(persons: Detections): void {
    const m = this.p.metrics;
    const w = persons.work;
    if (w?.gated) {
      m.gated++;
      return;
    }
    m.inferred++;
    m.regions += w?.regions ?? 0;
    m.stationarySkipped += w?.stationarySkipped ?? 0;
  }

  private detect(frame: Frame): Promise<Detections | null> {
    if (!this.p.vision) throw new Error(`camera ${this.p.cameraId}: no detections given and no vision scheduler to ask`);
    return this.p.vision.submit(frame);
  }

  private record(ev: RuleEvent, frame: Frame, dets: Detections): Violation | null {
    const m = this.p.metrics;
    m.ruleEvents++;
    let v: Violation | null;
    try {
      v = this.p.lifecycle.handle(ev);
    } catch (err) {
      m.errors++;
      this.p.logger.error({ err, cameraId: this.p.cameraId, key: ev.key }, 'violation could not be recorded');
      return null;
    }
    if (!v) return null;
    m.violations++;
    this.p.onViolation?.(v, ev);
    this.p.pictures?.request(ev, v, frame, dets);
    return v;
  }
}
