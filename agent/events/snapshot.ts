import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { Box, Frame, SnapshotRef } from '../shared/types.js';
import { blurRegions, grow, headRegion, toRect, type RawImage, type Rect } from './blur.js';
import { facesInJpeg, type FaceFinder } from './face-check.js';

export interface SnapshotInput {
  /** The violation's best frame, rgb24 or gray; never modified. */
  readonly frame: Frame;
  /** The people the violation is about: the snapshot is cropped to them (plus margin). Empty = whole frame. */
  readonly people: readonly Box[];
  /** Every face the face detector found in the frame. */
  readonly faces: readonly Box[];
  /** Every other person box in the frame: not cropped to, but their heads are blurred too if in the crop. */
  readonly others?: readonly Box[];
  /** Pixels added around the people's union before clipping to the frame. Default 32. */
  readonly margin?: number;
  /** JPEG quality 1..100. Default 80. */
  readonly quality?: number;
  /**
   * The face detector for the check every snapshot passes before it is returned: the encoded JPEG is searched in
   * overlapping tiles and whatever it reports is pixelated too, until it reports nothing. Absent: no check (no model).
   */
  readonly faceCheck?: FaceFinder;
}

export interface RenderedSnapshot {
  readonly jpeg: Buffer;
  readonly w: number;
  readonly h: number;
  /** Hex SHA-256 of `jpeg`. */
  readonly sha256: string;
  /** The part of the frame it shows, in frame pixels. */
  readonly crop: Rect;
  /** Regions pixelated because the face check still found a face in the encoded picture (0 without a check). */
  readonly checkBlurred: number;
}

export const SNAPSHOT_DEFAULTS = {
  margin: 32,
  quality: 80,
  faceGrow: 0.2,
  /** A region the face check reports is grown by this much before it is pixelated (its box is tight). */
  checkGrow: 0.5,
  /** Check-and-blur rounds before the whole crop is flattened to its mean colour (never seen needing more than 2). */
  checkRounds: 4,
} as const;

/**
 * The privacy-safe picture of a violation (ANALYTICS.md: snapshots and privacy). The frame is cropped
 * to the union of the people boxes plus `margin`, copied, and in that copy every face box (grown a
 * little) and the head region of every person box (see `headRegion`) are pixelated and blurred
 * before the JPEG encoder sees a single pixel. Everything happens in memory: nothing here touches
 * the disk, and the only bytes that leave are the blurred JPEG's (write them with
 * `writeSnapshotAtomic`).
 */
export async function renderSnapshot(input: SnapshotInput): Promise<RenderedSnapshot> {
  const { frame } = input;
  const channels = checkFrame(frame);
  const margin = input.margin ?? SNAPSHOT_DEFAULTS.margin;
  if (!(margin >= 0) || !Number.isFinite(margin)) throw new RangeError(`snapshot: margin must be a number of pixels >= 0 (got ${margin})`);
  const quality = input.quality ?? SNAPSHOT_DEFAULTS.quality;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new RangeError(`snapshot: quality must be 1..100 (got ${quality})`);
  const boxes = [...input.people, ...input.faces, ...(input.others ?? [])];
  for (const b of boxes) {
    if (![b.x1, b.y1, b.x2, b.y2].every(Number.isFinite)) throw new RangeError('snapshot: a box has a non-finite coordinate');
  }

  const crop = cropRect(input.people, margin, frame.width, frame.height);
  const data = Buffer.alloc(crop.w * crop.h * channels);
  const rowBytes = crop.w * channels;
  for (let y = 0; y < crop.h; y++) {
    const from = ((crop.y + y) * frame.width + crop.x) * channels;
    frame.pixels.copy(data, y * rowBytes, from, from + rowBytes);
  }

  const shift = (b: Box): Box => ({ x1: b.x1 - crop.x, y1: b.y1 - crop.y, x2: b.x2 - crop.x, y2: b.y2 - crop.y });
  const regions = [
    ...input.faces.map((f) => grow(f, SNAPSHOT_DEFAULTS.faceGrow)),
    ...[...input.people, ...(input.others ?? [])].map((p) => headRegion(p)),
  ]
    .map((b) => toRect(shift(b), crop.w, crop.h))
    .filter((r): r is Rect => r !== null);
  const raw: RawImage = { data, width: crop.w, height: crop.h, channels };
  await blurRegions(raw, regions);
  const { jpeg, checkBlurred } = await checkedEncode(raw, quality, input.faceCheck, 'snapshot');
  return { jpeg, w: crop.w, h: crop.h, sha256: createHash('sha256').update(jpeg).digest('hex'), crop, checkBlurred };
}

/**
 * Encodes `raw` and, with a face finder, checks the encoded bytes: what the finder still reports is pixelated (grown a
 * little) and the picture encoded again, until it reports nothing; after `checkRounds` the whole picture is flattened
 * to its mean colour, and if the finder reports a face even then, no picture is made (throws). Boxes handed in miss
 * faces (people the person detector missed, faces too small for one search): what leaves must pass the detector
 * itself, on the bytes that leave. Non-faces it reports (legs, a sign) are pixelated as well: a blurred shoe costs
 * less than a face that leaves. `raw` is modified in place.
 */
export async function checkedEncode(raw: RawImage, quality: number, faceCheck: FaceFinder | undefined, what: string): Promise<{ jpeg: Buffer; checkBlurred: number }> {
  let jpeg = await encode(raw, quality);
  let checkBlurred = 0;
  if (!faceCheck) return { jpeg, checkBlurred };
  for (let round = 0; ; round++) {
    const found = await facesInJpeg(jpeg, faceCheck);
    if (found.length === 0) break;
    if (round === SNAPSHOT_DEFAULTS.checkRounds + 1) throw new Error(`${what}: the face check still finds ${found.length} face(s) in a flattened picture`);
    const more = found.map((b) => toRect(grow(b, SNAPSHOT_DEFAULTS.checkGrow), raw.width, raw.height)).filter((r): r is Rect => r !== null);
    if (round === SNAPSHOT_DEFAULTS.checkRounds) flatten(raw);
    else await blurRegions(raw, more);
    checkBlurred += more.length;
    jpeg = await encode(raw, quality);
  }
  return { jpeg, checkBlurred };
}

async function encode(raw: RawImage, quality: number): Promise<Buffer> {
  const img = sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } });
  return (raw.channels === 1 ? img.toColourspace('b-w') : img).jpeg({ quality }).toBuffer();
}

/** Last resort when check-and-blur rounds do not converge: the whole picture becomes its mean colour. */
function flatten(raw: RawImage): void {
  const { data, channels } = raw;
  const pixels = data.length / channels;
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let i = c; i < data.length; i += channels) sum += data[i]!;
    const mean = Math.round(sum / pixels);
    for (let i = c; i < data.length; i += channels) data[i] = mean;
  }
}

/** The SnapshotRef a violation carries once `r` is on disk at `file` (relative to the storage dir). */
export function toSnapshotRef(r: RenderedSnapshot, file: string): SnapshotRef {
  return { sha256: r.sha256, bytes: r.jpeg.length, w: r.w, h: r.h, redaction: 'faces-blurred', file };
}

/** Union of the people boxes grown by `margin`, clipped to the frame, in whole pixels. */
export function cropRect(people: readonly Box[], margin: number, width: number, height: number): Rect {
  if (people.length === 0) return { x: 0, y: 0, w: width, h: height };
  const u = people.reduce((a, b) => ({ x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1), x2: Math.max(a.x2, b.x2), y2: Math.max(a.y2, b.y2) }));
  const r = toRect({ x1: u.x1 - margin, y1: u.y1 - margin, x2: u.x2 + margin, y2: u.y2 + margin }, width, height);
  if (r === null) throw new RangeError(`snapshot: the people boxes lie outside the ${width}×${height} frame`);
  return r;
}

function checkFrame(f: Frame): 1 | 3 {
  const channels = f.format === 'gray' ? 1 : f.format === 'rgb24' ? 3 : null;
  if (channels === null) throw new RangeError(`snapshot: frame format must be rgb24 or gray (got ${String(f.format)})`);
  if (!Number.isInteger(f.width) || !Number.isInteger(f.height) || f.width < 1 || f.height < 1) {
    throw new RangeError(`snapshot: frame size ${f.width}×${f.height} is not a picture`);
  }
  if (f.pixels.length !== f.width * f.height * channels) {
    throw new RangeError(`snapshot: frame of camera "${f.cameraId}" is ${f.width}×${f.height} ${f.format} but has ${f.pixels.length} bytes`);
  }
  return channels;
}
