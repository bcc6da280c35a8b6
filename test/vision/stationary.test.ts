import { describe, expect, it } from 'vitest';
import { StationaryTracker } from '../../agent/vision/stationary.js';
import { motionBoxes } from '../../agent/vision/motion-boxes.js';
import type { Thumbnail } from '../../agent/shared/types.js';

const BOX = { x1: 100, y1: 100, x2: 130, y2: 180 };

/** One person at BOX, observed every 200 ms from 0 to `untilMs`; `looked` says whether the detector saw them. */
function standStill(t: StationaryTracker, untilMs: number, looked = true): void {
  for (let ts = 0; ts <= untilMs; ts += 200) t.observe([{ trackId: 1, box: BOX, looked }], ts);
}

describe('StationaryTracker (Frigate stationary semantics)', () => {
  it('a person still for 10 s needs no look until their re-check is due or something moves over them', () => {
    const t = new StationaryTracker();
    standStill(t, 9_800);
    expect(t.needsLook(1, 9_800, [])).toBe(true); // not yet 10 s
    t.observe([{ trackId: 1, box: BOX, looked: true }], 10_000);
    expect(t.isStationary(1, 10_000)).toBe(true);
    expect(t.needsLook(1, 10_200, [])).toBe(false);
    expect(t.needsLook(1, 10_200, [{ x1: 120, y1: 150, x2: 160, y2: 200 }])).toBe(true); // motion over them
    expect(t.needsLook(1, 10_200, [{ x1: 500, y1: 150, x2: 560, y2: 200 }])).toBe(false); // motion elsewhere
    // Not looked at since 10 s: the forced re-check comes 10 s after the last look.
    for (let ts = 10_200; ts < 20_000; ts += 200) t.observe([{ trackId: 1, box: BOX, looked: false }], ts);
    expect(t.needsLook(1, 19_800, [])).toBe(false);
    expect(t.needsLook(1, 20_000, [])).toBe(true);
  });

  it('a person who moves is no longer stationary; a track that ends is forgotten', () => {
    const t = new StationaryTracker();
    standStill(t, 12_000);
    expect(t.isStationary(1, 12_000)).toBe(true);
    t.observe([{ trackId: 1, box: { x1: 130, y1: 100, x2: 160, y2: 180 }, looked: true }], 12_200);
    expect(t.isStationary(1, 12_200)).toBe(false);
    t.observe([], 12_400);
    expect(t.needsLook(1, 12_400, [])).toBe(true); // unknown: look
  });

  it('refuses non-positive times', () => {
    expect(() => new StationaryTracker({ stillMs: 0 })).toThrow(/positive/);
  });
});

const thumb = (w: number, h: number, set: [number, number][] = []): Thumbnail => {
  const gray = new Uint8Array(w * h).fill(100);
  for (const [x, y] of set) gray[y * w + x] = 200;
  return { ts: 0, width: w, height: h, srcWidth: w * 4, srcHeight: h * 4, gray };
};

describe('motionBoxes', () => {
  it('boxes each blob of changed pixels in frame pixels, and ignores single-pixel noise', () => {
    const ref = thumb(40, 30);
    const cur = thumb(40, 30, [
      [5, 5], [6, 5], [5, 6], [6, 7], // a blob
      [30, 20], [31, 21], // another, diagonal neighbours joined by the one-pixel growth
      [20, 2], // noise
    ]);
    expect(motionBoxes(ref, cur, 12)).toEqual([
      { x1: 16, y1: 16, x2: 32, y2: 36 },
      { x1: 116, y1: 76, x2: 132, y2: 92 },
    ]);
  });

  it('nothing changed: no box; different sizes: a clear error', () => {
    expect(motionBoxes(thumb(10, 10), thumb(10, 10), 12)).toEqual([]);
    expect(() => motionBoxes(thumb(10, 10), thumb(12, 10), 12)).toThrow(/different sizes/);
  });
});
