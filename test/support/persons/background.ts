/**
 * The empty scene of a clip where people keep moving: the per-pixel temporal median of frames spread over it. A
 * walker covers any one pixel for a small share of the time, so the median is the floor behind them.
 */
import type { Frame } from '../../../agent/shared/types.js';

/** Median of each byte over `frames` (all of one size and format); use an odd count of 9 or more, spread in time. */
export function medianBackground(frames: readonly Frame[]): Buffer {
  const first = frames[0];
  if (!first) throw new Error('medianBackground: no frames');
  const n = first.pixels.length;
  if (frames.some((f) => f.pixels.length !== n)) throw new Error('medianBackground: frames of different sizes');
  const out = Buffer.alloc(n);
  const vals = new Uint8Array(frames.length);
  const px = frames.map((f) => f.pixels);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < px.length; k++) vals[k] = (px[k] as Buffer)[i] as number;
    vals.sort();
    out[i] = vals[vals.length >> 1] as number;
  }
  return out;
}
