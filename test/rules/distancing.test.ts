// Distancing on a calibrated floor, with hand-made tracks at 5 fps (one frame = 200 ms).
import { describe, expect, it } from 'vitest';
import { DISTANCING_VERSION, DistancingRule, RuleConfigError, type DistancingOptions, type DistancingRuleConfig, type Point, type Quad } from '../../agent/rules/index.js';
import { playRule, still, summary, type At } from './tracks.js';

// Straight down on the floor: 100 px per metre, y flipped. The frame is 800×600 = 8 m × 6 m.
const FLAT = { image: [[0, 600], [800, 600], [800, 0], [0, 0]] as Quad, floor: [[0, 0], [8, 0], [8, 6], [0, 6]] as Quad };
// A camera looking along a corridor: the near edge (y = 600) spans 8 m over 800 px, the far edge
// (y = 100) spans the same 8 m over 200 px, 10 m further away.
const CORRIDOR = { image: [[0, 600], [800, 600], [500, 100], [300, 100]] as Quad, floor: [[0, 0], [8, 0], [8, 10], [0, 10]] as Quad };

const cfg = (over: Partial<DistancingRuleConfig> = {}): DistancingRuleConfig => ({ min_distance_m: 1, min_duration_s: 2, calibration: FLAT, ...over });
const rule = (over: Partial<DistancingRuleConfig> = {}, options: DistancingOptions = {}): DistancingRule => new DistancingRule(cfg(over), options);

/** Two people `dx` px apart, side by side at row y. */
const pair = (dx: number, y = 300, ids: [number, number] = [1, 2]): At[] => [
  { id: ids[0], at: [300, y] },
  { id: ids[1], at: [300 + dx, y] },
];

describe('distancing (min_distance_m 1, min_duration_s 2, clearS 2)', () => {
  it.each<[string, At[][], [number, string, string][]]>([
    ['0.5 m apart for 2 s starts on the frame 2 s after the first', still(pair(50), 11), [[10, 'start', '1:2:1']]],
    ['0.5 m apart for 1.8 s is nothing', [...still(pair(50), 10), ...still(pair(300), 10)], []],
    ['1.5 m apart is nothing', still(pair(150), 50), []],
    ['exactly 1 m apart is not closer than 1 m', still(pair(100), 50), []],
    ['0.99 m apart is', still(pair(99), 11), [[10, 'start', '1:2:1']]],
    ['ends 2 s after they moved apart', [...still(pair(50), 11), ...still(pair(300), 11)], [[10, 'start', '1:2:1'], [21, 'end', '1:2:1']]],
    ['stepping apart for 1.8 s does not end it', [...still(pair(50), 11), ...still(pair(300), 9), ...still(pair(50), 5)], [[10, 'start', '1:2:1']]],
    // Apart for one frame while building up (shorter than graceS 1 s): the clock keeps running.
    ['a one-frame separation while building up does not restart the clock', [...still(pair(50), 5), ...still(pair(300), 1), ...still(pair(50), 5)], [[10, 'start', '1:2:1']]],
    ['a 1.2 s separation while building up restarts it', [...still(pair(50), 5), ...still(pair(300), 7), ...still(pair(50), 10)], []],
    // Frames 3..6 miss person 2 entirely: no information about the pair, so nothing restarts.
    ['frames that miss one of the two neither count nor reset', [...still(pair(50), 3), ...still([{ id: 1, at: [300, 300] }], 4), ...still(pair(50), 4)], [[10, 'start', '1:2:1']]],
    ['the key has the ids sorted', still(pair(50, 300, [9, 3]), 11), [[10, 'start', '3:9:1']]],
    [
      'three people close together are three pairs',
      still([...pair(40), { id: 3, at: [320, 340] }], 11),
      [[10, 'start', '1:2:1'], [10, 'start', '1:3:2'], [10, 'start', '2:3:3']],
    ],
    ['unconfirmed detections never count', still(pair(50).map((a) => ({ at: a.at })), 20), []],
    [
      'a pair that meets again after it ended is a new violation',
      [...still(pair(50), 11), ...still(pair(300), 11), ...still(pair(50), 11)],
      [[10, 'start', '1:2:1'], [21, 'end', '1:2:1'], [32, 'start', '1:2:2']],
    ],
  ])('%s', (_name, frames, want) => {
    expect(summary(playRule(rule(), frames))).toEqual(want);
  });

  it('measures on the floor, not in pixels: 60 px is 0.6 m near the camera and 2.4 m far from it', () => {
    const r = (): DistancingRule => rule({ calibration: CORRIDOR });
    expect(summary(playRule(r(), still([{ id: 1, at: [370, 600] }, { id: 2, at: [430, 600] }], 11)))).toEqual([[10, 'start', '1:2:1']]);
    expect(summary(playRule(r(), still([{ id: 1, at: [370, 100] }, { id: 2, at: [430, 100] }], 50)))).toEqual([]);
  });

  it('skips feet that map beyond the horizon', () => {
    // The corridor's horizon is above the far edge; people "above" it are not on this floor.
    const r = rule({ calibration: CORRIDOR });
    expect(r.homography.apply([400, -200])).toBeNull();
    expect(summary(playRule(r, still([{ id: 1, at: [400, -200] }, { id: 2, at: [401, -200] }], 20)))).toEqual([]);
    expect(r.stateSize()).toBe(0);
  });

  it('carries both people, their boxes and the lower score', () => {
    const frames = still(pair(50), 10);
    frames.push([
      { id: 1, at: [300, 300], score: 0.7 },
      { id: 2, at: [350, 300], score: 0.95 },
    ]);
    const [fired] = playRule(rule(), frames);
    expect(fired!.event).toMatchObject({
      type: 'distancing',
      rule: { id: 'camera.distancing', version: DISTANCING_VERSION },
      trackIds: [1, 2],
      people: 2,
      confidence: 0.7,
    });
    expect(fired!.event.boxes).toHaveLength(2);
  });

  it('ends the pair when either track ends, and forgets it', () => {
    const r = rule();
    const fired = playRule(r, still(pair(50), 13), { ended: (seq) => (seq === 12 ? [2] : []) });
    expect(summary(fired)).toEqual([[10, 'start', '1:2:1'], [12, 'end', '1:2:1']]);
    expect(r.stateSize()).toBe(0);
  });

  it('ends a pair not seen together for staleS', () => {
    const r = rule({}, { staleS: 3 });
    const frames = [...still(pair(50), 11), ...still([{ id: 7, at: [700, 100] }], 20)];
    // Last together at frame 10 (2000 ms); more than 3 s later is frame 26.
    expect(summary(playRule(r, frames))).toEqual([[10, 'start', '1:2:1'], [26, 'end', '1:2:1']]);
    expect(r.stateSize()).toBe(0);
  });

  it('holds state only for pairs that are close or open: flat over 2,000 passers-by', () => {
    const r = rule();
    const sizes = new Set<number>();
    for (let k = 0; k < 1000; k++) {
      const ids: [number, number] = [2 * k + 1, 2 * k + 2];
      // Two people stand close for 2.2 s (a violation), then the tracker ends both.
      playRule(r, still(pair(50, 300, ids), 11), { firstSeq: k * 12 });
      sizes.add(r.stateSize());
      playRule(r, [pair(50, 300, ids)], { firstSeq: k * 12 + 11, ended: () => ids });
      sizes.add(r.stateSize());
    }
    expect([...sizes].sort()).toEqual([0, 1]);
  });

  it.each<[string, () => unknown, RegExp]>([
    ['no calibration', () => rule({ calibration: null }), /distancing: needs a calibration/],
    ['a degenerate calibration', () => rule({ calibration: { image: [[0, 0], [1, 1], [2, 2], [0, 9]], floor: FLAT.floor } }), /distancing\.calibration\.image: points 1, 2 and 3 are on one line/],
    ['min_distance_m 0', () => rule({ min_distance_m: 0 }), /min_distance_m must be a number of metres > 0 \(got 0\)/],
    ['a negative min_duration_s', () => rule({ min_duration_s: -2 }), /min_duration_s must be a number of seconds >= 0/],
  ])('rejects %s', (_name, build, msg) => {
    expect(build).toThrow(RuleConfigError);
    expect(build).toThrow(msg);
  });

  it('keeps its calibration exact: a 3-4-5 triangle on the floor', () => {
    const h = rule().homography;
    const a = h.apply([100, 500])!;
    const b = h.apply([400, 100])!;
    expect(Math.hypot(a[0] - b[0], a[1] - b[1])).toBeCloseTo(5, 12);
    const p: Point = [0, 0];
    expect(h.apply(p)).toEqual([0, 6]);
  });
});
