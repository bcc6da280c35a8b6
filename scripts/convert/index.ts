/**
 * TensorFlow.js graph model → ONNX (opset 13). Walks the graph from the requested outputs in
 * dependency order, maps each TF op with the tables in ops-nn.ts / ops-tensor.ts / ops-extra.ts, and writes the
 * result with onnx-writer.ts. Only nodes the outputs depend on are converted.
 */
import { ConversionContext, ConversionError, type Value } from './context.js';
import { checkMultiple, checkSizeFree } from './dynamic-size.js';
import { narrowableConvs } from './narrow-channels.js';
import { OnnxGraphBuilder, type ValueDecl } from './onnx-writer.js';
import { EXTRA_OPS } from './ops-extra.js';
import { NN_OPS, type OpHandler } from './ops-nn.js';
import { TENSOR_OPS } from './ops-tensor.js';
import { attrShape, attrType, parseTensorRef, type TfjsGraph, type TfNode } from './tfjs-graph.js';

export { readTfjsGraph, parseTfjsGraph, float16ToFloat32, type TfjsGraph } from './tfjs-graph.js';
export { ConversionError } from './context.js';
export type { DynamicSpatial } from './dynamic-size.js';

/** Bumped whenever a change to the converter may change its output bytes. */
export const CONVERTER_VERSION = '2';

const OPS: Readonly<Record<string, OpHandler>> = { ...NN_OPS, ...TENSOR_OPS, ...EXTRA_OPS };

export interface ConvertOptions {
  /** TF placeholder → ONNX graph input name. */
  readonly inputs: readonly { tf: string; onnx: string }[];
  /**
   * TF tensor → ONNX graph output name; outputs are always in TF's own layout (NHWC). `channels` [begin, end) keeps
   * only those channels of a rank-4 output (e.g. the person class of an 80-class heatmap), so a caller does not copy
   * out what it never reads.
   */
  readonly outputs: readonly { tf: string; onnx: string; channels?: readonly [number, number] }[];
  /** Convert size-free: input height and width any multiple of `multipleOf` (dynamic-size.ts); default fixed. */
  readonly spatial?: { readonly multipleOf: number };
  readonly graphName: string;
  readonly docString?: string;
}

export interface ConvertResult {
  readonly bytes: Uint8Array;
  readonly inputs: readonly ValueDecl[];
  readonly outputs: readonly ValueDecl[];
  /** Count of each TF op type converted (Const and Placeholder included). */
  readonly tfOps: Readonly<Record<string, number>>;
  readonly onnxNodes: number;
}

export function convertTfjsGraph(graph: TfjsGraph, opts: ConvertOptions): ConvertResult {
  const order = topologicalOrder(graph, opts.outputs.map((o) => parseTensorRef(o.tf).node));
  const unsupported = [...new Set(order.filter((n) => !OPS[n.op] && n.op !== 'Const' && n.op !== 'Placeholder').map((n) => n.op))];
  if (unsupported.length > 0) throw new ConversionError(`unsupported TF ops: ${unsupported.sort().join(', ')}`);

  const out = new OnnxGraphBuilder();
  const ctx = new ConversionContext(graph, out);
  for (const name of [...opts.inputs, ...opts.outputs].map((io) => io.onnx)) ctx.reserve(name);
  const narrowing = narrowableConvs(order, opts.outputs);
  ctx.narrowed = narrowing.convs;
  const inputs: ValueDecl[] = [];
  const tfOps: Record<string, number> = {};
  for (const node of order) {
    tfOps[node.op] = (tfOps[node.op] ?? 0) + 1;
    if (node.op === 'Const') {
      if (!graph.weights.has(node.name)) throw new ConversionError(`constant ${node.name} has no data in the weights manifest`);
      continue; // materialised lazily by the consumer that needs it, in the form it needs
    }
    if (node.op === 'Placeholder') {
      inputs.push(placeholder(ctx, node, opts));
      continue;
    }
    if (opts.spatial) checkSizeFree(graph, node);
    (OPS[node.op] as OpHandler)(ctx, node);
  }

  const outputs: ValueDecl[] = opts.outputs.map(({ tf, onnx, channels }) => {
    let v = ctx.input({ name: '(graph output)', op: 'Output', inputs: [tf], attr: {} }, 0);
    // A narrowed conv already computed just these channels; otherwise slice the finished output.
    if (channels && !narrowing.outputs.has(tf)) v = sliceChannels(ctx, v, channels, onnx);
    v = ctx.as(v, 'NHWC');
    out.node('Identity', [v.name], [onnx]);
    const dynamic = ctx.dynamic !== null && v.shape.length === 4;
    const decl: ValueDecl = { name: onnx, dtype: v.dtype, shape: [...v.shape], ...(dynamic ? { dimParams: [null, `${onnx}_height`, `${onnx}_width`, null] } : {}) };
    out.output(decl);
    return decl;
  });

  const bytes = out.toBytes({
    graphName: opts.graphName,
    producerName: 'qmon scripts/convert',
    producerVersion: CONVERTER_VERSION,
    ...(opts.docString !== undefined ? { docString: opts.docString } : {}),
  });
  return { bytes, inputs, outputs, tfOps, onnxNodes: out.nodeCount };
}

function placeholder(ctx: ConversionContext, node: TfNode, opts: ConvertOptions): ValueDecl {
  const shape = attrShape(node, 'shape');
  if (shape.length === 0 || shape.some((d) => d < 1)) {
    throw new ConversionError(`input ${node.name} has a dynamic or unknown shape [${shape.join(',')}]; a static shape is required`);
  }
  if (attrType(node, 'dtype') !== 'DT_FLOAT') throw new ConversionError(`input ${node.name} is not float32`);
  const renamed = opts.inputs.find((i) => i.tf === node.name)?.onnx;
  // A placeholder not listed in opts.inputs keeps its TF name, claimed like any other value.
  const name = renamed ?? ctx.unique(node.name);
  let decl: ValueDecl = { name, dtype: 'float32', shape };
  if (opts.spatial) {
    if (shape.length !== 4) throw new ConversionError(`input ${node.name} [${shape.join(',')}] is not NHWC; a dynamic conversion needs one`);
    if (ctx.dynamic) throw new ConversionError(`input ${node.name}: a dynamic conversion supports one image input`);
    ctx.dynamic = checkMultiple(opts.spatial.multipleOf, shape[1] as number, shape[2] as number);
    decl = { ...decl, dimParams: [null, 'height', 'width', null] };
  }
  ctx.out.input(decl);
  ctx.define(node.name, { name, dtype: 'float32', shape, layout: 'NHWC' });
  return decl;
}

/** Channels [begin, end) of a rank-4 value, sliced in whatever layout it has. */
function sliceChannels(ctx: ConversionContext, v: Value, [begin, end]: readonly [number, number], output: string): Value {
  const c = v.shape[3];
  if (v.shape.length !== 4 || c === undefined) throw new ConversionError(`output ${output}: channels can only be chosen on a rank-4 value`);
  if (!(Number.isInteger(begin) && Number.isInteger(end) && begin >= 0 && end > begin && end <= c)) {
    throw new ConversionError(`output ${output}: channels [${begin}, ${end}) do not lie within its ${c} channels`);
  }
  const axis = v.layout === 'NCHW' ? 1 : 3;
  const name = ctx.unique(`${output}/channels`);
  const starts = ctx.int64(`${name}/starts`, [begin]);
  const ends = ctx.int64(`${name}/ends`, [end]);
  const axes = ctx.int64(`${name}/axes`, [axis]);
  ctx.out.node('Slice', [v.name, starts, ends, axes], [name]);
  return { ...v, name, shape: [v.shape[0] as number, v.shape[1] as number, v.shape[2] as number, end - begin] };
}

/** Post-order DFS from the outputs; iterative so deep graphs cannot overflow the stack. */
function topologicalOrder(graph: TfjsGraph, roots: readonly string[]): TfNode[] {
  const order: TfNode[] = [];
  const state = new Map<string, 'open' | 'done'>();
  for (const root of roots) {
    const stack: { name: string; next: number }[] = [{ name: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { name: string; next: number };
      const node = graph.nodes.get(top.name);
      if (!node) throw new ConversionError(`graph has no node named ${top.name}`);
      if (top.next === 0) {
        if (state.get(top.name) === 'done') {
          stack.pop();
          continue;
        }
        state.set(top.name, 'open');
      }
      const ref = node.inputs[top.next];
      if (ref !== undefined) {
        top.next++;
        const dep = parseTensorRef(ref).node;
        if (state.get(dep) === 'open') throw new ConversionError(`graph has a cycle through ${dep}`);
        if (state.get(dep) !== 'done') stack.push({ name: dep, next: 0 });
        continue;
      }
      state.set(top.name, 'done');
      order.push(node);
      stack.pop();
    }
  }
  return order;
}
