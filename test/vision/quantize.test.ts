/**
 * The int8 QDQ quantiser (scripts/convert/quantize/) on small hand-built ONNX models: the quantised
 * model runs in onnxruntime, is fused into QLinearConv, stays within an error bound derived from its
 * quantisation steps, has per-channel weight scales, leaves excluded nodes in fp32, and refuses bad
 * input with an error that names the problem.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  calibrate,
  meanToGlobalAveragePool,
  planQdq,
  quantizeQdq,
  reduceMeanInputs,
  tensorRanks,
  type QdqOptions,
  type TensorRange,
} from '../../scripts/convert/quantize/index.js';
import { buildConvBlock, buildConvClip, buildMeans, buildNoConv, buildSingleConv, pseudoRandom, TINY } from './tiny-conv-model.js';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;

function inputFeed(seed: number): Record<string, ort.Tensor> {
  const x = pseudoRandom(3 * 8 * 8, seed).map((v) => v * 4); // [-4, 4)
  return { [TINY.input]: new ort.Tensor('float32', x, [...TINY.shape]) };
}

async function runModel(bytes: Uint8Array, feed: Record<string, ort.Tensor>, optimizedPath?: string): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    logSeverityLevel: 3,
    ...(optimizedPath ? { optimizedModelFilePath: optimizedPath } : {}),
  });
  const out = (await session.run(feed))[TINY.output]!.data as Float32Array;
  await session.release();
  return out;
}

async function quantize(bytes: Uint8Array, options: QdqOptions, feeds = [inputFeed(1), inputFeed(2), inputFeed(3)]) {
  const plan = planQdq(bytes, options);
  const ranges = await calibrate(bytes, plan.activations, feeds);
  return { plan, ranges, ...quantizeQdq(bytes, ranges, options) };
}

/** Contents of one initializer of a model, as numbers, with its dims and type. */
function initializer(bytes: Uint8Array, name: string): { values: number[]; dims: number[]; dataType: number } {
  const t = onnx.ModelProto.decode(bytes).graph!.initializer!.find((i) => i.name === name);
  if (!t) throw new Error(`no initializer ${name}`);
  const raw = new Uint8Array(t.rawData ?? []);
  const view = new DataView(raw.buffer);
  const values: number[] = [];
  const size = t.dataType === DT.INT8 || t.dataType === DT.UINT8 ? 1 : 4;
  for (let i = 0; i < raw.length / size; i++) {
    if (t.dataType === DT.FLOAT) values.push(view.getFloat32(i * 4, true));
    else if (t.dataType === DT.INT32) values.push(view.getInt32(i * 4, true));
    else if (t.dataType === DT.INT8) values.push(view.getInt8(i));
    else values.push(view.getUint8(i));
  }
  return { values, dims: (t.dims ?? []).map(Number), dataType: t.dataType ?? 0 };
}

function nodes(bytes: Uint8Array) {
  return onnx.ModelProto.decode(bytes).graph!.node!;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('quantizeQdq on one conv', () => {
  it('stays within the error bound of its quantisation steps, and onnxruntime fuses it into QLinearConv', async () => {
    const model = buildSingleConv();
    const { bytes } = await quantize(model.bytes, {});
    const feed = inputFeed(1); // a calibration feed: every input value lies inside the calibrated range
    const optimized = join(tmpdir(), `qmon-qdq-${process.pid}.onnx`);
    const [fp32, int8] = [await runModel(model.bytes, feed), await runModel(bytes, feed, optimized)];
    const fused = nodes(new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(optimized))));
    rmSync(optimized, { force: true });
    expect(fused.map((n) => n.opType)).toContain('QLinearConv');
    expect(fused.map((n) => n.opType)).not.toContain('Conv');

    // Per output channel c, with K = 27 products, input step sx, weight step sw[c], output step sy:
    // |Δy| ≤ K·(sx/2·max|w_c| + (max|x| + sx/2)·sw[c]/2) + sx·sw[c]/2 (bias rounding) + sy/2.
    const sx = initializer(bytes, 'x/scale').values[0]!;
    const sy = initializer(bytes, 'y/scale').values[0]!;
    const sw = initializer(bytes, 'w/scale').values;
    const w = model.weights.get('w')!.data;
    const maxX = Math.max(...Array.from(feed[TINY.input]!.data as Float32Array, Math.abs));
    const plane = 64;
    for (let c = 0; c < TINY.channels; c++) {
      const maxW = Math.max(...Array.from(w.subarray(c * 27, (c + 1) * 27), Math.abs));
      const bound = 27 * ((sx / 2) * maxW + (maxX + sx / 2) * (sw[c]! / 2)) + (sx * sw[c]!) / 2 + sy / 2;
      const err = maxAbsDiff(fp32.subarray(c * plane, (c + 1) * plane), int8.subarray(c * plane, (c + 1) * plane));
      expect(err).toBeLessThanOrEqual(bound);
    }
    expect(maxAbsDiff(fp32, int8)).toBeGreaterThan(0); // it really ran quantised
  });

  it('gives weights int8 scales per output channel (max|w|/127, axis 0) and the bias int32 at input × weight scale', async () => {
    const model = buildSingleConv();
    const { bytes } = await quantize(model.bytes, {});
    const w = model.weights.get('w')!.data;
    const scales = initializer(bytes, 'w/scale');
    expect(scales.dims).toEqual([TINY.channels]);
    for (let c = 0; c < TINY.channels; c++) {
      const maxW = Math.max(...Array.from(w.subarray(c * 27, (c + 1) * 27), Math.abs));
      expect(scales.values[c]).toBeCloseTo(maxW / 127, 7);
    }
    expect(new Set(scales.values.map((s) => s.toFixed(6))).size).toBe(TINY.channels); // channels really differ
    const q = initializer(bytes, 'w/int8');
    expect(q.dataType).toBe(DT.INT8);
    expect(Math.max(...q.values.map(Math.abs))).toBe(127);
    expect(initializer(bytes, 'w/zero_point').values).toEqual([0, 0, 0, 0]);
    const dq = nodes(bytes).find((n) => n.opType === 'DequantizeLinear' && n.input![0] === 'w/int8')!;
    expect(Number(dq.attribute!.find((a) => a.name === 'axis')?.i)).toBe(0);

    const sx = initializer(bytes, 'x/scale').values[0]!;
    const bias = initializer(bytes, 'b/int32');
    expect(bias.dataType).toBe(DT.INT32);
    initializer(bytes, 'b/scale').values.forEach((s, c) => expect(s).toBeCloseTo(sx * scales.values[c]!, 9));
    // The float weights and bias are gone: only their quantised copies remain.
    const names = onnx.ModelProto.decode(bytes).graph!.initializer!.map((i) => i.name);
    expect(names).not.toContain('w');
    expect(names).not.toContain('b');
  });

  it('widens a weight scale when the input is nearly always 0, so the bias still fits int32 (a dead squeeze-excite branch)', async () => {
    const model = buildSingleConv();
    const tiny = (seed: number) => ({ [TINY.input]: new ort.Tensor('float32', pseudoRandom(192, seed).map((v) => v * 1e-9), [...TINY.shape]) });
    const { bytes } = await quantize(model.bytes, {}, [tiny(1), tiny(2)]);
    expect(Math.max(...initializer(bytes, 'b/int32').values.map(Math.abs))).toBeLessThanOrEqual(2 ** 30);
    const [fp32, int8] = [await runModel(model.bytes, tiny(1)), await runModel(bytes, tiny(1))];
    // The output is the bias (±1e-8); it must come through, within half an output step.
    const sy = initializer(bytes, 'y/scale').values[0]!;
    expect(maxAbsDiff(fp32, int8)).toBeLessThanOrEqual(sy / 2 + 1e-6);
  });

  it('writes the same bytes for the same model and ranges (the file can be hashed like the converter output)', async () => {
    const model = buildConvBlock();
    const plan = planQdq(model.bytes, { opTypes: ['Conv', 'Relu', 'Add'] });
    const ranges = await calibrate(model.bytes, plan.activations, [inputFeed(1)]);
    const a = quantizeQdq(model.bytes, ranges, { opTypes: ['Conv', 'Relu', 'Add'] }).bytes;
    const b = quantizeQdq(model.bytes, ranges, { opTypes: ['Conv', 'Relu', 'Add'] }).bytes;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('uses 7-bit weights with reduceRange', async () => {
    const { bytes } = await quantize(buildSingleConv().bytes, { reduceRange: true });
    expect(Math.max(...initializer(bytes, 'w/int8').values.map(Math.abs))).toBe(63);
  });
});

describe('quantizeQdq on a conv block', () => {
  const all: QdqOptions = { opTypes: ['Conv', 'Relu', 'Add'] };

  it('stays close to fp32 with every op quantised', async () => {
    const model = buildConvBlock();
    const { bytes, report } = await quantize(model.bytes, all);
    expect(report.byOpType).toEqual({ Conv: 3, Relu: 1, Add: 1 });
    // A calibration feed: an unseen random feed may lie outside the calibrated ranges and saturate,
    // which is a matter of calibration coverage (measured on real frames), not of this bound.
    const feed = inputFeed(2);
    const [fp32, int8] = [await runModel(model.bytes, feed), await runModel(bytes, feed)];
    // Five quantised tensors each add at most half a step (0.2 % of their range) and the weights at
    // most 0.4 % of each channel's largest weight; summed over 27 and 9 products, 5 % of the output's
    // range is a bound with room that a wrong scale, zero point or channel order overshoots by far.
    const range = Math.max(...fp32) - Math.min(...fp32);
    expect(maxAbsDiff(fp32, int8)).toBeLessThanOrEqual(0.05 * range);
    expect(maxAbsDiff(fp32, int8)).toBeGreaterThan(0);
  });

  it('folds a Relu into the quantisation of its input: that input takes the Relu output range, the Relu goes', async () => {
    const { bytes, plan, ranges } = await quantize(buildConvBlock().bytes, all);
    expect(plan.sharedRange).toEqual({ t1: 'r1' });
    expect(plan.removed).toEqual(['relu1']);
    const graph = nodes(bytes);
    expect(graph.map((n) => n.opType)).not.toContain('Relu');
    // Both readers of the Relu's output now read the conv output's dequantised copy.
    expect(graph.filter((n) => n.input!.includes('t1/dequantized')).map((n) => n.name)).toEqual(['dw', 'add']);
    expect(initializer(bytes, 't1/zero_point').values).toEqual([0]);
    expect(initializer(bytes, 't1/scale').values[0]).toBeCloseTo(ranges.get('r1')!.max / 255, 7);
  });

  it('folds a Clip whose range holds 0 (ReLU6) but keeps one that starts above 0 (uint8 ranges always hold 0)', async () => {
    const opts: QdqOptions = { opTypes: ['Conv', 'Clip'] };
    for (const [lo, hi, folded] of [[0, 6, true], [1, 5, false]] as const) {
      const model = buildConvClip(lo, hi);
      const { bytes, plan } = await quantize(model, opts);
      expect(plan.removed).toEqual(folded ? ['clip'] : []);
      expect(nodes(bytes).some((n) => n.opType === 'Clip')).toBe(!folded);
      const feed = inputFeed(2);
      const fp32 = await runModel(model, feed);
      expect(maxAbsDiff(fp32, await runModel(bytes, feed))).toBeLessThanOrEqual(0.05 * (Math.max(...fp32) - Math.min(...fp32)));
    }
  });

  it('leaves excluded nodes in fp32, by name and from a node on', async () => {
    const model = buildConvBlock();
    const byName = await quantize(model.bytes, { ...all, excludeNodes: ['conv3'] });
    const conv3 = nodes(byName.bytes).find((n) => n.name === 'conv3')!;
    expect(conv3.input!.slice(1)).toEqual(['w3', 'b3']);
    expect(initializer(byName.bytes, 'w3').dataType).toBe(DT.FLOAT);
    expect(byName.report.excluded).toEqual(['conv3']);
    expect(byName.report.byOpType).toEqual({ Conv: 2, Relu: 1, Add: 1 });

    const from = await quantize(model.bytes, { ...all, excludeFrom: ['dw'] });
    expect(from.report.excluded).toEqual(['dw', 'add', 'conv3']);
    expect(nodes(from.bytes).find((n) => n.name === 'dw')!.input!.slice(1)).toEqual(['w2', 'b2']);
    // Still correct: fp32 nodes read the dequantised copy of a quantised tensor.
    const feed = inputFeed(1);
    const fp32 = await runModel(model.bytes, feed);
    expect(maxAbsDiff(fp32, await runModel(from.bytes, feed))).toBeLessThanOrEqual(0.05 * (Math.max(...fp32) - Math.min(...fp32)));

    const ops = await quantize(model.bytes, { ...all, excludeOpTypes: ['Add'] });
    expect(ops.report.byOpType).toEqual({ Conv: 3, Relu: 1 });
  });
});

describe('quantizer errors', () => {
  const someRange = new Map<string, TensorRange>([['x', { min: -1, max: 1 }]]);

  it('names what is wrong instead of writing a broken model', async () => {
    expect(() => planQdq(buildNoConv())).toThrow(/no Conv node to quantise/);
    expect(() => quantizeQdq(buildSingleConv().bytes, someRange)).toThrow(/no calibrated range for activation tensor "y"/);
    expect(() => quantizeQdq(buildSingleConv().bytes, new Map([...someRange, ['y', { min: 0, max: NaN }]]))).toThrow(/tensor "y" is not a finite/);
    expect(() => planQdq(buildConvBlock().bytes, { excludeNodes: ['conv9'] })).toThrow(/no node is called "conv9"/);
    expect(() => planQdq(buildConvBlock().bytes, { opTypes: ['Conv', 'Softmax'] })).toThrow(/Softmax are not supported/);
    expect(() => planQdq(new Uint8Array([1, 2, 3, 4]))).toThrow(/not an ONNX model|no graph nodes/);
    await expect(calibrate(buildSingleConv().bytes, ['nope'], [inputFeed(1)])).rejects.toThrow(/no tensor called "nope"/);
    await expect(calibrate(buildSingleConv().bytes, ['y'], [])).rejects.toThrow(/no calibration feeds/);
  });
});

describe('calibrate', () => {
  it('returns the min and max over all feeds, and a percentile range inside it', async () => {
    const feeds = [inputFeed(1), inputFeed(2)];
    const ranges = await calibrate(buildConvBlock().bytes, ['x', 'r1', 'y'], feeds);
    const xs = feeds.flatMap((f) => Array.from(f[TINY.input]!.data as Float32Array));
    expect(ranges.get('x')).toEqual({ min: Math.min(...xs), max: Math.max(...xs) });
    expect(ranges.get('r1')!.min).toBe(0); // a ReLU output
    const p = await calibrate(buildConvBlock().bytes, ['y'], feeds, { method: { kind: 'percentile', percentile: 99 } });
    expect(p.get('y')!.min).toBeGreaterThanOrEqual(ranges.get('y')!.min);
    expect(p.get('y')!.max).toBeLessThanOrEqual(ranges.get('y')!.max);
    expect(p.get('y')!.max - p.get('y')!.min).toBeLessThan(ranges.get('y')!.max - ranges.get('y')!.min);
  });
});

describe('meanToGlobalAveragePool', () => {
  it('turns only a spatial, keepdims ReduceMean of a rank-4 tensor into GlobalAveragePool, with the same result', async () => {
    const model = buildMeans();
    const feed = inputFeed(4);
    const ranks = await tensorRanks(model, reduceMeanInputs(model), feed);
    expect(ranks).toEqual(new Map([[TINY.input, 4]]));
    const { bytes, rewritten } = meanToGlobalAveragePool(model, ranks);
    expect(rewritten).toBe(1);
    expect(nodes(bytes).map((n) => n.opType)).toEqual(['GlobalAveragePool', 'ReduceMean']);
    const run = async (b: Uint8Array) => {
      const s = await ort.InferenceSession.create(b, { logSeverityLevel: 3 });
      const r = await s.run(feed);
      await s.release();
      return [r.m1!.data as Float32Array, r.m2!.data as Float32Array];
    };
    const [before, after] = [await run(model), await run(bytes)];
    expect(maxAbsDiff(before[0]!, after[0]!)).toBeLessThan(1e-6);
    expect(after[1]).toEqual(before[1]);
    // Without a known rank nothing is rewritten: axes 2,3 are only "spatial" for NCHW.
    expect(meanToGlobalAveragePool(model, new Map()).rewritten).toBe(0);
  });
});
