/**
 * The pieces of the mask classifier's training (scripts/mask/*) that decide what the committed
 * model is: the validation split, the mirror and augmentation of crops, the logistic fit and its
 * metrics, and the ONNX wrapping of a backbone. The full training run itself takes minutes and is
 * checked by `npx tsx scripts/mask/train-mask.ts --check` (it retrains and compares the bytes).
 */
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { augment, seededRandom } from '../../scripts/mask/augment.js';
import { buildMaskGraph, FEATURE_DIM } from '../../scripts/mask/backbone.js';
import { listSamples, mirror, splitOf } from '../../scripts/mask/dataset.js';
import { binaryMetrics, fitLogistic, folds, predict, subset, type Dataset } from '../../scripts/mask/logistic.js';
import { OnnxGraphBuilder } from '../../scripts/convert/onnx-writer.js';

describe('validation split', () => {
  it('depends only on the file name, and holds out about one picture in five', () => {
    expect(splitOf('with_mask/abc.jpg')).toBe(splitOf('elsewhere/abc.jpg'));
    const names = Array.from({ length: 2000 }, (_, i) => `p${i}.jpg`);
    const val = names.filter((n) => splitOf(n) === 'val').length / names.length;
    expect(val).toBeGreaterThan(0.17);
    expect(val).toBeLessThan(0.23);
  });

  it('a missing data folder is an error that names it', () => {
    expect(() => listSamples('/nonexistent/face-mask')).toThrow('training data: /nonexistent/face-mask/with_mask is missing');
  });
});

describe('crop mirror and augmentation', () => {
  const crop = Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) => i);
  it('mirror flips left and right and is its own inverse', () => {
    const m = mirror(crop, 4);
    expect(Array.from(m.subarray(0, 3))).toEqual([9, 10, 11]); // pixel (3,0) moved to (0,0)
    expect(mirror(m, 4)).toEqual(crop);
  });
  it('augmentation is reproducible from its seed and changes the crop', () => {
    const big = Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 7) % 256);
    const a = augment(big, 64, seededRandom(42));
    expect(augment(big, 64, seededRandom(42))).toEqual(a);
    expect(augment(big, 64, seededRandom(43))).not.toEqual(a);
    expect(a).not.toEqual(big);
    expect(a.length).toBe(big.length);
  });
});

describe('logistic head', () => {
  /** Two noisy Gaussian clouds in 5-d, separable along the first axis; deterministic. */
  function clouds(n: number, seed: number): Dataset {
    const r = seededRandom(seed);
    const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
    const x = new Float32Array(n * 5);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      for (let j = 0; j < 5; j++) x[i * 5 + j] = gauss() * (j === 0 ? 1 : 3) + (j === 0 ? (y[i] ? 4 : -4) : 10);
    }
    return { x, y, dim: 5 };
  }

  it('learns a separable problem, with standardisation folded into raw-feature weights', () => {
    const train = clouds(400, 1);
    const test = clouds(200, 2);
    const m = fitLogistic(train, { lambda: 0.01, iterations: 200, learningRate: 0.05 });
    const acc = binaryMetrics(predict(m, test), test.y).accuracy;
    expect(acc).toBeGreaterThan(0.98);
    // The informative axis carries the weight; the offset features (mean 10) are folded into the bias.
    expect(Math.abs(m.weights[0] as number)).toBeGreaterThan(5 * Math.max(...Array.from(m.weights.subarray(1), Math.abs)));
  });

  it('is deterministic: the same data give the same weights', () => {
    const d = clouds(100, 3);
    const o = { lambda: 0.03, iterations: 50, learningRate: 0.05 };
    expect(fitLogistic(d, o)).toEqual(fitLogistic(d, o));
  });

  it('computes accuracy, precision and recall for the positive class (no mask = 1)', () => {
    const m = binaryMetrics([0.9, 0.8, 0.2, 0.6, 0.1], [1, 1, 1, 0, 0]);
    expect(m).toMatchObject({ tp: 2, fn: 1, fp: 1, tn: 1, n: 5 });
    expect(m.accuracy).toBeCloseTo(0.6, 10);
    expect(m.precision).toBeCloseTo(2 / 3, 10);
    expect(m.recall).toBeCloseTo(2 / 3, 10);
  });

  it('folds partition the indices; subset picks rows', () => {
    const f = folds(10, 3);
    expect(f.flat().sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    expect(f.map((x) => x.length)).toEqual([4, 3, 3]);
    const d: Dataset = { x: Float32Array.from([1, 2, 3, 4, 5, 6]), y: Uint8Array.from([0, 1, 0]), dim: 2 };
    expect(subset(d, [2, 0])).toEqual({ x: Float32Array.from([5, 6, 1, 2]), y: Uint8Array.from([0, 0]), dim: 2 });
    expect(() => fitLogistic({ x: new Float32Array(0), y: new Uint8Array(0), dim: 2 }, { lambda: 1, iterations: 1, learningRate: 1 })).toThrow('no samples');
  });
});

describe('buildMaskGraph', () => {
  /**
   * A stand-in backbone with the real one's interface (input `gray` [1,64,64,1], output `backbone`
   * [1,8,8,256] NHWC): every output value is the mean gray of its 8×8 input block (AveragePool),
   * repeated over 256 channels. The wrapped graph's arithmetic can then be checked by hand.
   */
  function fakeBackbone(): Uint8Array {
    const b = new OnnxGraphBuilder();
    b.input({ name: 'gray', dtype: 'float32', shape: [1, 64, 64, 1] });
    b.initializer('perm_shape', 'int64', [4], [1, 1, 64, 64]);
    b.node('Reshape', ['gray', 'perm_shape'], ['g_nchw']);
    b.node('AveragePool', ['g_nchw'], ['pooled8'], { kernel_shape: [8, 8], strides: [8, 8] });
    b.initializer('tile', 'int64', [4], [1, 256, 1, 1]);
    b.node('Tile', ['pooled8', 'tile'], ['tiled']);
    b.node('Transpose', ['tiled'], ['backbone'], { perm: [0, 2, 3, 1] });
    b.output({ name: 'backbone', dtype: 'float32', shape: [1, 8, 8, 256] });
    return b.toBytes({ graphName: 'fake', producerName: 'test', producerVersion: '0' });
  }

  it('feeds RGB 0–255 as gray in [−1, 1], pools to 4×4 channel-major features, and applies the head', async () => {
    const bytes = fakeBackbone();
    const featureGraph = buildMaskGraph(bytes, null, 'features');
    const s = await ort.InferenceSession.create(featureGraph);
    const rgb = new Float32Array(64 * 64 * 3);
    // Left half white, right half black: gray +1 / −1.
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) rgb.fill(x < 32 ? 255 : 0, (y * 64 + x) * 3, (y * 64 + x) * 3 + 3);
    const f = (await s.run({ face: new ort.Tensor('float32', rgb, [1, 64, 64, 3]) })).features!.data as Float32Array;
    expect(f.length).toBe(FEATURE_DIM);
    // Channel 0's 4×4 grid: columns 0–1 white (≈ +1), 2–3 black (−1). 0.2989+0.587+0.114 = 0.9999.
    expect(Array.from(f.subarray(0, 4)).map((v) => Math.round(v * 1000) / 1000)).toEqual([1, 1, -1, -1]);
    expect(f[16]).toBeCloseTo(f[0] as number, 6); // channel 1 repeats channel 0

    const weights = new Float32Array(FEATURE_DIM);
    weights[0] = 2; // column 0 of channel 0
    weights[2] = -1; // column 2 of channel 0
    const full = buildMaskGraph(bytes, { weights, bias: 0.5 }, 'head');
    const s2 = await ort.InferenceSession.create(full);
    const p = (await s2.run({ face: new ort.Tensor('float32', rgb, [1, 64, 64, 3]) })).no_mask!.data[0] as number;
    expect(p).toBeCloseTo(1 / (1 + Math.exp(-(2 * 0.9999 + 0.9999 + 0.5))), 4);
    const model = onnxProto.onnx.ModelProto.decode(full);
    expect(model.graph?.input?.map((i) => i.name)).toEqual(['face']);
    expect(model.graph?.output?.map((o) => o.name)).toEqual(['no_mask']);
    expect(() => buildMaskGraph(bytes, { weights: new Float32Array(3), bias: 0 }, 'x')).toThrow('head has 3 weights, expected 4096');
  });
});
