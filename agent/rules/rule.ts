import type { Detections, RuleEvent, RuleType } from '../shared/types.js';
import type { Thumbnail } from './thumbnail.js';

/**
 * One configured rule on one camera. Rules are pure: the only inputs are the frames handed in,
 * the only clock is `Detections.ts` (monotonic ms) and `Detections.wallTs` (for schedules and
 * event timestamps).
 */
export interface Rule {
  /** Unique per camera, goes into every event (a line's id, or e.g. `stairwell.intrusion`). */
  readonly id: string;
  readonly type: RuleType;
  /** Bumped whenever the rule's semantics change, so the hub can tell old events from new. */
  readonly version: number;
  /**
   * Looks at one frame of tracked detections and says what happened. `thumbnail` is the same
   * frame as a small gray picture, for rules that judge the picture itself (tamper); others ignore it.
   */
  update(dets: Detections, thumbnail?: Thumbnail): RuleEvent[];
  /**
   * The tracker ended these tracks with this frame: forget their state. A rule whose condition is
   * tied to a track (no mask, zones, distancing) returns its `end` events here; the line rule returns none.
   */
  endTracks(trackIds: readonly number[], dets: Detections): RuleEvent[];
  /** Per-track (or per-pair) states held now; stays flat on a 24/7 stream. */
  stateSize(): number;
}
