import type { Detections, RuleEvent, RuleType } from '../shared/types.js';

/**
 * One configured rule on one camera. Rules are pure: the only inputs are the frames handed in,
 * the only clock is `Detections.ts` (monotonic ms) and `Detections.wallTs` (for schedules and
 * event timestamps). Later rules (mask, gathering, distancing, zones, tamper) implement this too.
 */
export interface Rule {
  /** The configured id (a line's or zone's id); unique per camera, goes into every event. */
  readonly id: string;
  readonly type: RuleType;
  /** Bumped whenever the rule's semantics change, so the hub can tell old events from new. */
  readonly version: number;
  /** Looks at one frame of tracked detections and says what happened. */
  update(dets: Detections): RuleEvent[];
  /**
   * The tracker ended these tracks with this frame: forget their state. A rule whose condition is
   * tied to a track (no mask) returns its `end` events here; the line rule returns none.
   */
  endTracks(trackIds: readonly number[], dets: Detections): RuleEvent[];
  /** Per-track states held now; stays flat on a 24/7 stream. */
  stateSize(): number;
}
