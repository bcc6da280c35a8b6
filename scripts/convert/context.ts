/**
 * State of one conversion: which ONNX value stands for each TF tensor, and in which memory layout.
 *
 * TensorFlow.js graphs are NHWC; ONNX Conv/Pool/Resize are NCHW. Rather than wrapping every conv in
 * a pair of transposes, each rank-4 value carries a layout tag: convs produce NCHW, element-wise ops
 * keep whatever their inputs have, and a Transpose is inserted (once per value, cached) only where an
 * op needs TF's own element order — Reshape, TopK, Gather, StridedSlice and the graph outputs.
 * The `shape` of a value is always TF's logical (NHWC) shape, whatever its layout.
 */
import type { DynamicSpatial } from './dynamic-size.js';
import type { OnnxDType, OnnxGraphBuilder } from './onnx-writer.js';
import { PERM_TO_NCHW, PERM_TO_NHWC } from './shape-math.js';
import { parseTensorRef, type TfjsGraph, type TfNode, type TfTensor } from './tfjs-graph.js';

export type Layout = 'NHWC' | 'NCHW';

export interface Value {
  /** ONNX value name. */
  readonly name: string;
  readonly dtype: OnnxDType;
  /** TF logical shape (NHWC for rank 4) regardless of layout. */
  readonly shape: readonly number[];
  /** Only meaningful for rank 4; everything else is stored in TF order. */
  readonly layout: Layout;
}

export class ConversionError extends Error {
  override name = 'ConversionError';
}

export class ConversionContext {
  private readonly values = new Map<string, Value>();
  private readonly relayouts = new Map<string, Value>();
  /** Set (from the input placeholder) when the conversion is size-free: see dynamic-size.ts. */
  dynamic: DynamicSpatial | null = null;
  /** Convolutions converted with only these output channels (narrow-channels.ts). */
  narrowed: ReadonlyMap<string, readonly [number, number]> = new Map();

  constructor(
    readonly graph: TfjsGraph,
    readonly out: OnnxGraphBuilder,
  ) {}

  /** The ONNX-side shape of a value (NCHW order for NCHW values). */
  static onnxShape(v: Value): number[] {
    if (v.shape.length === 4 && v.layout === 'NCHW') return PERM_TO_NCHW.map((p) => v.shape[p] as number);
    return [...v.shape];
  }

  define(tfRef: string, value: Value): void {
    const { node, index } = parseTensorRef(tfRef);
    this.values.set(`${node}:${index}`, value);
  }

  /** The value feeding input `i` of `node`; constants become initializers on first use. */
  input(node: TfNode, i: number): Value {
    const ref = node.inputs[i];
    if (ref === undefined) throw new ConversionError(`node ${node.name} (${node.op}) has no input ${i}`);
    const { node: src, index } = parseTensorRef(ref);
    const known = this.values.get(`${src}:${index}`);
    if (known) return known;
    const t = this.graph.weights.get(src);
    if (t && this.graph.nodes.get(src)?.op === 'Const') {
      const v = this.constant(src, t);
      this.values.set(`${src}:0`, v);
      return v;
    }
    const f = index === 0 ? this.folded.get(src) : undefined;
    if (f) {
      const v = this.constant(src, f);
      this.values.set(`${src}:0`, v);
      return v;
    }
    throw new ConversionError(`node ${node.name} (${node.op}): input ${ref} has not been converted (graph not in topological order?)`);
  }

  /** The constant data feeding input `i`; the ops that need compile-time values (axes, shapes, weights) use this. */
  constInput(node: TfNode, i: number): TfTensor {
    const ref = node.inputs[i];
    const t = ref === undefined ? undefined : this.constantOf(ref);
    if (!t) throw new ConversionError(`node ${node.name} (${node.op}): input ${i} (${ref ?? 'none'}) must be a constant`);
    return t;
  }

  private readonly folded = new Map<string, TfTensor>();

  /** The data behind a TF tensor: a stored weight, or one computed at conversion time (fold); else undefined. */
  constantOf(ref: string): TfTensor | undefined {
    const { node, index } = parseTensorRef(ref);
    return this.graph.weights.get(node) ?? (index === 0 ? this.folded.get(node) : undefined);
  }

  /**
   * Records the result of a node whose inputs are all constants (e.g. a shape built by SparseToDense + AddV2 in an
   * onnx2tf graph): ops that need compile-time values read it like a stored constant, and it becomes an initializer
   * only if a runtime op consumes it.
   */
  fold(nodeName: string, t: TfTensor): void {
    if (this.folded.has(nodeName)) throw new ConversionError(`node ${nodeName} folded twice`);
    this.folded.set(nodeName, t);
  }

  /** Emits a constant initializer with a name derived from `base`, unique within the model. */
  constant(base: string, t: TfTensor | { dtype: OnnxDType; shape: readonly number[]; data: ArrayLike<number> }): Value {
    const name = this.unique(base);
    this.out.initializer(name, t.dtype, t.shape, t.data);
    return { name, dtype: t.dtype, shape: t.shape, layout: 'NHWC' };
  }

  /** Int64 1-D constant, the form ONNX wants for shapes, axes, sizes and k. */
  int64(base: string, values: readonly number[]): string {
    return this.constant(base, { dtype: 'int64', shape: [values.length], data: values }).name;
  }

  /** `v` in the requested layout, inserting (and caching) a Transpose when needed. */
  as(v: Value, layout: Layout): Value {
    if (v.shape.length !== 4 || v.layout === layout) return v;
    const key = `${v.name}|${layout}`;
    const cached = this.relayouts.get(key);
    if (cached) return cached;
    const name = this.unique(`${v.name}__${layout.toLowerCase()}`);
    this.out.node('Transpose', [v.name], [name], { perm: [...(layout === 'NCHW' ? PERM_TO_NCHW : PERM_TO_NHWC)] });
    const t: Value = { ...v, name, layout };
    this.relayouts.set(key, t);
    return t;
  }

  private readonly used = new Set<string>();

  /** Claims a graph input/output name up front, so no internal value can take it (ONNX values are SSA). */
  reserve(name: string): void {
    if (this.used.has(name)) throw new ConversionError(`ONNX name "${name}" is used twice as a graph input/output`);
    this.used.add(name);
  }

  unique(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name) || this.out.hasInitializer(name); k++) name = `${base}__${k}`;
    this.used.add(name);
    return name;
  }
}
