/** How a track may have moved since it was last seen; all distances in px. */
export interface Reach {
  /** Velocity between the last two sightings in px per detect frame; null after only one. */
  readonly velocity: { readonly x: number; readonly y: number } | null;
  /** Detect frames since last seen. */
  readonly frames: number;
  /** Seconds since last seen (capped at 1). */
  readonly sinceSeenS: number;
  /** Seconds this update covers (capped at 1). */
  readonly stepS: number;
  /** The tracker's max_speed for this track's size, px/s. */
  readonly maxSpeed: number;
}

/**
 * Can a person last seen at the origin be at (dx, dy) now? The gate of the tracker's distance pass,
 * which pairs boxes that do not overlap (low fps).
 * - Without a velocity: anywhere within max_speed × time.
 * - With one: along its line of motion anywhere from a full reversal to a full stride, and
 *   sideways only as far as it can accelerate within this update (from standing to max_speed in
 *   one second: ½·a·t²) plus a tenth of max_speed for box jitter. The along-track range keeps
 *   someone who stops or turns round, where the prediction overshoots. The sideways one stays
 *   narrow even after a missed frame: at 2 fps, widening it with the time unseen let a walker
 *   whose detection was missed take over the person beside it (synthetic walkers of
 *   test/rules/tracked-crossings, 10 % misses, 60 seeds: 50 ids shared by two people, against 1
 *   as it is); someone who also turned while unseen gets a new id instead, the lesser harm.
 */
export function withinReach(dx: number, dy: number, r: Reach): boolean {
  if (r.velocity === null) return Math.hypot(dx, dy) <= r.maxSpeed * r.sinceSeenS;
  const slack = r.maxSpeed * (0.1 + 0.5 * r.stepS * r.stepS);
  const { x: vx, y: vy } = r.velocity;
  const speed = Math.hypot(vx, vy);
  if (speed === 0) return Math.hypot(dx, dy) <= slack;
  const along = (dx * vx + dy * vy) / speed;
  const across = Math.abs(dx * vy - dy * vx) / speed;
  return Math.abs(along) <= speed * r.frames + slack && across <= slack;
}
