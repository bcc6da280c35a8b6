/**
 * Decodes a still picture (JPEG, PNG, WebP) into a packed rgb24 Frame with sharp, for tests,
 * benchmarks and the mask classifier's training: the vision stage only ever sees Frames.
 */
import sharp, { type OutputInfo } from 'sharp';
import type { Frame } from '../../agent/shared/types.js';

/** EXIF orientation is applied, alpha dropped, colours converted to sRGB. */
export async function readImageFrame(path: string, opts: { cameraId?: string; seq?: number; maxSide?: number } = {}): Promise<Frame> {
  let img = sharp(path, { failOn: 'error' }).rotate().removeAlpha().toColourspace('srgb');
  if (opts.maxSide !== undefined) img = img.resize(opts.maxSide, opts.maxSide, { fit: 'inside', withoutEnlargement: true });
  let out: { data: Buffer; info: OutputInfo };
  try {
    out = await img.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new Error(`cannot decode picture ${path}: ${(e as Error).message}`);
  }
  if (out.info.channels !== 3) throw new Error(`picture ${path} decoded to ${out.info.channels} channels, expected 3`);
  const seq = opts.seq ?? 0;
  return {
    cameraId: opts.cameraId ?? 'still',
    seq,
    ts: seq,
    wallTs: 0,
    width: out.info.width,
    height: out.info.height,
    format: 'rgb24',
    pixels: out.data,
  };
}
