/** The pixelation every head and every face the check finds goes through (blurRegions), on seeded noise. */
import { describe, expect, it } from 'vitest';
import { blurRegions, type RawImage, type Rect } from '../../agent/events/index.js';

function noise(width: number, height: number, channels: 1 | 3): RawImage {
  const data = Buffer.alloc(width * height * channels);
  let s = 11;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return { data, width, height, channels };
}

/** Mean absolute difference of horizontal neighbours inside `r` (channel 0). */
function detail(img: RawImage, r: Rect): number {
  let sum = 0;
  let n = 0;
  for (let y = r.y; y < r.y + r.h; y++) {
    for (let x = r.x; x < r.x + r.w - 1; x++) {
      sum += Math.abs(img.data[(y * img.width + x) * img.channels]! - img.data[(y * img.width + x + 1) * img.channels]!);
      n++;
    }
  }
  return sum / n;
}

describe('blurRegions', () => {
  for (const channels of [3, 1] as const) {
    it(`${channels === 3 ? 'rgb' : 'gray'}: destroys the detail inside each region and leaves every byte outside as it was`, async () => {
      const img = noise(120, 90, channels);
      const before = Buffer.from(img.data);
      const regions: Rect[] = [
        { x: 10, y: 10, w: 40, h: 30 },
        { x: 80, y: 50, w: 36, h: 36 },
      ];
      expect(detail(img, regions[0]!)).toBeGreaterThan(60);
      await blurRegions(img, regions);
      for (const r of regions) expect(detail(img, r)).toBeLessThan(6);
      const inside = (x: number, y: number) => regions.some((r) => x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h);
      for (let y = 0; y < 90; y++) {
        for (let x = 0; x < 120; x++) {
          if (inside(x, y)) continue;
          for (let c = 0; c < channels; c++) expect(img.data[(y * 120 + x) * channels + c]).toBe(before[(y * 120 + x) * channels + c]);
        }
      }
    });
  }

  it('keeps the colour of the region: each block is its pixels’ mean (a flat region stays the same)', async () => {
    const img: RawImage = { data: Buffer.alloc(50 * 40 * 3, 77), width: 50, height: 40, channels: 3 };
    await blurRegions(img, [{ x: 5, y: 5, w: 30, h: 30 }]);
    expect(img.data.every((v) => v === 77)).toBe(true);
    const tiny = noise(8, 8, 3);
    const mean = [0, 1, 2].map((c) => [0, 1].flatMap((y) => [0, 1].map((x) => tiny.data[(y * 8 + x) * 3 + c]!)).reduce((a, b) => a + b, 0) / 4);
    await blurRegions(tiny, [{ x: 0, y: 0, w: 2, h: 2 }]); // under 3 px: one block, no blur pass
    for (let c = 0; c < 3; c++) expect(tiny.data[c]).toBe(Math.round(mean[c]!));
  });

  it('refuses a region that does not lie in the picture, before changing anything', async () => {
    const img = noise(40, 30, 3);
    const before = Buffer.from(img.data);
    await expect(blurRegions(img, [{ x: 0, y: 0, w: 10, h: 10 }, { x: 35, y: 0, w: 10, h: 10 }])).rejects.toThrow(/region \{"x":35,"y":0,"w":10,"h":10\} does not lie in the 40×30 picture/);
    expect(img.data.equals(before), 'not even the region that lies inside was blurred').toBe(true);
    await expect(blurRegions({ ...img, data: Buffer.alloc(5) }, [])).rejects.toThrow(/a 40×30×3 picture needs 3600 bytes, has 5/);
  });
});
