/**
 * Real pedestrians cut out of vtest.avi to paste into made-up scenes. Each sprite is a person box the project's
 * person detector found (boxes below, each crop checked by eye), with an alpha mask of the pixels that differ from
 * the empty scene: pasted elsewhere it brings the person, not the patch of floor they stood on.
 */
import type { Box, Frame } from '../../../agent/shared/types.js';

/** vtest.avi frame index and person box (frame pixels). Found by CenterNet 512 at score ≥ 0.55, crops viewed one by one. */
export const SPRITE_SOURCES: readonly { readonly frame: number; readonly box: Box }[] = [
  { frame: 665, box: { x1: 264, y1: 348, x2: 308, y2: 478 } }, // dark coat, walking towards the camera
  { frame: 665, box: { x1: 617, y1: 279, x2: 657, y2: 393 } }, // blue jacket
  { frame: 665, box: { x1: 460, y1: 198, x2: 492, y2: 269 } }, // black jacket, walking away
  { frame: 665, box: { x1: 304, y1: 149, x2: 326, y2: 214 } }, // red jacket
  { frame: 665, box: { x1: 596, y1: 166, x2: 624, y2: 246 } }, // dark red top
  { frame: 665, box: { x1: 250, y1: 153, x2: 274, y2: 223 } }, // dark clothes
  { frame: 475, box: { x1: 637, y1: 285, x2: 679, y2: 401 } },
];

/** Margin around the box kept in the sprite, so an arm or a foot just outside the detector's box is not cut off. */
const PAD = 4;
/** A pixel belongs to the person when one channel differs from the empty scene by more than this. */
const FG_THRESHOLD = 28;

export interface Sprite {
  readonly width: number;
  readonly height: number;
  readonly rgb: Buffer;
  /** 0..255 per pixel. */
  readonly alpha: Uint8Array;
  /** The person's box within the sprite (the detector's box, shifted by the padding). */
  readonly box: Box;
}

/** Cuts the sprite of `box` out of `frame` against the empty scene `background` (same size and format). */
export function cutSprite(frame: Frame, background: Buffer, box: Box): Sprite {
  const W = frame.width;
  const x0 = Math.max(0, Math.floor(box.x1) - PAD);
  const y0 = Math.max(0, Math.floor(box.y1) - PAD);
  const x1 = Math.min(W, Math.ceil(box.x2) + PAD);
  const y1 = Math.min(frame.height, Math.ceil(box.y2) + PAD);
  const w = x1 - x0;
  const h = y1 - y0;
  const rgb = Buffer.alloc(w * h * 3);
  const hard = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = ((y0 + y) * W + x0 + x) * 3;
      let diff = 0;
      for (let c = 0; c < 3; c++) {
        const v = frame.pixels[s + c] as number;
        rgb[(y * w + x) * 3 + c] = v;
        diff = Math.max(diff, Math.abs(v - (background[s + c] as number)));
      }
      hard[y * w + x] = diff > FG_THRESHOLD ? 1 : 0;
    }
  }
  // Close small holes (clothes the colour of the floor) and soften the edge: a 5×5 box over the hard mask.
  const alpha = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      let cnt = 0;
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
          sum += hard[yy * w + xx] as number;
          cnt++;
        }
      }
      alpha[y * w + x] = Math.min(255, Math.round((sum / cnt) * 2 * 255));
    }
  }
  return { width: w, height: h, rgb, alpha, box: { x1: box.x1 - x0, y1: box.y1 - y0, x2: box.x2 - x0, y2: box.y2 - y0 } };
}
