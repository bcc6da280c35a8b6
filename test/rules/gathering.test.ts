// Gathering with hysteresis, fed hand-made head counts at 5 fps (one frame = 200 ms).
import { describe, expect, it } from 'vitest';
import { GATHERING_VERSION, GatheringRule, RuleConfigError, type GatheringOptions, type GatheringRuleConfig, type Point } from '../../agent/rules/index.js';
import { playRule, summary, type At } from './tracks.js';

const ROOM: readonly Point[] = [[0, 0], [400, 0], [400, 600], [0, 600]];
const cfg = (over: Partial<GatheringRuleConfig> = {}): GatheringRuleConfig => ({ zone: 'whole-frame', max_people: 2, min_duration_s: 2, clear_s: 2, ...over });
const rule = (over: Partial<GatheringRuleConfig> = {}, options: GatheringOptions = {}): GatheringRule =>
  new GatheringRule(cfg(over), over.zone && over.zone !== 'whole-frame' ? ROOM : null, options);

/** A frame with people 1..n standing in a row inside ROOM. */
const crowd = (n: number): At[] => Array.from({ length: n }, (_, i) => ({ id: i + 1, at: [20 + 40 * i, 300] as Point }));
/** Frames from a list of head counts, each repeated `times`. */
const counts = (...runs: [n: number, times: number][]): At[][] => runs.flatMap(([n, times]) => Array.from({ length: times }, () => crowd(n)));
/** Head counts that alternate between `a` and `b` every frame. */
const flap = (a: number, b: number, frames: number): At[][] => Array.from({ length: frames }, (_, i) => crowd(i % 2 === 0 ? a : b));

describe('gathering (max_people 2, min_duration_s 2, clear_s 2)', () => {
  it.each<[string, At[][], [number, string, string][]]>([
    ['3 people for 2 s starts on the frame 2 s after the first', counts([3, 11]), [[10, 'start', 'whole-frame:1']]],
    ['3 people for 1.8 s is nothing', counts([3, 10], [2, 20]), []],
    ['exactly max_people is never a gathering', counts([2, 100]), []],
    ['ends once the count stayed at or under max for clear_s', counts([3, 11], [2, 11]), [[10, 'start', 'whole-frame:1'], [21, 'end', 'whole-frame:1']]],
    ['a dip of 1.8 s does not end it', counts([3, 11], [1, 9], [3, 5]), [[10, 'start', 'whole-frame:1']]],
    // Per-frame 3,2,3,2,…: the dips are shorter than graceS (1 s) and clear_s, so ONE violation; the
    // last flap (frame 299) is a 2, so clear_s runs from there.
    ['a count flapping every frame for 60 s is one violation', [...flap(3, 2, 300), ...counts([2, 11])], [[10, 'start', 'whole-frame:1'], [309, 'end', 'whole-frame:1']]],
    ['flapping under the limit (2,1,2,1) is nothing', flap(2, 1, 300), []],
    // The 3rd frame of a new count reports it; people that come and go for a frame or two do not.
    ['update when a new count held 3 frames', counts([3, 11], [5, 4], [4, 1]), [[10, 'start', 'whole-frame:1'], [13, 'update', 'whole-frame:1']]],
    ['no update for a count jittering 5,6,5,6', [...counts([5, 11]), ...flap(6, 5, 20)], [[10, 'start', 'whole-frame:1']]],
    [
      'a second gathering after the first ended is a new violation',
      counts([3, 11], [0, 11], [4, 11]),
      [[10, 'start', 'whole-frame:1'], [21, 'end', 'whole-frame:1'], [32, 'start', 'whole-frame:2']],
    ],
    ['unconfirmed detections do not count', counts([3, 11]).map((f) => f.map((a) => ({ at: a.at }))), []],
    ['a track id listed twice in a frame counts once', counts([2, 11]).map((f) => [...f, { ...f[0]! }]), []],
  ])('%s', (_name, frames, want) => {
    expect(summary(playRule(rule(), frames))).toEqual(want);
  });

  it('carries the people, their ids and boxes, and the mean score', () => {
    const frames = counts([3, 10]);
    frames.push([
      { id: 1, at: [20, 300], score: 0.6 },
      { id: 2, at: [60, 300], score: 0.8 },
      { id: 3, at: [100, 300], score: 1 },
    ]);
    const [fired] = playRule(rule(), frames);
    expect(fired!.event).toMatchObject({
      type: 'gathering',
      rule: { id: 'whole-frame.gathering', version: GATHERING_VERSION },
      zoneId: 'whole-frame',
      people: 3,
      trackIds: [1, 2, 3],
    });
    expect(fired!.event.boxes).toHaveLength(3);
    expect(fired!.event.confidence).toBeCloseTo(0.8, 10);
  });

  it('in a zone, counts only the people whose feet are in it', () => {
    const outside: At = { id: 9, at: [600, 300] };
    const inside2 = crowd(2);
    const r = rule({ zone: 'room' });
    expect(summary(playRule(r, Array.from({ length: 30 }, () => [...inside2, outside])))).toEqual([]);
    const fired = playRule(rule({ zone: 'room' }), counts([3, 11]));
    expect(summary(fired)).toEqual([[10, 'start', 'room:1']]);
    expect(fired[0]!.event).toMatchObject({ zoneId: 'room', rule: { id: 'room.gathering' } });
  });

  it('with graceS 0 needs the count over the limit on every frame ("continuously")', () => {
    expect(summary(playRule(rule({}, { graceS: 0 }), flap(3, 2, 100)))).toEqual([]);
    expect(summary(playRule(rule({}, { graceS: 0 }), counts([3, 11])))).toEqual([[10, 'start', 'whole-frame:1']]);
  });

  it('holds no per-track state and ignores track ends', () => {
    const r = rule();
    playRule(r, counts([3, 11]), { ended: () => [1, 2, 3] });
    expect(r.stateSize()).toBe(0);
  });

  it('does not start in a disallowed moment (schedule) but starts once allowed', () => {
    let allowed = false;
    const r = rule({}, { activeAt: () => !allowed });
    allowed = true;
    expect(playRule(r, counts([3, 20]))).toEqual([]);
    allowed = false;
    expect(summary(playRule(r, counts([3, 1]), { firstSeq: 20 }))).toEqual([[20, 'start', 'whole-frame:1']]);
  });

  it.each<[string, () => unknown, RegExp]>([
    ['a zone id without its polygon', () => new GatheringRule(cfg({ zone: 'hall' }), null), /gathering \(zone hall\): no zone "hall" on this camera/],
    ['max_people 0', () => rule({ max_people: 0 }), /max_people must be a whole number >= 1 \(got 0\)/],
    ['max_people 2.5', () => rule({ max_people: 2.5 }), /max_people must be a whole number >= 1 \(got 2.5\)/],
    ['a negative min_duration_s', () => rule({ min_duration_s: -1 }), /min_duration_s must be a number of seconds >= 0 \(got -1\)/],
    ['a NaN clear_s', () => rule({ clear_s: Number.NaN }), /clear_s must be a number of seconds >= 0 \(got NaN\)/],
    ['a zone of 2 points', () => new GatheringRule(cfg({ zone: 'hall' }), [[0, 0], [1, 1]]), /the zone needs at least 3 points/],
  ])('rejects %s', (_name, build, msg) => {
    expect(build).toThrow(RuleConfigError);
    expect(build).toThrow(msg);
  });
});
