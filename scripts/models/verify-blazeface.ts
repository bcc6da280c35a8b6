/**
 * Checks the size-free BlazeFace (blazeface-size-free.ts) against the original it was derived from, both run by
 * onnxruntime-node on real pictures (vtest.avi frames, face-api's demo photos), fed as the agent feeds them:
 *
 *   256x256      the original's own size (a picture squared and scaled, as FaceDetector.detect feeds a head
 *                region): every output must be the original's (the derivation changed no weight and no op that
 *                computes; measured identical to the bit);
 *   whole        a whole picture in one pass (as FaceDetector.search feeds a level): face-api photos at 768 px wide
 *                and vtest frames at x2 (1536x1152). The reference is the original over 256x256 tiles of the same
 *                input stepping 128 (each an exact cut of it): every face either finds at >= 0.75 must be found by
 *                the other at >= 0.5 (IoU >= 0.5). Scores near the threshold differ between the two by design: a tile
 *                sees less context than the whole picture.
 *
 * Usage: part of `npm run models -- --verify` (recorded in models.json with --update-manifest).
 */
import * as ort from 'onnxruntime-node';
import type { Box, Frame } from '../../agent/shared/types.js';
import { cropResizeInto, squareAround } from '../../agent/vision/crop-resize.js';
import { BLAZEFACE_BACK_LAYERS, decodeFaces, iou, weightedNms, type RawFace } from '../../agent/vision/face-decode.js';
import { readImageFrame } from '../../test/support/image-frame.js';
import { readVideoFrames, VTEST_AVI } from '../../test/support/video-frames.js';
import { faceApiSample } from './test-media.js';
import { maxAbsDiff, round3 } from './verify-compare.js';

export const TOLERANCE = { outputs_256: 1e-5, confident: 0.75, min_score: 0.5, iou: 0.5 } as const;
const NORM = { scale: 1 / 127.5, offset: -1 };
const OUTPUTS = ['Identity:0', 'Identity_1:0', 'Identity_2:0', 'Identity_3:0'] as const;
const INPUT = 'input:0';

export interface BlazefaceVerification {
  reference: string;
  runtime: string;
  pictures: string[];
  sizes: Record<string, unknown>[];
  tolerance: typeof TOLERANCE;
  pass: boolean;
  failures: string[];
}

interface Picture {
  readonly name: string;
  readonly frame: Frame;
  /** Zoom for the whole-picture case. */
  readonly zoom: number;
}

export async function verifyBlazeface(opts: { originalPath: string; derivedPath: string; log?: (line: string) => void }): Promise<BlazefaceVerification> {
  const log = opts.log ?? (() => undefined);
  const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3 };
  const original = await ort.InferenceSession.create(opts.originalPath, options);
  const derived = await ort.InferenceSession.create(opts.derivedPath, options);
  try {
    const pictures = await loadPictures();
    const failures: string[] = [];
    log('256x256: derived vs original outputs');
    const at256 = await compare256(original, derived, pictures, failures);
    log('whole pictures: one pass vs the original over 256x256 tiles');
    const whole = await compareWhole(original, derived, pictures, failures);
    return {
      reference: 'the original ONNX (package member, pinned sha256) in onnxruntime-node',
      runtime: 'onnxruntime-node cpu, 1 intra-op thread',
      pictures: pictures.map((p) => p.name),
      sizes: [at256, whole],
      tolerance: TOLERANCE,
      pass: failures.length === 0,
      failures,
    };
  } finally {
    await Promise.all([original.release(), derived.release()]);
  }
}

async function loadPictures(): Promise<Picture[]> {
  const out: Picture[] = [];
  const frames = [0, 300, 600];
  const v = await readVideoFrames(VTEST_AVI, frames);
  v.frames.forEach((pixels, i) => out.push({ name: `opencv-doc vtest.avi frame ${frames[i]}`, zoom: 2, frame: { cameraId: 'vtest', seq: frames[i]!, ts: 0, wallTs: 0, width: v.width, height: v.height, format: 'rgb24', pixels } }));
  for (let n = 1; n <= 6; n++) {
    const f = await readImageFrame(faceApiSample(n), { cameraId: `face-api-${n}` });
    out.push({ name: `@vladmandic/face-api demo sample${n}.jpg`, zoom: 768 / f.width, frame: f });
  }
  return out;
}

async function run(s: ort.InferenceSession, input: Float32Array, w: number, h: number): Promise<Float32Array[]> {
  const r = await s.run({ [INPUT]: new ort.Tensor('float32', input, [1, h, w, 3]) });
  return OUTPUTS.map((name) => {
    const d = r[name]?.data;
    if (!(d instanceof Float32Array)) throw new Error(`BlazeFace returned no float32 output ${name}`);
    return d;
  });
}

function decode(out: readonly Float32Array[], w: number, h: number, minScore: number): RawFace[] {
  return decodeFaces(out.slice(0, 2), out.slice(2), BLAZEFACE_BACK_LAYERS, { inputWidth: w, inputHeight: h, minScore, iouThreshold: 0.3 });
}

async function compare256(original: ort.InferenceSession, derived: ort.InferenceSession, pictures: readonly Picture[], failures: string[]): Promise<Record<string, unknown>> {
  const maxDiff = [0, 0, 0, 0];
  let faces = 0;
  for (const p of pictures) {
    const input = new Float32Array(256 * 256 * 3);
    cropResizeInto(p.frame, squareAround({ x1: 0, y1: 0, x2: p.frame.width, y2: p.frame.height }), 256, 256, input, NORM, 0);
    const a = await run(original, input, 256, 256);
    const b = await run(derived, input, 256, 256);
    a.forEach((x, i) => (maxDiff[i] = Math.max(maxDiff[i]!, maxAbsDiff(x, b[i]!))));
    faces += decode(a, 256, 256, TOLERANCE.min_score).length;
  }
  const worst = Math.max(...maxDiff);
  if (!(worst <= TOLERANCE.outputs_256)) failures.push(`at 256x256 an output differs from the original's by ${worst}`);
  return { name: '256x256, the original size (whole picture squared)', max_abs_diff: Object.fromEntries(OUTPUTS.map((o, i) => [o, round3(maxDiff[i]!)])), faces_at_min_score: faces };
}

async function compareWhole(original: ort.InferenceSession, derived: ort.InferenceSession, pictures: readonly Picture[], failures: string[]): Promise<Record<string, unknown>> {
  const rows: Record<string, unknown>[] = [];
  for (const p of pictures) {
    const w = Math.ceil((p.frame.width * p.zoom) / 32) * 32;
    const h = Math.ceil((p.frame.height * p.zoom) / 32) * 32;
    const input = new Float32Array(w * h * 3);
    cropResizeInto(p.frame, { x1: 0, y1: 0, x2: w / p.zoom, y2: h / p.zoom }, w, h, input, NORM, 0);
    const onePass = decode(await run(derived, input, w, h), w, h, TOLERANCE.min_score);
    const tiles = await tiled(original, input, w, h);
    const confident = (fs: readonly RawFace[]) => fs.filter((f) => f.score >= TOLERANCE.confident);
    const missing = (from: readonly RawFace[], within: readonly RawFace[]) => confident(from).filter((f) => !within.some((g) => iou(f.box, g.box) >= TOLERANCE.iou));
    for (const f of missing(tiles, onePass)) failures.push(`${p.name} at ${w}x${h}: a face the tiles find (${describe(f.box, f.score)}) is missing in one pass`);
    for (const f of missing(onePass, tiles)) failures.push(`${p.name} at ${w}x${h}: a face one pass finds (${describe(f.box, f.score)}) is missing in the tiles`);
    rows.push({ picture: p.name, input: `${w}x${h}`, confident_tiles: confident(tiles).length, confident_one_pass: confident(onePass).length });
  }
  return { name: 'whole pictures in one pass vs the original over 256x256 tiles (step 128)', pictures: rows };
}

/** The original over every 256×256 cut of the input stepping 128 (the last row and column moved back to fit). */
async function tiled(original: ort.InferenceSession, input: Float32Array, w: number, h: number): Promise<RawFace[]> {
  const starts = (side: number) => {
    const out: number[] = [];
    for (let s = 0; s + 256 < side; s += 128) out.push(s);
    out.push(Math.max(0, side - 256));
    return [...new Set(out)];
  };
  const found: RawFace[] = [];
  const tile = new Float32Array(256 * 256 * 3);
  for (const y0 of starts(h)) {
    for (const x0 of starts(w)) {
      tile.fill(-1); // black where the input is smaller than a tile
      for (let y = 0; y < Math.min(256, h - y0); y++) {
        const from = ((y0 + y) * w + x0) * 3;
        tile.set(input.subarray(from, from + Math.min(256, w - x0) * 3), y * 256 * 3);
      }
      for (const f of decode(await run(original, tile, 256, 256), 256, 256, TOLERANCE.min_score)) {
        found.push({ ...f, box: { x1: f.box.x1 + x0, y1: f.box.y1 + y0, x2: f.box.x2 + x0, y2: f.box.y2 + y0 } });
      }
    }
  }
  return weightedNms(found, 0.3);
}

function describe(b: Box, score: number): string {
  return `at (${b.x1.toFixed(0)},${b.y1.toFixed(0)}) ${(b.x2 - b.x1).toFixed(0)} px, score ${score.toFixed(2)}`;
}
