// Tracker + rule engine together on synthetic walkers: boxes made up here (straight walks, a
// turn-back short of the line, two people passing on the line), with ±3 px jitter and 10 %
// detector misses from a seeded PRNG. No video or detector is involved.
import { describe, expect, it } from 'vitest';
import { RuleEngine } from '../../agent/rules/index.js';
import type { Detection, Detections } from '../../agent/shared/types.js';
import { Tracker } from '../../agent/track/index.js';

/** mulberry32: a small deterministic PRNG so every run sees the same jitter and misses. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Walker {
  readonly start: number; // s
  readonly y: number; // feet
  readonly from: number;
  readonly to: number;
  /** Ground truth: the crossing this walk makes, if any. */
  readonly crosses: 'in' | 'out' | null;
}

// Line x = 640 from y 150 to 700, drawn downwards: `in` is towards +x. Four lanes 120 px apart
// (boxes are 200 px tall, so people in neighbouring lanes overlap on screen).
const walkers: Walker[] = [];
for (let i = 0; i < 24; i++) {
  const y = 250 + (i % 4) * 120;
  const start = i * 4;
  if (i % 3 === 0) walkers.push({ start, y, from: 300, to: 1000, crosses: 'in' });
  else if (i % 3 === 1) walkers.push({ start, y, from: 1000, to: 300, crosses: 'out' });
  else walkers.push({ start, y, from: 300, to: 590, crosses: null }); // turns back 50 px short
}
walkers.push({ start: 100, y: 400, from: 400, to: 900, crosses: 'in' }, { start: 100, y: 430, from: 900, to: 400, crosses: 'out' });

interface Scene {
  readonly frames: Detections[];
  /** For each frame, which walker each detection belongs to. */
  readonly owners: number[][];
}

function scene(fps: number, seed: number): Scene {
  const rand = rng(seed);
  const speed = 140; // px/s: 0.7 box heights/s, a walk
  const frames: Detections[] = [];
  const owners: number[][] = [];
  for (let f = 0; f < 115 * fps; f++) {
    const t = f / fps;
    const items: Detection[] = [];
    const who: number[] = [];
    walkers.forEach((w, wi) => {
      const dur = Math.abs(w.to - w.from) / speed;
      let e = t - w.start;
      if (e < 0 || e > (w.crosses === null ? 2 * dur : dur) + 2) return; // stands 2 s at the end
      if (w.crosses === null && e > dur) e = 2 * dur - e;
      const x = w.from + Math.sign(w.to - w.from) * speed * Math.min(Math.max(e, 0), dur);
      if (rand() < 0.1) return;
      const j = (): number => (rand() - 0.5) * 6;
      items.push({ box: { x1: x - 35 + j(), y1: w.y - 200 + j(), x2: x + 35 + j(), y2: w.y + j() }, score: 0.6 + rand() * 0.35, cls: 'person' });
      who.push(wi);
    });
    const ts = Math.round((f * 1000) / fps);
    frames.push({ cameraId: 'c', frameSeq: f, ts, wallTs: 1_767_225_600_000 + ts, width: 1280, height: 720, items });
    owners.push(who);
  }
  return { frames, owners };
}

/** Runs one scene; returns, per walker, the directions of the crossings credited to it. */
function credited(fps: number, seed: number): { perWalker: string[][]; engine: RuleEngine; tracker: Tracker } {
  const { frames, owners } = scene(fps, seed);
  const tracker = new Tracker({ fps });
  const engine = RuleEngine.fromConfig(
    { lines: [{ id: 'l', points: [[640, 150], [640, 700]], direction: 'both', cooldown_s: 30 }] },
    { utcOffsetMin: 420 },
  );
  const walkerOfTrack = new Map<number, number>();
  const perWalker: string[][] = walkers.map(() => []);
  frames.forEach((d, f) => {
    const u = tracker.update(d);
    u.detections.items.forEach((it, k) => {
      if (it.trackId !== undefined) walkerOfTrack.set(it.trackId, owners[f]![k]!);
    });
    for (const e of engine.update(u.detections, u.expired)) perWalker[walkerOfTrack.get(e.trackIds[0]!)!]!.push(e.direction!);
  });
  for (let f = 0; f < 3 * fps; f++) {
    const u = tracker.update({ ...frames.at(-1)!, frameSeq: frames.length + f, ts: frames.at(-1)!.ts + ((f + 1) * 1000) / fps, items: [] });
    engine.update(u.detections, u.expired);
  }
  return { perWalker, engine, tracker };
}

describe('tracker + line rule on synthetic walkers', () => {
  const truth = walkers.map((w) => (w.crosses ? [w.crosses] : []));

  it('credits every true crossing, and nothing else, to the right person at 5 fps', () => {
    for (let seed = 0; seed < 8; seed++) {
      const { perWalker, engine, tracker } = credited(5, seed);
      expect(perWalker, `seed ${seed}`).toEqual(truth);
      expect(engine.stateSize()).toBe(0);
      expect(tracker.size).toBe(0);
    }
  });

  it('at 2 fps never invents or reverses a crossing, and misses few', () => {
    // Measured: 1.4 % of crossings missed over 60 seeds (a track lost or first confirmed right at
    // the line, e.g. two misses in a row at 2 fps); none invented or reversed.
    let missed = 0;
    let total = 0;
    for (let seed = 0; seed < 8; seed++) {
      const { perWalker } = credited(2, seed);
      perWalker.forEach((got, w) => {
        const want = truth[w]!;
        expect(got.length, `seed ${seed} walker ${w}: ${got.join()}`).toBeLessThanOrEqual(want.length);
        if (got.length > 0) expect(got).toEqual(want);
        missed += want.length - got.length;
        total += want.length;
      });
    }
    expect(missed / total).toBeLessThanOrEqual(0.05);
  });
});
