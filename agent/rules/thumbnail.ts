import type { Thumbnail } from '../shared/types.js';

export type { Thumbnail };

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
