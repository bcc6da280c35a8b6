import { join } from 'node:path';
import type { ViolationLifecycle } from '../events/index.js';
import { SnapshotPolicy, renderSnapshot, snapshotFileName, toSnapshotRef, violationKey, writeSnapshotAtomic, type FaceSearch } from '../events/index.js';
import type { Logger } from '../ops/index.js';
import type { Detections, Frame, RuleEvent, SnapshotRef } from '../shared/types.js';
// The store owns the storage folder's layout: its janitor and path checks read the same folder.
import { SNAPSHOT_DIR } from '../store/index.js';

/**
 * Decides whether a rule event's revision deserves a new snapshot, and writes it: cropped to the people involved,
 * every head region blurred before encoding, the encoded picture searched for faces and anything found blurred too
 * until the search finds nothing (the unblurred frame never reaches the disk), written
 * atomically under `<storage>/snapshots/<event_id>-<rev>.jpg`, before the revision that references it is stored.
 */
export class Snapshotter {
  private readonly policy = new SnapshotPolicy();

  constructor(
    private readonly storageDir: string,
    private readonly logger: Logger,
    /**
     * Every face in a picture: checks the encoded snapshot before it is written (renderSnapshot's faceCheck), which
     * finds the faces of people the person detector missed; head blur covers the people it found.
     */
    private readonly faceSearch: FaceSearch | null = null,
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
      const shot = await renderSnapshot({ frame, people: ev.boxes, faces: [], others, ...(this.faceSearch ? { faceCheck: this.faceSearch } : {}) });
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
}
