/**
 * A small TF.js graph model, written by hand, that uses every op the CenterNet conversion maps — in
 * the same roles (strided SAME convs with odd padding, depthwise with multiplier 2, squeeze-excite
 * broadcast, bilinear upsample, channel concat, max-pool peak picking, TopK decoding with integer
 * div/mod, gather and strided slice). Weights are float16 to exercise the decoder. Used to check the
 * converter against tfjs op by op, without the 144 MB model package.
 */

export type Attr = Record<string, unknown>;
export interface NodeJson {
  name: string;
  op: string;
  input: string[];
  attr: Attr;
}
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: { dtype: 'float16'; original_dtype: 'float32' };
}

export const b64 = (s: string) => Buffer.from(s).toString('base64');
export const ints = (xs: number[]) => ({ list: { i: xs.map(String) } });
export const F = { type: 'DT_FLOAT' };
export const I = { type: 'DT_INT32' };

/** float → IEEE half bits, for values exactly representable in half precision (k/64, |k| ≤ 64). */
function toHalfBits(v: number): number {
  if (v === 0) return 0;
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  const e = Math.floor(Math.log2(a));
  const mant = (a / 2 ** e - 1) * 1024;
  if (!Number.isInteger(mant) || e < -14 || e > 15) throw new Error(`${v} is not a normal half value`);
  return sign | ((e + 15) << 10) | mant;
}

/** Deterministic pseudo-random k/64 values in [-1, 1] (xorshift), so tests are repeatable. */
function halfValues(n: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (((s >>> 0) % 129) - 64) / 64;
  });
}

export interface TinyGraph {
  modelJson: Record<string, unknown>;
  weightData: Uint8Array;
  inputShape: [number, number, number, number];
  outputs: { tf: string; onnx: string }[];
}

/** `size`: the frozen input height and width (multiples of 4); only `feat` is meaningful at sizes other than 8×8. */
export function buildTinyGraph(size: readonly [number, number] = [8, 8]): TinyGraph {
  const [h, w] = size;
  const nodes: NodeJson[] = [];
  const specs: WeightSpec[] = [];
  const chunks: Buffer[] = [];
  let seed = 7;

  const node = (name: string, op: string, input: string[], attr: Attr = {}) => {
    nodes.push({ name, op, input, attr });
    return name;
  };
  const constF16 = (name: string, shape: number[]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const buf = Buffer.alloc(n * 2);
    halfValues(n, seed++).forEach((v, i) => buf.writeUInt16LE(toHalfBits(v), i * 2));
    specs.push({ name, shape, dtype: 'float32', quantization: { dtype: 'float16', original_dtype: 'float32' } });
    chunks.push(buf);
    return node(name, 'Const', [], { value: { tensor: { dtype: 'DT_FLOAT' } }, dtype: F });
  };
  const constF32 = (name: string, shape: number[], values: number[]) => {
    const buf = Buffer.alloc(values.length * 4);
    values.forEach((v, i) => buf.writeFloatLE(v, i * 4));
    specs.push({ name, shape, dtype: 'float32' });
    chunks.push(buf);
    return node(name, 'Const', [], { value: { tensor: { dtype: 'DT_FLOAT' } }, dtype: F });
  };
  const constI32 = (name: string, shape: number[], values: number[]) => {
    const buf = Buffer.alloc(values.length * 4);
    values.forEach((v, i) => buf.writeInt32LE(v, i * 4));
    specs.push({ name, shape, dtype: 'int32' });
    chunks.push(buf);
    return node(name, 'Const', [], { value: { tensor: { dtype: 'DT_INT32' } }, dtype: I });
  };
  const conv = (strides: number[], padding: string, fused?: string[]) => ({
    strides: ints(strides),
    padding: { s: b64(padding) },
    data_format: { s: b64('NHWC') },
    dilations: ints([1, 1, 1, 1]),
    ...(fused ? { fused_ops: { list: { s: fused.map(b64) } }, num_args: { i: '1' }, epsilon: { f: 0 } } : {}),
  });

  const x = node('images', 'Placeholder', [], { shape: { shape: { dim: [1, h, w, 3].map((d) => ({ size: String(d) })) } }, dtype: F });
  // stride-2 SAME on an even size: TF pads 0 before, 1 after
  const b1 = constF32('b1', [4], [0.1, -0.2, 0.3, 0]);
  const c1 = node('c1', '_FusedConv2D', [x, constF16('w1', [3, 3, 3, 4]), b1], conv([1, 2, 2, 1], 'SAME', ['BiasAdd', 'Relu']));
  // hard-swish: x * relu6(x + 3) / 6
  const hsAdd = node('hs/add', 'Add', [c1, constF32('three', [], [3])]);
  const hsRelu6 = node('hs/relu6', 'Relu6', [hsAdd]);
  const hsMul = node('hs/mul', 'Mul', [c1, hsRelu6]);
  const hs = node('hs', 'Mul', [constF32('sixth', [], [1 / 6]), hsMul]);
  // depthwise with channel multiplier 2: output channel c*2+q
  const d1 = node('d1', 'FusedDepthwiseConv2dNative', [hs, constF16('wd1', [3, 3, 4, 2]), constF16('bd1', [8])], conv([1, 1, 1, 1], 'SAME', ['BiasAdd']));
  // squeeze-excite: [1,1,1,8] broadcast against [1,4,4,8]
  const mean = node('se/mean', 'Mean', [d1, constI32('se/axes', [2], [1, 2])], { keep_dims: { b: true } });
  const gate = node('se/sigmoid', 'Sigmoid', [mean]);
  const se = node('se/mul', 'Mul', [d1, gate]);
  // 5x5 depthwise, stride 2: pads 1 before, 2 after
  const d2 = node('d2', 'DepthwiseConv2dNative', [se, constF16('wd2', [5, 5, 8, 1])], conv([1, 2, 2, 1], 'SAME'));
  const c2 = node('c2', 'Conv2D', [d2, constF16('w2', [1, 1, 8, 4])], conv([1, 1, 1, 1], 'VALID'));
  const up = node('up', 'ResizeBilinear', [c2, constI32('up/size', [2], [h / 2, w / 2])], { align_corners: { b: false }, half_pixel_centers: { b: false } });
  const cat = node('cat', 'ConcatV2', [c1, up, constI32('cat/axis', [], [3])], { N: { i: '2' } });
  const feat = node('feat', 'Relu', [cat]);
  // CenterNet's peak picking and decoding
  const heat = node('heat', 'Sigmoid', [cat]);
  const pool = node('pool', 'MaxPool', [heat], {
    ksize: ints([1, 3, 3, 1]),
    strides: ints([1, 1, 1, 1]),
    padding: { s: b64('SAME') },
    data_format: { s: b64('NHWC') },
  });
  const eq = node('eq', 'Equal', [heat, pool]);
  const eqf = node('eqf', 'Cast', [eq], { SrcT: { type: 'DT_BOOL' }, DstT: F });
  const peaks = node('peaks', 'Mul', [heat, eqf]);
  const flat = node('flat', 'Reshape', [peaks, constI32('flat/shape', [2], [1, -1])]);
  const topk = node('topk', 'TopKV2', [flat, constI32('topk/k', [], [5])], { sorted: { b: true } });
  const eight = constI32('eight', [], [8]);
  const cell = node('cell', 'FloorDiv', ['topk:1', eight]);
  const cls = node('cls', 'FloorMod', ['topk:1', eight]);
  const clsE = node('cls/expand', 'ExpandDims', [cls, constI32('cls/dim', [], [-1])]);
  const clsF = node('cls/float', 'Cast', [clsE], { SrcT: I, DstT: F });
  const scoreE = node('score/expand', 'ExpandDims', [topk, constI32('score/dim', [], [-1])]);
  const table = node('table', 'Reshape', [up, constI32('table/shape', [2], [16, 4])]);
  const cellFlat = node('cell/flat', 'Reshape', [cell, constI32('cell/shape', [1], [-1])]);
  const gathered = node('gather', 'GatherV2', [table, cellFlat, constI32('gather/axis', [], [0])], { batch_dims: { i: '0' } });
  const rows = node('rows', 'Reshape', [gathered, constI32('rows/shape', [3], [1, 5, 4])]);
  const slice = node('slice', 'StridedSlice', [rows, constI32('sl/b', [3], [0, 0, 1]), constI32('sl/e', [3], [0, 0, 3]), constI32('sl/s', [3], [1, 1, 1])], {
    begin_mask: { i: '3' },
    end_mask: { i: '3' },
  });
  const shifted = node('shifted', 'Sub', [slice, constF32('half', [], [0.5])]);
  const out = node('out', 'ConcatV2', [scoreE, clsF, shifted, constI32('out/axis', [], [-1])], { N: { i: '3' } });
  node('detections', 'Identity', [out]);
  // A classification-style head: 1×1 conv to 6 channels, then a sigmoid (CenterNet's heatmap in miniature).
  const c3 = node('c3', '_FusedConv2D', [feat, constF16('w3', [1, 1, 8, 6]), constF32('b3', [6], [0.5, -0.5, 0.25, -0.25, 0, 1])], conv([1, 1, 1, 1], 'SAME', ['BiasAdd']));
  node('head', 'Sigmoid', [c3]);

  const modelJson = {
    format: 'graph-model',
    generatedBy: 'qmon test',
    convertedBy: 'hand',
    modelTopology: { node: nodes, library: {}, versions: {} },
    weightsManifest: [{ paths: ['tiny.bin'], weights: specs }],
    signature: {},
  };
  return {
    modelJson,
    weightData: new Uint8Array(Buffer.concat(chunks)),
    inputShape: [1, h, w, 3],
    outputs: [
      { tf: 'detections', onnx: 'detections' },
      { tf: feat, onnx: 'feat' },
    ],
  };
}
