import { describe, expect, it } from 'vitest';
import { allCollinear, isStrictlyConvex, segmentsTouch, selfIntersection } from '../../agent/config/geometry.js';
import { lineNeverFiresReason } from '../../agent/config/semantic-camera.js';
import { inTimeWindow } from '../../agent/config/index.js';
import { parseTimeWindow } from '../../agent/config/time-window.js';

describe('geometry', () => {
  it('segmentsTouch: crossing, touching at an end, collinear overlap, apart', () => {
    expect(segmentsTouch([0, 0], [10, 10], [0, 10], [10, 0])).toBe(true);
    expect(segmentsTouch([0, 0], [10, 0], [10, 0], [10, 10])).toBe(true);
    expect(segmentsTouch([0, 0], [10, 0], [5, 0], [15, 0])).toBe(true);
    expect(segmentsTouch([0, 0], [10, 0], [11, 0], [15, 0])).toBe(false);
    expect(segmentsTouch([0, 0], [10, 0], [0, 1], [10, 1])).toBe(false);
  });

  it('selfIntersection: simple shapes pass, bow-ties and spikes do not', () => {
    expect(selfIntersection([[0, 0], [10, 0], [10, 10], [0, 10]])).toBeUndefined();
    expect(selfIntersection([[0, 0], [10, 0], [5, 5], [10, 10], [0, 10]])).toBeUndefined(); // concave is fine
    expect(selfIntersection([[0, 0], [10, 10], [10, 0], [0, 10]])).toEqual([0, 2]);
    expect(selfIntersection([[0, 0], [10, 0], [5, 0], [5, 5]])).toEqual([0, 1]); // folds back on itself
  });

  it('isStrictlyConvex and allCollinear', () => {
    expect(isStrictlyConvex([[100, 700], [1180, 700], [900, 300], [380, 300]])).toBe(true);
    expect(isStrictlyConvex([[0, 0], [10, 0], [5, 5], [10, 10], [0, 10]])).toBe(false);
    expect(isStrictlyConvex([[0, 0], [5, 0], [10, 0], [0, 10]])).toBe(false);
    expect(allCollinear([[0, 0], [1, 1], [5, 5]])).toBe(true);
    expect(allCollinear([[0, 0], [1, 1], [5, 6]])).toBe(false);
  });
});

describe('lineNeverFiresReason', () => {
  const W = 1280;
  const H = 720;
  it('accepts a line that leaves the edge bands, even if it starts in one', () => {
    expect(lineNeverFiresReason([0, 10], [1280, 200], W, H)).toBeUndefined();
    expect(lineNeverFiresReason([640, 0], [640, 720], W, H)).toBeUndefined();
    expect(lineNeverFiresReason([0, 360], [1280, 360], W, H)).toBeUndefined();
  });
  it('rejects lines wholly inside a band, saying which and why', () => {
    expect(lineNeverFiresReason([0, 10], [1280, 100], W, H)).toMatch(/top 15 % .*\(y < 108\)/);
    expect(lineNeverFiresReason([0, 710], [1280, 715], W, H)).toMatch(/2 % of the bottom edge \(y > 705.6\)/);
    expect(lineNeverFiresReason([3, 0], [20, 720], W, H)).toMatch(/2 % of the left edge \(x < 25.6\)/);
    expect(lineNeverFiresReason([1270, 0], [1260, 720], W, H)).toMatch(/2 % of the right edge \(x > 1254.4\)/);
  });
});

describe('time windows', () => {
  it('parses and tests membership, including windows past midnight', () => {
    const day = parseTimeWindow('11:00-12:30');
    expect(day).toEqual({ text: '11:00-12:30', start_min: 660, end_min: 750 });
    expect([659, 660, 749, 750].map((m) => inTimeWindow(day, m))).toEqual([false, true, true, false]);
    const night = parseTimeWindow('22:00-06:00');
    expect([1319, 1320, 0, 359, 360].map((m) => inTimeWindow(night, m))).toEqual([false, true, true, true, false]);
    expect(parseTimeWindow('18:00-24:00')).toMatchObject({ end_min: 1440 });
  });
});
