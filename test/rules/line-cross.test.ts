import { describe, expect, it } from 'vitest';
import { LINE_CROSS_VERSION, LineCrossRule, RuleConfigError, type LineRuleConfig, type Point } from '../../agent/rules/index.js';
import { CAM, directions, hold, play, single, walk, WALL0, type At } from './tracks.js';

// A vertical corridor line drawn down the screen: `in` is towards +x (see geometry.ts).
const DOWN: readonly [Point, Point] = [[400, 100], [400, 500]];
const line = (over: Partial<LineRuleConfig> = {}): LineRuleConfig => ({ id: 'exit-a', points: DOWN, direction: 'both', ...over });
/** Left of the line on screen (x < 400) to its right, then stands still long enough to confirm. */
const toRight = [...walk([300, 300], [500, 300], 10), ...hold([500, 300], 6)];
const toLeft = [...walk([500, 300], [300, 300], 10), ...hold([300, 300], 6)];

describe('line_cross: direction', () => {
  it.each<[LineRuleConfig['direction'], Point[], (string | undefined)[]]>([
    ['in', toRight, ['in']],
    ['in', toLeft, []],
    ['out', toRight, []],
    ['out', toLeft, ['out']],
    ['both', toRight, ['in']],
    ['both', toLeft, ['out']],
  ])('direction %s reports %#', (direction, path, want) => {
    expect(directions(play(new LineCrossRule(line({ direction })), single(1, path)))).toEqual(want);
  });

  it('follows how the line is drawn: above a left-to-right line is in, above a right-to-left one is out', () => {
    const up = [...walk([400, 400], [400, 200], 10), ...hold([400, 200], 6)];
    const ltr = new LineCrossRule(line({ points: [[100, 300], [700, 300]] }));
    const rtl = new LineCrossRule(line({ points: [[700, 300], [100, 300]] }));
    expect(directions(play(ltr, single(1, up)))).toEqual(['in']);
    expect(directions(play(rtl, single(1, up)))).toEqual(['out']);
  });

  it('emits a complete instant event, with the box and score of the frame that confirms it', () => {
    const frames = toRight.map((at, i): At[] => [{ id: 7, at, score: 0.5 + i / 100 }]);
    const fired = play(new LineCrossRule(line({ direction: 'in' })), frames);
    expect(fired).toHaveLength(1);
    const { frame, event } = fired[0]!;
    // Feet at x = 300 + 20·i, smoothed over 3 frames: exactly on the line (x = 400) at frame 6, which
    // is neither side; over from frame 7, and the third frame over (min_frames 3) is frame 9.
    expect(frame).toBe(9);
    expect(event).toEqual({
      type: 'line_cross',
      phase: 'instant',
      key: 'exit-a:7:in:1',
      rule: { id: 'exit-a', version: LINE_CROSS_VERSION },
      cameraId: CAM,
      ts: 9 * 200,
      wallTs: WALL0 + 9 * 200,
      trackIds: [7],
      boxes: [{ x1: 455, y1: 150, x2: 505, y2: 300 }],
      people: 1,
      confidence: 0.59,
      lineId: 'exit-a',
      direction: 'in',
    });
  });
});

describe('line_cross: what is not a crossing', () => {
  it('passing beyond an end point does not count, and walking round it settles the new side silently', () => {
    const rule = new LineCrossRule(line());
    const around = [...walk([300, 560], [500, 560], 10), ...hold([500, 560], 5)]; // below b (400,500)
    const back = [...walk([500, 560], [500, 300], 5), ...walk([500, 300], [300, 300], 10), ...hold([300, 300], 6)];
    const fired = play(rule, single(1, [...around, ...back]));
    // No `in` for going round; the walk back through the segment is a real `out`.
    expect(directions(fired)).toEqual(['out']);
    expect(fired[0]!.frame).toBeGreaterThan(around.length + 5);
  });

  it('a flicker across and back shorter than min_frames gives nothing, not even an opposite crossing', () => {
    const rule = new LineCrossRule(line({ min_frames: 3 }), { smoothFrames: 1 });
    const path: Point[] = [...hold([390, 300], 3), ...hold([410, 300], 2), ...hold([390, 300], 4), ...hold([410, 300], 2), ...hold([390, 300], 4)];
    expect(play(rule, single(1, path))).toEqual([]);
    // The same with a third frame over is a crossing: the test above is not vacuous.
    const held = [...hold([390, 300], 3), ...hold([410, 300], 3)];
    expect(directions(play(new LineCrossRule(line({ min_frames: 3 }), { smoothFrames: 1 }), single(1, held)))).toEqual(['in']);
  });

  it('smoothing swallows a one-frame box jitter across the line', () => {
    // Feet 5 px short of the line, one frame 5 px over: the 3-frame mean stays short of it.
    const path: Point[] = [...hold([395, 300], 4), [405, 300], ...hold([395, 300], 8)];
    expect(play(new LineCrossRule(line({ min_frames: 1 })), single(1, path))).toEqual([]);
    expect(directions(play(new LineCrossRule(line({ min_frames: 1 }), { smoothFrames: 1 }), single(1, path)))).toEqual(['in', 'out']);
  });

  it('ignores unconfirmed detections (no trackId) and other classes', () => {
    const rule = new LineCrossRule(line());
    expect(play(rule, single(undefined, toRight))).toEqual([]);
    expect(play(rule, toRight.map((at): At[] => [{ id: 3, at, cls: 'bag' }]))).toEqual([]);
    expect(rule.stateSize()).toBe(0);
  });

  it('an id switch mid-crossing loses the crossing (known weakness: the new id has no history)', () => {
    // Track 1 walks up to the line and is lost; the tracker gives the same person id 2 beyond it.
    const path1 = walk([300, 300], [395, 300], 5);
    const path2 = [...walk([405, 300], [500, 300], 5), ...hold([500, 300], 6)];
    const frames = [...single(1, path1), ...single(2, path2)];
    expect(play(new LineCrossRule(line()), frames)).toEqual([]);
    // Had the id held, it would have been a crossing.
    expect(directions(play(new LineCrossRule(line()), single(1, [...path1, ...path2])))).toEqual(['in']);
  });
});

describe('line_cross: low fps and the line itself', () => {
  it('counts a jump across the line between two frames (2 fps)', () => {
    const path: Point[] = [...hold([300, 300], 3), ...hold([520, 300], 6)];
    expect(directions(play(new LineCrossRule(line()), single(1, path), { fps: 2 }))).toEqual(['in']);
  });

  it('tests the path between anchors, not only the end points, against the segment', () => {
    // Both anchors lie outside the segment's y-extent [100, 500], but the jump passes through it.
    const through: Point[] = [...hold([200, 80], 1), ...hold([600, 520], 5)];
    const r1 = new LineCrossRule(line(), { smoothFrames: 1 });
    expect(directions(play(r1, single(1, through), { fps: 2 }))).toEqual(['in']);
    // A jump of the same length that misses the segment (passes above a) does not count.
    const above: Point[] = [...hold([200, 20], 1), ...hold([600, 60], 5)];
    expect(play(new LineCrossRule(line(), { smoothFrames: 1 }), single(1, above), { fps: 2 })).toEqual([]);
  });

  it('an anchor exactly on the line belongs to neither side', () => {
    const mk = (): LineCrossRule => new LineCrossRule(line({ min_frames: 3 }), { smoothFrames: 1 });
    // On the line for two frames, then over: one crossing, counted from the first frame over.
    const over: Point[] = [...hold([380, 300], 3), ...hold([400, 300], 2), ...hold([420, 300], 3)];
    const fired = play(mk(), single(1, over));
    expect(directions(fired)).toEqual(['in']);
    expect(fired[0]!.frame).toBe(7);
    // Up to the line and back, or stuck on it: nothing.
    expect(play(mk(), single(1, [...hold([380, 300], 3), ...hold([400, 300], 3), ...hold([380, 300], 3)]))).toEqual([]);
    expect(play(mk(), single(1, [...hold([380, 300], 3), ...hold([400, 300], 20)]))).toEqual([]);
    // Born on the line, then walking off: its first side, not a crossing.
    expect(play(mk(), single(1, [...hold([400, 300], 3), ...hold([420, 300], 5)]))).toEqual([]);
  });

  it('counts a walk along the line onto its end point and off to the other side only if through the segment', () => {
    const mk = (): LineCrossRule => new LineCrossRule(line({ min_frames: 2 }), { smoothFrames: 1 });
    // Touches the end point b (400,500) exactly: touching counts as through the segment.
    expect(directions(play(mk(), single(1, [[380, 520], [400, 500], [420, 480], [420, 480]])))).toEqual(['in']);
    // Crosses the infinite line just beyond b: no crossing.
    expect(play(mk(), single(1, [[380, 540], [400, 520], [420, 500], [420, 500]]))).toEqual([]);
  });
});

describe('line_cross: cooldown', () => {
  it('reports once per direction per cooldown, and again after it', () => {
    // Each leg is 17 frames at 5 fps; a leg's crossing is confirmed on its 10th frame (index 9).
    // in (frame 9, 1.8 s), out, in (suppressed), out (suppressed), then a wait, then in again.
    const legs = (waitFrames: number): At[][] => [
      ...single(1, toRight),
      ...single(1, toLeft),
      ...single(1, toRight),
      ...single(1, toLeft),
      ...single(1, hold([300, 300], waitFrames)),
      ...single(1, toRight),
    ];
    // Last leg starts at frame 68 + wait, confirms 9 frames later. Wait 82: frame 159 = 31.8 s,
    // exactly 30 s after the first `in` → reported. (Had the suppressed `in` at 8.6 s restarted the
    // cooldown, it would not be.) Wait 81: 31.6 s → still cooling down.
    const fired = play(new LineCrossRule(line({ cooldown_s: 30 })), legs(82));
    expect(directions(fired)).toEqual(['in', 'out', 'in']);
    expect(fired.map((f) => f.frame)).toEqual([9, 26, 159]);
    expect(fired.map((f) => f.event.key)).toEqual(['exit-a:1:in:1', 'exit-a:1:out:2', 'exit-a:1:in:3']);
    expect(directions(play(new LineCrossRule(line({ cooldown_s: 30 })), legs(81)))).toEqual(['in', 'out']);
  });

  it('keeps cooldowns per track: two people crossing together both count', () => {
    const frames = toRight.map((at): At[] => [{ id: 1, at }, { id: 2, at: [at[0], at[1] + 40] }]);
    const fired = play(new LineCrossRule(line()), frames);
    expect(fired.map((f) => f.event.trackIds)).toEqual([[1], [2]]);
  });

  it('with cooldown_s 0 every settled crossing counts', () => {
    const frames = [...single(1, toRight), ...single(1, toLeft), ...single(1, toRight)];
    expect(directions(play(new LineCrossRule(line({ cooldown_s: 0 })), frames))).toEqual(['in', 'out', 'in']);
  });
});

describe('line_cross: schedule hook', () => {
  it('does not report while activeAt is false, and a suppressed crossing does not start the cooldown', () => {
    let active = false;
    const rule = new LineCrossRule(line({ direction: 'in', cooldown_s: 30 }), { activeAt: () => active });
    expect(play(rule, single(1, [...toRight, ...toLeft]))).toEqual([]);
    active = true;
    const fired = play(rule, single(1, toRight), { firstSeq: 2 * toRight.length });
    expect(directions(fired)).toEqual(['in']);
  });

  it('asks activeAt with the frame wall time', () => {
    const asked: number[] = [];
    const rule = new LineCrossRule(line(), { activeAt: (w) => (asked.push(w), true) });
    const fired = play(rule, single(1, toRight), { wall0: 1_000_000 });
    expect(asked).toEqual([fired[0]!.event.wallTs]);
    expect(asked[0]).toBe(1_000_000 + fired[0]!.frame * 200);
  });
});

describe('line_cross: memory', () => {
  it('forgets a track when told it ended', () => {
    const rule = new LineCrossRule(line());
    play(rule, single(1, toRight.slice(0, 4)));
    play(rule, single(2, toRight.slice(0, 4)), { firstSeq: 4 });
    expect(rule.stateSize()).toBe(2);
    expect(rule.endTracks([1, 99])).toEqual([]);
    expect(rule.stateSize()).toBe(1);
  });

  it('drops tracks whose end was never reported once they are unseen for staleS', () => {
    const rule = new LineCrossRule(line(), { staleS: 10 });
    play(rule, single(1, hold([300, 300], 3)));
    play(rule, single(2, hold([300, 300], 55)), { firstSeq: 3 }); // 11 s later, track 1 unseen
    expect(rule.stateSize()).toBe(1);
  });
});

describe('line_cross: bad settings', () => {
  it.each<[string, unknown, RegExp]>([
    ['same points', { points: [[1, 1], [1, 1]] }, /line "exit-a": its two points are the same/],
    ['three points', { points: [[1, 1], [2, 2], [3, 3]] }, /points must be two \[x, y\] pairs/],
    ['NaN point', { points: [[1, Number.NaN], [2, 2]] }, /points must be two/],
    ['bad direction', { direction: 'inwards' }, /direction must be in, out or both \(got "inwards"\)/],
    ['min_frames 0', { min_frames: 0 }, /min_frames must be an integer >= 1 \(got 0\)/],
    ['negative cooldown', { cooldown_s: -5 }, /cooldown_s must be a number >= 0/],
    ['empty id', { id: '' }, /id must be a non-empty string/],
  ])('%s', (_name, over, msg) => {
    const make = (): LineCrossRule => new LineCrossRule({ ...line(), ...(over as Partial<LineRuleConfig>) });
    expect(make).toThrow(RuleConfigError);
    expect(make).toThrow(msg);
  });
});
