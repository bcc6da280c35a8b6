import { describe, expect, it } from 'vitest';
import {
  bottomCentre,
  LEFT,
  leftNormal,
  pointInPolygon,
  RIGHT,
  segmentsIntersect,
  sideOf,
  type Point,
} from '../../agent/rules/index.js';

describe('sideOf (screen coordinates, y grows downwards)', () => {
  it('puts the screen-right of a line drawn down the screen on its left-hand side', () => {
    //            x →
    //   y    . . a (100,0) . .
    //   ↓    .      |        .
    //        . (50,50) (150,50)   walking from a down to b, your left hand is on the
    //        .      v        .   screen's right: (150,50) is LEFT ("in"), (50,50) RIGHT.
    //        . . b (100,100) .
    const a: Point = [100, 0];
    const b: Point = [100, 100];
    expect(sideOf(a, b, [150, 50])).toBe(LEFT);
    expect(sideOf(a, b, [50, 50])).toBe(RIGHT);
    expect(sideOf(a, b, [100, 50])).toBe(0);
    // Outside the segment's extent the side is still defined (by the infinite line).
    expect(sideOf(a, b, [150, 500])).toBe(LEFT);
  });

  it('puts the part above a line drawn left to right on its left-hand side, and flips with the line', () => {
    expect(sideOf([0, 50], [100, 50], [50, 10])).toBe(LEFT);
    expect(sideOf([0, 50], [100, 50], [50, 90])).toBe(RIGHT);
    expect(sideOf([100, 50], [0, 50], [50, 10])).toBe(RIGHT);
  });

  it('treats a point a rounding error away from the line as on it', () => {
    const p: Point = [(0.1 + 0.2) * 100, 50]; // 30.000000000000004
    expect(sideOf([30, 0], [30, 100], p)).toBe(0);
  });

  it('gives leftNormal as the unit vector pointing into the LEFT side', () => {
    expect(leftNormal([100, 0], [100, 100])).toEqual([1, 0]);
    expect(leftNormal([0, 50], [100, 50])).toEqual([0, -1]);
    const [nx, ny] = leftNormal([10, 20], [70, 100]);
    expect(Math.hypot(nx, ny)).toBeCloseTo(1, 12);
    expect(sideOf([10, 20], [70, 100], [40 + nx * 5, 60 + ny * 5])).toBe(LEFT);
    expect(() => leftNormal([1, 1], [1, 1])).toThrow(/same point/);
  });
});

describe('segmentsIntersect', () => {
  it.each<[string, Point, Point, Point, Point, boolean]>([
    ['proper crossing', [0, 0], [10, 10], [0, 10], [10, 0], true],
    ['passing beyond an end point', [0, 0], [10, 0], [20, -5], [20, 5], false],
    ['touching at an end point', [0, 0], [10, 0], [10, -5], [10, 5], true],
    ['an end point touching the middle', [5, 0], [5, 5], [0, 0], [10, 0], true],
    ['parallel', [0, 0], [10, 0], [0, 1], [10, 1], false],
    ['collinear and overlapping', [0, 0], [10, 0], [5, 0], [15, 0], true],
    ['collinear and apart', [0, 0], [10, 0], [11, 0], [15, 0], false],
    ['a zero-length segment on the other', [5, 0], [5, 0], [0, 0], [10, 0], true],
    ['a zero-length segment off the other', [5, 1], [5, 1], [0, 0], [10, 0], false],
  ])('%s → %s', (_name, p1, p2, q1, q2, want) => {
    expect(segmentsIntersect(p1, p2, q1, q2)).toBe(want);
    expect(segmentsIntersect(q1, q2, p1, p2)).toBe(want);
    expect(segmentsIntersect(p2, p1, q2, q1)).toBe(want);
  });
});

describe('pointInPolygon', () => {
  // A U-shaped (concave) room, y down:  ┌┐ ┌┐
  //                                     │└─┘│
  //                                     └───┘
  const u: Point[] = [[0, 0], [10, 0], [10, 20], [20, 20], [20, 0], [30, 0], [30, 30], [0, 30]];
  it.each<[string, Point, boolean]>([
    ['inside the left arm', [5, 5], true],
    ['in the notch (outside)', [15, 5], false],
    ['inside the base', [15, 25], true],
    ['outside to the right', [35, 25], false],
    ['on an edge', [0, 15], true],
    ['on a vertex', [30, 30], true],
    ['level with two vertices, inside', [25, 20], true],
    ['level with two vertices, outside', [-5, 20], false],
  ])('%s', (_name, p, want) => {
    expect(pointInPolygon(p, u)).toBe(want);
    expect(pointInPolygon(p, [...u].reverse())).toBe(want);
  });
  it('is false for a degenerate polygon', () => {
    expect(pointInPolygon([1, 1], [[0, 0], [2, 2]])).toBe(false);
  });
});

it('bottomCentre is the feet of a box', () => {
  expect(bottomCentre({ x1: 10, y1: 20, x2: 30, y2: 80 })).toEqual([20, 80]);
});
