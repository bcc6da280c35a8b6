import type { MonoMs } from '../shared/types.js';

/**
 * A small gray copy of one frame (e.g. 64×48), for the tamper rule: cheap to analyse on every
 * frame, and enough to tell a covered, blurred or turned camera from a normal one. The app makes it
 * with a downscale of the decoded frame.
 */
export interface Thumbnail {
  /** Monotonic ms of the frame it was made from. */
  readonly ts: MonoMs;
  readonly width: number;
  readonly height: number;
  /** `width * height` luma bytes, rows top to bottom. */
  readonly gray: Uint8Array;
}

/** Throws a RangeError naming what is wrong; a thumbnail that lies about its size would read garbage. */
export function checkThumbnail(t: Thumbnail, where: string): void {
  if (!Number.isInteger(t.width) || !Number.isInteger(t.height) || t.width < 3 || t.height < 3) {
    throw new RangeError(`${where}: thumbnail must be at least 3×3 whole pixels (got ${t.width}×${t.height})`);
  }
  if (t.gray.length !== t.width * t.height) {
    throw new RangeError(`${where}: thumbnail of ${t.width}×${t.height} needs ${t.width * t.height} bytes, got ${t.gray.length}`);
  }
  if (!Number.isFinite(t.ts)) throw new RangeError(`${where}: thumbnail ts must be a finite monotonic ms value`);
}
