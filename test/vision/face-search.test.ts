import { describe, expect, it } from 'vitest';
import { FACE_SEARCH, faceSearchPlan, planPixels, type SearchLevel } from '../../agent/vision/face-search.js';

/** Every model pixel of the level is in some window; windows lie on the 32 px grid, inside the level, ≤ the maximum. */
function checkWindows(l: SearchLevel): void {
  for (const w of l.windows) {
    expect([w.x, w.y, w.width, w.height].every((v) => v % 32 === 0)).toBe(true);
    expect(w.x + w.width).toBeLessThanOrEqual(l.width);
    expect(w.y + w.height).toBeLessThanOrEqual(l.height);
    expect(Math.max(w.width, w.height)).toBeLessThanOrEqual(FACE_SEARCH.maxWindowPx);
  }
  for (let y = 0; y < l.height; y += 16) {
    for (let x = 0; x < l.width; x += 16) expect(l.windows.some((w) => x >= w.x && x < w.x + w.width && y >= w.y && y < w.y + w.height)).toBe(true);
  }
}

describe('faceSearchPlan', () => {
  it('a vtest line-crossing crop (97×135): ×2 padded to 224×288, ×0.5 to 64×96, about one 256×256 run in all', () => {
    const plan = faceSearchPlan(97, 135);
    expect(plan).toEqual([
      { zoom: 2, width: 224, height: 288, windows: [{ x: 0, y: 0, width: 224, height: 288 }] },
      { zoom: 0.5, width: 64, height: 96, windows: [{ x: 0, y: 0, width: 64, height: 96 }] },
    ]);
    expect(planPixels(plan) / 65536).toBeCloseTo(1.078, 3);
    expect(faceSearchPlan(96, 135).map((l) => l.zoom), 'a face as wide as the picture is seen at ×2 already').toEqual([2]);
  });

  it('adds a level at a quarter of the zoom while the one above could not see a face as large as the short side', () => {
    // 192 / 2 = 96 px < 100: a face of 96–100 px needs ×0.5 too; 192 / 0.5 = 384 ≥ 100 stops there.
    expect(faceSearchPlan(100, 300).map((l) => l.zoom)).toEqual([2, 0.5]);
    expect(faceSearchPlan(768, 576).map((l) => [l.zoom, l.width, l.height])).toEqual([
      [2, 1536, 1152],
      [0.5, 384, 288],
      [0.125, 96, 96],
    ]);
    expect(faceSearchPlan(10, 10)).toEqual([{ zoom: 2, width: 32, height: 32, windows: [{ x: 0, y: 0, width: 32, height: 32 }] }]);
  });

  it('runs a level larger than a window in windows overlapping by more than the widest face', () => {
    const [top] = faceSearchPlan(768, 576);
    checkWindows(top!);
    expect(top!.windows.map((w) => [w.x, w.y])).toEqual([
      [0, 0],
      [512, 0],
      [768, 0],
      [0, 384],
      [512, 384],
      [768, 384],
    ]);
    // Neighbours overlap by at least windowOverlapPx, so every face up to largestFacePx lies wholly in one.
    expect(FACE_SEARCH.windowOverlapPx).toBeGreaterThan(FACE_SEARCH.largestFacePx);
    for (const a of top!.windows) {
      for (const b of top!.windows) {
        const ox = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
        if (a !== b && a.y === b.y && ox > 0) expect(ox).toBeGreaterThanOrEqual(FACE_SEARCH.windowOverlapPx);
      }
    }
    for (const l of faceSearchPlan(1920, 1080)) checkWindows(l);
  });

  it('starts at another zoom when asked (previews: ×1), its levels a quarter each', () => {
    expect(faceSearchPlan(768, 576, FACE_SEARCH.previewTopZoom).map((l) => [l.zoom, l.width, l.height, l.windows.length])).toEqual([
      [1, 768, 576, 1],
      [0.25, 192, 160, 1],
    ]);
    expect(() => faceSearchPlan(10, 10, 0)).toThrow(/top zoom must be above 0 and at most 8, got 0/);
    expect(() => faceSearchPlan(10, 10, Number.NaN)).toThrow(/top zoom/);
  });

  it('refuses a size that is not a picture', () => {
    expect(() => faceSearchPlan(0, 10)).toThrow(/picture size 0x10 is not a picture/);
    expect(() => faceSearchPlan(10.5, 10)).toThrow(/not a picture/);
  });
});
