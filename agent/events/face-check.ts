import sharp from 'sharp';
import type { Box, Frame } from '../shared/types.js';

/** Faces a face detector finds in `region` of `frame` (frame pixels). */
export type FaceFinder = (frame: Frame, region: Box) => Promise<readonly Box[]>;

export const FACE_CHECK_DEFAULTS = {
  /** Search tiles are this part of the picture's shorter side (a face detector sees small faces only in small tiles)… */
  tileFraction: 0.5,
  /** …and at least this many pixels. */
  minTilePx: 16,
} as const;

/**
 * Overlapping square tiles over a `width × height` picture, each half the shorter side (at least 16 px), stepping by
 * half a tile, clipped to the picture: every face up to about a tile's size lies wholly inside one of them.
 */
export function searchTiles(width: number, height: number): Box[] {
  const side = Math.max(FACE_CHECK_DEFAULTS.minTilePx, Math.min(width, height) * FACE_CHECK_DEFAULTS.tileFraction);
  const out: Box[] = [];
  for (let y = 0; y < height; y += side / 2) {
    for (let x = 0; x < width; x += side / 2) out.push({ x1: x, y1: y, x2: Math.min(width, x + side), y2: Math.min(height, y + side) });
  }
  return out;
}

/**
 * Every face `find` reports in the encoded picture `jpeg`, searched tile by tile (`searchTiles`): the check a
 * snapshot passes before it may leave the process, made on the very bytes that would leave.
 */
export async function facesInJpeg(jpeg: Buffer, find: FaceFinder): Promise<Box[]> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 && info.channels !== 3) throw new Error(`face check: decoded snapshot has ${info.channels} channels`);
  const frame: Frame = {
    cameraId: 'snapshot-check',
    seq: 0,
    ts: 0,
    wallTs: 0,
    width: info.width,
    height: info.height,
    format: info.channels === 1 ? 'gray' : 'rgb24',
    pixels: data,
  };
  const found: Box[] = [];
  for (const tile of searchTiles(info.width, info.height)) found.push(...(await find(frame, tile)));
  return found;
}
