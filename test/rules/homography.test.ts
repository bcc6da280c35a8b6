import { describe, expect, it } from 'vitest';
import { Homography, RuleConfigError, type Point, type Quad } from '../../agent/rules/index.js';
import { solve } from '../../agent/rules/homography.js';

function expectPoint(got: Point | null, want: Point, digits = 9): void {
  expect(got).not.toBeNull();
  expect(got![0]).toBeCloseTo(want[0], digits);
  expect(got![1]).toBeCloseTo(want[1], digits);
}

describe('Homography (4-point DLT, image → floor)', () => {
  it('recovers a pure scale + translation (100 px per metre, y flipped: image y grows down, floor y away)', () => {
    const image: Quad = [[100, 700], [700, 700], [700, 100], [100, 100]];
    const floor: Quad = [[0, 0], [6, 0], [6, 6], [0, 6]];
    const h = Homography.fromPoints(image, floor);
    // By hand: u = (x − 100) / 100, v = (700 − y) / 100.
    const want = [0.01, 0, -1, 0, -0.01, 7, 0, 0, 1];
    h.matrix.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
    expectPoint(h.apply([400, 400]), [3, 3]);
    expectPoint(h.apply([150, 650]), [0.5, 0.5]);
    // Outside the calibration quad still maps (the plane goes on).
    expectPoint(h.apply([900, 750]), [8, -0.5]);
  });

  // A known perspective map, worked out by hand: H = [[1,0,0],[0,1,0],[0,1,1]], so
  // (x, y) → (x / (y + 1), y / (y + 1)): the corners (0,0) (2,0) (2,1) (0,1) go to (0,0) (2,0) (1,½) (0,½).
  const image: Quad = [[0, 0], [2, 0], [2, 1], [0, 1]];
  const floor: Quad = [[0, 0], [2, 0], [1, 0.5], [0, 0.5]];

  it('recovers a known perspective quad and maps other points as computed by hand', () => {
    const h = Homography.fromPoints(image, floor);
    const want = [1, 0, 0, 0, 1, 0, 0, 1, 1];
    h.matrix.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
    expectPoint(h.apply([1, 0.5]), [2 / 3, 1 / 3]);
    expectPoint(h.apply([2, 3]), [0.5, 0.75]);
    expectPoint(h.apply([1, 0]), [1, 0]);
  });

  it('says null for points on or beyond the horizon (w ≤ 0), where no floor is', () => {
    const h = Homography.fromPoints(image, floor);
    expect(h.apply([0, -1])).toBeNull(); // on the horizon line y = −1
    expect(h.apply([5, -2])).toBeNull(); // beyond it
    expect(h.apply([5, -0.9])).not.toBeNull();
  });

  it('round-trips a realistic camera: a fitted map reproduces a known one at 1,000 random points to 1 µm', () => {
    // A floor seen by a tilted camera: image → floor by a made-up but typical matrix.
    const truth = [0.012, 0.003, -4.1, -0.0004, -0.021, 11.5, 0.00002, 0.0011, 1];
    const map = (p: Point): Point => {
      const w = truth[6]! * p[0] + truth[7]! * p[1] + truth[8]!;
      return [(truth[0]! * p[0] + truth[1]! * p[1] + truth[2]!) / w, (truth[3]! * p[0] + truth[4]! * p[1] + truth[5]!) / w];
    };
    const img: Quad = [[120, 690], [1180, 700], [900, 310], [370, 300]];
    const h = Homography.fromPoints(img, img.map(map) as unknown as Quad);
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < 1000; i++) {
      const p: Point = [100 + rnd() * 1100, 300 + rnd() * 420];
      const got = h.apply(p)!;
      const want = map(p);
      expect(Math.hypot(got[0] - want[0], got[1] - want[1])).toBeLessThan(1e-6);
    }
  });

  it.each<[string, Quad, Quad, RegExp]>([
    ['three image points on one line', [[0, 0], [1, 1], [2, 2], [0, 5]], [[0, 0], [1, 0], [1, 1], [0, 1]], /calibration\.image: points 1, 2 and 3 are on one line/],
    ['three floor points on one line', [[0, 0], [10, 0], [10, 10], [0, 10]], [[0, 0], [1, 0], [2, 0], [0, 1]], /calibration\.floor: points 1, 2 and 3 are on one line/],
    ['a repeated point', [[0, 0], [10, 0], [10, 0], [0, 10]], [[0, 0], [1, 0], [1, 1], [0, 1]], /calibration\.image: points 2, 3 and 4 are on one line \(or the same\)|points 1, 2 and 3/],
    ['a near-sliver triangle', [[0, 0], [1000, 0], [2000, 0.0001], [0, 1000]], [[0, 0], [1, 0], [1, 1], [0, 1]], /calibration\.image: points 1, 2 and 3 are on one line/],
    ['floor points in a crossed order (a bow tie)', [[0, 0], [10, 0], [10, 10], [0, 10]], [[0, 0], [1, 0], [0, 1], [1, 1]], /calibration\.floor: the 4 points are not in order around the edge of a convex area/],
    ['an image quad with a dent', [[0, 0], [10, 0], [3, 3], [0, 10]], [[0, 0], [1, 0], [1, 1], [0, 1]], /calibration\.image: the 4 points are not in order around the edge of a convex area/],
    ['a NaN', [[0, 0], [10, 0], [10, Number.NaN], [0, 10]], [[0, 0], [1, 0], [1, 1], [0, 1]], /calibration\.image: expected 4 \[x, y\] points of finite numbers/],
    ['three points', [[0, 0], [10, 0], [10, 10]] as unknown as Quad, [[0, 0], [1, 0], [1, 1], [0, 1]], /calibration\.image: expected 4/],
  ])('rejects a degenerate calibration: %s', (_name, img, flr, msg) => {
    expect(() => Homography.fromPoints(img, flr, 'cameras[0].distancing.calibration')).toThrow(RuleConfigError);
    expect(() => Homography.fromPoints(img, flr, 'cameras[0].distancing.calibration')).toThrow(msg);
  });
});

describe('solve (Gaussian elimination with partial pivoting)', () => {
  it('solves a system that needs a row swap (zero on the first pivot)', () => {
    // Built from x = (1, 2, 3): 0·1 + 2·2 + 1·3 = 7, 1 + 2 + 3 = 6, 2·1 + 2 + 3·3 = 13.
    const x = solve(
      [
        [0, 2, 1],
        [1, 1, 1],
        [2, 1, 3],
      ],
      [7, 6, 13],
    );
    expect(x).not.toBeNull();
    [1, 2, 3].forEach((v, i) => expect(x![i]).toBeCloseTo(v, 12));
  });

  it('says null for a singular system', () => {
    expect(
      solve(
        [
          [1, 2],
          [2, 4],
        ],
        [3, 6],
      ),
    ).toBeNull();
  });
});
