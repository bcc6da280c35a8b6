import type { CameraSupervisor } from '../camera/index.js';
import type { Logger } from '../ops/index.js';
import type { Tracker } from '../track/index.js';
import type { RuleEngine } from '../rules/index.js';
import type { ViolationLifecycle } from '../events/index.js';
import { thumbnail, type PersonAttributes, type VisionScheduler } from '../vision/index.js';
import type { Detections, Frame, RuleEvent, Violation } from '../shared/types.js';
import type { Snapshotter } from './snapshotter.js';

/** Per-camera counters, for the heartbeat, the shutdown summary and the end-to-end test. */
export interface CameraPipelineStats {
  frames: number;
  inferences: number;
  /** Frames the scheduler replaced with a newer one of this camera before inference (overload). */
  skipped: number;
  persons: number;
  trackedPersons: number;
  ruleEvents: number;
  violations: number;
  errors: number;
}

export interface CameraPipelineParts {
  readonly cameraId: string;
  readonly supervisor: CameraSupervisor;
  /** Shared across cameras: motion gate, latest-wins per camera, fair round-robin over one person model. */
  readonly vision: VisionScheduler;
  /** Face + mask per tracked person; null when the camera's mask rule is off. */
  readonly attributes: PersonAttributes | null;
  /** Gray thumbnail height for the tamper rule; 0 when the camera's tamper rule is off. */
  readonly tamperThumbHeight: number;
  readonly tracker: Tracker;
  readonly rules: RuleEngine;
  readonly lifecycle: ViolationLifecycle;
  readonly logger: Logger;
  readonly snapshotter: Snapshotter;
  readonly onViolation: (v: Violation, ev: RuleEvent) => void;
  /** Every frame the detector looked at, with everything it found (the dashboard's blurred previews). */
  readonly onDetected?: (frame: Frame, found: Detections) => void;
}

/**
 * One camera's frames through vision → track → rules → lifecycle. The supervisor hands frames over
 * latest-wins, so while the detector is busy older frames are dropped rather than queued.
 */
export class CameraPipeline {
  readonly stats: CameraPipelineStats = { frames: 0, inferences: 0, skipped: 0, persons: 0, trackedPersons: 0, ruleEvents: 0, violations: 0, errors: 0 };
  /** Monotonic time of the newest frame seen, for the heartbeat's frame age. */
  lastFrameAt: number | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly p: CameraPipelineParts) {}

  start(): void {
    this.p.supervisor.start();
    this.loop = this.run();
  }

  /** Stops the camera; the loop ends when the supervisor closes its frame stream. */
  async stop(): Promise<void> {
    await this.p.supervisor.stop();
    await this.loop;
  }

  private async record(ev: RuleEvent, frame: Frame, dets: Detections): Promise<void> {
    this.stats.ruleEvents++;
    try {
      const snapshot = await this.p.snapshotter.forEvent(ev, frame, dets, this.p.lifecycle);
      const v = this.p.lifecycle.handle(ev, snapshot);
      if (v) {
        this.stats.violations++;
        this.p.onViolation(v, ev);
      }
    } catch (err) {
      this.stats.errors++;
      this.p.logger.error({ err, cameraId: this.p.cameraId, key: ev.key }, 'violation could not be recorded');
    }
  }

  private async run(): Promise<void> {
    for await (const frame of this.p.supervisor.frames()) {
      this.stats.frames++;
      this.lastFrameAt = frame.ts;
      let events: RuleEvent[];
      let detections: Detections;
      try {
        const found = await this.p.vision.submit(frame);
        if (found === null) {
          this.stats.skipped++;
          continue;
        }
        this.stats.inferences++;
        this.stats.persons += found.items.length;
        this.p.onDetected?.(frame, found);
        const tracked = this.p.tracker.update(found);
        const expired = tracked.expired;
        detections = this.p.attributes ? await this.p.attributes.annotate(frame, tracked.detections) : tracked.detections;
        this.p.attributes?.forget(frame.cameraId, expired);
        this.stats.trackedPersons += detections.items.filter((d) => d.trackId !== undefined).length;
        const thumb = this.p.tamperThumbHeight > 0 ? thumbnail(frame, this.p.tamperThumbHeight) : undefined;
        events = this.p.rules.update(detections, expired, thumb && { ts: frame.ts, width: thumb.width, height: thumb.height, gray: thumb.gray });
      } catch (err) {
        // One bad frame must not stop the camera.
        this.stats.errors++;
        this.p.logger.error({ err, cameraId: this.p.cameraId, seq: frame.seq }, 'frame processing failed');
        continue;
      }
      // Each event on its own: a refused write for one must not drop the others of the same frame.
      for (const ev of events) await this.record(ev, frame, detections);
    }
  }
}
