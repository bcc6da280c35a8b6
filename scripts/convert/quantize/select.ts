/**
 * Which nodes get quantised and which tensors that takes: the plan that calibration and the QDQ
 * writer share. Generic: decided from op types, the options and the graph alone.
 */
import { elemTypes } from './elem-types.js';
import { DT, defaultOpset, dims, floatData, type Model, type Node, type Tensor } from './onnx-tensors.js';

/** The data inputs (as opposed to parameters such as Clip's min/max or Resize's sizes) of the op types handled. */
const DATA_INPUTS: Readonly<Record<string, readonly number[] | 'all'>> = {
  Conv: [0],
  Relu: [0],
  Clip: [0],
  Sigmoid: [0],
  MaxPool: [0],
  AveragePool: [0],
  GlobalAveragePool: [0],
  ReduceMean: [0],
  Resize: [0],
  Add: [0, 1],
  Mul: [0, 1],
  Concat: 'all',
};
export const QUANTIZABLE_OP_TYPES: readonly string[] = Object.keys(DATA_INPUTS);

export interface QdqOptions {
  /** Op types whose float activations (data inputs and first output) get Q→DQ pairs. Default ['Conv']. */
  readonly opTypes?: readonly string[];
  /** Nodes (by name) left in fp32, e.g. the first conv; every name must exist. */
  readonly excludeNodes?: readonly string[];
  /** Nodes (by name) from which on everything stays fp32: these and every node reading, transitively, their outputs (heads, decoding). */
  readonly excludeFrom?: readonly string[];
  /** Op types left in fp32 even when listed in opTypes. */
  readonly excludeOpTypes?: readonly string[];
  /** 7-bit weights (qmax 63) for CPUs without VNNI; see quant-math.ts. */
  readonly reduceRange?: boolean;
}

export interface QdqPlan {
  /** Names of the nodes that will be quantised. */
  readonly nodes: readonly string[];
  /** Activation tensors that need a calibrated range, in graph order. */
  readonly activations: readonly string[];
  /** Float initializers read as data by quantised non-Conv nodes (e.g. Add's constant); quantised from their own values. */
  readonly constants: readonly string[];
  /**
   * Tensor → tensor whose range it takes instead of its own: the input of a selected Relu/Clip that is
   * its only reader is quantised with the Relu/Clip's output range, and the Relu/Clip is removed (its
   * readers read that input's DequantizeLinear). Quantising to a range that starts at 0 (Relu) or lies
   * inside [min, max] (Clip) clamps exactly as they would, so this is what onnxruntime's quantiser does
   * too; left in, each would keep a DequantizeLinear + QuantizeLinear per layer.
   */
  readonly sharedRange: Readonly<Record<string, string>>;
  /** The Relu/Clip nodes removed that way. */
  readonly removed: readonly string[];
  readonly excluded: readonly string[];
  /** Nodes of a selected op type that cannot be quantised, with the reason (e.g. a Conv whose weights are computed). */
  readonly skipped: readonly { node: string; reason: string }[];
}

export interface Selection {
  readonly plan: QdqPlan;
  /** Indices into graph.node of the quantised nodes, and of the Relu/Clip nodes among them that are removed. */
  readonly selected: ReadonlySet<number>;
  readonly removable: ReadonlySet<number>;
}

export const nodeName = (n: Node, i: number): string => n.name || n.output?.[0] || `node_${i}`;

export function dataInputs(n: Node): string[] {
  const which = DATA_INPUTS[n.opType ?? ''] ?? [];
  const inputs = n.input ?? [];
  return (which === 'all' ? inputs : which.map((k) => inputs[k] ?? '')).filter(Boolean);
}

export function selectNodes(model: Model, options: QdqOptions): Selection {
  const opTypes = options.opTypes ?? ['Conv'];
  const unknown = opTypes.filter((t) => !(t in DATA_INPUTS));
  if (unknown.length > 0) throw new Error(`quantize: op types ${unknown.join(', ')} are not supported; supported: ${QUANTIZABLE_OP_TYPES.join(', ')}`);
  if (defaultOpset(model) < 13) throw new Error(`quantize: the model uses opset ${defaultOpset(model)}; per-channel QDQ needs opset 13 or later`);
  const graph = model.graph!;
  const nodes = graph.node ?? [];
  const names = nodes.map(nodeName);
  const known = new Set(names);
  const missing = [...(options.excludeNodes ?? []), ...(options.excludeFrom ?? [])].filter((n) => !known.has(n));
  if (missing.length > 0) throw new Error(`quantize: no node is called ${missing.map((m) => `"${m}"`).join(', ')} (excludeNodes/excludeFrom)`);

  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const types = elemTypes(model);
  const isFloat = (t: string) => types.get(t) === DT.FLOAT;
  const excludedByName = new Set([...(options.excludeNodes ?? []), ...downstream(nodes, names, options.excludeFrom ?? [])]);
  const excludeOps = new Set(options.excludeOpTypes ?? []);
  const wanted = new Set(opTypes);
  const selected = new Set<number>();
  const [activations, constants, excluded] = [[] as string[], [] as string[], [] as string[]];
  const skipped: { node: string; reason: string }[] = [];
  const seen = new Set<string>();
  const add = (list: string[], t: string) => {
    if (seen.has(t)) return;
    seen.add(t);
    list.push(t);
  };

  nodes.forEach((n, i) => {
    const op = n.opType ?? '';
    const name = names[i]!;
    if (!wanted.has(op)) return;
    if (excludedByName.has(name) || excludeOps.has(op)) {
      excluded.push(name);
      return;
    }
    const data = dataInputs(n);
    const out = n.output?.[0] ?? '';
    const reason = op === 'Conv' ? convProblem(n, inits) : undefined;
    const notFloat = [...data, out].find((t) => !isFloat(t));
    if (reason || notFloat !== undefined) {
      skipped.push({ node: name, reason: reason ?? `tensor "${notFloat}" is not float32` });
      return;
    }
    selected.add(i);
    for (const t of data) add(inits.has(t) ? constants : activations, t);
    add(activations, out);
  });
  const removable = clampsToFold(nodes, selected, graph.output?.map((o) => o.name ?? '') ?? [], inits);
  const sharedRange = Object.fromEntries([...removable].map((i) => [nodes[i]!.input![0]!, nodes[i]!.output![0]!]));
  if (selected.size === 0) {
    const why = skipped.length > 0 ? `; skipped: ${skipped.map((s) => `${s.node} (${s.reason})`).join(', ')}` : '';
    throw new Error(`quantize: the model has no ${opTypes.join('/')} node to quantise (after exclusions)${why}`);
  }
  const removed = [...removable].map((i) => names[i]!);
  return { plan: { nodes: [...selected].map((i) => names[i]!), activations, constants, sharedRange, removed, excluded, skipped }, selected, removable };
}

/**
 * Selected Relu/Clip nodes that quantisation can replace (see QdqPlan.sharedRange): the only reader of
 * their input, neither tensor a graph output, and for Clip a range containing 0 (the uint8 range always
 * contains 0, so a Clip(1, 5) would not clamp at 1 any more).
 */
function clampsToFold(nodes: readonly Node[], selected: ReadonlySet<number>, graphOutputs: readonly string[], inits: ReadonlyMap<string, Tensor>): Set<number> {
  const readers = new Map<string, number>();
  for (const n of nodes) for (const t of n.input ?? []) readers.set(t, (readers.get(t) ?? 0) + 1);
  const outputs = new Set(graphOutputs);
  const bound = (name: string | undefined, fallback: number) => {
    const t = name ? inits.get(name) : undefined;
    return t ? floatData(t)[0] ?? fallback : name ? NaN : fallback; // computed bounds: unknown, not folded
  };
  const out = new Set<number>();
  nodes.forEach((n, i) => {
    const [x, y] = [n.input?.[0] ?? '', n.output?.[0] ?? ''];
    if (!selected.has(i) || inits.has(x) || readers.get(x) !== 1 || outputs.has(x) || outputs.has(y) || !(n.opType === 'Relu' || n.opType === 'Clip')) return;
    if (n.opType === 'Clip' && !(bound(n.input?.[1] || undefined, -Infinity) <= 0 && bound(n.input?.[2] || undefined, Infinity) >= 0)) return;
    out.add(i);
  });
  return out;
}

/** Why a Conv cannot be quantised, or undefined when it can. */
function convProblem(n: Node, inits: ReadonlyMap<string, Tensor>): string | undefined {
  if (inits.has(n.input?.[0] ?? '')) return 'its input is a constant';
  const w = inits.get(n.input?.[1] ?? '');
  if (!w) return 'its weight is not an initializer';
  if (w.dataType !== DT.FLOAT) return 'its weight is not float32';
  if (dims(w).length < 3) return `its weight has rank ${dims(w).length}`;
  const b = n.input?.[2];
  if (b && !inits.has(b)) return 'its bias is not an initializer';
  return undefined;
}

/** The named nodes and every node that reads, transitively, one of their outputs (nodes are in topological order). */
function downstream(nodes: readonly Node[], names: readonly string[], from: readonly string[]): string[] {
  const roots = new Set(from);
  const tainted = new Set<string>();
  const out: string[] = [];
  nodes.forEach((n, i) => {
    if (roots.has(names[i]!) || (n.input ?? []).some((t) => tainted.has(t))) {
      out.push(names[i]!);
      for (const o of n.output ?? []) tainted.add(o);
    }
  });
  return out;
}
