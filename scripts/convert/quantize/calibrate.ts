/**
 * Calibration: runs the fp32 model in onnxruntime-node with the activation tensors the quantiser needs
 * exposed as extra graph outputs, over real input feeds, and returns each tensor's range.
 *
 * - `minmax`: the smallest and largest value seen over all feeds (onnxruntime's MinMax calibrator).
 * - `percentile`: per feed, the `percentile`-th and (100 − percentile)-th value (from a 2048-bin
 *   histogram over that feed's own min..max), averaged over feeds. Clips rare outliers so the other
 *   values get finer steps; whether that helps is a measurement (see README.md).
 */
import * as ort from 'onnxruntime-node';
import { DT, decodeModel, encodeModel } from './onnx-tensors.js';
import type { TensorRange } from './quant-math.js';

export type CalibrationMethod = { readonly kind: 'minmax' } | { readonly kind: 'percentile'; readonly percentile: number };

export interface CalibrateOptions {
  readonly method?: CalibrationMethod;
  /** Called after each feed, e.g. for progress lines. */
  readonly onFeed?: (index: number) => void;
}

export type Feeds = Record<string, ort.Tensor>;

const BINS = 2048;

/** The model with `tensors` appended to its outputs (as float32; shapes left to onnxruntime). */
export function exposeTensors(modelBytes: Uint8Array, tensors: readonly string[]): Uint8Array {
  const model = decodeModel(modelBytes);
  const graph = model.graph!;
  const outputs = new Set((graph.output ?? []).map((o) => o.name));
  const known = new Set([...(graph.node ?? []).flatMap((n) => n.output ?? []), ...(graph.input ?? []).map((i) => i.name)]);
  const unknown = tensors.filter((t) => !known.has(t));
  if (unknown.length > 0) throw new Error(`calibrate: the model has no tensor called ${unknown.slice(0, 5).map((t) => `"${t}"`).join(', ')}`);
  for (const t of tensors) {
    if (!outputs.has(t)) graph.output = [...(graph.output ?? []), { name: t, type: { tensorType: { elemType: DT.FLOAT } } }];
  }
  return encodeModel(model);
}

export async function calibrate(
  modelBytes: Uint8Array,
  tensors: readonly string[],
  feeds: Iterable<Feeds> | AsyncIterable<Feeds>,
  options: CalibrateOptions = {},
): Promise<Map<string, TensorRange>> {
  const method = options.method ?? { kind: 'minmax' };
  if (method.kind === 'percentile' && !(method.percentile > 50 && method.percentile <= 100)) {
    throw new RangeError(`calibrate: percentile must be within (50, 100], got ${method.percentile}`);
  }
  if (tensors.length === 0) throw new Error('calibrate: no tensors to calibrate');
  // No graph optimisation: the exposed tensors are then exactly the ones the QDQ model will carry.
  const session = await ort.InferenceSession.create(exposeTensors(modelBytes, tensors), { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
  const acc = new Map<string, { min: number; max: number; n: number }>();
  let count = 0;
  try {
    for await (const feed of feeds) {
      const result = await session.run(feed, [...tensors]);
      for (const t of tensors) {
        const data = result[t]?.data;
        if (!(data instanceof Float32Array)) throw new Error(`calibrate: tensor "${t}" is not float32; only float activations can be quantised`);
        const r = method.kind === 'minmax' ? minMax(data) : percentileRange(data, method.percentile);
        const a = acc.get(t);
        if (method.kind === 'minmax') acc.set(t, a ? { min: Math.min(a.min, r.min), max: Math.max(a.max, r.max), n: a.n + 1 } : { ...r, n: 1 });
        else acc.set(t, a ? { min: a.min + r.min, max: a.max + r.max, n: a.n + 1 } : { ...r, n: 1 });
      }
      options.onFeed?.(count);
      count++;
    }
  } finally {
    await session.release();
  }
  if (count === 0) throw new Error('calibrate: no calibration feeds were given');
  const out = new Map<string, TensorRange>();
  for (const [t, a] of acc) out.set(t, method.kind === 'minmax' ? { min: a.min, max: a.max } : { min: a.min / a.n, max: a.max / a.n });
  return out;
}

export function minMax(data: Float32Array): TensorRange {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new Error('calibrate: a tensor holds no finite values (empty, NaN or infinite)');
  return { min, max };
}

/** The p-th and (100 − p)-th value of one tensor, read off a histogram over its own range. */
export function percentileRange(data: Float32Array, percentile: number): TensorRange {
  const { min, max } = minMax(data);
  if (min === max) return { min, max };
  const hist = new Float64Array(BINS);
  const scale = BINS / (max - min);
  for (let i = 0; i < data.length; i++) hist[Math.min(BINS - 1, Math.floor(((data[i] as number) - min) * scale))]! += 1;
  const tail = (data.length * (100 - percentile)) / 100;
  let lo = 0;
  for (let seen = 0; lo < BINS - 1 && seen + hist[lo]! <= tail; lo++) seen += hist[lo]!;
  let hi = BINS - 1;
  for (let seen = 0; hi > 0 && seen + hist[hi]! <= tail; hi--) seen += hist[hi]!;
  return { min: min + lo / scale, max: min + (hi + 1) / scale };
}
