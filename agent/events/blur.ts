import type { Box } from '../shared/types.js';

/** A tightly packed raw picture in memory (rows top to bottom). */
export interface RawImage {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
}

/** Integer pixel rectangle, `[x, x + w) × [y, y + h)`. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export const BLUR_DEFAULTS = {
  /** Part of a person box's height, from its top, that holds the head. */
  headFraction: 0.22,
  /** A region is pixelated to at most this many blocks along its longer side… */
  blocksAcross: 6,
  /** …and blocks are at least this many pixels. */
  minBlockPx: 6,
} as const;

/**
 * The head region of a person box: its top `fraction` of the height, the full width, grown a
 * little (heads stick out of loose boxes, and a bent head sits lower). Covers faces the face
 * detector missed (small, masked, turned away).
 */
export function headRegion(person: Box, fraction: number = BLUR_DEFAULTS.headFraction): Box {
  const w = person.x2 - person.x1;
  const h = person.y2 - person.y1;
  return { x1: person.x1 - 0.1 * w, y1: person.y1 - 0.05 * h, x2: person.x2 + 0.1 * w, y2: person.y1 + fraction * h };
}

/** `box` grown by `fraction` of its size on every side (face boxes are tight around the features). */
export function grow(box: Box, fraction: number): Box {
  const dx = (box.x2 - box.x1) * fraction;
  const dy = (box.y2 - box.y1) * fraction;
  return { x1: box.x1 - dx, y1: box.y1 - dy, x2: box.x2 + dx, y2: box.y2 + dy };
}

/** The whole pixels `box` touches, clipped to `width × height`; null when nothing is left. */
export function toRect(box: Box, width: number, height: number): Rect | null {
  const x1 = Math.max(0, Math.floor(box.x1));
  const y1 = Math.max(0, Math.floor(box.y1));
  const x2 = Math.min(width, Math.ceil(box.x2));
  const y2 = Math.min(height, Math.ceil(box.y2));
  if (!(x2 > x1 && y2 > y1)) return null;
  return { x: x1, y: y1, w: x2 - x1, h: y2 - y1 };
}

/**
 * Destroys the detail of every region of `img`, in place: each region is shrunk to a handful of
 * blocks (at most `blocksAcross` along its longer side, each the mean of its pixels, averaging away everything
 * finer), blown back up and blurred over the block edges. What is left is a few colour averages per head, so
 * nothing can recover the face; a blur alone would be partly invertible (deconvolution). Plain loops over a few
 * hundred pixels: ~0.1 ms a region, where two sharp pipelines cost ~3.4 ms (measured), and a snapshot's face check
 * may blur a region per round.
 */
export function blurRegions(img: RawImage, regions: readonly Rect[]): Promise<void> {
  // All checked first: never blur some regions and hand the picture back with others as they were.
  if (img.data.length !== img.width * img.height * img.channels) {
    return Promise.reject(new RangeError(`blur: a ${img.width}×${img.height}×${img.channels} picture needs ${img.width * img.height * img.channels} bytes, has ${img.data.length}`));
  }
  const outside = regions.find((r) => !(r.x >= 0 && r.y >= 0 && r.w >= 1 && r.h >= 1 && r.x + r.w <= img.width && r.y + r.h <= img.height));
  if (outside) return Promise.reject(new RangeError(`blur: region ${JSON.stringify(outside)} does not lie in the ${img.width}×${img.height} picture`));
  for (const r of regions) pixelate(img, r);
  return Promise.resolve();
}

function pixelate(img: RawImage, r: Rect): void {
  const { data, width, channels: ch } = img;
  const block = Math.max(BLUR_DEFAULTS.minBlockPx, Math.ceil(Math.max(r.w, r.h) / BLUR_DEFAULTS.blocksAcross));
  const bw = Math.max(1, Math.round(r.w / block));
  const bh = Math.max(1, Math.round(r.h / block));
  // Block (i, j) covers columns [⌊i·w/bw⌋, ⌊(i+1)·w/bw⌋) and rows alike: every pixel in exactly one block.
  const colBlock = Int32Array.from({ length: r.w }, (_, x) => Math.min(bw - 1, Math.floor((x * bw) / r.w)));
  const rowBlock = Int32Array.from({ length: r.h }, (_, y) => Math.min(bh - 1, Math.floor((y * bh) / r.h)));
  const sums = new Float64Array(bw * bh * ch);
  const counts = new Float64Array(bw * bh);
  for (let y = 0; y < r.h; y++) {
    const rowBase = (rowBlock[y] as number) * bw;
    let p = ((r.y + y) * width + r.x) * ch;
    for (let x = 0; x < r.w; x++, p += ch) {
      const b = rowBase + (colBlock[x] as number);
      counts[b] = (counts[b] as number) + 1;
      for (let c = 0; c < ch; c++) sums[b * ch + c] = (sums[b * ch + c] as number) + (data[p + c] as number);
    }
  }
  // Blown up (nearest), as floats for the blur.
  const up = new Float32Array(r.w * r.h * ch);
  for (let y = 0; y < r.h; y++) {
    const rowBase = (rowBlock[y] as number) * bw;
    for (let x = 0; x < r.w; x++) {
      const b = rowBase + (colBlock[x] as number);
      for (let c = 0; c < ch; c++) up[(y * r.w + x) * ch + c] = (sums[b * ch + c] as number) / (counts[b] as number);
    }
  }
  const out = r.w >= 3 && r.h >= 3 ? gaussianBlur(up, r.w, r.h, ch, Math.max(0.3, block / 2)) : up;
  for (let y = 0; y < r.h; y++) {
    let p = ((r.y + y) * width + r.x) * ch;
    for (let i = y * r.w * ch, end = (y + 1) * r.w * ch; i < end; i++, p++) data[p] = Math.round(out[i] as number);
  }
}

/**
 * Gaussian blur of a float picture, edges extended (the region is blurred on its own), approximated by three box
 * blurs per axis (running sums: the cost does not grow with sigma, so a large region costs no more per pixel).
 */
function gaussianBlur(src: Float32Array, w: number, h: number, ch: number, sigma: number): Float32Array {
  // Three boxes of width 2r+1 have the variance of a Gaussian of sigma when (2r+1)² = 4σ² + 1.
  const r = Math.max(1, Math.round((Math.sqrt(4 * sigma * sigma + 1) - 1) / 2));
  let a: Float32Array = src;
  let b: Float32Array = new Float32Array(src.length);
  for (let pass = 0; pass < 3; pass++) {
    boxAlong(a, b, w, h, ch, r, true);
    [a, b] = [b, a];
    boxAlong(a, b, w, h, ch, r, false);
    [a, b] = [b, a];
  }
  return a;
}

/** One box blur of radius r along rows (`alongX`) or columns, from `from` into `to`, edges extended. */
function boxAlong(from: Float32Array, to: Float32Array, w: number, h: number, ch: number, r: number, alongX: boolean): void {
  const n = alongX ? w : h;
  const lines = alongX ? h : w;
  const step = (alongX ? 1 : w) * ch;
  const norm = 1 / (2 * r + 1);
  for (let line = 0; line < lines; line++) {
    for (let c = 0; c < ch; c++) {
      const base = (alongX ? line * w : line) * ch + c;
      const at = (i: number) => from[base + Math.min(n - 1, Math.max(0, i)) * step] as number;
      let acc = 0;
      for (let i = -r; i <= r; i++) acc += at(i);
      for (let i = 0; i < n; i++) {
        to[base + i * step] = acc * norm;
        acc += at(i + r + 1) - at(i - r);
      }
    }
  }
}
