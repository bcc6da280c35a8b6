// camera_tamper on synthetic 64×48 thumbnails (generated here: a textured scene, its blurred and
// shifted versions, a uniform cover, sensor noise), at 5 fps (one frame = 200 ms).
import { describe, expect, it } from 'vitest';
import { RuleConfigError, TAMPER_VERSION, TamperRule, type TamperOptions, type Thumbnail } from '../../agent/rules/index.js';
import type { Detections, RuleEvent } from '../../agent/shared/types.js';
import { CAM, WALL0 } from './tracks.js';

const W = 64;
const H = 48;

/** Deterministic per-pixel texture in [-1, 1] that moves with the scene (a hash of scene coordinates). */
function hash(x: number, y: number): number {
  let h = (Math.imul(x | 0, 374761393) + Math.imul(y | 0, 668265263)) | 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) & 0xffff) / 32768 - 1;
}

/** The scene as the camera sees it, moved by (dx, dy) px, with a lighting gain. */
function scene(dx = 0, dy = 0, gain = 1): Float64Array {
  const out = new Float64Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const sx = x + dx;
      const sy = y + dy;
      const v = 120 + 40 * Math.sin(sx * 0.21 + 0.5) + 30 * Math.cos(sy * 0.17) + 20 * Math.sin((sx + 2 * sy) * 0.09) + 30 * hash(sx, sy);
      out[y * W + x] = v * gain;
    }
  }
  return out;
}

function boxBlur(src: Float64Array, r: number): Float64Array {
  const out = new Float64Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let s = 0;
      let n = 0;
      for (let j = -r; j <= r; j++) {
        for (let i = -r; i <= r; i++) {
          const xx = Math.min(W - 1, Math.max(0, x + i));
          const yy = Math.min(H - 1, Math.max(0, y + j));
          s += src[yy * W + xx]!;
          n++;
        }
      }
      out[y * W + x] = s / n;
    }
  }
  return out;
}

const flat = (level: number): Float64Array => new Float64Array(W * H).fill(level);

/** A person-sized dark blob at column `x` painted over a picture. */
function withBlob(src: Float64Array, x: number): Float64Array {
  const out = Float64Array.from(src);
  for (let y = 20; y < 44; y++) for (let i = x; i < Math.min(W, x + 8); i++) if (i >= 0) out[y * W + i] = 30;
  return out;
}

let seed = 1;
const noise = (): number => {
  seed = (seed * 48271) % 2147483647;
  return (seed / 2147483647 - 0.5) * 6; // ±3 gray levels of sensor noise
};

/** A picture as a thumbnail at frame `i`, with fresh sensor noise. */
function thumb(picture: Float64Array, i: number): Thumbnail {
  const gray = new Uint8Array(W * H);
  for (let k = 0; k < gray.length; k++) gray[k] = Math.max(0, Math.min(255, Math.round(picture[k]! + noise())));
  return { ts: i * 200, width: W, height: H, srcWidth: W, srcHeight: H, gray };
}

function dets(i: number): Detections {
  return { cameraId: CAM, frameSeq: i, ts: i * 200, wallTs: WALL0 + i * 200, width: 640, height: 480, items: [] };
}

/** Plays runs of pictures (each shown `frames` frames) and returns [frame, phase, key] per event. */
function play(rule: TamperRule, ...runs: [picture: (i: number) => Float64Array, frames: number][]): [number, string, string][] {
  return playEvents(rule, ...runs).map(([i, e]) => [i, e.phase, e.key]);
}

function playEvents(rule: TamperRule, ...runs: [picture: (i: number) => Float64Array, frames: number][]): [number, RuleEvent][] {
  const out: [number, RuleEvent][] = [];
  let i = 0;
  for (const [picture, frames] of runs) {
    for (let k = 0; k < frames; k++, i++) for (const e of rule.update(dets(i), thumb(picture(i), i))) out.push([i, e]);
  }
  return out;
}

const NORMAL = scene();
const normal = (): Float64Array => NORMAL;
const BLURRED = boxBlur(NORMAL, 2);
const SHIFTED = scene(17, 6);
const secs = (s: number): number => s * 5;

describe('camera_tamper on synthetic thumbnails', () => {
  it('says nothing about a normal scene with sensor noise and a person walking through it, for 2 minutes', () => {
    const rule = new TamperRule();
    const walking = (i: number): Float64Array => withBlob(NORMAL, (i % 100) - 20);
    expect(play(rule, [walking, secs(120)])).toEqual([]);
    expect(rule.last!.correlation).toBeGreaterThan(0.8);
  });

  it('says nothing when the lights dim to 40 % (contrast-relative measures)', () => {
    const dim = scene(0, 0, 0.4);
    expect(play(new TamperRule(), [normal, secs(20)], [() => dim, secs(60)])).toEqual([]);
  });

  it('covered: a near-uniform picture for coveredS (5 s) starts it, 3 s uncovered ends it', () => {
    const rule = new TamperRule();
    const events = playEvents(rule, [normal, secs(12)], [() => flat(90), secs(20)], [normal, secs(10)]);
    expect(events.map(([i, e]) => [i, e.phase, e.key])).toEqual([
      [secs(12 + 5), 'start', 'covered:1'],
      [secs(12 + 20 + 3), 'end', 'covered:1'],
    ]);
    expect(events[0]![1]).toMatchObject({
      type: 'camera_tamper',
      reason: 'covered',
      rule: { id: 'camera.tamper', version: TAMPER_VERSION },
      people: 0,
      trackIds: [],
      boxes: [],
    });
    expect(events[0]![1].confidence).toBeGreaterThan(0.5);
  });

  it('covered needs no learning: a camera covered from its first frame is reported', () => {
    expect(play(new TamperRule(), [() => flat(20), secs(6)])).toEqual([[secs(5), 'start', 'covered:1']]);
  });

  it('covered for 4.8 s is nothing', () => {
    expect(play(new TamperRule(), [normal, secs(12)], [() => flat(90), secs(5) - 1], [normal, secs(20)])).toEqual([]);
  });

  it('covered by two flat levels (sprayed half and half) counts: low entropy despite high contrast', () => {
    const halves = new Float64Array(W * H).map((_, k) => (k % W < W / 2 ? 10 : 200));
    expect(play(new TamperRule(), [normal, secs(12)], [() => halves, secs(6)])).toEqual([[secs(12 + 5), 'start', 'covered:1']]);
  });

  it('defocused: sharpness far below the learned baseline for defocusS (10 s) starts it; sharp again for 3 s ends it', () => {
    const rule = new TamperRule();
    expect(play(rule, [normal, secs(12)], [() => BLURRED, secs(15)], [normal, secs(5)])).toEqual([
      [secs(12 + 10), 'start', 'defocused:1'],
      [secs(12 + 15 + 3), 'end', 'defocused:1'],
    ]);
  });

  it('defocused for 9.8 s is nothing, and the blur was not learned as the new normal', () => {
    const rule = new TamperRule();
    expect(play(rule, [normal, secs(12)], [() => BLURRED, secs(10) - 1], [normal, secs(2)], [() => BLURRED, secs(11)])).toEqual([
      [secs(12 + 10 + 2 + 10) - 1, 'start', 'defocused:1'],
    ]);
  });

  it('moved: a changed view that stays for movedS (5 s) is one instant event, then the new view is normal', () => {
    const rule = new TamperRule();
    const events = playEvents(rule, [normal, secs(12)], [() => SHIFTED, secs(60)], [normal, secs(6)]);
    // Turned back after a minute: the old view is now the change.
    expect(events.map(([i, e]) => [i, e.phase, e.key])).toEqual([
      [secs(12 + 5), 'instant', 'moved:1'],
      [secs(12 + 60 + 5), 'instant', 'moved:2'],
    ]);
    expect(events[0]![1].reason).toBe('moved');
  });

  it('a picture that keeps changing (a crowd right in front of the lens) is no move', () => {
    const rule = new TamperRule();
    const chaos = (i: number): Float64Array => scene(31 * i, 17 * i);
    expect(play(rule, [normal, secs(12)], [chaos, secs(60)])).toEqual([]);
  });

  it('judges nothing while learning, nor after the thumbnail size changed', () => {
    const rule = new TamperRule();
    // Blurred from the start: there is no baseline to compare with yet, and then the blur is the baseline.
    expect(play(rule, [() => BLURRED, secs(30)])).toEqual([]);
    const small: Thumbnail = { ts: 99_000, width: 32, height: 24, srcWidth: 32, srcHeight: 24, gray: new Uint8Array(32 * 24).map((_, k) => (k * 37) % 251) };
    expect(rule.update(dets(495), small)).toEqual([]);
  });

  it('with no thumbnail judges nothing; a thumbnail that lies about its size is refused naming the camera', () => {
    const rule = new TamperRule();
    expect(rule.update(dets(0))).toEqual([]);
    const bad: Thumbnail = { ts: 0, width: W, height: H, srcWidth: W, srcHeight: H, gray: new Uint8Array(10) };
    expect(() => rule.update(dets(0), bad)).toThrow(/tamper rule of camera "corridor-a": thumbnail of 64×48 needs 3072 bytes, got 10/);
    expect(() => rule.update(dets(0), { ...bad, width: 2, height: 5 })).toThrow(/at least 3×3/);
  });

  it('does not start while not active (schedule), and keeps no per-track state', () => {
    const rule = new TamperRule({ activeAt: () => false });
    expect(play(rule, [() => flat(90), secs(20)])).toEqual([]);
    expect(rule.stateSize()).toBe(0);
  });

  it.each<[string, TamperOptions, RegExp]>([
    ['movedCorr 1.5', { movedCorr: 1.5 }, /tamper: movedCorr must be between 0 and 1/],
    ['coveredS -1', { coveredS: -1 }, /tamper: coveredS must be a number of seconds >= 0/],
    ['minStd 0', { minStd: 0 }, /tamper: minStd must be a number > 0/],
    ['minEntropy 5', { minEntropy: 5 }, /tamper: minEntropy must be 0 to 4 bits/],
  ])('rejects %s', (_name, options, msg) => {
    expect(() => new TamperRule(options)).toThrow(RuleConfigError);
    expect(() => new TamperRule(options)).toThrow(msg);
  });
});
