// Zone presence, intrusion and loitering, with hand-made tracks (feet positions per frame at 5 fps).
import { describe, expect, it } from 'vitest';
import {
  LoiteringRule,
  LOITERING_VERSION,
  RuleConfigError,
  ZoneIntrusionRule,
  ZONE_INTRUSION_VERSION,
  ZonePresence,
  activeOutsideWindows,
  type Point,
  type ZoneRuleConfig,
} from '../../agent/rules/index.js';
import { CAM, hold, personAt, playRule, single, summary, walk, WALL0, type At } from './tracks.js';

// A square room block; feet inside when 200 <= x <= 400 and 200 <= y <= 400.
const SQUARE: readonly Point[] = [[200, 200], [400, 200], [400, 400], [200, 400]];
const zone = (over: Partial<ZoneRuleConfig> = {}): ZoneRuleConfig => ({ id: 'exit', polygon: SQUARE, intrusion: true, inertia: 3, ...over });
const OUT: Point = [100, 300];
const IN: Point = [300, 300];

describe('ZonePresence: in after `inertia` frames in a row, out likewise', () => {
  // Each row: raw inside/outside per observed frame → the settled answer after each frame.
  it.each<[string, number, string, string]>([
    ['enters and stays', 3, 'ooiiiii', 'ooooiii'],
    ['a 2-frame visit with inertia 3 never counts', 3, 'oiioooo', 'ooooooo'],
    ['a 1-frame dip out does not leave', 3, 'iiiioiii', 'ooiiiiii'],
    ['leaves after 3 frames out', 3, 'iiiiooo', 'ooiiiio'],
    ['inertia 1 follows every frame', 1, 'oioi', 'oioi'],
    ['alternating every frame never settles in', 2, 'oioioioi', 'oooooooo'],
  ])('%s', (_name, inertia, raw, want) => {
    const presence = new ZonePresence({ id: 'z', polygon: SQUARE, inertia });
    const p = ZonePresence.initial();
    const got = [...raw].map((c, i) => {
      presence.step(p, personAt({ at: c === 'i' ? IN : OUT }).box, i * 200);
      return p.inside ? 'i' : 'o';
    });
    expect(got.join('')).toBe(want);
  });

  it('dates being in from the first frame of the run that put the person in, and reports the change once', () => {
    const presence = new ZonePresence({ id: 'z', polygon: SQUARE, inertia: 3 });
    const p = ZonePresence.initial();
    const changes = [OUT, IN, OUT, IN, IN, IN, IN, OUT, OUT, OUT].map((at, i) => presence.step(p, personAt({ at }).box, i * 200));
    expect(changes).toEqual([null, null, null, null, null, 'enter', null, null, null, 'leave']);
    const q = ZonePresence.initial();
    [IN, IN, IN].forEach((at, i) => presence.step(q, personAt({ at }).box, 1000 + i * 200));
    expect(q.since).toBe(1000);
  });

  it('counts feet exactly on the border as inside (the anchor is the bottom-centre)', () => {
    const presence = new ZonePresence({ id: 'z', polygon: SQUARE, inertia: 1 });
    expect(presence.contains(personAt({ at: [200, 300] }).box)).toBe(true);
    expect(presence.contains(personAt({ at: [199.9, 300] }).box)).toBe(false);
    // Head inside the zone, feet below it: not in.
    expect(presence.contains({ x1: 275, y1: 300, x2: 325, y2: 450 })).toBe(false);
  });

  it.each<[string, Partial<ZoneRuleConfig>, RegExp]>([
    ['a polygon of 2 points', { polygon: [[0, 0], [1, 1]] }, /zone "exit": polygon must be at least 3/],
    ['a non-finite point', { polygon: [[0, 0], [1, Number.NaN], [2, 0]] }, /polygon must be at least 3 \[x, y\] points of finite numbers/],
    ['inertia 0', { inertia: 0 }, /zone "exit": inertia must be a whole number >= 1 \(got 0\)/],
    ['an empty id', { id: '' }, /zone rule: id must be a non-empty string/],
  ])('rejects %s with a message naming the zone and setting', (_name, over, msg) => {
    expect(() => new ZonePresence(zone(over))).toThrow(RuleConfigError);
    expect(() => new ZonePresence(zone(over))).toThrow(msg);
  });
});

const enterStayLeave = [...hold(OUT, 2), ...hold(IN, 6), ...hold(OUT, 4)];

describe('zone_intrusion', () => {
  it('starts on the inertia-th frame inside and ends on the inertia-th frame outside, one key per (zone, track)', () => {
    const fired = playRule(new ZoneIntrusionRule(zone()), single(7, enterStayLeave));
    expect(summary(fired)).toEqual([
      [4, 'start', 'exit:7'],
      [10, 'end', 'exit:7'],
    ]);
    expect(fired[0]!.event).toEqual({
      type: 'zone_intrusion',
      phase: 'start',
      key: 'exit:7',
      rule: { id: 'exit.intrusion', version: ZONE_INTRUSION_VERSION },
      cameraId: CAM,
      ts: 800,
      wallTs: WALL0 + 800,
      trackIds: [7],
      boxes: [personAt({ at: IN }).box],
      people: 1,
      confidence: 0.9,
      zoneId: 'exit',
    });
  });

  it.each<[string, At[][], [number, string, string][]]>([
    ['an unconfirmed detection (no track id) never counts', single(undefined, enterStayLeave), []],
    ['a person walking past outside the zone', single(1, walk([100, 100], [700, 100], 20)), []],
    ['a 2-frame step in (shorter than inertia 3)', single(1, [OUT, IN, IN, OUT, OUT, IN, IN, OUT]), []],
    ['a car in the zone (not a person)', enterStayLeave.map((at) => [{ id: 1, at, cls: 'car' }]), []],
    [
      'two people, each their own violation',
      enterStayLeave.map((at, i) => [{ id: 1, at }, { id: 2, at: i >= 1 ? at : OUT }]),
      [
        [4, 'start', 'exit:1'],
        [4, 'start', 'exit:2'],
        [10, 'end', 'exit:1'],
        [10, 'end', 'exit:2'],
      ],
    ],
    [
      'walking straight through at low fps still counts when 3 frames land inside',
      // Feet at y = 100, 150, … 500: inside on frames 2..6, out from frame 7.
      single(1, [...walk([300, 100], [300, 500], 8), ...hold([300, 500], 2)]),
      [
        [4, 'start', 'exit:1'],
        [9, 'end', 'exit:1'],
      ],
    ],
    [
      'a person who comes back after leaving gets no second violation for the same zone',
      single(1, [...enterStayLeave, ...hold(IN, 6), ...hold(OUT, 4)]),
      [
        [4, 'start', 'exit:1'],
        [10, 'end', 'exit:1'],
      ],
    ],
  ])('%s', (_name, frames, want) => {
    expect(summary(playRule(new ZoneIntrusionRule(zone()), frames))).toEqual(want);
  });

  it('ends when the tracker ends the track inside the zone, and forgets it', () => {
    const rule = new ZoneIntrusionRule(zone());
    const fired = playRule(rule, single(3, hold(IN, 6)), { ended: (seq) => (seq === 5 ? [3] : []) });
    expect(summary(fired)).toEqual([
      [2, 'start', 'exit:3'],
      [5, 'end', 'exit:3'],
    ]);
    expect(fired[1]!.event.ts).toBe(1000);
    expect(rule.stateSize()).toBe(0);
  });

  it('ends and forgets a track that vanished without its end being reported (stale after staleS)', () => {
    const rule = new ZoneIntrusionRule(zone(), { staleS: 2 });
    const frames: At[][] = [...single(3, hold(IN, 5)), ...Array.from({ length: 20 }, () => [{ id: 4, at: OUT }])];
    const fired = playRule(rule, frames);
    expect(summary(fired)).toEqual([
      [2, 'start', 'exit:3'],
      // Last seen at frame 4 (800 ms); more than 2 s later is after 2800 ms, and sweeps run once a second.
      [15, 'end', 'exit:3'],
    ]);
    expect(rule.stateSize()).toBe(1); // only track 4, still walking about
  });

  it('is quiet during an allowed schedule window and reports a person still in the zone once it closes', () => {
    // 11:59:58 local (UTC+7); the window ends at 12:00.
    const wall0 = Date.UTC(2026, 2, 10, 4, 59, 58);
    const rule = new ZoneIntrusionRule(zone(), { activeAt: activeOutsideWindows([{ text: '11:00-12:00', start_min: 660, end_min: 720 }], 420) });
    const fired = playRule(rule, single(1, hold(IN, 20)), { wall0 });
    // In from frame 2 (11:59:58.4); the first frame at 12:00:00 is frame 10.
    expect(summary(fired)).toEqual([[10, 'start', 'exit:1']]);
  });

  it('refuses to be built on a zone with intrusion off', () => {
    expect(() => new ZoneIntrusionRule(zone({ intrusion: false }))).toThrow(/zone "exit": intrusion is off/);
  });
});

describe('loitering', () => {
  const rule = (loitering_s: number, over: Partial<ZoneRuleConfig> = {}): LoiteringRule =>
    new LoiteringRule(zone({ intrusion: false, loitering_s, ...over }));

  it.each<[string, number, Point[], [number, string, string][]]>([
    // In from frame 2 (400 ms): 2 s later is frame 12.
    ['starts once in the zone for loitering_s (from the first frame in)', 2, [...hold(OUT, 2), ...hold(IN, 14)], [[12, 'start', 'exit:1']]],
    ['ends when the person leaves', 2, [...hold(OUT, 2), ...hold(IN, 14), ...hold(OUT, 3)], [[12, 'start', 'exit:1'], [18, 'end', 'exit:1']]],
    // The last frame in is 1.6 s after the first; the frames while the leave is confirmed do not count.
    ['1.8 s in the zone is not loitering', 2, [...hold(IN, 9), ...hold(OUT, 10)], []],
    ['walking through is not loitering', 2, walk([300, 100], [300, 500], 10), []],
    ['walking through slowly (2 s from first to last frame in) is', 2, walk([300, 100], [300, 500], 20), [[15, 'start', 'exit:1'], [18, 'end', 'exit:1']]],
    // Leaves after 1.6 s (out for 3 frames), back for 1.6 s: the clock restarted, so never 2 s.
    ['leaving resets the clock', 2, [...hold(IN, 8), ...hold(OUT, 3), ...hold(IN, 8), ...hold(OUT, 3)], []],
    ['a dip out shorter than inertia does not reset the clock', 2, [...hold(IN, 6), ...hold(OUT, 2), ...hold(IN, 4)], [[10, 'start', 'exit:1']]],
    ['loitering_s 0 starts as soon as the person counts as in', 0, hold(IN, 4), [[2, 'start', 'exit:1']]],
  ])('%s', (_name, seconds, path, want) => {
    expect(summary(playRule(rule(seconds), single(1, path)))).toEqual(want);
  });

  it('carries its own id, type and version, and the zone', () => {
    const fired = playRule(rule(0), single(1, hold(IN, 3)));
    expect(fired[0]!.event).toMatchObject({ type: 'loitering', rule: { id: 'exit.loitering', version: LOITERING_VERSION }, zoneId: 'exit' });
  });

  it('keeps per-track state only for live tracks', () => {
    const r = rule(1);
    // 50 people, each in the zone for 1 s and then ended by the tracker.
    for (let k = 0; k < 50; k++) {
      playRule(r, single(k + 1, hold(IN, 5)), { firstSeq: k * 5, ended: (seq) => (seq === k * 5 + 4 ? [k + 1] : []) });
      expect(r.stateSize()).toBe(0);
    }
  });

  it.each([[-1], [Number.NaN]])('rejects loitering_s %s', (s) => {
    expect(() => rule(s)).toThrow(/zone "exit": loitering_s must be a number of seconds >= 0/);
  });
  it('rejects a zone without loitering_s', () => {
    expect(() => new LoiteringRule(zone({ loitering_s: null }))).toThrow(/loitering_s must be a number of seconds >= 0 \(got null\)/);
  });
});
