import { describe, expect, it } from 'vitest';
import { Tracker } from '../../agent/track/index.js';
import type { Detection } from '../../agent/shared/types.js';
import { CAM, frame, person } from './synthetic.js';

/** Runs `frames` through a tracker and returns, per frame, the trackId of each input item. */
function run(tracker: Tracker, fps: number, frames: Detection[][]): { ids: (number | undefined)[][]; expired: number[][] } {
  const ids: (number | undefined)[][] = [];
  const expired: number[][] = [];
  frames.forEach((items, seq) => {
    const u = tracker.update(frame(seq, fps, items));
    ids.push(u.detections.items.map((d) => d.trackId));
    expired.push(u.expired);
  });
  return { ids, expired };
}

function distinct(values: (number | undefined)[]): number[] {
  return [...new Set(values.filter((v): v is number => v !== undefined))];
}

describe('Tracker: identity', () => {
  it('keeps the ids of two people whose paths cross', () => {
    const fps = 5;
    const t = new Tracker({ fps });
    const frames: Detection[][] = [];
    const order: ('a' | 'b')[][] = [];
    for (let i = 0; i < 30; i++) {
      const a = person(100 + 25 * i, 400); // walks right
      const b = person(825 - 25 * i, 415); // walks left, a little nearer the camera
      // Swap the order in the list every other frame so nothing can lean on list position.
      frames.push(i % 2 ? [a, b] : [b, a]);
      order.push(i % 2 ? ['a', 'b'] : ['b', 'a']);
    }
    const { ids } = run(t, fps, frames);
    const idsOf = (who: 'a' | 'b'): (number | undefined)[] =>
      ids.map((row, f) => row[order[f]!.indexOf(who)]).slice(t.minHits - 1);
    const a = idsOf('a');
    const b = idsOf('b');
    expect(a.every((id) => id !== undefined)).toBe(true);
    expect(distinct(a)).toHaveLength(1);
    expect(distinct(b)).toHaveLength(1);
    expect(a[0]).not.toBe(b[0]);
  });

  it('keeps the id through a detector miss / occlusion shorter than lost_s, at 5 and 30 fps', () => {
    for (const fps of [5, 30]) {
      const t = new Tracker({ fps, lost_s: 1.5 });
      const gap = new Set<number>();
      // Missing for one second: the person walks behind a pillar and keeps walking.
      for (let i = 2 * fps; i < 3 * fps; i++) gap.add(i);
      const frames: Detection[][] = [];
      for (let i = 0; i < 5 * fps; i++) frames.push(gap.has(i) ? [] : [person(100 + (150 / fps) * i, 500)]);
      const { ids, expired } = run(t, fps, frames);
      const seen = ids.flat();
      expect(distinct(seen), `fps ${fps}`).toHaveLength(1);
      expect(seen.at(-1)).toBeDefined();
      expect(expired.flat()).toEqual([]);
    }
  });

  it('ends a track lost longer than lost_s and gives a re-appearance a new id', () => {
    const fps = 10;
    const t = new Tracker({ fps, lost_s: 1 });
    const frames: Detection[][] = [];
    for (let i = 0; i < 10; i++) frames.push([person(300, 500)]);
    for (let i = 0; i < 15; i++) frames.push([]); // 1.5 s away
    for (let i = 0; i < 10; i++) frames.push([person(300, 500)]); // same spot
    const { ids, expired } = run(t, fps, frames);
    const first = ids[9]![0]!;
    const second = ids[34]![0]!;
    expect(first).toBeDefined();
    expect(second).toBeGreaterThan(first);
    const endedAt = expired.findIndex((e) => e.length > 0);
    expect(expired[endedAt]).toEqual([first]);
    // Lost from frame 10; expired on the first frame more than 1 s later, i.e. the 11th missed frame.
    expect(endedAt).toBe(20);
    expect(expired.flat()).toEqual([first]);
  });

  it('gives no id to unconfirmed detections, and a one-frame false positive never gets one', () => {
    const fps = 10; // confirm_s 0.3 → 3 hits
    const t = new Tracker({ fps });
    expect(t.minHits).toBe(3);
    const frames: Detection[][] = [];
    for (let i = 0; i < 6; i++) frames.push(i === 1 ? [person(200, 500), person(900, 300)] : [person(200, 500)]);
    const { ids, expired } = run(t, fps, frames);
    expect(ids.map((r) => r[0])).toEqual([undefined, undefined, 1, 1, 1, 1]);
    expect(ids[1]![1]).toBeUndefined();
    expect(expired.flat()).toEqual([]);
    expect(t.size).toBe(1);
  });

  it('still associates at 2 fps when a walker\'s boxes do not overlap between frames', () => {
    const fps = 2;
    const frames: Detection[][] = [];
    for (let i = 0; i < 12; i++) {
      // 80 px per frame with 50 px wide boxes: consecutive boxes never overlap.
      frames.push([person(100 + 80 * i, 400), person(1100 - 70 * i, 650)]);
    }
    const { ids } = run(new Tracker({ fps }), fps, frames);
    const a = ids.slice(1).map((r) => r[0]);
    const b = ids.slice(1).map((r) => r[1]);
    expect(distinct(a)).toHaveLength(1);
    expect(distinct(b)).toHaveLength(1);
    expect(a.every((id) => id !== undefined)).toBe(true);
    // The distance pass is what makes this work: IoU alone loses the person every frame.
    const iouOnly = run(new Tracker({ fps, max_speed: 0 }), fps, frames).ids.map((r) => r[0]);
    expect(distinct(iouOnly)).toHaveLength(0);
  });

  it('keeps the id at 2 fps of someone who stops or turns round (the prediction overshoots)', () => {
    const fps = 2;
    // 70 px per frame with 67 px wide boxes: consecutive boxes barely touch; the turn is instant.
    const xs = [300, 370, 440, 510, 580, 510, 440, 370, 370, 370, 370];
    const { ids } = run(new Tracker({ fps }), fps, xs.map((x) => [person(x, 500, 0.9, 200)]));
    expect(distinct(ids.map((r) => r[0]))).toHaveLength(1);
    expect(ids.slice(1).every((r) => r[0] !== undefined)).toBe(true);
  });

  it('at 2 fps, a walker missed for two frames does not take over a newcomer beside its path', () => {
    const fps = 2;
    const walker = (i: number): Detection => person(300 + 70 * i, 400, 0.9, 200);
    const frames: Detection[][] = [];
    for (let i = 0; i < 4; i++) frames.push([walker(i)]);
    frames.push([]); // frame 4: walker missed
    frames.push([person(300 + 70 * 5, 520, 0.9, 200)]); // frame 5: walker missed, newcomer 120 px below its path
    for (let i = 6; i < 9; i++) frames.push([walker(i), person(300 + 70 * 5, 520, 0.9, 200)]);
    const { ids } = run(new Tracker({ fps }), fps, frames);
    const walkerId = ids[3]![0]!;
    expect(walkerId).toBeDefined();
    expect(ids[5]![0]).toBeUndefined(); // the newcomer is tentative, not the walker
    expect(ids.slice(6).map((r) => r[0])).toEqual([walkerId, walkerId, walkerId]);
    const newcomer = distinct(ids.slice(6).map((r) => r[1]));
    expect(newcomer).toHaveLength(1);
    expect(newcomer[0]).not.toBe(walkerId);
  });

  it('does not pair boxes of different classes or wildly different sizes', () => {
    const fps = 5;
    const t = new Tracker({ fps, min_hits: 1 });
    const u1 = t.update(frame(0, fps, [person(300, 500, 0.9, 150, 'person')]));
    const u2 = t.update(frame(1, fps, [person(305, 500, 0.9, 150, 'bag')]));
    expect(u2.detections.items[0]!.trackId).not.toBe(u1.detections.items[0]!.trackId);
    const u3 = t.update(frame(2, fps, [person(305, 500, 0.9, 150, 'bag')]));
    const u4 = t.update(frame(3, fps, [person(340, 500, 0.9, 20, 'bag')])); // far and tiny
    expect(u4.detections.items[0]!.trackId).not.toBe(u3.detections.items[0]!.trackId);
  });
});

describe('Tracker: time and memory', () => {
  it('turns lost_s into the same time at 5 and 30 fps', () => {
    const lostAfter = (fps: number): number => {
      const t = new Tracker({ fps, lost_s: 1.5 });
      let seq = 0;
      let lastSeenTs = 0;
      for (; seq < fps; seq++) lastSeenTs = t.update(frame(seq, fps, [person(300, 500)])).detections.ts;
      for (; ; seq++) {
        const u = t.update(frame(seq, fps, []));
        if (u.expired.length > 0) return (u.detections.ts - lastSeenTs) / 1000;
        if (seq > 100 * fps) throw new Error('never expired');
      }
    };
    for (const fps of [5, 30]) {
      const s = lostAfter(fps);
      expect(s, `fps ${fps}`).toBeGreaterThan(1.5);
      expect(s, `fps ${fps}`).toBeLessThanOrEqual(1.5 + 1 / fps + 1e-3);
    }
  });

  it('counts dropped frames by timestamp: a long gap between two updates ends lost tracks', () => {
    const fps = 5;
    const t = new Tracker({ fps, lost_s: 1.5 });
    for (let i = 0; i < 5; i++) t.update(frame(i, fps, [person(300, 500)]));
    // The next frame the tracker sees is 2 s later (frames dropped or the motion gate skipped them).
    const u = t.update(frame(15, fps, []));
    expect(u.expired).toEqual([1]);
    expect(t.size).toBe(0);
  });

  it('holds only live tracks after 10,000 frames of people coming and going', () => {
    const fps = 10;
    const t = new Tracker({ fps });
    const walkFrames = 40;
    let maxSize = 0;
    let ended = 0;
    const ids = new Set<number>();
    for (let f = 0; f < 10_000; f++) {
      // A new person every 7 frames walks across in 40 frames, in one of three lanes, then leaves.
      const items: Detection[] = [];
      for (let start = Math.max(0, f - walkFrames + 1); start <= f; start++) {
        if (start % 7 !== 0) continue;
        const lane = (start / 7) % 3;
        items.push(person(60 + 25 * (f - start), 250 + 200 * lane));
      }
      const u = t.update(frame(f, fps, items));
      u.detections.items.forEach((d) => d.trackId !== undefined && ids.add(d.trackId));
      ended += u.expired.length;
      maxSize = Math.max(maxSize, t.size);
    }
    // At most 6 people on screen plus those lost within the last 1.5 s (at most 3 more).
    expect(maxSize).toBeLessThanOrEqual(9);
    expect(ids.size).toBeGreaterThan(1400); // ≈ 10,000 / 7 people, each one id
    expect(ids.size).toBeLessThanOrEqual(Math.ceil(10_000 / 7));
    // Once everyone has left, every id has been reported ended exactly once and nothing is held.
    for (let f = 10_000; f < 10_000 + 2 * fps; f++) ended += t.update(frame(f, fps, [])).expired.length;
    expect(t.size).toBe(0);
    expect(ended).toBe(ids.size);
    expect([...ids].sort((a, b) => a - b)).toEqual([...ids.keys()].map((_, i) => i + 1));
  });
});

describe('Tracker: ByteTrack stages and bad input', () => {
  it('keeps a confirmed track through low-score frames, but never starts one from them', () => {
    const fps = 5;
    const t = new Tracker({ fps, high_score: 0.6, low_score: 0.2 });
    const scores = [0.9, 0.9, 0.9, 0.3, 0.25, 0.9];
    const { ids } = run(t, fps, scores.map((s, i) => [person(300 + 5 * i, 500, s), person(900, 500, 0.3)]));
    expect(distinct(ids.slice(1).map((r) => r[0]))).toEqual([1]);
    expect(ids.map((r) => r[1])).toEqual(scores.map(() => undefined));
    expect(t.size).toBe(1);
  });

  it('returns a new frozen Detections, leaves the input alone and drops foreign track ids', () => {
    const fps = 5;
    const t = new Tracker({ fps, min_hits: 1 });
    const input = frame(0, fps, [{ ...person(300, 500), trackId: 99 }, { ...person(900, 500, 0.05), trackId: 98 }]);
    const u = t.update(input);
    expect(u.detections).not.toBe(input);
    expect(Object.isFrozen(u.detections)).toBe(true);
    expect(Object.isFrozen(u.detections.items)).toBe(true);
    expect(u.detections.items.map((d) => d.trackId)).toEqual([1, undefined]);
    expect(input.items.map((d) => d.trackId)).toEqual([99, 98]);
    expect(u.detections.cameraId).toBe(CAM);
    expect(u.detections.frameSeq).toBe(0);
  });

  it('passes malformed boxes through without an id instead of throwing', () => {
    const fps = 5;
    const t = new Tracker({ fps, min_hits: 1 });
    const bad: Detection[] = [
      { box: { x1: Number.NaN, y1: 0, x2: 10, y2: 10 }, score: 0.9, cls: 'person' },
      { box: { x1: 50, y1: 50, x2: 40, y2: 60 }, score: 0.9, cls: 'person' },
      { ...person(300, 500), score: Number.NaN },
    ];
    const u = t.update(frame(0, fps, bad));
    expect(u.detections.items.map((d) => d.trackId)).toEqual([undefined, undefined, undefined]);
    expect(t.size).toBe(0);
  });

  it('refuses detections of another camera with a message naming both', () => {
    const t = new Tracker({ fps: 5 });
    t.update(frame(0, 5, [], 'cam-a'));
    expect(() => t.update(frame(1, 5, [], 'cam-b'))).toThrow(/camera "cam-a".*camera "cam-b"/);
  });

  it.each([
    [{ fps: 0 }, /fps must be a number > 0 \(got 0\)/],
    [{ fps: 5, lost_s: -1 }, /lost_s/],
    [{ fps: 5, high_score: 0.3, low_score: 0.5 }, /low_score must be in \[0, high_score=0.3\]/],
    [{ fps: 5, min_hits: 1.5 }, /min_hits must be an integer >= 1/],
    [{ fps: 5, match_iou: 0 }, /match_iou/],
    [{ fps: Number.NaN }, /fps/],
  ])('rejects bad options %j', (opts, msg) => {
    expect(() => new Tracker(opts)).toThrow(msg);
  });
});
