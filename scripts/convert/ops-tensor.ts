/**
 * Mappings for element-wise math and the index-manipulating ops of CenterNet's decoding tail
 * (Reshape, TopK, Gather, StridedSlice, ExpandDims, Cast, integer FloorDiv/FloorMod).
 * Element-wise ops keep their inputs' layout; index ops work in TF element order (NHWC).
 */
import { ConversionContext, ConversionError, type Value } from './context.js';
import type { OnnxDType } from './onnx-writer.js';
import type { OpHandler } from './ops-nn.js';
import { broadcastShape, resolveReshape, sliceLength } from './shape-math.js';
import { attrInt, attrType, parseTensorRef, type TfNode } from './tfjs-graph.js';

const TF_DTYPES: Record<string, OnnxDType> = { DT_FLOAT: 'float32', DT_INT32: 'int32', DT_BOOL: 'bool', DT_INT64: 'int64' };

function dtypeOf(node: TfNode, key: string): OnnxDType {
  const t = attrType(node, key);
  const d = TF_DTYPES[t];
  if (!d) throw new ConversionError(`node ${node.name} (${node.op}): dtype ${t} is not supported`);
  return d;
}

/**
 * Brings two operands to one layout. Activations meet in NCHW when either is NCHW. A scalar is
 * layout-free; a non-scalar of lower rank would broadcast against the wrong axis in NCHW, so the
 * rank-4 side goes back to TF order for it.
 */
function align(ctx: ConversionContext, a: Value, b: Value): [Value, Value] {
  const isScalarish = (v: Value) => v.shape.every((d) => d === 1);
  if (a.shape.length === 4 && b.shape.length === 4) {
    const layout = a.layout === 'NCHW' || b.layout === 'NCHW' ? 'NCHW' : 'NHWC';
    return [ctx.as(a, layout), ctx.as(b, layout)];
  }
  if (a.shape.length === 4 && !isScalarish(b)) return [ctx.as(a, 'NHWC'), b];
  if (b.shape.length === 4 && !isScalarish(a)) return [a, ctx.as(b, 'NHWC')];
  return [a, b];
}

function binary(onnxOp: string | ((ctx: ConversionContext, node: TfNode, a: Value, b: Value, out: string) => void), resultDtype?: OnnxDType): OpHandler {
  return (ctx, node) => {
    const [a, b] = align(ctx, ctx.input(node, 0), ctx.input(node, 1));
    if (a.dtype !== b.dtype) throw new ConversionError(`node ${node.name} (${node.op}): operand dtypes ${a.dtype} and ${b.dtype} differ`);
    const layout = a.shape.length === 4 ? a.layout : b.layout;
    const name = ctx.unique(node.name);
    if (typeof onnxOp === 'string') ctx.out.node(onnxOp, [a.name, b.name], [name]);
    else onnxOp(ctx, node, a, b, name);
    ctx.define(node.name, { name, dtype: resultDtype ?? a.dtype, shape: broadcastShape(a.shape, b.shape), layout });
  };
}

/**
 * TF FloorDiv rounds toward −∞; ONNX integer Div truncates toward 0. They agree when both operands
 * are ≥ 0, which holds in this graph (flat TopK indices divided by positive extents). A negative
 * constant divisor is refused; the dividend's sign cannot be known statically, hence this note.
 */
function floorDiv(ctx: ConversionContext, node: TfNode, a: Value, b: Value, out: string): void {
  if (a.dtype === 'float32') {
    const q = ctx.unique(`${node.name}/quotient`);
    ctx.out.node('Div', [a.name, b.name], [q]);
    ctx.out.node('Floor', [q], [out]);
    return;
  }
  const ref = node.inputs[1];
  const divisor = ref === undefined ? undefined : ctx.graph.weights.get(parseTensorRef(ref).node);
  if (!divisor || Array.from(divisor.data).some((d) => d <= 0)) {
    throw new ConversionError(`node ${node.name}: integer FloorDiv is only mapped for positive constant divisors`);
  }
  ctx.out.node('Div', [a.name, b.name], [out]);
}

/** TF FloorMod takes the divisor's sign, which is ONNX Mod with fmod=0 for integers. */
function floorMod(ctx: ConversionContext, node: TfNode, a: Value, b: Value, out: string): void {
  if (a.dtype === 'float32') throw new ConversionError(`node ${node.name}: float FloorMod is not supported`);
  ctx.out.node('Mod', [a.name, b.name], [out], { fmod: 0 });
}

function unary(onnxOp: string): OpHandler {
  return (ctx, node) => {
    const x = ctx.input(node, 0);
    const name = ctx.unique(node.name);
    ctx.out.node(onnxOp, [x.name], [name]);
    ctx.define(node.name, { ...x, name });
  };
}

const relu6: OpHandler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const lo = ctx.constant(`${node.name}/min`, { dtype: 'float32', shape: [], data: [0] }).name;
  const hi = ctx.constant(`${node.name}/max`, { dtype: 'float32', shape: [], data: [6] }).name;
  const name = ctx.unique(node.name);
  ctx.out.node('Clip', [x.name, lo, hi], [name]);
  ctx.define(node.name, { ...x, name });
};

/** Identity only renames; no ONNX node is needed. */
const identity: OpHandler = (ctx, node) => ctx.define(node.name, ctx.input(node, 0));

const cast: OpHandler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const to = dtypeOf(node, 'DstT');
  if (to === x.dtype) return ctx.define(node.name, x);
  const name = ctx.unique(node.name);
  const onnxTo = { float32: 1, int32: 6, int64: 7, bool: 9 }[to];
  ctx.out.node('Cast', [x.name], [name], { to: onnxTo });
  ctx.define(node.name, { ...x, name, dtype: to });
};

const reshape: OpHandler = (ctx, node) => {
  const x = ctx.as(ctx.input(node, 0), 'NHWC');
  const shape = resolveReshape(x.shape, Array.from(ctx.constInput(node, 1).data));
  const name = ctx.unique(node.name);
  ctx.out.node('Reshape', [x.name, ctx.int64(`${node.name}/shape`, shape)], [name]);
  ctx.define(node.name, { name, dtype: x.dtype, shape, layout: 'NHWC' });
};

/**
 * TopKV2 → TopK (largest, sorted) along the last axis. ONNX returns int64 indices; TF's are int32
 * and the decoding tail does int32 arithmetic on them, so they are cast back.
 */
const topK: OpHandler = (ctx, node) => {
  const x = ctx.as(ctx.input(node, 0), 'NHWC');
  const k = Number(ctx.constInput(node, 1).data[0]);
  const shape = [...x.shape.slice(0, -1), k];
  const values = ctx.unique(node.name);
  const idx64 = ctx.unique(`${node.name}/indices_i64`);
  const idx32 = ctx.unique(`${node.name}:1`);
  ctx.out.node('TopK', [x.name, ctx.int64(`${node.name}/k`, [k])], [values, idx64], { axis: -1, largest: 1, sorted: 1 });
  ctx.out.node('Cast', [idx64], [idx32], { to: 6 });
  ctx.define(`${node.name}:0`, { name: values, dtype: x.dtype, shape, layout: 'NHWC' });
  ctx.define(`${node.name}:1`, { name: idx32, dtype: 'int32', shape, layout: 'NHWC' });
};

const expandDims: OpHandler = (ctx, node) => {
  const x = ctx.as(ctx.input(node, 0), 'NHWC');
  let axis = Number(ctx.constInput(node, 1).data[0]);
  if (axis < 0) axis += x.shape.length + 1;
  const shape = [...x.shape.slice(0, axis), 1, ...x.shape.slice(axis)];
  const name = ctx.unique(node.name);
  ctx.out.node('Unsqueeze', [x.name, ctx.int64(`${node.name}/axes`, [axis])], [name]);
  ctx.define(node.name, { name, dtype: x.dtype, shape, layout: 'NHWC' });
};

const gatherV2: OpHandler = (ctx, node) => {
  if (attrInt(node, 'batch_dims', 0) !== 0) throw new ConversionError(`node ${node.name}: GatherV2 batch_dims ≠ 0 is not supported`);
  const params = ctx.as(ctx.input(node, 0), 'NHWC');
  const indices = ctx.as(ctx.input(node, 1), 'NHWC');
  let axis = Number(ctx.constInput(node, 2).data[0]);
  if (axis < 0) axis += params.shape.length;
  const shape = [...params.shape.slice(0, axis), ...indices.shape, ...params.shape.slice(axis + 1)];
  const name = ctx.unique(node.name);
  ctx.out.node('Gather', [params.name, indices.name], [name], { axis });
  ctx.define(node.name, { name, dtype: params.dtype, shape, layout: 'NHWC' });
};

/** StridedSlice with begin/end masks and positive strides → Slice over every axis. */
const stridedSlice: OpHandler = (ctx, node) => {
  for (const m of ['ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask']) {
    if (attrInt(node, m, 0) !== 0) throw new ConversionError(`node ${node.name}: StridedSlice ${m} is not supported`);
  }
  const x = ctx.as(ctx.input(node, 0), 'NHWC');
  const [begin, end, step] = [1, 2, 3].map((i) => Array.from(ctx.constInput(node, i).data));
  const beginMask = attrInt(node, 'begin_mask', 0);
  const endMask = attrInt(node, 'end_mask', 0);
  const starts: number[] = [];
  const ends: number[] = [];
  const shape: number[] = [];
  x.shape.forEach((size, d) => {
    const s = step?.[d] ?? 1;
    if (s <= 0) throw new ConversionError(`node ${node.name}: StridedSlice with non-positive stride is not supported`);
    const b = beginMask & (1 << d) ? 0 : (begin?.[d] ?? 0);
    const e = endMask & (1 << d) ? size : (end?.[d] ?? size);
    starts.push(b);
    ends.push(e);
    shape.push(sliceLength(size, b, e, s));
  });
  const axes = x.shape.map((_, d) => d);
  const steps = axes.map((d) => step?.[d] ?? 1);
  const name = ctx.unique(node.name);
  const consts = { starts, ends, axes, steps };
  const inputs = Object.entries(consts).map(([k, v]) => ctx.int64(`${node.name}/${k}`, v));
  ctx.out.node('Slice', [x.name, ...inputs], [name]);
  ctx.define(node.name, { name, dtype: x.dtype, shape, layout: 'NHWC' });
};

export const TENSOR_OPS: Readonly<Record<string, OpHandler>> = {
  Add: binary('Add'),
  AddV2: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  Equal: binary('Equal', 'bool'),
  FloorDiv: binary(floorDiv),
  FloorMod: binary(floorMod),
  Relu: unary('Relu'),
  Sigmoid: unary('Sigmoid'),
  Relu6: relu6,
  Identity: identity,
  Cast: cast,
  Reshape: reshape,
  TopKV2: topK,
  ExpandDims: expandDims,
  GatherV2: gatherV2,
  StridedSlice: stridedSlice,
};
