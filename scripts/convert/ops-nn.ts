/**
 * Mappings for the layout-sensitive TF ops: convolutions (plain, fused, depthwise), pooling,
 * reductions over spatial axes, bilinear resize and concatenation. These produce NCHW values.
 */
import { ConversionContext, ConversionError, type Value } from './context.js';
import { checkStride, resizeScale } from './dynamic-size.js';
import { NHWC_TO_NCHW_AXIS, permute, tfPadding } from './shape-math.js';
import { attrBool, attrInt, attrInts, attrString, attrStrings, type TfNode } from './tfjs-graph.js';

export type OpHandler = (ctx: ConversionContext, node: TfNode) => void;

function requireNhwc(node: TfNode): void {
  const df = attrString(node, 'data_format', 'NHWC');
  if (df !== 'NHWC') throw new ConversionError(`node ${node.name} (${node.op}): data_format ${df} is not supported (NHWC only)`);
}

function padding(node: TfNode): 'SAME' | 'VALID' {
  const p = attrString(node, 'padding');
  if (p !== 'SAME' && p !== 'VALID') throw new ConversionError(`node ${node.name} (${node.op}): padding ${p} is not supported`);
  return p;
}

/** Spatial geometry shared by conv and pool: ONNX pads/strides/dilations plus the output size. */
function spatial(ctx: ConversionContext, node: TfNode, x: Value, kh: number, kw: number) {
  const [s0, sh, sw, s3] = attrInts(node, 'strides', [1, 1, 1, 1]);
  const [d0, dh, dw, d3] = attrInts(node, 'dilations', [1, 1, 1, 1]);
  if (s0 !== 1 || s3 !== 1 || d0 !== 1 || d3 !== 1 || !sh || !sw || !dh || !dw) {
    throw new ConversionError(`node ${node.name} (${node.op}): strides/dilations over batch or channels are not supported`);
  }
  const pad = padding(node);
  if (ctx.dynamic) {
    checkStride(ctx.dynamic, node, x, 1, sh);
    checkStride(ctx.dynamic, node, x, 2, sw);
  }
  const h = tfPadding(pad, x.shape[1] as number, kh, sh, dh);
  const w = tfPadding(pad, x.shape[2] as number, kw, sw, dw);
  return {
    attrs: { strides: [sh, sw], dilations: [dh, dw], pads: [h.before, w.before, h.after, w.after] },
    outH: h.out,
    outW: w.out,
  };
}

/** TF fused activations after BiasAdd; returns the value after the activation. */
function fusedActivation(ctx: ConversionContext, node: TfNode, pre: Value, ops: string[]): Value {
  const act = ops[1];
  if (act === undefined) return pre;
  if (ops.length > 2) throw new ConversionError(`node ${node.name}: fused ops [${ops.join(', ')}] are not supported`);
  const name = ctx.unique(node.name);
  if (act === 'Relu') ctx.out.node('Relu', [pre.name], [name]);
  else if (act === 'Relu6') {
    const lo = ctx.constant(`${node.name}/relu6_min`, { dtype: 'float32', shape: [], data: [0] }).name;
    const hi = ctx.constant(`${node.name}/relu6_max`, { dtype: 'float32', shape: [], data: [6] }).name;
    ctx.out.node('Clip', [pre.name, lo, hi], [name]);
  } else throw new ConversionError(`node ${node.name}: fused activation ${act} is not supported`);
  return { ...pre, name };
}

/**
 * Conv2D, _FusedConv2D, DepthwiseConv2dNative and FusedDepthwiseConv2dNative → ONNX Conv.
 * TF filters are HWIO (depthwise: H,W,in,multiplier); ONNX wants OIHW (depthwise: in*mult,1,H,W with
 * group=in). TF orders depthwise outputs as in_channel*multiplier + q, which is exactly the row-major
 * flattening of the last two filter dims, so a reshape + permute maps it.
 */
function conv(depthwise: boolean): OpHandler {
  return (ctx, node) => {
    requireNhwc(node);
    const x = ctx.as(ctx.input(node, 0), 'NCHW');
    const f = ctx.constInput(node, 1);
    if (f.dtype !== 'float32' || f.shape.length !== 4) throw new ConversionError(`node ${node.name}: filter must be a float32 rank-4 constant`);
    const [kh, kw, ci, co] = f.shape as [number, number, number, number];
    const inC = x.shape[3] as number;
    let weight: { data: Float32Array; shape: number[] };
    let group = 1;
    let outC = co;
    if (depthwise) {
      if (ci !== inC) throw new ConversionError(`node ${node.name}: depthwise filter expects ${ci} channels, input has ${inC}`);
      const flat = permute(f.data as Float32Array, [kh, kw, ci * co], [2, 0, 1]);
      weight = { data: flat.data, shape: [ci * co, 1, kh, kw] };
      group = ci;
      outC = ci * co;
    } else {
      if (ci !== inC) throw new ConversionError(`node ${node.name}: filter expects ${ci} input channels, input has ${inC} (grouped conv unsupported)`);
      weight = permute(f.data as Float32Array, [kh, kw, ci, co], [3, 2, 0, 1]);
    }
    // Only some output channels are used (narrow-channels.ts): OIHW rows begin..end, contiguous.
    const keep = ctx.narrowed.get(node.name);
    if (keep && !depthwise) {
      const [b, e] = keep;
      if (!(b >= 0 && e > b && e <= outC)) throw new ConversionError(`node ${node.name}: channels [${b}, ${e}) do not lie within its ${outC} channels`);
      const row = ci * kh * kw;
      weight = { data: weight.data.slice(b * row, e * row), shape: [e - b, ci, kh, kw] };
      outC = e - b;
    }
    const w = ctx.constant(`${node.inputs[1]}__oihw`, { dtype: 'float32', shape: weight.shape, data: weight.data }).name;
    const fused = node.op.startsWith('Fused') || node.op === '_FusedConv2D' ? attrStrings(node, 'fused_ops') : [];
    const inputs = [x.name, w];
    if (fused.length > 0) {
      if (fused[0] !== 'BiasAdd') throw new ConversionError(`node ${node.name}: fused ops [${fused.join(', ')}] are not supported`);
      if (attrInt(node, 'num_args', 1) !== 1) throw new ConversionError(`node ${node.name}: BiasAdd with ${attrInt(node, 'num_args')} args`);
      const b = ctx.constInput(node, 2);
      const fullC = keep && !depthwise ? co : outC;
      if (b.shape.length !== 1 || b.shape[0] !== fullC) throw new ConversionError(`node ${node.name}: bias shape [${b.shape.join(',')}] ≠ [${fullC}]`);
      const bias = keep && !depthwise ? { dtype: b.dtype, shape: [outC], data: Array.from(b.data).slice(keep[0], keep[1]) } : b;
      inputs.push(ctx.constant(`${node.inputs[2]}`, bias).name);
    }
    const geo = spatial(ctx, node, x, kh, kw);
    const convName = ctx.unique(fused.length > 1 ? `${node.name}/conv` : node.name);
    ctx.out.node('Conv', inputs, [convName], { ...geo.attrs, group, kernel_shape: [kh, kw] });
    const pre: Value = { name: convName, dtype: 'float32', shape: [x.shape[0] as number, geo.outH, geo.outW, outC], layout: 'NCHW' };
    ctx.define(node.name, fusedActivation(ctx, node, pre, fused));
  };
}

const maxPool: OpHandler = (ctx, node) => {
  requireNhwc(node);
  const x = ctx.as(ctx.input(node, 0), 'NCHW');
  const [k0, kh, kw, k3] = attrInts(node, 'ksize');
  if (k0 !== 1 || k3 !== 1 || !kh || !kw) throw new ConversionError(`node ${node.name}: pooling over batch/channels is not supported`);
  const geo = spatial(ctx, node, x, kh, kw);
  const name = ctx.unique(node.name);
  // ONNX MaxPool ignores padded cells, like TF's SAME pooling (pads act as -inf, not 0).
  ctx.out.node('MaxPool', [x.name], [name], { kernel_shape: [kh, kw], strides: geo.attrs.strides, pads: geo.attrs.pads });
  ctx.define(node.name, { name, dtype: x.dtype, shape: [x.shape[0] as number, geo.outH, geo.outW, x.shape[3] as number], layout: 'NCHW' });
};

const mean: OpHandler = (ctx, node) => {
  const keep = attrBool(node, 'keep_dims');
  let x = ctx.input(node, 0);
  const rank = x.shape.length;
  const axes = Array.from(ctx.constInput(node, 1).data, (a) => (a < 0 ? a + rank : a));
  // Dropping axes would leave a layout-tagged value that is no longer rank 4, so reduce in TF order then.
  if (!keep) x = ctx.as(x, 'NHWC');
  const onnxAxes = rank === 4 && x.layout === 'NCHW' ? axes.map((a) => NHWC_TO_NCHW_AXIS[a] as number) : axes;
  const name = ctx.unique(node.name);
  ctx.out.node('ReduceMean', [x.name], [name], { axes: [...onnxAxes].sort((a, b) => a - b), keepdims: keep ? 1 : 0 });
  const shape = keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
  ctx.define(node.name, { name, dtype: x.dtype, shape, layout: keep ? x.layout : 'NHWC' });
};

const resizeBilinear: OpHandler = (ctx, node) => {
  const x = ctx.as(ctx.input(node, 0), 'NCHW');
  const size = Array.from(ctx.constInput(node, 1).data);
  const [h, w] = size as [number, number];
  const alignCorners = attrBool(node, 'align_corners');
  const halfPixel = attrBool(node, 'half_pixel_centers');
  // TF's three sampling conventions map one-to-one onto ONNX coordinate_transformation_mode.
  const mode = alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric';
  const name = ctx.unique(node.name);
  if (ctx.dynamic) {
    // Any input size: the frozen target becomes the scale it is at the reference size (Keras UpSampling2D's own
    // definition). With 'asymmetric' sampling, ONNX maps output x to x / scale, which is TF's in/out ratio.
    const [sh, sw] = resizeScale(node, x.shape[1] as number, x.shape[2] as number, h, w);
    const scales = ctx.constant(`${node.name}/scales`, { dtype: 'float32', shape: [4], data: [1, 1, sh, sw] }).name;
    ctx.out.node('Resize', [x.name, '', scales], [name], { mode: 'linear', coordinate_transformation_mode: mode });
  } else {
    const sizes = ctx.int64(`${node.name}/sizes`, [x.shape[0] as number, x.shape[3] as number, h, w]);
    ctx.out.node('Resize', [x.name, '', '', sizes], [name], { mode: 'linear', coordinate_transformation_mode: mode });
  }
  ctx.define(node.name, { name, dtype: x.dtype, shape: [x.shape[0] as number, h, w, x.shape[3] as number], layout: 'NCHW' });
};

const concatV2: OpHandler = (ctx, node) => {
  const n = attrInt(node, 'N', node.inputs.length - 1);
  let parts = Array.from({ length: n }, (_, i) => ctx.input(node, i));
  const rank = parts[0]?.shape.length ?? 0;
  let axis = Number(ctx.constInput(node, n).data[0]);
  if (axis < 0) axis += rank;
  // Join in NCHW when any part already is, so the convs around it need no transposes.
  const layout = rank === 4 && parts.some((p) => p.layout === 'NCHW') ? 'NCHW' : 'NHWC';
  parts = parts.map((p) => ctx.as(p, layout));
  const onnxAxis = rank === 4 && layout === 'NCHW' ? (NHWC_TO_NCHW_AXIS[axis] as number) : axis;
  const first = parts[0];
  if (!first) throw new ConversionError(`node ${node.name}: ConcatV2 without inputs`);
  const shape = [...first.shape];
  shape[axis] = parts.reduce((s, p) => s + (p.shape[axis] as number), 0);
  const name = ctx.unique(node.name);
  ctx.out.node('Concat', parts.map((p) => p.name), [name], { axis: onnxAxis });
  ctx.define(node.name, { name, dtype: first.dtype, shape, layout });
};

export const NN_OPS: Readonly<Record<string, OpHandler>> = {
  Conv2D: conv(false),
  _FusedConv2D: conv(false),
  DepthwiseConv2dNative: conv(true),
  FusedDepthwiseConv2dNative: conv(true),
  MaxPool: maxPool,
  Mean: mean,
  ResizeBilinear: resizeBilinear,
  ConcatV2: concatV2,
};
