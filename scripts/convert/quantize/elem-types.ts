/**
 * Element types of a graph's tensors, as far as the quantiser needs them: only float tensors can get
 * Q/DQ pairs, and a model's decoding tail (indices, masks, casts) must not be mistaken for float
 * activations. Propagated in node order from graph inputs and initializers, with the rules of the few
 * ops that change types; any other op's outputs take its first typed input's type (true for the
 * elementwise, shape and pooling ops these graphs use). Unknown stays undefined.
 */
import { DT, intAttr, type Model } from './onnx-tensors.js';

const BOOL_OUT = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Not', 'Xor', 'IsNaN', 'IsInf']);
const INT64_OUT = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin']);

export function elemTypes(model: Model): Map<string, number> {
  const graph = model.graph!;
  const types = new Map<string, number>();
  for (const v of graph.input ?? []) {
    const t = v.type?.tensorType?.elemType;
    if (v.name && t) types.set(v.name, t);
  }
  for (const t of graph.initializer ?? []) if (t.name) types.set(t.name, t.dataType ?? DT.UNDEFINED);
  for (const v of graph.valueInfo ?? []) {
    const t = v.type?.tensorType?.elemType;
    if (v.name && t) types.set(v.name, t);
  }
  for (const n of graph.node ?? []) {
    const outs = n.output ?? [];
    const op = n.opType ?? '';
    const first = (n.input ?? []).map((i) => types.get(i)).find((t) => t !== undefined);
    outs.forEach((o, k) => {
      if (!o || types.has(o)) return;
      let t: number | undefined = first;
      if (op === 'Cast') t = intAttr(n, 'to', DT.UNDEFINED);
      else if (BOOL_OUT.has(op)) t = DT.BOOL;
      else if (INT64_OUT.has(op) || ((op === 'TopK' || op === 'MaxPool') && k === 1)) t = DT.INT64;
      if (t !== undefined) types.set(o, t);
    });
  }
  return types;
}
