/**
 * Tracker settings. Durations are seconds, as in the config file, and are turned into frame counts
 * with the *detect* fps: a tracker tuned in frames for 30 fps that runs at 5 fps would keep lost
 * tracks six times too long.
 */
export interface TrackerOptions {
  /** Detect frames per second of this camera (after any frame skipping). */
  readonly fps: number;
  /** How long a track that is not seen is kept, so an occlusion or detector miss keeps its id. */
  readonly lost_s?: number;
  /** How long a new track must be matched in consecutive frames before it gets an id. */
  readonly confirm_s?: number;
  /** Same as `confirm_s` in frames; wins over `confirm_s` when both are given. */
  readonly min_hits?: number;
  /** Detections at or above this score start tracks and take part in the first association. */
  readonly high_score?: number;
  /** Detections between `low_score` and `high_score` only extend existing tracks (ByteTrack's second stage). */
  readonly low_score?: number;
  /** Minimum IoU between a track's predicted box and a high-score detection. */
  readonly match_iou?: number;
  /** Minimum IoU for the low-score stage; stricter because those boxes are less trustworthy. */
  readonly low_match_iou?: number;
  /**
   * Fastest plausible unpredicted movement, in box heights per second, for the pass that pairs
   * boxes that do not overlap at all (low fps, fast walkers). A walk is about 0.8 heights/s
   * (1.4 m/s for a 1.7 m person); 1.5 covers a brisk walk starting from standing.
   */
  readonly max_speed?: number;
}

export interface ResolvedTrackerOptions {
  readonly fps: number;
  readonly lostS: number;
  readonly minHits: number;
  readonly highScore: number;
  readonly lowScore: number;
  readonly matchIou: number;
  readonly lowMatchIou: number;
  readonly maxSpeed: number;
}

export const TRACKER_DEFAULTS = {
  lost_s: 1.5,
  confirm_s: 0.3,
  high_score: 0.5,
  low_score: 0.1,
  match_iou: 0.3,
  low_match_iou: 0.5,
  max_speed: 1.5,
} as const;

function check(name: string, value: number, ok: boolean, want: string): number {
  if (!Number.isFinite(value) || !ok) {
    throw new RangeError(`tracker option ${name} must be ${want} (got ${String(value)})`);
  }
  return value;
}

export function resolveTrackerOptions(o: TrackerOptions): ResolvedTrackerOptions {
  const fps = check('fps', o.fps, o.fps > 0, 'a number > 0');
  const lostS = o.lost_s ?? TRACKER_DEFAULTS.lost_s;
  check('lost_s', lostS, lostS >= 0, 'a number >= 0');
  const confirmS = o.confirm_s ?? TRACKER_DEFAULTS.confirm_s;
  check('confirm_s', confirmS, confirmS >= 0, 'a number >= 0');
  // At least two sightings unless asked otherwise: one box is too often a false positive.
  const minHits = o.min_hits ?? Math.max(2, Math.ceil(confirmS * fps - 1e-9));
  check('min_hits', minHits, Number.isInteger(minHits) && minHits >= 1, 'an integer >= 1');
  const highScore = o.high_score ?? TRACKER_DEFAULTS.high_score;
  const lowScore = o.low_score ?? TRACKER_DEFAULTS.low_score;
  check('high_score', highScore, highScore > 0 && highScore <= 1, 'in (0, 1]');
  check('low_score', lowScore, lowScore >= 0 && lowScore <= highScore, `in [0, high_score=${highScore}]`);
  const matchIou = o.match_iou ?? TRACKER_DEFAULTS.match_iou;
  check('match_iou', matchIou, matchIou > 0 && matchIou <= 1, 'in (0, 1]');
  const lowMatchIou = o.low_match_iou ?? TRACKER_DEFAULTS.low_match_iou;
  check('low_match_iou', lowMatchIou, lowMatchIou > 0 && lowMatchIou <= 1, 'in (0, 1]');
  const maxSpeed = o.max_speed ?? TRACKER_DEFAULTS.max_speed;
  check('max_speed', maxSpeed, maxSpeed >= 0, 'a number >= 0');
  return { fps, lostS, minHits, highScore, lowScore, matchIou, lowMatchIou, maxSpeed };
}
