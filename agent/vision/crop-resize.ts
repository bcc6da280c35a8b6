/**
 * Cuts a region out of a frame and resizes it into a model's NHWC float input, for the models that
 * look at a part of the picture (faces in a head region, a face crop for the mask classifier).
 * The region may reach past the frame's edges (a head at the top of the picture, a margin around a
 * face): what lies outside is filled, so the subject keeps its place and shape in the input.
 *
 * The same function prepares the mask classifier's training crops (scripts/mask/train-mask.ts), so what the
 * model saw in training is exactly what it gets at run time.
 */
import type { Box, Frame } from '../shared/types.js';
import { bilerp, checkFrame } from './preprocess.js';

/** Model value = pixel × scale + offset (e.g. 1/127.5 and −1 for [−1, 1]). */
export interface PixelNormalisation {
  readonly scale: number;
  readonly offset: number;
}

export const RAW_PIXELS: PixelNormalisation = { scale: 1, offset: 0 };

/** A square of side `max(w, h) × grow` around the box's centre: no distortion, optional margin. */
export function squareAround(box: Box, grow = 1): Box {
  const cx = (box.x1 + box.x2) / 2;
  const cy = (box.y1 + box.y2) / 2;
  const half = (Math.max(box.x2 - box.x1, box.y2 - box.y1) * grow) / 2;
  return { x1: cx - half, y1: cy - half, x2: cx + half, y2: cy + half };
}

/**
 * Writes `region` of `frame`, resized to dstWidth × dstHeight, into `out` as RGB floats (NHWC, batch 1).
 * Bilinear sampling at pixel centres; samples whose centre lies outside the frame get `fill` (a raw
 * 0–255 value, normalised like the pixels). Gray frames are replicated to three channels.
 */
export function cropResizeInto(
  frame: Frame,
  region: Box,
  dstWidth: number,
  dstHeight: number,
  out: Float32Array,
  norm: PixelNormalisation = RAW_PIXELS,
  fill = 0,
): void {
  checkFrame(frame);
  if (!Number.isInteger(dstWidth) || !Number.isInteger(dstHeight) || dstWidth <= 0 || dstHeight <= 0) {
    throw new RangeError(`cropResizeInto: destination size must be positive integers, got ${dstWidth}x${dstHeight}`);
  }
  if (out.length !== dstWidth * dstHeight * 3) {
    throw new Error(`cropResizeInto: output holds ${out.length} floats, ${dstWidth}x${dstHeight}x3 needs ${dstWidth * dstHeight * 3}`);
  }
  const rw = region.x2 - region.x1;
  const rh = region.y2 - region.y1;
  if (!(rw > 0) || !(rh > 0) || !Number.isFinite(rw) || !Number.isFinite(rh)) {
    throw new RangeError(`cropResizeInto: region ${JSON.stringify(region)} is empty or not finite`);
  }
  const ch = frame.format === 'gray' ? 1 : 3;
  const src = frame.pixels;
  const rowBytes = frame.width * ch;
  const g1 = ch === 1 ? 0 : 1;
  const g2 = ch === 1 ? 0 : 2;
  const cols = taps(region.x1, rw, dstWidth, frame.width);
  const rows = taps(region.y1, rh, dstHeight, frame.height);
  const { scale, offset } = norm;
  const fillValue = fill * scale + offset;
  let o = 0;
  for (let y = 0; y < dstHeight; y++) {
    const wy = rows.w[y] as number;
    if (wy < 0) {
      out.fill(fillValue, o, o + dstWidth * 3);
      o += dstWidth * 3;
      continue;
    }
    const r0 = (rows.i0[y] as number) * rowBytes;
    const r1 = (rows.i1[y] as number) * rowBytes;
    for (let x = 0; x < dstWidth; x++) {
      const wx = cols.w[x] as number;
      if (wx < 0) {
        out[o++] = fillValue;
        out[o++] = fillValue;
        out[o++] = fillValue;
        continue;
      }
      const c0 = (cols.i0[x] as number) * ch;
      const c1 = (cols.i1[x] as number) * ch;
      const a = r0 + c0;
      const b = r0 + c1;
      const c = r1 + c0;
      const d = r1 + c1;
      out[o++] = bilerp(src, a, b, c, d, wx, wy) * scale + offset;
      out[o++] = bilerp(src, a + g1, b + g1, c + g1, d + g1, wx, wy) * scale + offset;
      out[o++] = bilerp(src, a + g2, b + g2, c + g2, d + g2, wx, wy) * scale + offset;
    }
  }
}

interface Taps {
  i0: Int32Array;
  i1: Int32Array;
  /** Weight of i1; −1 marks a sample outside the source (filled). */
  w: Float32Array;
}

/** Per destination index along one axis: the two source indices and the weight of the second. */
function taps(start: number, length: number, dst: number, src: number): Taps {
  const i0 = new Int32Array(dst);
  const i1 = new Int32Array(dst);
  const w = new Float32Array(dst);
  const step = length / dst;
  for (let i = 0; i < dst; i++) {
    // Source coordinate of the destination pixel's centre, in pixel-index units (pixel k spans k..k+1).
    const pos = start + (i + 0.5) * step - 0.5;
    if (pos < -0.5 || pos > src - 0.5) {
      w[i] = -1;
      continue;
    }
    const p = Math.min(Math.max(pos, 0), src - 1);
    const lo = Math.floor(p);
    i0[i] = lo;
    i1[i] = Math.min(lo + 1, src - 1);
    w[i] = p - lo;
  }
  return { i0, i1, w };
}

/**
 * Writes a `dstWidth` × `dstHeight` window of `frame` shrunk by the whole number `factor` into `out` (NHWC floats,
 * like cropResizeInto): output pixel (i, j) is the mean of the frame's pixels in the `factor` × `factor` block at
 * ((x0 + i)·factor, (y0 + j)·factor), the part of the block inside the frame; a block wholly outside gets `fill`.
 * An area average, so a picture shrunk 8× keeps its shapes instead of the aliasing a bilinear sample would give.
 */
export function boxShrinkInto(
  frame: Frame,
  factor: number,
  x0: number,
  y0: number,
  dstWidth: number,
  dstHeight: number,
  out: Float32Array,
  norm: PixelNormalisation = RAW_PIXELS,
  fill = 0,
): void {
  checkFrame(frame);
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`boxShrinkInto: factor must be a whole number >= 1, got ${factor}`);
  if (out.length !== dstWidth * dstHeight * 3) {
    throw new Error(`boxShrinkInto: output holds ${out.length} floats, ${dstWidth}x${dstHeight}x3 needs ${dstWidth * dstHeight * 3}`);
  }
  const ch = frame.format === 'gray' ? 1 : 3;
  const src = frame.pixels;
  const { scale, offset } = norm;
  const fillValue = fill * scale + offset;
  const sums = new Float64Array(3);
  let o = 0;
  for (let j = 0; j < dstHeight; j++) {
    const ya = (y0 + j) * factor;
    const yb = Math.min(frame.height, ya + factor);
    for (let i = 0; i < dstWidth; i++) {
      const xa = (x0 + i) * factor;
      const xb = Math.min(frame.width, xa + factor);
      if (ya >= frame.height || xa >= frame.width || ya < 0 || xa < 0) {
        out[o++] = fillValue;
        out[o++] = fillValue;
        out[o++] = fillValue;
        continue;
      }
      sums.fill(0);
      for (let y = ya; y < yb; y++) {
        let p = (y * frame.width + xa) * ch;
        for (let x = xa; x < xb; x++, p += ch) {
          sums[0] = (sums[0] as number) + (src[p] as number);
          if (ch === 3) {
            sums[1] = (sums[1] as number) + (src[p + 1] as number);
            sums[2] = (sums[2] as number) + (src[p + 2] as number);
          }
        }
      }
      const n = (yb - ya) * (xb - xa);
      const r = (sums[0] as number) / n;
      out[o++] = r * scale + offset;
      out[o++] = (ch === 3 ? (sums[1] as number) / n : r) * scale + offset;
      out[o++] = (ch === 3 ? (sums[2] as number) / n : r) * scale + offset;
    }
  }
}
