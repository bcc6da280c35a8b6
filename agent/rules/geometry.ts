/**
 * Plane geometry in screen pixels, where x grows to the right and **y grows downwards**. Shared by
 * the line rule and the zone rules; everything here is pure and allocation-light.
 */
import type { Box } from '../shared/types.js';

export type Point = readonly [x: number, y: number];

/** Sides of a directed segment as seen on screen; see `sideOf`. */
export type Side = -1 | 0 | 1;
export const LEFT: Side = 1;
export const RIGHT: Side = -1;

// Relative tolerance for "exactly on the line", so a mean of anchors that lands on the line does not
// flip side on the last bit of a floating-point sum.
const EPS = 1e-9;

/** z component of (b − a) × (p − a). */
function cross(a: Point, b: Point, p: Point): number {
  return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
}

function crossSign(a: Point, b: Point, p: Point): -1 | 0 | 1 {
  const c = cross(a, b, p);
  const scale = Math.hypot(b[0] - a[0], b[1] - a[1]) * Math.hypot(p[0] - a[0], p[1] - a[1]);
  if (Math.abs(c) <= EPS * scale) return 0;
  return c > 0 ? 1 : -1;
}

/**
 * Which side of the directed line a→b the point p is on, **as seen on the screen**:
 * `LEFT` (+1) = the left-hand side of someone standing on the picture at `a` and walking to `b`,
 * `RIGHT` (−1) = their right-hand side, 0 = on the (infinite) line.
 *
 * With y up (maths) a positive cross product means "left"; the screen's y-down axis mirrors the
 * picture, so here a *negative* cross product means left. Example, a line drawn down the screen:
 *
 *            x →
 *        y   . . . . a (100,0) . . . .
 *        ↓   .          |            .
 *            .  RIGHT   |    LEFT    .   walking from a down to b, the left hand points to
 *            .  (x<100) |   (x>100)  .   the screen's right: (150, 50) is LEFT,
 *            .          v            .   (50, 50) is RIGHT.
 *            . . . . b (100,100) . . .
 *
 * and a line drawn left to right, a (0,50) → b (100,50): LEFT is above it (smaller y).
 */
export function sideOf(a: Point, b: Point, p: Point): Side {
  const c = crossSign(a, b, p);
  return c === 0 ? 0 : c > 0 ? RIGHT : LEFT;
}

/**
 * Unit vector pointing to the LEFT side of a→b on screen, i.e. the direction of an `in` crossing;
 * the dashboard draws its arrow along it. For a→b = (dx, dy) it is (dy, −dx) / |a→b|.
 */
export function leftNormal(a: Point, b: Point): Point {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len = Math.hypot(dx, dy);
  if (len === 0) throw new RangeError('leftNormal: a and b are the same point');
  return [dy / len, (a[0] - b[0]) / len]; // (a−b) rather than −(b−a): no −0 for axis-aligned lines
}

/** Is q on segment p1–p2, given that it is collinear with it? */
function withinBounds(p1: Point, p2: Point, q: Point): boolean {
  return (
    q[0] >= Math.min(p1[0], p2[0]) &&
    q[0] <= Math.max(p1[0], p2[0]) &&
    q[1] >= Math.min(p1[1], p2[1]) &&
    q[1] <= Math.max(p1[1], p2[1])
  );
}

/** Do the closed segments p1–p2 and q1–q2 share at least one point (touching counts)? */
export function segmentsIntersect(p1: Point, p2: Point, q1: Point, q2: Point): boolean {
  const d1 = crossSign(q1, q2, p1);
  const d2 = crossSign(q1, q2, p2);
  const d3 = crossSign(p1, p2, q1);
  const d4 = crossSign(p1, p2, q2);
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  return (
    (d1 === 0 && withinBounds(q1, q2, p1)) ||
    (d2 === 0 && withinBounds(q1, q2, p2)) ||
    (d3 === 0 && withinBounds(p1, p2, q1)) ||
    (d4 === 0 && withinBounds(p1, p2, q2))
  );
}

/**
 * Is p inside the polygon (vertices in order, either winding, implicitly closed)? Points on an edge
 * count as inside, so a person standing exactly on a zone border is in the zone.
 */
export function pointInPolygon(p: Point, polygon: readonly Point[]): boolean {
  const n = polygon.length;
  if (n < 3) return false;
  let inside = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const a = polygon[i]!;
    const b = polygon[j]!;
    if (crossSign(a, b, p) === 0 && withinBounds(a, b, p)) return true;
    // Even-odd ray cast to +x; the half-open test on y counts a vertex on the ray once.
    if (a[1] > p[1] !== b[1] > p[1]) {
      const xAtY = a[0] + ((p[1] - a[1]) * (b[0] - a[0])) / (b[1] - a[1]);
      if (p[0] < xAtY) inside = !inside;
    }
  }
  return inside;
}

/** Bottom-centre of a box: where a standing person's feet are, the point rules place on the floor. */
export function bottomCentre(box: Box): Point {
  return [(box.x1 + box.x2) / 2, box.y2];
}
