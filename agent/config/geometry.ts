/** Plane geometry for validating lines, zones and calibrations (pixel or metre coordinates). */

export type Pt = readonly [number, number];

/** Twice the signed area of triangle abc; > 0 when a→b→c turns counter-clockwise in x-right/y-up axes. */
export function cross(a: Pt, b: Pt, c: Pt): number {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

function onSegment(a: Pt, b: Pt, p: Pt): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

/** True when segments ab and cd share any point (touching counts). */
export function segmentsTouch(a: Pt, b: Pt, c: Pt, d: Pt): boolean {
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  return (
    (d1 === 0 && onSegment(c, d, a)) ||
    (d2 === 0 && onSegment(c, d, b)) ||
    (d3 === 0 && onSegment(a, b, c)) ||
    (d4 === 0 && onSegment(a, b, d))
  );
}

/** True when every point lies on one straight line (the outline encloses nothing). */
export function allCollinear(poly: readonly Pt[]): boolean {
  for (let i = 2; i < poly.length; i++) if (cross(poly[0]!, poly[1]!, poly[i]!) !== 0) return false;
  return true;
}

/** Shoelace area (absolute). */
export function polygonArea(poly: readonly Pt[]): number {
  let s = 0;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i]!;
    const b = poly[(i + 1) % poly.length]!;
    s += a[0] * b[1] - b[0] * a[1];
  }
  return Math.abs(s) / 2;
}

/**
 * The first pair of edges (by index) that cross or overlap, if the outline is not simple. Edge i
 * runs from point i to point i+1 (the last edge closes the polygon). Neighbouring edges may share
 * their common corner but must not fold back over each other.
 */
export function selfIntersection(poly: readonly Pt[]): [number, number] | undefined {
  const n = poly.length;
  const edge = (i: number): [Pt, Pt] => [poly[i]!, poly[(i + 1) % n]!];
  for (let i = 0; i < n; i++) {
    const [a, b] = edge(i);
    for (let j = i + 1; j < n; j++) {
      const [c, d] = edge(j);
      const adjacent = j === i + 1 || (i === 0 && j === n - 1);
      if (adjacent) {
        // Shared corner: they only conflict if collinear and folding back (a spike of zero width).
        const [shared, p, q] = j === i + 1 ? [b, a, d] : [a, b, c];
        if (cross(p, shared, q) === 0 && (q[0] - shared[0]) * (p[0] - shared[0]) + (q[1] - shared[1]) * (p[1] - shared[1]) > 0) {
          return [i, j];
        }
        continue;
      }
      if (segmentsTouch(a, b, c, d)) return [i, j];
    }
  }
  return undefined;
}

/** Convex and non-degenerate: every turn has the same sign and none is straight. */
export function isStrictlyConvex(poly: readonly Pt[]): boolean {
  const n = poly.length;
  if (n < 3) return false;
  let sign = 0;
  for (let i = 0; i < n; i++) {
    const c = cross(poly[i]!, poly[(i + 1) % n]!, poly[(i + 2) % n]!);
    if (c === 0) return false;
    const s = Math.sign(c);
    if (sign === 0) sign = s;
    else if (s !== sign) return false;
  }
  return selfIntersection(poly) === undefined;
}
