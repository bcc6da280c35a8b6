/**
 * Static QDQ quantisation of an fp32 ONNX model, laid out the way onnxruntime's own quantiser
 * (`quantize_static`, QuantFormat.QDQ) lays it out for CPU, so onnxruntime's graph optimiser fuses
 * DequantizeLinear → Conv → QuantizeLinear into QLinearConv:
 *
 * - every selected activation tensor T gets T → QuantizeLinear → DequantizeLinear, and every consumer
 *   of T reads the dequantised copy (uint8, asymmetric, per tensor, from the calibrated range);
 * - a selected Conv's weight initializer becomes int8 (symmetric, per output channel, axis 0) behind a
 *   per-axis DequantizeLinear, and its bias int32 at input_scale × weight_scale (onnxruntime fuses
 *   only with an int32 bias; an fp32 bias would leave the Conv in float);
 * - the graph's inputs and outputs stay fp32 (a quantised graph output is the DequantizeLinear's output).
 *
 * Generic: nothing here knows any model's tensor names or shapes. `planQdq` says which activation
 * tensors need a range (feed those to `calibrate`), `quantizeQdq` writes the QDQ model.
 */
import { quantizeConvParams, type ConvParamsContext } from './conv-params.js';
import { minMaxOf, quantizeUint8, uint8Params, type TensorRange } from './quant-math.js';
import { decodeModel, dims, encodeModel, floatData, makeNode, makeTensor, type Node, type Tensor } from './onnx-tensors.js';
import { nodeName, selectNodes, type QdqOptions, type QdqPlan } from './select.js';

export { QUANTIZABLE_OP_TYPES, type QdqOptions, type QdqPlan } from './select.js';

/** Which activation tensors need a range for these options (calibrate exactly these). */
export function planQdq(modelBytes: Uint8Array, options: QdqOptions = {}): QdqPlan {
  return selectNodes(decodeModel(modelBytes), options).plan;
}

export interface QdqReport extends QdqPlan {
  readonly byOpType: Readonly<Record<string, number>>;
  readonly reduceRange: boolean;
}

export function quantizeQdq(
  modelBytes: Uint8Array,
  ranges: ReadonlyMap<string, TensorRange>,
  options: QdqOptions = {},
): { bytes: Uint8Array; report: QdqReport } {
  const model = decodeModel(modelBytes);
  const graph = model.graph!;
  const nodes = graph.node ?? [];
  const { plan, selected, removable } = selectNodes(model, options);
  const folded = new Set([...removable].map((i) => nodes[i]!.output![0]!));
  const reduceRange = options.reduceRange ?? false;
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const taken = new Set<string>([...inits.keys(), ...nodes.flatMap((n, i) => [...(n.input ?? []), ...(n.output ?? []), nodeName(n, i)])]);
  const fresh = (name: string) => {
    if (taken.has(name)) throw new Error(`quantize: the model already has a tensor or node named "${name}"`);
    taken.add(name);
    return name;
  };

  // Activation Q→DQ pairs, keyed by tensor; consumers are rewired to the DQ output.
  const actParams = new Map<string, { scale: number; zeroPoint: number; dq: string }>();
  const newInits: Tensor[] = [];
  const pairs = new Map<string, Node[]>();
  const produced = new Set(nodes.flatMap((n) => n.output ?? []));
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const renamed = new Map<string, string>();
  for (const t of plan.activations) {
    if (folded.has(t)) continue; // a removed Relu/Clip's output: its readers take its input's DQ (below)
    const from = plan.sharedRange[t] ?? t;
    const range = ranges.get(from);
    if (!range) throw new Error(`quantize: no calibrated range for activation tensor "${from}" (calibrate planQdq(...).activations)`);
    const { scale, zeroPoint } = uint8Params(range, `tensor "${t}"`);
    const [s, z, q] = [fresh(`${t}/scale`), fresh(`${t}/zero_point`), fresh(`${t}/quantized`)];
    // A graph output keeps its name on the DQ side (still fp32, as onnxruntime's quantiser does), so its
    // producer can be fused too; the producer then writes `<name>/float`.
    const isOutput = graphOutputs.has(t) && produced.has(t);
    const src = isOutput ? fresh(`${t}/float`) : t;
    const dq = isOutput ? t : fresh(`${t}/dequantized`);
    if (isOutput) renamed.set(t, src);
    newInits.push(makeTensor(s, 'float32', [], [scale]), makeTensor(z, 'uint8', [], [zeroPoint]));
    pairs.set(t, [makeNode('QuantizeLinear', [src, s, z], [q], fresh(`${t}/QuantizeLinear`)), makeNode('DequantizeLinear', [q, s, z], [dq], fresh(`${t}/DequantizeLinear`))]);
    actParams.set(t, { scale, zeroPoint, dq });
  }

  // Constant data inputs (Add's 3, Mul's 1/6 of a hard-swish) as uint8 from their own range, so
  // onnxruntime sees DQ on every input and can fuse QLinearAdd / QLinearMul.
  const constDq = new Map<string, string>();
  const prologue: Node[] = [];
  for (const c of plan.constants) {
    const init = inits.get(c)!;
    const values = floatData(init);
    const p = uint8Params(minMaxOf(values), `constant "${c}"`);
    const [q, s, z, dq] = [fresh(`${c}/uint8`), fresh(`${c}/scale`), fresh(`${c}/zero_point`), fresh(`${c}/dequantized`)];
    newInits.push(makeTensor(q, 'uint8', dims(init), quantizeUint8(values, p)), makeTensor(s, 'float32', [], [p.scale]), makeTensor(z, 'uint8', [], [p.zeroPoint]));
    prologue.push(makeNode('DequantizeLinear', [q, s, z], [dq], fresh(`${c}/DequantizeLinear`)));
    constDq.set(c, dq);
  }

  const ctx: ConvParamsContext = { inits, reduceRange, fresh, newInits, done: new Map(), copies: new Map() };
  const out: Node[] = [...prologue];
  // Graph inputs (and any other tensor without a producer) are quantised before the first node.
  for (const [t, pair] of pairs) if (!produced.has(t)) out.push(...pair);

  for (const i of removable) actParams.set(nodes[i]!.output![0]!, actParams.get(nodes[i]!.input![0]!)!);

  nodes.forEach((n, i) => {
    if (removable.has(i)) return;
    if (selected.has(i) && n.opType === 'Conv') {
      const conv = quantizeConvParams(n, nodeName(n, i), actParams.get(n.input![0]!)!.scale, ctx);
      out.push(...conv.nodes);
      n.input = conv.inputs;
    }
    // Every reader of a quantised activation reads its DQ copy (onnxruntime fuses a producer only when
    // all its readers go through Q); a constant is swapped only in the quantised nodes.
    n.input = (n.input ?? []).map((t) => actParams.get(t)?.dq ?? (selected.has(i) ? constDq.get(t) : undefined) ?? t);
    const outputs = n.output ?? [];
    n.output = outputs.map((t) => renamed.get(t) ?? t);
    out.push(n);
    for (const t of outputs) out.push(...(pairs.get(t) ?? []));
  });

  // Drop float initializers nothing reads any more (the replaced weights and biases).
  const used = new Set([...out.flatMap((n) => n.input ?? []), ...(graph.output ?? []).map((o) => o.name ?? '')]);
  const dropped = new Set((graph.initializer ?? []).map((t) => t.name ?? '').filter((t) => !used.has(t)));
  graph.initializer = [...(graph.initializer ?? []).filter((t) => !dropped.has(t.name ?? '')), ...newInits];
  // Old-style models list initializers among the inputs too; a dropped one must not become a required input.
  graph.input = (graph.input ?? []).filter((v) => !dropped.has(v.name ?? ''));
  graph.node = out;
  const byOpType: Record<string, number> = {};
  for (const i of selected) byOpType[nodes[i]!.opType!] = (byOpType[nodes[i]!.opType!] ?? 0) + 1;
  return { bytes: encodeModel(model), report: { ...plan, byOpType, reduceRange } };
}
