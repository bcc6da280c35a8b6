/**
 * A camera's violation pictures, made after the alert, never before it: the revision is recorded (and shown, and
 * sent) at once; the picture is asked of the snapshot worker through the bounded queue and, when it is made, becomes
 * a revision of its own (`ViolationLifecycle.attachPicture`). Which revisions deserve a picture is the events stage's
 * SnapshotPolicy (the first; later ones only when they show more people or clearly better). Every picture asked for
 * ends in the store's `pictures` table, made or with the reason it was not, and in the camera's counters.
 */
import { join } from 'node:path';
import { SnapshotPolicy, snapshotFileName, violationKey, type ViolationLifecycle } from '../../events/index.js';
import type { Logger } from '../../ops/index.js';
import type { Clock } from '../../shared/clock.js';
import type { CameraMetrics } from '../../shared/camera-metrics.js';
import type { Detections, Frame, RuleEvent, SnapshotRef, Violation } from '../../shared/types.js';
import { SNAPSHOT_DIR, type PictureOutcomeRow } from '../../store/index.js';
import type { PictureQueue, PictureResult } from './queue.js';

/** Rule types whose violations are about people in the frame, and so get a picture. */
const WITHOUT_PICTURE: ReadonlySet<Violation['type']> = new Set(['camera_tamper', 'camera_offline', 'agent_alarm']);

export const SNAPSHOT_QUALITY = 80;

export interface ViolationPicturesOptions {
  readonly storageDir: string;
  readonly queue: PictureQueue;
  readonly lifecycle: ViolationLifecycle;
  readonly metrics: CameraMetrics;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where each picture's fate is recorded (the store's `recordPictureOutcome`). */
  readonly recordOutcome: (row: Omit<PictureOutcomeRow, 'n' | 'at'>) => void;
  /** False while disk pressure forbids new pictures: the violation goes on without one (recorded as skipped). */
  readonly allowed?: () => boolean;
  /** Told when a picture revision was recorded (or not): tests wait on it. */
  readonly onSettled?: (eventId: string, result: PictureResult, revision: Violation | null) => void;
}

export class ViolationPictures {
  private readonly policy = new SnapshotPolicy();
  /** Numbers picture files within this process (event ids are unique, so names never collide). */
  private seq = 0;
  /** Pictures asked for and not settled yet. */
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly o: ViolationPicturesOptions) {}

  /**
   * A revision `v` was just recorded for rule event `ev` of `frame`: asks for its picture when the policy says it
   * deserves one. Returns at once; the picture follows as a later revision.
   */
  request(ev: RuleEvent, v: Violation, frame: Frame, dets: Detections): void {
    const key = violationKey(ev);
    if (ev.phase === 'end') {
      this.policy.forget(key);
      return;
    }
    if (WITHOUT_PICTURE.has(ev.type) || !this.policy.improves(key, { people: ev.people, confidence: ev.confidence })) return;
    if (ev.phase === 'instant') this.policy.forget(key);
    if (this.o.allowed && !this.o.allowed()) {
      this.o.metrics.picturesQueued++;
      this.settle(v.eventId, null, { outcome: 'skipped', reason: 'disk_pressure' }, this.o.metrics);
      return;
    }
    const name = snapshotFileName(v.eventId, ++this.seq);
    this.o.lifecycle.awaitPicture(v, ev);
    const others = dets.items.map((d) => d.box).filter((b) => !ev.boxes.includes(b));
    const done = this.o.queue
      .submit(
        {
          kind: 'snapshot',
          cameraId: ev.cameraId,
          frame: { width: frame.width, height: frame.height, format: frame.format, pixels: frame.pixels },
          people: ev.boxes,
          others,
          quality: SNAPSHOT_QUALITY,
          file: { dir: join(this.o.storageDir, SNAPSHOT_DIR), name },
        },
        this.o.metrics,
      )
      .then((r) => this.settle(v.eventId, `${SNAPSHOT_DIR}/${name}`, r, null));
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  /** Resolves once every picture asked for so far has settled (made, failed or skipped). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /**
   * Records the outcome; a made picture becomes a revision. `counted`: the camera's counters when the queue did not
   * count this outcome itself.
   */
  private settle(eventId: string, file: string | null, r: PictureResult, counted: CameraMetrics | null): void {
    if (counted) counted.pictures[r.outcome]++;
    let revision: Violation | null = null;
    let result = r;
    if (r.outcome === 'made' && file !== null) {
      const ref: SnapshotRef = { sha256: r.reply.sha256, bytes: r.reply.bytes, w: r.reply.w, h: r.reply.h, redaction: 'faces-blurred', file };
      try {
        revision = this.o.lifecycle.attachPicture(eventId, ref, this.o.clock.wall());
      } catch (err) {
        // The file is written but its revision was refused (a full disk): the orphan janitor removes the file.
        this.o.logger.error({ err, eventId }, 'picture made but its revision could not be recorded');
        this.o.lifecycle.abandonPicture(eventId);
        result = { outcome: 'failed', reason: 'revision_not_recorded' };
        // Made by the worker (counted so), refused by the store: a refused write, like any other.
        this.o.metrics.errors++;
      }
    } else if (file !== null) {
      this.o.lifecycle.abandonPicture(eventId);
    }
    try {
      this.o.recordOutcome({
        eventId,
        kind: 'snapshot',
        outcome: result.outcome,
        reason: result.outcome === 'made' ? null : result.reason,
        file: result.outcome === 'made' ? file : null,
      });
    } catch (err) {
      this.o.logger.error({ err, eventId }, 'picture outcome could not be recorded');
    }
    this.o.onSettled?.(eventId, result, revision);
  }
}
