import { RuleConfigError } from './errors.js';
import type { Point } from './geometry.js';
import { isPoint } from './validate.js';

export type Quad = readonly [Point, Point, Point, Point];

/** 3×3, row-major. */
type Mat3 = readonly [number, number, number, number, number, number, number, number, number];

/**
 * A plane-to-plane projective map (here: image pixels → floor metres), from four point pairs by the
 * direct linear transform with h33 = 1: each pair gives two linear equations in the other eight
 * entries, and the 8×8 system is solved by Gaussian elimination. Both point sets are first moved to
 * their centroid and scaled to unit mean distance (Hartley's normalisation), so pixels in the
 * thousands and metres in the units solve equally well.
 */
export class Homography {
  private constructor(
    /** Row-major, normalised so the bottom-right entry is 1. */
    readonly matrix: Mat3,
    /** Sign of the projective w at the calibration points; points with the other sign lie beyond the horizon. */
    private readonly wSign: 1 | -1,
  ) {}

  /**
   * From four image points and the same four points on the floor, in the same order. Throws a
   * `RuleConfigError` naming `where` for a calibration that cannot define a floor plane: three
   * points on one line, the two lists in different orders (the quad folds over), non-finite values.
   */
  static fromPoints(image: Quad, floor: Quad, where = 'distancing.calibration'): Homography {
    checkQuad(image, `${where}.image`);
    checkQuad(floor, `${where}.floor`);
    const ti = normaliser(image);
    const tf = normaliser(floor);
    const src = image.map((p) => applyMat(ti, p));
    const dst = floor.map((p) => applyMat(tf, p));
    const a: number[][] = [];
    const b: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [x, y] = src[i]!;
      const [u, v] = dst[i]!;
      a.push([x, y, 1, 0, 0, 0, -u * x, -u * y]);
      b.push(u);
      a.push([0, 0, 0, x, y, 1, -v * x, -v * y]);
      b.push(v);
    }
    const h = solve(a, b);
    if (h === null) throw new RuleConfigError(`${where}: the four points do not define a floor plane (degenerate calibration)`);
    const hn: Mat3 = [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!, 1];
    const m = mul(mul(invert(tf), hn), ti);
    const scale = m[8];
    if (!(Math.abs(scale) > 1e-12)) throw new RuleConfigError(`${where}: the calibration maps the image origin to infinity; pick other points`);
    const matrix = m.map((v) => v / scale) as unknown as Mat3;
    const ws = image.map((p) => matrix[6] * p[0] + matrix[7] * p[1] + matrix[8]);
    const positive = ws.every((w) => w > 0);
    if (!positive && !ws.every((w) => w < 0)) {
      throw new RuleConfigError(`${where}: image and floor points are not in the same order around the edge`);
    }
    const hom = new Homography(matrix, positive ? 1 : -1);
    // A near-singular system can "solve" to nonsense; the four points must map back onto the floor.
    const span = Math.max(...floor.map((p) => Math.hypot(p[0] - floor[0][0], p[1] - floor[0][1])));
    for (let i = 0; i < 4; i++) {
      const q = hom.apply(image[i]!);
      const f = floor[i]!;
      if (q === null || Math.hypot(q[0] - f[0], q[1] - f[1]) > 1e-6 * span) {
        throw new RuleConfigError(`${where}: the four points do not define a floor plane (degenerate calibration)`);
      }
    }
    return hom;
  }

  /** The floor position of image point `p`; null for a point on or beyond the horizon. */
  apply(p: Point): Point | null {
    const m = this.matrix;
    const w = m[6] * p[0] + m[7] * p[1] + m[8];
    if (!(w * this.wSign > 1e-12)) return null;
    return [(m[0] * p[0] + m[1] * p[1] + m[2]) / w, (m[3] * p[0] + m[4] * p[1] + m[5]) / w];
  }
}

function checkQuad(q: Quad, where: string): void {
  const raw: unknown = q; // checked as unknown: narrowing a tuple with Array.isArray widens it to any[]
  if (!Array.isArray(raw) || raw.length !== 4 || !raw.every(isPoint)) {
    throw new RuleConfigError(`${where}: expected 4 [x, y] points of finite numbers`);
  }
  for (let i = 0; i < 4; i++) {
    for (let j = i + 1; j < 4; j++) {
      for (let k = j + 1; k < 4; k++) {
        const [a, b, c] = [q[i]!, q[j]!, q[k]!];
        const area2 = Math.abs((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
        const size = Math.max(Math.hypot(b[0] - a[0], b[1] - a[1]), Math.hypot(c[0] - a[0], c[1] - a[1]), Math.hypot(c[0] - b[0], c[1] - b[1]));
        // Relative: three points whose triangle is a sliver are as good as collinear.
        if (size === 0 || area2 <= 1e-6 * size * size) {
          throw new RuleConfigError(`${where}: points ${i + 1}, ${j + 1} and ${k + 1} are on one line (or the same); a calibration needs 4 corners of a floor area`);
        }
      }
    }
  }
  // Corners in order around a convex area turn the same way at every corner; a crossed order (a
  // bow tie) or a dent does not, and no camera sees a floor area that way.
  const turns = q.map((p, i) => {
    const a = q[(i + 3) % 4]!;
    const b = q[(i + 1) % 4]!;
    return Math.sign((p[0] - a[0]) * (b[1] - p[1]) - (p[1] - a[1]) * (b[0] - p[0]));
  });
  if (!turns.every((t) => t === turns[0])) {
    throw new RuleConfigError(`${where}: the 4 points are not in order around the edge of a convex area (list the corners going round it)`);
  }
}

/** Similarity that moves the points' centroid to the origin and their mean distance to √2. */
function normaliser(q: Quad): Mat3 {
  const cx = (q[0][0] + q[1][0] + q[2][0] + q[3][0]) / 4;
  const cy = (q[0][1] + q[1][1] + q[2][1] + q[3][1]) / 4;
  const d = q.reduce((s, p) => s + Math.hypot(p[0] - cx, p[1] - cy), 0) / 4;
  const s = Math.SQRT2 / d;
  return [s, 0, -s * cx, 0, s, -s * cy, 0, 0, 1];
}

function applyMat(m: Mat3, p: Point): Point {
  const w = m[6] * p[0] + m[7] * p[1] + m[8];
  return [(m[0] * p[0] + m[1] * p[1] + m[2]) / w, (m[3] * p[0] + m[4] * p[1] + m[5]) / w];
}

function mul(a: Mat3, b: Mat3): Mat3 {
  const out: number[] = [];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) out.push(a[r * 3]! * b[c]! + a[r * 3 + 1]! * b[3 + c]! + a[r * 3 + 2]! * b[6 + c]!);
  }
  return out as unknown as Mat3;
}

/** Inverse of a normaliser (a similarity), exact: scale 1/s, shift back. */
function invert(n: Mat3): Mat3 {
  const s = n[0];
  return [1 / s, 0, -n[2] / s, 0, 1 / s, -n[5] / s, 0, 0, 1];
}

/** Solves a·x = b (square) by Gaussian elimination with partial pivoting; null when singular. */
export function solve(a: readonly (readonly number[])[], b: readonly number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  const scale = Math.max(...m.flat().map(Math.abs));
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (!(Math.abs(m[pivot]![col]!) > 1e-12 * scale)) return null;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]!;
    for (let r = col + 1; r < n; r++) {
      const row = m[r]!;
      const f = row[col]! / p[col]!;
      if (f === 0) continue;
      for (let c = col; c <= n; c++) row[c] = row[c]! - f * p[c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = m[r]!;
    let s = row[n]!;
    for (let c = r + 1; c < n; c++) s -= row[c]! * x[c]!;
    x[r] = s / row[r]!;
  }
  return x.every(Number.isFinite) ? x : null;
}
