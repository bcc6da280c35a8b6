/**
 * Checks the converted CenterNet against the original: the same TF.js graph run by @tensorflow/tfjs (pure-JS CPU
 * backend) and the ONNX file run by onnxruntime-node, on real frames of OpenCV's vtest.avi prepared exactly as the
 * agent does it. The ONNX model is size-free (any multiple of 32), so it is checked at three sizes:
 *
 *   512x512  the graph's own size: tfjs runs the original graph unchanged, and its own decoding tail (`detections`,
 *            top-100 peaks) is the reference for the agent's decoder (agent/vision/postprocess.ts) on the ONNX outputs;
 *   512x384  a whole 768x576 frame as the agent feeds it (fitInputSize: no letterbox bars);
 *   320x320  a region crop at its own pixels, as regions mode feeds it.
 * At the other sizes tfjs runs the graph with its input left open and each frozen upsampling target rescaled to the
 * size (what the Keras UpSampling2D layers compute for that input); the decoding tail cannot run there (its constants
 * are the 512 grid), so persons are decoded from both sides' heatmaps with the agent's decoder.
 *
 * Tolerances: both runtimes compute in float32 but sum convolutions in different orders (~1e-6 relative per layer);
 * a mapping mistake (padding side, channel order, resize mode, layout) moves scores by 1e-2 or more and boxes by pixels:
 *   heatmap (scores 0–1)            ≤ 1e-4
 *   wh (box sides, input px)        ≤ 0.05 px   (values reach ~500, so ≈ 1e-4 relative)
 *   person boxes after threshold    ≤ 0.25 input px per edge, score ≤ 1e-4, same set of persons
 *                                   except ones whose score lies within 1e-4 of the threshold.
 *
 * Usage: tsx scripts/models/verify-centernet.ts [--frames 0,300,600] [--min-score 0.4]
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { CENTERNET_STRIDE, heatmapPeaks } from '../../agent/vision/postprocess.js';
import { fitInputSize, letterbox, letterboxInto } from '../../agent/vision/preprocess.js';
import type { Frame } from '../../agent/shared/types.js';
import { readVideoFrames, VTEST_AVI } from '../../test/support/video-frames.js';
import { CENTERNET_FILE, CENTERNET_GRAPH_JSON, CENTERNET_INPUT_SIZE, CENTERNET_IO } from './centernet.js';
import { comparePersons, maxAbsDiff, round3, type Person } from './verify-compare.js';

export const TOLERANCE = { heatmap: 1e-4, wh: 0.05, box_px: 0.25, score: 1e-4 } as const;
export const DEFAULT_FRAMES: readonly number[] = [0, 300, 600];

export interface VerifyOptions {
  /** The TF.js model.json (weights next to it). */
  readonly graphJson: string;
  readonly onnxPath: string;
  readonly frames?: readonly number[];
  readonly minScore?: number;
  readonly log?: (line: string) => void;
}

interface SizeCase {
  readonly name: string;
  readonly height: number;
  readonly width: number;
  /** What of the frame is fed: the whole frame, or a crop at its own pixels. */
  readonly crop?: { x: number; y: number; side: number };
}

const CASES: readonly SizeCase[] = [
  { name: '512x512 whole frame, letterboxed (the original graph)', height: CENTERNET_INPUT_SIZE, width: CENTERNET_INPUT_SIZE },
  { name: '512x384 whole frame (agent fit)', height: 384, width: 512 },
  { name: '320x320 region crop at (224,128)', height: 320, width: 320, crop: { x: 224, y: 128, side: 320 } },
];

export interface VerificationReport {
  reference: string;
  runtime: string;
  frames: string[];
  sizes: { name: string; max_abs_diff: Record<string, number>; persons: PersonsSummary }[];
  tolerance: typeof TOLERANCE;
  pass: boolean;
  failures: string[];
}

interface PersonsSummary {
  min_score: number;
  reference: number;
  onnx: number;
  matched: number;
  max_box_diff_px: number;
  max_score_diff: number;
}

type Tf = typeof import('@tensorflow/tfjs');

export async function verifyCenternet(opts: VerifyOptions): Promise<VerificationReport> {
  const log = opts.log ?? (() => undefined);
  const frames = opts.frames ?? DEFAULT_FRAMES;
  const minScore = opts.minScore ?? 0.4;
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  // One thread: onnxruntime's results then do not depend on how work is split, so reruns match.
  const session = await ort.InferenceSession.create(opts.onnxPath, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const video = await readVideoFrames(VTEST_AVI, frames);
  const failures: string[] = [];
  const sizes: VerificationReport['sizes'] = [];

  for (const c of CASES) {
    const original = c.height === CENTERNET_INPUT_SIZE && c.width === CENTERNET_INPUT_SIZE;
    const model = await tf.loadGraphModel(memoryHandler(opts.graphJson, original ? null : { height: c.height, width: c.width }));
    const maxDiff = { heatmap: 0, wh: 0 };
    const persons: PersonsSummary = { min_score: minScore, reference: 0, onnx: 0, matched: 0, max_box_diff_px: 0, max_score_diff: 0 };
    for (const [i, pixels] of video.frames.entries()) {
      const whole: Frame = { cameraId: 'verify', seq: frames[i] as number, ts: 0, wallTs: 0, width: video.width, height: video.height, format: 'rgb24', pixels };
      const frame = c.crop ? cropFrame(whole, c.crop) : whole;
      if (!original) {
        // The sizes the agent would feed for this frame must be this case's, or the case checks something unused.
        const fit = fitInputSize(frame.width, frame.height, CENTERNET_INPUT_SIZE, CENTERNET_INPUT_SIZE, 32);
        if (fit.width !== c.width || fit.height !== c.height) throw new Error(`${c.name}: the agent feeds ${fit.width}x${fit.height}`);
      }
      const input = new Float32Array(c.height * c.width * 3);
      letterboxInto(frame, letterbox(frame.width, frame.height, c.width, c.height), input);
      const ref = runTfjs(tf, model, input, c, original);
      const got = await session.run({ [CENTERNET_IO.inputs[0]?.onnx ?? 'images']: new ort.Tensor('float32', input, [1, c.height, c.width, 3]) });
      const heatmap = got.heatmap?.data as Float32Array;
      const wh = got.wh?.data as Float32Array;
      if (heatmap?.length !== ref.heatmap.length || wh?.length !== ref.wh.length) {
        throw new Error(`${c.name}: onnx gives ${heatmap?.length ?? 0}/${wh?.length ?? 0} heatmap/wh values, tfjs ${ref.heatmap.length}/${ref.wh.length}`);
      }
      maxDiff.heatmap = Math.max(maxDiff.heatmap, maxAbsDiff(ref.heatmap, heatmap));
      maxDiff.wh = Math.max(maxDiff.wh, maxAbsDiff(ref.wh, wh));
      const grid = { gridH: c.height / CENTERNET_STRIDE, gridW: c.width / CENTERNET_STRIDE };
      const mine = heatmapPeaks({ heatmap, wh, ...grid }, minScore);
      const cmp = comparePersons(ref.persons ?? heatmapPeaks({ heatmap: ref.heatmap, wh: ref.wh, ...grid }, minScore), mine, minScore, TOLERANCE.score);
      persons.reference += cmp.reference;
      persons.onnx += cmp.onnx;
      persons.matched += cmp.matched;
      persons.max_box_diff_px = Math.max(persons.max_box_diff_px, cmp.maxBox);
      persons.max_score_diff = Math.max(persons.max_score_diff, cmp.maxScore);
      failures.push(...cmp.failures.map((f) => `${c.name}, frame ${whole.seq}: ${f}`));
      log(`${c.name}, frame ${whole.seq}: persons ${cmp.reference}/${cmp.onnx}`);
    }
    model.dispose();
    if (maxDiff.heatmap > TOLERANCE.heatmap) failures.push(`${c.name}: heatmap differs by ${maxDiff.heatmap} > ${TOLERANCE.heatmap}`);
    if (maxDiff.wh > TOLERANCE.wh) failures.push(`${c.name}: wh differs by ${maxDiff.wh} > ${TOLERANCE.wh}`);
    if (persons.max_box_diff_px > TOLERANCE.box_px) failures.push(`${c.name}: person boxes differ by ${persons.max_box_diff_px} px > ${TOLERANCE.box_px}`);
    if (persons.max_score_diff > TOLERANCE.score) failures.push(`${c.name}: person scores differ by ${persons.max_score_diff} > ${TOLERANCE.score}`);
    if (persons.reference === 0) failures.push(`${c.name}: the reference found no persons, so the comparison proves nothing`);
    sizes.push({
      name: c.name,
      max_abs_diff: { heatmap: round3(maxDiff.heatmap), wh: round3(maxDiff.wh) },
      persons: { ...persons, max_box_diff_px: round3(persons.max_box_diff_px), max_score_diff: round3(persons.max_score_diff) },
    });
  }
  await session.release();

  const require = createRequire(import.meta.url);
  const tfVersion = (require('@tensorflow/tfjs/package.json') as { version: string }).version;
  return {
    reference: `@tensorflow/tfjs@${tfVersion} cpu backend, same TF.js graph (its own decoding tail at 512x512)`,
    runtime: `onnxruntime-node@${ort.env.versions.node} cpu, 1 intra-op thread`,
    frames: frames.map((n) => `opencv-doc vtest.avi frame ${n}`),
    sizes,
    tolerance: TOLERANCE,
    pass: failures.length === 0,
    failures,
  };
}

/** The person channel of tfjs's keypoints, its wh, and at the original size its own decoded person rows. */
function runTfjs(tf: Tf, model: Awaited<ReturnType<Tf['loadGraphModel']>>, input: Float32Array, c: SizeCase, original: boolean) {
  const names = ['tower_0/keypoints', 'tower_0/wh', ...(original ? ['tower_0/detections'] : [])];
  const x = tf.tensor4d(input, [1, c.height, c.width, 3]);
  const out = model.execute(x, names) as import('@tensorflow/tfjs').Tensor[];
  const data = out.map((t) => t.dataSync() as Float32Array);
  tf.dispose([x, ...out]);
  const keypoints = data[0] as Float32Array;
  const classes = keypoints.length / ((c.height / CENTERNET_STRIDE) * (c.width / CENTERNET_STRIDE));
  const heatmap = new Float32Array(keypoints.length / classes);
  for (let i = 0; i < heatmap.length; i++) heatmap[i] = keypoints[i * classes] as number;
  return { heatmap, wh: data[1] as Float32Array, persons: original ? personRows(data[2] as Float32Array) : undefined };
}

/** The original graph's rows x1, y1, x2, y2, score, class: the person ones. */
function personRows(rows: Float32Array): Person[] {
  const out: Person[] = [];
  for (let i = 0; i + 5 < rows.length; i += 6) {
    if (Math.round(rows[i + 5] as number) === 0) out.push({ x1: rows[i]!, y1: rows[i + 1]!, x2: rows[i + 2]!, y2: rows[i + 3]!, score: rows[i + 4]! });
  }
  return out;
}

function cropFrame(f: Frame, r: { x: number; y: number; side: number }): Frame {
  const pixels = Buffer.alloc(r.side * r.side * 3);
  for (let y = 0; y < r.side; y++) f.pixels.copy(pixels, y * r.side * 3, ((r.y + y) * f.width + r.x) * 3, ((r.y + y) * f.width + r.x + r.side) * 3);
  return { ...f, width: r.side, height: r.side, pixels };
}

interface GraphJson {
  modelTopology: { node: { name: string; op: string; input?: string[]; attr?: Record<string, unknown> }[] };
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string; quantization?: { dtype: string } }[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  signature?: object;
}

/**
 * A tfjs IOHandler over the files on disk (tfjs's own file:// loader needs tfjs-node). With `size`, the graph's input
 * is left open and every ResizeBilinear target (an int32 constant frozen for 512) is rescaled to that input size.
 */
function memoryHandler(modelJson: string, size: { height: number; width: number } | null) {
  const json = JSON.parse(readFileSync(modelJson, 'utf8')) as GraphJson;
  const dir = dirname(modelJson);
  const all = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p)))));
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  if (size) {
    const offsets = new Map<string, number>();
    let at = 0;
    for (const w of specs) {
      offsets.set(w.name, at);
      const n = w.shape.reduce((a, b) => a * b, 1);
      at += n * (w.quantization?.dtype === 'float16' ? 2 : w.quantization?.dtype === 'uint8' ? 1 : 4);
    }
    for (const node of json.modelTopology.node) {
      if (node.op === 'Placeholder') node.attr = { ...node.attr, shape: { shape: { dim: [{ size: '1' }, { size: '-1' }, { size: '-1' }, { size: '3' }] } } };
      if (node.op !== 'ResizeBilinear') continue;
      const target = node.input?.[1] ?? '';
      const off = offsets.get(target);
      if (off === undefined) throw new Error(`resize ${node.name}: its size ${target} is not a stored constant`);
      all.writeInt32LE((all.readInt32LE(off) * size.height) / CENTERNET_INPUT_SIZE, off);
      all.writeInt32LE((all.readInt32LE(off + 4) * size.width) / CENTERNET_INPUT_SIZE, off + 4);
    }
  }
  return {
    load: () =>
      Promise.resolve({
        modelTopology: json.modelTopology,
        // tfjs's type wants its own WeightsManifestEntry; the JSON is exactly that.
        weightSpecs: specs as never[],
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
      }),
  };
}

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SOURCE_DIR = join(ROOT, '.cache', 'models-src', 'centernet');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const frames = opt('--frames')?.split(',').map(Number);
  const minScore = opt('--min-score') !== undefined ? Number(opt('--min-score')) : undefined;
  const graphJson = join(SOURCE_DIR, CENTERNET_GRAPH_JSON);
  const onnxPath = join(ROOT, 'models', CENTERNET_FILE);
  try {
    readFileSync(graphJson);
    readFileSync(onnxPath);
  } catch {
    throw new Error(`need ${graphJson} and ${onnxPath}; run \`npm run models\` first`);
  }
  const report = await verifyCenternet({
    graphJson,
    onnxPath,
    ...(frames ? { frames } : {}),
    ...(minScore !== undefined ? { minScore } : {}),
    log: (l) => console.error(l),
  });
  console.log(JSON.stringify(report, null, 2));
  if (!report.pass) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(`verify-centernet: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
