/**
 * Quantises a person detector to int8 QDQ with scripts/convert/quantize and measures what it buys:
 * calibration on real vtest.avi frames letterboxed exactly as the agent does it, then file size,
 * latency fp32 vs int8 (createSession's settings, 1 and 2 threads, interleaved rounds on a shared
 * machine) and quality vs fp32 on other frames (person boxes matched at IoU 0.5).
 *
 * Model-agnostic: the model file, its input (name, size, layout) and the function that turns its
 * outputs into person boxes come in a `DetectorSpec`; quantize-centernet.ts is today's spec.
 */
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { preferInt8, readCpuFeatures } from '../convert/quantize/cpu-features.js';
import type { LoadedModel } from '../../agent/vision/model-registry.js';
import { createSession } from '../../agent/vision/onnx-session.js';
import { letterbox, letterboxInto } from '../../agent/vision/preprocess.js';
import {
  calibrate,
  meanToGlobalAveragePool,
  planQdq,
  quantizeQdq,
  reduceMeanInputs,
  tensorRanks,
  type CalibrationMethod,
  type QdqOptions,
} from '../convert/quantize/index.js';
import { readVideoFrames, VTEST_AVI } from '../../test/support/video-frames.js';
import { latencyRounds, type LatencyReport } from './quantize-latency.js';
import { compareBoxes, type Box, type BoxComparison } from './quantize-quality.js';

export type Outputs = ort.InferenceSession.OnnxValueMapType;

export interface DetectorSpec {
  readonly modelPath: string;
  readonly outPath: string;
  readonly inputName: string;
  readonly inputWidth: number;
  readonly inputHeight: number;
  /** Float32 raw 0–255 RGB either way; NHWC is what letterboxInto writes. */
  readonly layout: 'nhwc' | 'nchw';
  /** Person boxes in model input pixels, already thresholded. */
  readonly personBoxes: (outputs: Outputs) => Box[];
}

export interface QuantizeRun {
  readonly calibrationFrames: readonly number[];
  readonly checkFrames: readonly number[];
  readonly method: CalibrationMethod;
  readonly qdq: QdqOptions;
  /** Rewrite spatial ReduceMean as GlobalAveragePool before quantising (see rewrite-means.ts). */
  readonly globalPoolMeans: boolean;
  /** Timed runs per model, thread count and round (after warm-up). */
  readonly runs: number;
  readonly rounds: number;
  readonly log?: (line: string) => void;
}

export interface QuantizeReport {
  model: string;
  output: string;
  size_bytes: { fp32: number; int8: number };
  qdq: { options: QdqOptions; means_as_global_pool: number; quantized_nodes: Record<string, number>; excluded: readonly string[]; skipped: readonly { node: string; reason: string }[]; activations: number };
  calibration: { method: CalibrationMethod; frames: number; first: number; last: number };
  latency_ms: LatencyReport;
  quality: BoxComparison & { frames: number };
  cpu: { features: ReturnType<typeof readCpuFeatures>; choice: ReturnType<typeof preferInt8> };
}

/** `count` frame indices spread evenly over [first, last], rounded. */
export function spreadFrames(count: number, first: number, last: number): number[] {
  if (count === 1) return [first];
  return Array.from({ length: count }, (_, i) => Math.round(first + ((last - first) * i) / (count - 1)));
}

export async function quantizeDetector(spec: DetectorSpec, run: QuantizeRun): Promise<QuantizeReport> {
  const log = run.log ?? (() => undefined);
  const overlap = run.calibrationFrames.filter((f) => run.checkFrames.includes(f));
  if (overlap.length > 0) throw new Error(`calibration and check frames overlap at ${overlap.join(',')}; checking on calibration frames proves nothing`);
  const fp32 = readFileSync(spec.modelPath);
  const makeFeed = letterboxFeeder(spec);

  const calib = await readVideoFrames(VTEST_AVI, run.calibrationFrames);
  const feeds = calib.frames.map((px, i) => makeFeed(px, calib.width, calib.height, run.calibrationFrames[i]!));
  let source: Uint8Array = fp32;
  let rewritten = 0;
  if (run.globalPoolMeans) {
    ({ bytes: source, rewritten } = meanToGlobalAveragePool(fp32, await tensorRanks(fp32, reduceMeanInputs(fp32), feeds[0]!)));
    log(`${rewritten} ReduceMean nodes quantised as GlobalAveragePool`);
  }
  const plan = planQdq(source, run.qdq);
  log(`calibrating ${plan.activations.length} tensors of ${plan.nodes.length} nodes on ${run.calibrationFrames.length} frames (${run.method.kind})`);
  const ranges = await calibrate(source, plan.activations, feeds, { method: run.method });
  const { bytes: int8, report } = quantizeQdq(source, ranges, run.qdq);
  const tmp = `${spec.outPath}.tmp-${process.pid}`;
  await writeFile(tmp, int8);
  await rename(tmp, spec.outPath);
  log(`wrote ${spec.outPath} (${int8.length} bytes)`);

  const check = await readVideoFrames(VTEST_AVI, run.checkFrames);
  const checkFeeds = check.frames.map((px, i) => makeFeed(px, check.width, check.height, run.checkFrames[i]!));
  // createSession reads only the bytes of a LoadedModel; the manifest entry does not matter for timing.
  const session = (bytes: Uint8Array, threads: number) => createSession({ bytes } as Pick<LoadedModel, 'bytes'> as LoadedModel, threads);
  const quality = await compareQuality(await session(fp32, 1), await session(int8, 1), checkFeeds, spec);
  log(`quality: recall ${quality.recall} precision ${quality.precision} over ${quality.reference} fp32 persons`);
  const latency = await latencyRounds({ fp32, int8 }, [1, 2], checkFeeds, { runs: run.runs, rounds: run.rounds, session, log });

  const features = readCpuFeatures();
  return {
    model: spec.modelPath,
    output: spec.outPath,
    size_bytes: { fp32: fp32.length, int8: int8.length },
    qdq: { options: run.qdq, means_as_global_pool: rewritten, quantized_nodes: report.byOpType, excluded: report.excluded, skipped: report.skipped, activations: report.activations.length },
    calibration: { method: run.method, frames: run.calibrationFrames.length, first: run.calibrationFrames[0]!, last: run.calibrationFrames.at(-1)! },
    latency_ms: latency,
    quality: { ...quality, frames: run.checkFrames.length },
    cpu: { features, choice: preferInt8(features) },
  };
}

type Feed = Record<string, ort.Tensor>;

function letterboxFeeder(spec: DetectorSpec) {
  const [w, h] = [spec.inputWidth, spec.inputHeight];
  return (pixels: Buffer, width: number, height: number, seq: number): Feed => {
    const nhwc = new Float32Array(w * h * 3);
    letterboxInto({ cameraId: 'quantize', seq, ts: 0, wallTs: 0, width, height, format: 'rgb24', pixels }, letterbox(width, height, w, h), nhwc);
    if (spec.layout === 'nhwc') return { [spec.inputName]: new ort.Tensor('float32', nhwc, [1, h, w, 3]) };
    const nchw = new Float32Array(nhwc.length);
    for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) nchw[c * w * h + i] = nhwc[i * 3 + c]!;
    return { [spec.inputName]: new ort.Tensor('float32', nchw, [1, 3, h, w]) };
  };
}

async function compareQuality(fp32: ort.InferenceSession, int8: ort.InferenceSession, feeds: readonly Feed[], spec: DetectorSpec): Promise<BoxComparison> {
  const ref: Box[][] = [];
  const got: Box[][] = [];
  for (const feed of feeds) {
    ref.push(spec.personBoxes(await fp32.run(feed)));
    got.push(spec.personBoxes(await int8.run(feed)));
  }
  await Promise.all([fp32.release(), int8.release()]);
  return compareBoxes(ref, got, 0.5);
}
