/**
 * Checks the converted CenterNet against the original: the same TF.js graph run by @tensorflow/tfjs
 * (pure-JS CPU backend) and the ONNX file run by onnxruntime-node, on real frames of OpenCV's
 * vtest.avi letterboxed exactly as the agent does it. Reports the max abs difference of every output
 * and of the thresholded person boxes; fails beyond the tolerances below.
 *
 * Tolerances — both runtimes compute in float32 but sum convolutions in different orders, which moves
 * results by ~1e-6 relative per layer. A mapping mistake (padding side, channel order, resize mode,
 * layout) moves scores by 1e-2 or more and boxes by pixels, so the bounds sit far from both:
 *   keypoints (scores 0–1)          ≤ 1e-4
 *   wh (box extents, input px)      ≤ 0.05 px   (values reach ~500, so ≈ 1e-4 relative)
 *   person boxes after threshold    ≤ 0.25 input px per edge, score ≤ 1e-4, same set of persons
 *                                   except ones whose score lies within 1e-4 of the threshold.
 * The raw detection rows are reported too but not gated: two near-equal peaks may swap places in
 * the top-100 sort, which is a difference of order, not of results.
 *
 * Usage: tsx scripts/models/verify-centernet.ts [--frames 0,300,600] [--min-score 0.4]
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { letterbox, letterboxInto } from '../../agent/vision/preprocess.js';
import { readVideoFrames, VTEST_AVI } from '../../test/support/video-frames.js';
import { CENTERNET_FILE, CENTERNET_GRAPH_JSON, CENTERNET_INPUT_SIZE, CENTERNET_IO } from './centernet.js';

export const TOLERANCE = { keypoints: 1e-4, wh: 0.05, box_px: 0.25, score: 1e-4 } as const;
export const DEFAULT_FRAMES: readonly number[] = [0, 300, 600];

export interface VerifyOptions {
  /** The TF.js model.json (weights next to it). */
  readonly graphJson: string;
  readonly onnxPath: string;
  readonly frames?: readonly number[];
  readonly minScore?: number;
  readonly log?: (line: string) => void;
}

export interface VerificationReport {
  reference: string;
  runtime: string;
  frames: string[];
  preprocessing: string;
  max_abs_diff: Record<string, number>;
  persons: { min_score: number; reference: number; onnx: number; matched: number; max_box_diff_px: number; max_score_diff: number };
  tolerance: typeof TOLERANCE;
  pass: boolean;
  failures: string[];
}

type Rows = { x1: number; y1: number; x2: number; y2: number; score: number; cls: number }[];

export async function verifyCenternet(opts: VerifyOptions): Promise<VerificationReport> {
  const log = opts.log ?? (() => undefined);
  const frames = opts.frames ?? DEFAULT_FRAMES;
  const minScore = opts.minScore ?? 0.4;
  const outputs = CENTERNET_IO.outputs;
  const tfNames = outputs.map((o) => o.tf);
  const onnxNames = outputs.map((o) => o.onnx);

  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const model = await tf.loadGraphModel(memoryHandler(opts.graphJson));
  // One thread: onnxruntime's results then do not depend on how work is split, so reruns match.
  const session = await ort.InferenceSession.create(opts.onnxPath, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });

  const video = await readVideoFrames(VTEST_AVI, frames);
  const [h, w] = [CENTERNET_INPUT_SIZE, CENTERNET_INPUT_SIZE];
  const lb = letterbox(video.width, video.height, w, h);
  const input = new Float32Array(h * w * 3);
  const maxDiff: Record<string, number> = Object.fromEntries(onnxNames.map((n) => [n, 0]));
  const persons = { min_score: minScore, reference: 0, onnx: 0, matched: 0, max_box_diff_px: 0, max_score_diff: 0 };
  const failures: string[] = [];

  for (const [i, pixels] of video.frames.entries()) {
    const { width, height } = video;
    const frame = { cameraId: 'verify', seq: frames[i] as number, ts: 0, wallTs: 0, width, height, format: 'rgb24' as const, pixels };
    letterboxInto(frame, lb, input);
    const t0 = performance.now();
    const x = tf.tensor4d(input, [1, h, w, 3]);
    const ref = model.execute(x, tfNames) as import('@tensorflow/tfjs').Tensor[];
    const refData = ref.map((t) => t.dataSync() as Float32Array);
    tf.dispose([x, ...ref]);
    const t1 = performance.now();
    const got = await session.run({ [CENTERNET_IO.inputs[0]?.onnx ?? 'images']: new ort.Tensor('float32', input, [1, h, w, 3]) });
    const t2 = performance.now();
    onnxNames.forEach((name, k) => {
      const a = refData[k] as Float32Array;
      const b = got[name]?.data as Float32Array;
      if (b?.length !== a.length) throw new Error(`output ${name}: onnx has ${b?.length ?? 0} values, tfjs ${a.length}`);
      maxDiff[name] = Math.max(maxDiff[name] ?? 0, maxAbsDiff(a, b));
    });
    const cmp = comparePersons(rows(refData[0] as Float32Array), rows(got.detections?.data as Float32Array), minScore);
    persons.reference += cmp.reference;
    persons.onnx += cmp.onnx;
    persons.matched += cmp.matched;
    persons.max_box_diff_px = Math.max(persons.max_box_diff_px, cmp.maxBox);
    persons.max_score_diff = Math.max(persons.max_score_diff, cmp.maxScore);
    failures.push(...cmp.failures.map((f) => `frame ${frame.seq}: ${f}`));
    log(`frame ${frame.seq}: tfjs ${(t1 - t0).toFixed(0)} ms, onnx ${(t2 - t1).toFixed(0)} ms, persons ${cmp.reference}/${cmp.onnx}`);
  }
  await session.release();
  model.dispose();

  if ((maxDiff.keypoints ?? Infinity) > TOLERANCE.keypoints) failures.push(`keypoints differ by ${maxDiff.keypoints} > ${TOLERANCE.keypoints}`);
  if ((maxDiff.wh ?? Infinity) > TOLERANCE.wh) failures.push(`wh differs by ${maxDiff.wh} > ${TOLERANCE.wh}`);
  if (persons.max_box_diff_px > TOLERANCE.box_px) failures.push(`person boxes differ by ${persons.max_box_diff_px} px > ${TOLERANCE.box_px}`);
  if (persons.max_score_diff > TOLERANCE.score) failures.push(`person scores differ by ${persons.max_score_diff} > ${TOLERANCE.score}`);
  if (persons.reference === 0) failures.push('the reference found no persons, so the comparison proves nothing');

  const require = createRequire(import.meta.url);
  const tfVersion = (require('@tensorflow/tfjs/package.json') as { version: string }).version;
  return {
    reference: `@tensorflow/tfjs@${tfVersion} cpu backend, same TF.js graph`,
    runtime: `onnxruntime-node@${ort.env.versions.node} cpu, 1 intra-op thread`,
    frames: frames.map((n) => `opencv-doc vtest.avi frame ${n}`),
    preprocessing: `letterbox ${video.width}x${video.height} -> ${w}x${h} (agent/vision/preprocess.ts)`,
    max_abs_diff: Object.fromEntries(Object.entries(maxDiff).map(([k, v]) => [k, round3(v)])),
    persons: { ...persons, max_box_diff_px: round3(persons.max_box_diff_px), max_score_diff: round3(persons.max_score_diff) },
    tolerance: TOLERANCE,
    pass: failures.length === 0,
    failures,
  };
}

/** Person rows above the threshold must pair up one-to-one (same peak) and agree within tolerance. */
function comparePersons(ref: Rows, got: Rows, minScore: number) {
  const keep = (r: Rows) => r.filter((d) => d.cls === 0 && d.score >= minScore);
  const a = keep(ref);
  const b = keep(got);
  const failures: string[] = [];
  let matched = 0;
  let maxBox = 0;
  let maxScore = 0;
  const used = new Set<number>();
  const nearThreshold = (s: number) => Math.abs(s - minScore) <= TOLERANCE.score;
  for (const d of a) {
    let best = -1;
    let bestDist = Infinity;
    b.forEach((e, j) => {
      const dist = Math.max(Math.abs(d.x1 - e.x1), Math.abs(d.y1 - e.y1), Math.abs(d.x2 - e.x2), Math.abs(d.y2 - e.y2));
      if (!used.has(j) && dist < bestDist) [best, bestDist] = [j, dist];
    });
    const e = b[best];
    if (!e || bestDist > 4) {
      if (!nearThreshold(d.score)) failures.push(`reference person ${describe(d)} missing in onnx`);
      continue;
    }
    used.add(best);
    matched++;
    maxBox = Math.max(maxBox, bestDist);
    maxScore = Math.max(maxScore, Math.abs(d.score - e.score));
  }
  b.forEach((e, j) => {
    if (!used.has(j) && !nearThreshold(e.score)) failures.push(`onnx person ${describe(e)} not in reference`);
  });
  return { reference: a.length, onnx: b.length, matched, maxBox, maxScore, failures };
}

function describe(d: Rows[number]): string {
  return `at (${d.x1.toFixed(1)},${d.y1.toFixed(1)}) score ${d.score.toFixed(4)}`;
}

function rows(data: Float32Array): Rows {
  const out: Rows = [];
  for (let i = 0; i + 5 < data.length; i += 6) {
    out.push({ x1: data[i]!, y1: data[i + 1]!, x2: data[i + 2]!, y2: data[i + 3]!, score: data[i + 4]!, cls: Math.round(data[i + 5]!) });
  }
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (!(d <= m)) m = d; // NaN propagates as a failure
  }
  return m;
}

/** Three significant digits: enough to judge, stable enough to commit. */
function round3(v: number): number {
  return v === 0 || !Number.isFinite(v) ? v : Number(v.toPrecision(3));
}

/** A tfjs IOHandler over the files on disk (tfjs's own file:// loader needs tfjs-node). */
function memoryHandler(modelJson: string) {
  const json = JSON.parse(readFileSync(modelJson, 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: object[] }[];
    format?: string;
    generatedBy?: string;
    convertedBy?: string;
    signature?: object;
  };
  const dir = dirname(modelJson);
  const shards = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
  const all = Buffer.concat(shards);
  return {
    load: () =>
      Promise.resolve({
        modelTopology: json.modelTopology,
        // tfjs's type wants its own WeightsManifestEntry; the JSON is exactly that.
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as never[],
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
