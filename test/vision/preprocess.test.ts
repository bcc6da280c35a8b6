import { describe, expect, it } from 'vitest';
import type { Frame } from '../../agent/shared/types.js';
import { fitInputSize, letterbox, letterboxInto, LETTERBOX_FILL } from '../../agent/vision/preprocess.js';

function frame(width: number, height: number, pixels: number[] | Buffer, format: Frame['format'] = 'rgb24'): Frame {
  return { cameraId: 'cam-1', seq: 7, ts: 0, wallTs: 0, width, height, format, pixels: Buffer.from(pixels) };
}

/** Pixel (x, y) of an NHWC float buffer of width w. */
const px = (out: Float32Array, w: number, x: number, y: number) => Array.from(out.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));

describe('fitInputSize (size-free model input)', () => {
  it.each([
    ['a 4:3 frame: scaled down, no bars', 768, 576, { width: 512, height: 384 }],
    ['a square region crop: its own pixels', 320, 320, { width: 320, height: 320 }],
    ['a small 4:3 frame is never scaled up; sides rounded up to the step', 300, 230, { width: 320, height: 256 }],
    ['a 3:4 (portrait) frame', 576, 768, { width: 384, height: 512 }],
    ['a 16:9 frame keeps the square letterbox', 1920, 1080, { width: 512, height: 512 }],
    ['a small 16:9 frame too (as before: scaled up into it)', 352, 198, { width: 512, height: 512 }],
    ['a large square frame', 1000, 1000, { width: 512, height: 512 }],
  ] as const)('%s', (_name, w, h, want) => {
    expect(fitInputSize(w, h, 512, 512, 32)).toEqual(want);
  });

  it('refuses sizes that are not positive integers, naming them', () => {
    expect(() => fitInputSize(0, 10, 512, 512, 32)).toThrow(/srcWidth must be a positive integer, got 0/);
    expect(() => fitInputSize(10, 10, 512, 512, 1.5)).toThrow(/multiple must be a positive integer, got 1.5/);
  });
});

describe('letterbox geometry', () => {
  it('fits the 768x576 detect size into 512x512 with bars above and below', () => {
    expect(letterbox(768, 576, 512, 512)).toEqual({
      srcWidth: 768,
      srcHeight: 576,
      dstWidth: 512,
      dstHeight: 512,
      contentWidth: 512,
      contentHeight: 384,
      padX: 0,
      padY: 64,
      scaleX: 512 / 768,
      scaleY: 384 / 576,
    });
  });

  it('puts bars left and right for portrait frames, and none for square ones', () => {
    expect(letterbox(480, 640, 512, 512)).toMatchObject({ contentWidth: 384, contentHeight: 512, padX: 64, padY: 0 });
    expect(letterbox(1024, 1024, 512, 512)).toMatchObject({ contentWidth: 512, contentHeight: 512, padX: 0, padY: 0, scaleX: 0.5 });
  });

  it('rounds the content size and keeps the exact per-axis scale of that rounding', () => {
    // 1280x720 → 512 wide: 720 * 0.4 = 288 exactly; 1366x768 → 768 * 512/1366 = 287.86 → 288
    const lb = letterbox(1366, 768, 512, 512);
    expect(lb).toMatchObject({ contentWidth: 512, contentHeight: 288, padY: 112 });
    expect(lb.scaleY).toBeCloseTo(288 / 768, 12);
  });

  it('rejects sizes that are not positive integers', () => {
    expect(() => letterbox(0, 576, 512, 512)).toThrow(/srcWidth must be a positive integer, got 0/);
    expect(() => letterbox(768, 576.5, 512, 512)).toThrow(/srcHeight/);
  });
});

describe('letterboxInto', () => {
  it('copies pixels unchanged when no resize is needed (RGB order kept, raw 0-255)', () => {
    const pixels = [10, 20, 30, 40, 50, 60, 70, 80, 90, 250, 251, 252];
    const out = new Float32Array(2 * 2 * 3);
    letterboxInto(frame(2, 2, pixels), letterbox(2, 2, 2, 2), out);
    expect(Array.from(out)).toEqual(pixels);
  });

  it('interpolates at pixel centres: a 2-pixel ramp upsampled to 4 gives 0, 25, 75, 100', () => {
    // src 2 px → dst 4 px: centres map to -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
    const out = new Float32Array(4 * 4 * 3);
    letterboxInto(frame(2, 2, [0, 0, 0, 100, 100, 100, 0, 0, 0, 100, 100, 100]), letterbox(2, 2, 4, 4), out);
    expect([0, 1, 2, 3].map((x) => px(out, 4, x, 0)[0])).toEqual([0, 25, 75, 100]);
    expect([0, 1, 2, 3].map((x) => px(out, 4, x, 3)[0])).toEqual([0, 25, 75, 100]);
  });

  it('averages 2x2 blocks when halving (bilinear at centres hits the block centre)', () => {
    const out = new Float32Array(1 * 1 * 3);
    letterboxInto(frame(2, 2, [0, 0, 0, 40, 40, 40, 80, 80, 80, 120, 120, 120]), letterbox(2, 2, 1, 1), out);
    expect(Array.from(out)).toEqual([60, 60, 60]);
  });

  it('fills the bars with the fill value and places the content between them', () => {
    // 4x2 into 4x4: content 4x2 at padY 1
    const pixels = Array.from({ length: 4 * 2 * 3 }, (_, i) => i);
    const out = new Float32Array(4 * 4 * 3);
    letterboxInto(frame(4, 2, pixels), letterbox(4, 2, 4, 4), out);
    for (let x = 0; x < 4; x++) {
      expect(px(out, 4, x, 0)).toEqual([LETTERBOX_FILL, LETTERBOX_FILL, LETTERBOX_FILL]);
      expect(px(out, 4, x, 3)).toEqual([LETTERBOX_FILL, LETTERBOX_FILL, LETTERBOX_FILL]);
      expect(px(out, 4, x, 1)).toEqual(pixels.slice(x * 3, x * 3 + 3));
      expect(px(out, 4, x, 2)).toEqual(pixels.slice(12 + x * 3, 12 + x * 3 + 3));
    }
  });

  it('fills side bars for portrait content and overwrites stale data from a previous frame', () => {
    const out = new Float32Array(4 * 4 * 3).fill(-1);
    letterboxInto(frame(2, 4, Array.from({ length: 24 }, () => 9)), letterbox(2, 4, 4, 4), out, 0);
    expect(px(out, 4, 0, 2)).toEqual([0, 0, 0]);
    expect(px(out, 4, 1, 2)).toEqual([9, 9, 9]);
    expect(px(out, 4, 3, 2)).toEqual([0, 0, 0]);
    expect(out.includes(-1)).toBe(false);
  });

  it('replicates gray frames to three channels', () => {
    const out = new Float32Array(2 * 1 * 3);
    letterboxInto(frame(2, 1, [7, 200], 'gray'), letterbox(2, 1, 2, 1), out);
    expect(Array.from(out)).toEqual([7, 7, 7, 200, 200, 200]);
  });

  it('rejects a frame whose buffer does not match its size, naming camera, frame and sizes', () => {
    const out = new Float32Array(2 * 2 * 3);
    expect(() => letterboxInto(frame(2, 2, [1, 2, 3]), letterbox(2, 2, 2, 2), out)).toThrow(
      'camera cam-1 frame 7: 2x2 rgb24 needs 12 bytes, got 3',
    );
  });

  it('rejects a frame of another size than the letterbox, and an output of the wrong length', () => {
    const f = frame(2, 2, new Array<number>(12).fill(0));
    expect(() => letterboxInto(f, letterbox(4, 4, 2, 2), new Float32Array(12))).toThrow(/frame is 2x2 but the letterbox was made for 4x4/);
    expect(() => letterboxInto(f, letterbox(2, 2, 2, 2), new Float32Array(11))).toThrow(/output holds 11 floats, the model input needs 12/);
  });
});
