import sharp from 'sharp';
import type { Box } from '../shared/types.js';

/** A sharp pipeline (sharp's `export =` typings give no importable name for it under NodeNext). */
type Img = ReturnType<typeof sharp>;

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
 * blocks (at most `blocksAcross` along its longer side, averaging away everything finer), blown
 * back up and blurred over the block edges. What is left is a few colour averages per head, so
 * nothing can recover the face; a blur alone would be partly invertible (deconvolution).
 */
export async function blurRegions(img: RawImage, regions: readonly Rect[]): Promise<void> {
  const { data, width, channels } = img;
  for (const r of regions) {
    const sub = Buffer.alloc(r.w * r.h * channels);
    for (let y = 0; y < r.h; y++) {
      const from = ((r.y + y) * width + r.x) * channels;
      data.copy(sub, y * r.w * channels, from, from + r.w * channels);
    }
    const out = await pixelate(sub, r.w, r.h, channels);
    for (let y = 0; y < r.h; y++) {
      out.copy(data, ((r.y + y) * width + r.x) * channels, y * r.w * channels, (y + 1) * r.w * channels);
    }
  }
}

async function pixelate(sub: Buffer, w: number, h: number, channels: 1 | 3): Promise<Buffer> {
  const block = Math.max(BLUR_DEFAULTS.minBlockPx, Math.ceil(Math.max(w, h) / BLUR_DEFAULTS.blocksAcross));
  const bw = Math.max(1, Math.round(w / block));
  const bh = Math.max(1, Math.round(h / block));
  const raw = { width: w, height: h, channels };
  // libvips turns one-band pictures into sRGB on the way out unless told to keep them gray.
  const keep = (img: Img): Img => (channels === 1 ? img.toColourspace('b-w') : img);
  const small = await keep(sharp(sub, { raw }).resize(bw, bh, { fit: 'fill', kernel: 'linear' })).raw().toBuffer();
  let up = sharp(small, { raw: { width: bw, height: bh, channels } }).resize(w, h, { fit: 'fill', kernel: 'nearest' });
  if (w >= 3 && h >= 3) up = up.blur(Math.max(0.3, block / 2));
  up = keep(up);
  const { data, info } = await up.raw().toBuffer({ resolveWithObject: true });
  if (info.width !== w || info.height !== h || info.channels !== channels || data.length !== sub.length) {
    // Never hand back a region of the wrong shape: the caller would copy unblurred pixels around it.
    throw new Error(`blur: sharp returned ${info.width}×${info.height}×${info.channels} for a ${w}×${h}×${channels} region`);
  }
  return data;
}
