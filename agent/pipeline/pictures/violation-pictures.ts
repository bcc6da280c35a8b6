/**
 * A camera's violation pictures, made after the alert, never before it: the revision is recorded (and shown, and
 * sent) at once; the picture is asked of the snapshot worker through the bounded queue and, when it is made, becomes
 * a revision of its own (`ViolationLifecycle.attachPicture`). Which revisions deserve a snapshot (the crop of the
 * people) is the events stage's SnapshotPolicy (the first; later ones only when they show more people or clearly
 * better). A new violation also gets its context picture: the whole frame with the rule drawn and a strip of the
 * moments around it, asked for once the moments after it are there (`FrameHistory`). Every picture asked for ends in
 * the store's `pictures` table, made or with the reason it was not, and in the camera's counters.
 */
import { join } from 'node:path';
import { SnapshotPolicy, snapshotFileName, violationKey, type RuleOverlay, type ViolationLifecycle } from '../../events/index.js';
import type { Logger } from '../../ops/index.js';
import type { Clock } from '../../shared/clock.js';
import type { CameraMetrics } from '../../shared/camera-metrics.js';
import type { Detections, Frame, RuleEvent, SnapshotRef, Violation } from '../../shared/types.js';
import { SNAPSHOT_DIR, type PictureOutcomeRow } from '../../store/index.js';
import type { PictureJob } from './jobs.js';
import type { PictureQueue, PictureResult } from './queue.js';
import { FrameHistory } from './frame-history.js';

/** `<event id>-c<n>.jpg`: a violation's context picture (the snapshots are `-p<n>`). */
export function contextFileName(eventId: string, n: number): string {
  return `${eventId}-c${n}.jpg`;
}

/** Rule types whose violations are about people in the frame, and so get a picture. */
const WITHOUT_PICTURE: ReadonlySet<Violation['type']> = new Set(['camera_tamper', 'camera_offline', 'agent_alarm']);

export const SNAPSHOT_QUALITY = 80;

/** The context picture's strip: this many moments before the violation and after it, about a second apart. */
export const CONTEXT_MOMENTS = 2;

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
  /** The camera's lines and zones (frame pixels) drawn on its context pictures; absent: no context pictures. */
  readonly overlay?: Pick<RuleOverlay, 'lines' | 'zones'>;
  /** How long a context picture waits for the moments after its violation. Default 3 s. */
  readonly afterWaitMs?: number;
}

export class ViolationPictures {
  private readonly policy = new SnapshotPolicy();
  /** Numbers picture files within this process (event ids are unique, so names never collide). */
  private seq = 0;
  /** Pictures asked for and not settled yet. */
  private readonly pending = new Set<Promise<void>>();
  /** About one small frame a second of the last few seconds, for the context pictures' strips. */
  private readonly history = new FrameHistory();

  constructor(private readonly o: ViolationPicturesOptions) {}

  /** Every processed frame with its persons (the context pictures' strips come from these). */
  observe(frame: Frame, dets: Detections): void {
    if (this.o.overlay) this.history.offer(frame, dets.items.map((d) => d.box));
  }

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
    if (WITHOUT_PICTURE.has(ev.type)) return;
    const others = dets.items.map((d) => d.box).filter((b) => !ev.boxes.includes(b));
    const job = (kind: 'snapshot' | 'context', name: string): PictureJob => ({
      kind,
      cameraId: ev.cameraId,
      frame: { width: frame.width, height: frame.height, format: frame.format, pixels: frame.pixels },
      people: ev.boxes,
      others,
      quality: SNAPSHOT_QUALITY,
      file: { dir: join(this.o.storageDir, SNAPSHOT_DIR), name },
    });
    if (this.policy.improves(key, { people: ev.people, confidence: ev.confidence })) {
      if (ev.phase === 'instant') this.policy.forget(key);
      this.ask(v, ev, 'snapshot', (name) => Promise.resolve(job('snapshot', name)));
    }
    if (v.rev === 1 && this.o.overlay) {
      const overlay: RuleOverlay = { ...this.o.overlay, ...(ev.lineId !== undefined && { lineId: ev.lineId }), ...(ev.zoneId !== undefined && { zoneId: ev.zoneId }) };
      const before = this.history.before(frame.ts, CONTEXT_MOMENTS);
      this.ask(v, ev, 'context', async (name) => {
        const after = await this.history.after(frame.ts, CONTEXT_MOMENTS, this.o.afterWaitMs ?? 3000);
        const strip = [...before, ...after].map((m) => ({ width: m.width, height: m.height, pixels: m.pixels, persons: m.persons, offsetMs: m.ts - frame.ts }));
        return { ...job('context', name), context: { overlay, strip } };
      });
    }
  }

  /** Asks for one picture of `v` (made by `make` once its inputs are there), to follow as a revision of its own. */
  private ask(v: Violation, ev: RuleEvent, kind: 'snapshot' | 'context', make: (name: string) => Promise<PictureJob>): void {
    if (this.o.allowed && !this.o.allowed()) {
      this.o.metrics.picturesQueued++;
      this.settle(v.eventId, kind, null, { outcome: 'skipped', reason: 'disk_pressure' }, this.o.metrics);
      return;
    }
    const n = ++this.seq;
    const name = kind === 'snapshot' ? snapshotFileName(v.eventId, n) : contextFileName(v.eventId, n);
    this.o.lifecycle.awaitPicture(v, ev);
    const done = make(name)
      .then((j) => this.o.queue.submit(j, this.o.metrics))
      .then((r) => this.settle(v.eventId, kind, `${SNAPSHOT_DIR}/${name}`, r, null));
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  /** Resolves once every picture asked for so far has settled (made, failed or skipped). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** The camera stopped: context pictures still waiting for later moments are made with what there is. */
  stop(): void {
    this.history.close();
  }

  /**
   * Records the outcome; a made picture becomes a revision. `counted`: the camera's counters when the queue did not
   * count this outcome itself.
   */
  private settle(eventId: string, kind: 'snapshot' | 'context', file: string | null, r: PictureResult, counted: CameraMetrics | null): void {
    if (counted) counted.pictures[r.outcome]++;
    let revision: Violation | null = null;
    let result = r;
    if (r.outcome === 'made' && file !== null) {
      const ref: SnapshotRef = { sha256: r.reply.sha256, bytes: r.reply.bytes, w: r.reply.w, h: r.reply.h, redaction: 'faces-blurred', file };
      try {
        revision = this.o.lifecycle.attachPicture(eventId, ref, this.o.clock.wall(), kind);
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
        kind,
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
