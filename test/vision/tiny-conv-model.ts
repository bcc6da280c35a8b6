/**
 * Small fp32 ONNX models, written with the project's own onnx-writer, for the quantiser's tests: a
 * conv block shaped like a MobileNet layer (3×3 conv → ReLU → depthwise 3×3 → residual Add → 1×1
 * conv), whose output channels differ in weight magnitude by up to 8×, so per-channel scales differ.
 */
import { OnnxGraphBuilder } from '../../scripts/convert/onnx-writer.js';

/** Deterministic values in [-1, 1) (xorshift), so every run builds the same model. */
export function pseudoRandom(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) % 2000) / 1000 - 1;
  });
}

/** Output channel c (axis 0) multiplied by `1 + c`: per-channel ranges 1×, 2×, … */
function channelScaled(shape: readonly number[], seed: number): Float32Array {
  const w = pseudoRandom(shape.reduce((a, b) => a * b, 1), seed);
  const per = w.length / shape[0]!;
  return w.map((v, i) => v * (1 + Math.floor(i / per)));
}

export const TINY = { input: 'x', output: 'y', shape: [1, 3, 8, 8] as const, channels: 4 };

export interface TinyModel {
  readonly bytes: Uint8Array;
  /** Float weights by initializer name, to check the quantised copies against. */
  readonly weights: ReadonlyMap<string, { data: Float32Array; shape: number[] }>;
}

/** conv1 (3→4, 3×3) → relu → dw (4, depthwise 3×3) → add(dw, relu) → conv3 (4→2, 1×1) → y. */
export function buildConvBlock(): TinyModel {
  const g = new OnnxGraphBuilder();
  const weights = new Map<string, { data: Float32Array; shape: number[] }>();
  const init = (name: string, shape: number[], data: Float32Array) => {
    weights.set(name, { data, shape });
    return g.initializer(name, 'float32', shape, data);
  };
  const c = TINY.channels;
  g.input({ name: TINY.input, dtype: 'float32', shape: [...TINY.shape] });
  const w1 = init('w1', [c, 3, 3, 3], channelScaled([c, 3, 3, 3], 11).map((v) => v * 0.3));
  const b1 = init('b1', [c], pseudoRandom(c, 12).map((v) => v * 0.1));
  g.node('Conv', [TINY.input, w1, b1], ['t1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'conv1');
  g.node('Relu', ['t1'], ['r1'], {}, 'relu1');
  const w2 = init('w2', [c, 1, 3, 3], channelScaled([c, 1, 3, 3], 13).map((v) => v * 0.4));
  const b2 = init('b2', [c], pseudoRandom(c, 14).map((v) => v * 0.1));
  g.node('Conv', ['r1', w2, b2], ['t2'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: c }, 'dw');
  g.node('Add', ['t2', 'r1'], ['a'], {}, 'add');
  const w3 = init('w3', [2, c, 1, 1], channelScaled([2, c, 1, 1], 15).map((v) => v * 0.5));
  const b3 = init('b3', [2], pseudoRandom(2, 16).map((v) => v * 0.1));
  g.node('Conv', ['a', w3, b3], [TINY.output], { kernel_shape: [1, 1] }, 'conv3');
  g.output({ name: TINY.output, dtype: 'float32', shape: [1, 2, 8, 8] });
  return { bytes: g.toBytes({ graphName: 'tiny-conv', producerName: 'qmon-test', producerVersion: '1' }), weights };
}

/** One 3×3 conv (3→4 channels) with bias: the case where the error bound can be derived exactly. */
export function buildSingleConv(): TinyModel {
  const g = new OnnxGraphBuilder();
  const c = TINY.channels;
  const w = channelScaled([c, 3, 3, 3], 21).map((v) => v * 0.3);
  const b = pseudoRandom(c, 22).map((v) => v * 0.2);
  g.input({ name: TINY.input, dtype: 'float32', shape: [...TINY.shape] });
  g.initializer('w', 'float32', [c, 3, 3, 3], w);
  g.initializer('b', 'float32', [c], b);
  g.node('Conv', [TINY.input, 'w', 'b'], [TINY.output], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'conv');
  g.output({ name: TINY.output, dtype: 'float32', shape: [1, c, 8, 8] });
  const weights = new Map([
    ['w', { data: w, shape: [c, 3, 3, 3] }],
    ['b', { data: b, shape: [c] }],
  ]);
  return { bytes: g.toBytes({ graphName: 'single-conv', producerName: 'qmon-test', producerVersion: '1' }), weights };
}

/** A graph with no Conv at all (Relu only). */
export function buildNoConv(): Uint8Array {
  const g = new OnnxGraphBuilder();
  g.input({ name: TINY.input, dtype: 'float32', shape: [...TINY.shape] });
  g.node('Relu', [TINY.input], [TINY.output], {}, 'relu');
  g.output({ name: TINY.output, dtype: 'float32', shape: [...TINY.shape] });
  return g.toBytes({ graphName: 'no-conv', producerName: 'qmon-test', producerVersion: '1' });
}

/** x → ReduceMean over H,W (keepdims) → m1, and over C → m2: only the first is a global average pool. */
export function buildMeans(): Uint8Array {
  const g = new OnnxGraphBuilder();
  g.input({ name: TINY.input, dtype: 'float32', shape: [...TINY.shape] });
  g.node('ReduceMean', [TINY.input], ['m1'], { axes: [2, 3], keepdims: 1 }, 'spatial');
  g.node('ReduceMean', [TINY.input], ['m2'], { axes: [1], keepdims: 1 }, 'channels');
  g.output({ name: 'm1', dtype: 'float32', shape: [1, 3, 1, 1] });
  g.output({ name: 'm2', dtype: 'float32', shape: [1, 1, 8, 8] });
  return g.toBytes({ graphName: 'means', producerName: 'qmon-test', producerVersion: '1' });
}

/** conv (3→4, 3×3) → Clip(min, max) → 1×1 conv (4→2) → y: a Clip range with or without 0 in it. */
export function buildConvClip(min: number, max: number): Uint8Array {
  const g = new OnnxGraphBuilder();
  const c = TINY.channels;
  g.input({ name: TINY.input, dtype: 'float32', shape: [...TINY.shape] });
  g.initializer('w', 'float32', [c, 3, 3, 3], channelScaled([c, 3, 3, 3], 31).map((v) => v * 0.3));
  g.initializer('lo', 'float32', [], [min]);
  g.initializer('hi', 'float32', [], [max]);
  g.initializer('w2', 'float32', [2, c, 1, 1], pseudoRandom(2 * c, 32));
  g.node('Conv', [TINY.input, 'w'], ['t'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'conv');
  g.node('Clip', ['t', 'lo', 'hi'], ['clipped'], {}, 'clip');
  g.node('Conv', ['clipped', 'w2'], [TINY.output], { kernel_shape: [1, 1] }, 'conv2');
  g.output({ name: TINY.output, dtype: 'float32', shape: [1, 2, 8, 8] });
  return g.toBytes({ graphName: 'conv-clip', producerName: 'qmon-test', producerVersion: '1' });
}
