/**
 * The motion gate on frames made here (a flat scene with sensor-like noise and a moving square:
 * exact control over what moves) and on real footage (vtest.avi pedestrians, decoded by ffmpeg).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../agent/shared/types.js';
import { changedShare, MotionGate } from '../../agent/vision/motion-gate.js';
import { readVideoFrames, VTEST_AVI } from '../support/video-frames.js';

const W = 320;
const H = 240;

/** Deterministic noise so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Flat grey scene, ±`noise` per pixel, with an optional `size`-px bright square at (x, y). */
function scene(ts: number, opts: { square?: [number, number]; size?: number; noise?: number; seed?: number; level?: number } = {}): Frame {
  const r = rng(opts.seed ?? ts + 1);
  const px = Buffer.alloc(W * H * 3);
  const size = opts.size ?? 24;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const inSq = opts.square && x >= opts.square[0] && x < opts.square[0] + size && y >= opts.square[1] && y < opts.square[1] + size;
      const base = inSq ? 230 : (opts.level ?? 100);
      const n = Math.round((r() * 2 - 1) * (opts.noise ?? 6));
      px.fill(Math.max(0, Math.min(255, base + n)), (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
  }
  return { cameraId: 'gate', seq: ts, ts, wallTs: ts, width: W, height: H, format: 'rgb24', pixels: px };
}

describe('MotionGate', () => {
  it('runs the first frame, then skips frames where only noise changes', () => {
    const gate = new MotionGate();
    const d0 = gate.check(scene(0, { square: [50, 50] }));
    expect(d0).toMatchObject({ run: true, reason: 'first' });
    gate.commit(d0);
    for (let t = 200; t <= 1000; t += 200) {
      // Same square, fresh noise of ±12 grey levels on every pixel (more than the threshold, before averaging).
      const d = gate.check(scene(t, { square: [50, 50], noise: 12 }));
      expect(d, `t=${t}`).toMatchObject({ run: false, reason: 'still' });
      expect(d.changedShare).toBeLessThan(0.002);
    }
  });

  it('sees a moving object, and a slow one once it has moved far enough from the last run', () => {
    const gate = new MotionGate();
    gate.commit(gate.check(scene(0, { square: [50, 50] })));
    expect(gate.check(scene(200, { square: [70, 50] }))).toMatchObject({ run: true, reason: 'motion' });
    // 1 px per frame is below what one frame shows; compared with the last *run*, it adds up.
    const reasons: string[] = [];
    for (let k = 1; k <= 8; k++) reasons.push(gate.check(scene(200 * k, { square: [50 + k, 50] })).reason);
    expect(reasons[0]).toBe('still');
    expect(reasons).toContain('motion');
  });

  it('forces a run when the last one is forceEveryMs old, even with nothing moving', () => {
    const gate = new MotionGate({ forceEveryMs: 1000 });
    gate.commit(gate.check(scene(0)));
    expect(gate.check(scene(999)).reason).toBe('still');
    const forced = gate.check(scene(1000));
    expect(forced).toMatchObject({ run: true, reason: 'forced' });
    gate.commit(forced);
    expect(gate.check(scene(1500)).reason).toBe('still');
  });

  it('does not move its reference until commit: skipped frames never become the reference', () => {
    const gate = new MotionGate();
    gate.commit(gate.check(scene(0, { square: [50, 50] })));
    const moved = gate.check(scene(200, { square: [150, 50] }));
    expect(moved.reason).toBe('motion');
    // Not committed (e.g. the frame was dropped): the next frame is still compared with t=0.
    expect(gate.check(scene(400, { square: [150, 50] })).reason).toBe('motion');
  });

  it('treats a change of frame size as a reason to run, and reset() as a fresh start', () => {
    const gate = new MotionGate();
    gate.commit(gate.check(scene(0)));
    const small: Frame = { cameraId: 'gate', seq: 1, ts: 200, wallTs: 0, width: 8, height: 8, format: 'gray', pixels: Buffer.alloc(64, 100) };
    expect(gate.check(small).reason).toBe('resized');
    gate.reset();
    expect(gate.check(scene(400)).reason).toBe('first');
  });

  it('a light switched on is motion (the detector must look again)', () => {
    const gate = new MotionGate();
    gate.commit(gate.check(scene(0, { level: 60 })));
    expect(gate.check(scene(200, { level: 140 })).reason).toBe('motion');
  });

  it('validates its options', () => {
    expect(() => new MotionGate({ thumbHeight: 4 })).toThrow(/thumbHeight must be an integer ≥ 8, got 4/);
    expect(() => new MotionGate({ minChangedShare: 0 })).toThrow(/minChangedShare must be within \(0, 1\], got 0/);
    expect(() => new MotionGate({ pixelThreshold: 300 })).toThrow(/pixelThreshold/);
    expect(() => new MotionGate({ forceEveryMs: -1 })).toThrow(/forceEveryMs must be positive/);
    expect(() => changedShare(new Uint8Array(2), new Uint8Array(3), 1)).toThrow(/different sizes/);
  });
});

describe('MotionGate on vtest.avi (real pedestrians)', () => {
  let frames: Frame[];
  beforeAll(async () => {
    // 5 fps sampling of the 10 fps clip, as a camera at detect fps 5 would deliver it.
    const idx = Array.from({ length: 10 }, (_, i) => 100 + 2 * i);
    const v = await readVideoFrames(VTEST_AVI, idx);
    frames = v.frames.map((pixels, i) => ({ cameraId: 'vtest', seq: i, ts: i * 200, wallTs: 0, width: v.width, height: v.height, format: 'rgb24', pixels }));
  });

  it('sees walking people between consecutive 5 fps frames', () => {
    const gate = new MotionGate();
    let runs = 0;
    for (const f of frames) {
      const d = gate.check(f);
      if (d.run) {
        runs++;
        gate.commit(d);
      }
    }
    expect(runs).toBe(frames.length);
  });

  it('skips the same decoded frame shown again (a frozen picture)', () => {
    const gate = new MotionGate();
    const f = frames[0] as Frame;
    gate.commit(gate.check(f));
    for (let k = 1; k <= 5; k++) expect(gate.check({ ...f, seq: k, ts: k * 200 }).reason).toBe('still');
  });
});
