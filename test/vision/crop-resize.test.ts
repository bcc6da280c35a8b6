import { describe, expect, it } from 'vitest';
import type { Frame } from '../../agent/shared/types.js';
import { boxShrinkInto, cropResizeInto, squareAround } from '../../agent/vision/crop-resize.js';

/** A 4x3 rgb frame whose pixel (x, y) is (10x + y, 100 + 10x + y, 200 + y). */
function frame(format: Frame['format'] = 'rgb24'): Frame {
  const w = 4;
  const h = 3;
  const ch = format === 'gray' ? 1 : 3;
  const px = Buffer.alloc(w * h * ch);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * ch;
      px[o] = 10 * x + y;
      if (ch === 3) {
        px[o + 1] = 100 + 10 * x + y;
        px[o + 2] = 200 + y;
      }
    }
  }
  return { cameraId: 'c', seq: 7, ts: 0, wallTs: 0, width: w, height: h, format, pixels: px };
}

describe('cropResizeInto', () => {
  it('copies pixels exactly when the region is the frame at its own size', () => {
    const f = frame();
    const out = new Float32Array(4 * 3 * 3);
    cropResizeInto(f, { x1: 0, y1: 0, x2: 4, y2: 3 }, 4, 3, out);
    expect(Array.from(out)).toEqual(Array.from(f.pixels));
  });

  it('cuts a sub-region and normalises (x / 127.5 − 1)', () => {
    const out = new Float32Array(2 * 1 * 3);
    cropResizeInto(frame(), { x1: 2, y1: 1, x2: 4, y2: 2 }, 2, 1, out, { scale: 1 / 127.5, offset: -1 });
    const want = [21, 121, 201, 31, 131, 201].map((v) => v / 127.5 - 1);
    out.forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 6));
  });

  it('interpolates bilinearly at pixel centres when upscaling', () => {
    // Region x 0..2 at 4 samples: centres at source 0.25, 0.75, 1.25, 1.75 → minus 0.5: −0.25 (clamped to 0), 0.25, 0.75, 1.25.
    const out = new Float32Array(4 * 1 * 3);
    cropResizeInto(frame(), { x1: 0, y1: 0, x2: 2, y2: 1 }, 4, 1, out);
    expect([out[0], out[3], out[6], out[9]].map((v) => Math.round((v as number) * 100) / 100)).toEqual([0, 2.5, 7.5, 12.5]);
  });

  it('fills what lies outside the frame, normalised like the pixels, and keeps the inside in place', () => {
    const out = new Float32Array(2 * 2 * 3);
    // Region from (-1,-1) to (1,1) at 1 px per sample: only the bottom-right sample is inside (pixel 0,0).
    cropResizeInto(frame(), { x1: -1, y1: -1, x2: 1, y2: 1 }, 2, 2, out, { scale: 2, offset: 1 }, 5);
    expect(Array.from(out.subarray(0, 9))).toEqual(Array(9).fill(11));
    expect(Array.from(out.subarray(9))).toEqual([1, 201, 401]);
  });

  it('replicates a gray frame to three channels', () => {
    const out = new Float32Array(4 * 3 * 3);
    cropResizeInto(frame('gray'), { x1: 0, y1: 0, x2: 4, y2: 3 }, 4, 3, out);
    expect(Array.from(out.subarray(0, 6))).toEqual([0, 0, 0, 10, 10, 10]);
  });

  it('rejects bad arguments with messages that name them', () => {
    const out = new Float32Array(12);
    expect(() => cropResizeInto(frame(), { x1: 1, y1: 0, x2: 1, y2: 3 }, 2, 2, out)).toThrow(/region .* is empty/);
    expect(() => cropResizeInto(frame(), { x1: 0, y1: 0, x2: 4, y2: 3 }, 2, 2, new Float32Array(5))).toThrow(/output holds 5 floats, 2x2x3 needs 12/);
    expect(() => cropResizeInto(frame(), { x1: 0, y1: 0, x2: 4, y2: 3 }, 0, 2, out)).toThrow(/destination size/);
    const bad = { ...frame(), pixels: Buffer.alloc(3) };
    expect(() => cropResizeInto(bad, { x1: 0, y1: 0, x2: 4, y2: 3 }, 2, 2, out)).toThrow('camera c frame 7: 4x3 rgb24 needs 36 bytes, got 3');
  });
});

describe('squareAround', () => {
  it('makes a square on the longer side around the centre, optionally grown', () => {
    expect(squareAround({ x1: 10, y1: 20, x2: 30, y2: 60 })).toEqual({ x1: 0, y1: 20, x2: 40, y2: 60 });
    expect(squareAround({ x1: 0, y1: 0, x2: 10, y2: 10 }, 1.2)).toEqual({ x1: -1, y1: -1, x2: 11, y2: 11 });
  });
});

describe('boxShrinkInto', () => {
  it('averages each factor × factor block; a block cut by the edge averages what is inside, one outside is filled', () => {
    // The 4x3 frame shrunk 2×: blocks x 0–1, 2–3 and rows 0–1, then row 2 alone; a third column lies outside.
    const out = new Float32Array(3 * 2 * 3);
    boxShrinkInto(frame(), 2, 0, 0, 3, 2, out, undefined, 7);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const want = [
      [mean([0, 10, 1, 11]), mean([100, 110, 101, 111]), 200.5],
      [mean([20, 30, 21, 31]), mean([120, 130, 121, 131]), 200.5],
      [7, 7, 7],
      [mean([2, 12]), mean([102, 112]), 202],
      [mean([22, 32]), mean([122, 132]), 202],
      [7, 7, 7],
    ].flat();
    out.forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 6));
  });

  it('starts at a window of the shrunk picture, replicates gray to three channels, normalises, refuses bad arguments', () => {
    const out = new Float32Array(1 * 1 * 3);
    boxShrinkInto(frame('gray'), 2, 1, 0, 1, 1, out, { scale: 1 / 127.5, offset: -1 });
    const v = (20 + 30 + 21 + 31) / 4 / 127.5 - 1;
    expect(Array.from(out).map((x) => +x.toFixed(6))).toEqual([v, v, v].map((x) => +x.toFixed(6)));
    expect(() => boxShrinkInto(frame(), 1.5, 0, 0, 1, 1, out)).toThrow(/factor must be a whole number >= 1, got 1.5/);
    expect(() => boxShrinkInto(frame(), 2, 0, 0, 2, 1, out)).toThrow(/output holds 3 floats, 2x1x3 needs 6/);
  });
});
