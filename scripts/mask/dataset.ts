/**
 * The face-mask training pictures (../shared/datasets/face-mask: `with_mask/`, `without_mask/`) as
 * the classifier sees them at run time: BlazeFace finds the face and `maskCropInto` cuts the same
 * square crop the agent cuts. Pictures where BlazeFace finds no face are left out, as the agent
 * calls those faces unknown and never classifies them. The crops are cached, keyed by everything
 * that decides them, because finding ~3,300 faces takes a minute or two.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Box } from '../../agent/shared/types.js';
import { squareAround } from '../../agent/vision/crop-resize.js';
import type { FaceDetector } from '../../agent/vision/face-detector.js';
import { MASK_CROP_GROW, maskCropInto } from '../../agent/vision/mask-classifier.js';
import { readImageFrame } from '../../test/support/image-frame.js';

export const CLASSES = [
  { dir: 'with_mask', label: 0 },
  { dir: 'without_mask', label: 1 },
] as const;

/** The picture is shown to BlazeFace inside a square 1.6× its longer side, so the face is about as large in the model's input as a face in a head region is at run time. */
export const FACE_SEARCH_PAD = 1.6;

export interface Sample {
  /** `with_mask/<file>`. */
  readonly file: string;
  /** 1 = no mask (the positive class), 0 = mask. */
  readonly label: 0 | 1;
  readonly split: 'train' | 'val';
}

/**
 * Held out by a hash of the file name: one picture in five, fixed for good, independent of the
 * listing order and of how many pictures there are.
 */
export function splitOf(file: string): 'train' | 'val' {
  return (createHash('sha256').update(basename(file)).digest()[0] as number) % 5 === 0 ? 'val' : 'train';
}

export function listSamples(dataDir: string): Sample[] {
  const out: Sample[] = [];
  for (const c of CLASSES) {
    const dir = join(dataDir, c.dir);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new Error(`training data: ${dir} is missing; expected ${dataDir}/{with_mask,without_mask}/*.jpg (see ../shared/datasets/face-mask/README.md)`);
    }
    for (const f of readdirSync(dir).filter((n) => /\.(jpe?g|png|webp)$/i.test(n)).sort()) {
      const file = `${c.dir}/${f}`;
      out.push({ file, label: c.label, split: splitOf(file) });
    }
  }
  if (out.length === 0) throw new Error(`training data: no pictures in ${dataDir}`);
  return out;
}

export interface FaceCrops {
  readonly size: number;
  /** Per sample: its crop (size × size × 3 bytes, RGB) or null when BlazeFace found no face. */
  readonly crops: readonly (Uint8Array | null)[];
}

/** Everything that decides the crops; a change in any of them invalidates the cache. */
function cacheKey(samples: readonly Sample[], detectorSha: string, size: number): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: 1, detectorSha, size, grow: MASK_CROP_GROW, pad: FACE_SEARCH_PAD }));
  for (const s of samples) h.update(`${s.file}\n`);
  return h.digest('hex').slice(0, 16);
}

export async function faceCrops(
  samples: readonly Sample[],
  dataDir: string,
  detector: FaceDetector,
  size: number,
  cacheDir: string,
  log: (line: string) => void,
): Promise<FaceCrops> {
  const key = cacheKey(samples, detector.model.sha256, size);
  const cache = join(cacheDir, `face-crops-${key}.bin`);
  const bytes = size * size * 3;
  // Layout: one flag byte per sample (1 = face found), then one crop per found face, in sample order.
  if (existsSync(cache)) {
    const buf = readFileSync(cache);
    const found = buf.subarray(0, samples.length);
    const n = found.reduce((a, b) => a + b, 0);
    if (buf.length === samples.length + n * bytes) {
      log(`face crops: using cache ${cache}`);
      let o = samples.length;
      const crops = Array.from(found, (f) => (f ? new Uint8Array(buf.subarray(o, (o += bytes))) : null));
      return { size, crops };
    }
  }
  const t0 = performance.now();
  const crops: (Uint8Array | null)[] = [];
  const tmp = new Float32Array(bytes);
  for (const [i, s] of samples.entries()) {
    const frame = await readImageFrame(join(dataDir, s.file));
    const whole: Box = { x1: 0, y1: 0, x2: frame.width, y2: frame.height };
    const faces = await detector.detect(frame, squareAround(whole, FACE_SEARCH_PAD));
    const face = faces[0];
    if (!face) {
      crops.push(null);
    } else {
      maskCropInto(frame, face.box, size, tmp);
      crops.push(Uint8Array.from(tmp, (v) => Math.round(v)));
    }
    if ((i + 1) % 500 === 0) log(`face crops: ${i + 1}/${samples.length} pictures (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  await mkdir(dirname(cache), { recursive: true });
  const flags = Uint8Array.from(crops, (c) => (c ? 1 : 0));
  const tmpPath = `${cache}.tmp-${process.pid}`;
  await writeFile(tmpPath, Buffer.concat([flags, ...crops.filter((c): c is Uint8Array => c !== null)]));
  await rename(tmpPath, cache);
  return { size, crops };
}

/** Mirror image of a size × size RGB crop (a face seen from the other side is still the same face). */
export function mirror(crop: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(crop.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const s = (y * size + x) * 3;
      const d = (y * size + (size - 1 - x)) * 3;
      out[d] = crop[s] as number;
      out[d + 1] = crop[s + 1] as number;
      out[d + 2] = crop[s + 2] as number;
    }
  }
  return out;
}
