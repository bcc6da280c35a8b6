import { join } from 'node:path';
import type { ViolationLifecycle } from '../events/index.js';
import { SNAPSHOT_DEFAULTS, SnapshotPolicy, cropRect, renderSnapshot, snapshotFileName, toSnapshotRef, violationKey, writeSnapshotAtomic } from '../events/index.js';
import type { Logger } from '../ops/index.js';
import type { Box, Detections, Frame, RuleEvent, SnapshotRef } from '../shared/types.js';
// The store owns the storage folder's layout: its janitor and path checks read the same folder.
import { SNAPSHOT_DIR } from '../store/index.js';

/**
 * Decides whether a rule event's revision deserves a new snapshot, and writes it: cropped to the people involved,
 * faces and every head region blurred before encoding, the encoded picture searched for faces again and anything
 * found blurred too (the unblurred frame never reaches the disk), written
 * atomically under `<storage>/snapshots/<event_id>-<rev>.jpg`, before the revision that references it is stored.
 */
export class Snapshotter {
  private readonly policy = new SnapshotPolicy();

  constructor(
    private readonly storageDir: string,
    private readonly logger: Logger,
    /**
     * Finds faces inside the snapshot's crop, also of people the person detector missed; head blur covers the rest,
     * and the same finder checks the encoded snapshot before it is written (see renderSnapshot's faceCheck).
     */
    private readonly faceFinder: ((frame: Frame, region: Box) => Promise<readonly Box[]>) | null = null,
    /** Set while disk pressure forbids new snapshots; violations are still recorded, with `snapshot: null`. */
    private readonly enabled: () => boolean = () => true,
  ) {}

  async forEvent(ev: RuleEvent, frame: Frame, dets: Detections, lifecycle: ViolationLifecycle): Promise<SnapshotRef | null> {
    const key = violationKey(ev);
    if (ev.phase === 'end') {
      this.policy.forget(key);
      return null;
    }
    if (!this.enabled() || ev.type === 'camera_tamper' || !this.policy.improves(key, { people: ev.people, confidence: ev.confidence })) return null;
    const id = lifecycle.revisionFor(ev);
    if (!id) return null;
    try {
      const others = dets.items.map((d) => d.box).filter((b) => !ev.boxes.includes(b));
      const faces = await this.facesIn(frame, ev.boxes);
      const shot = await renderSnapshot({ frame, people: ev.boxes, faces, others, ...(this.faceFinder ? { faceCheck: this.faceFinder } : {}) });
      if (shot.checkBlurred > 0) this.logger.debug({ key, regions: shot.checkBlurred }, 'snapshot: the face check found more to blur');
      const name = snapshotFileName(id.eventId, id.rev);
      await writeSnapshotAtomic(join(this.storageDir, SNAPSHOT_DIR), name, shot.jpeg);
      if (ev.phase === 'instant') this.policy.forget(key);
      return toSnapshotRef(shot, `${SNAPSHOT_DIR}/${name}`);
    } catch (err) {
      // A snapshot is evidence, the violation is the alert: never lose the alert for want of a picture.
      this.logger.error({ err, key }, 'snapshot could not be written; recording the violation without it');
      return null;
    }
  }

  private async facesIn(frame: Frame, people: readonly Box[]): Promise<readonly Box[]> {
    if (!this.faceFinder) return [];
    const r = cropRect(people, SNAPSHOT_DEFAULTS.margin, frame.width, frame.height);
    return this.faceFinder(frame, { x1: r.x, y1: r.y, x2: r.x + r.w, y2: r.y + r.h });
  }
}
