/**
 * Accumulates an ONNX graph (nodes, initializers, typed inputs/outputs) and serialises it with the
 * message definitions from `onnx-proto`. Everything is appended in call order and no timestamps or
 * random ids are written, so the same conversion always yields the same bytes (the manifest hash
 * depends on that).
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export type OnnxDType = 'float32' | 'int32' | 'int64' | 'bool';

const DATA_TYPE: Record<OnnxDType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

export function onnxDataType(dtype: OnnxDType): number {
  return DATA_TYPE[dtype];
}

export type AttrValue = number | string | number[] | { float: number } | { floats: number[] };

export interface ValueDecl {
  readonly name: string;
  readonly dtype: OnnxDType;
  readonly shape: readonly number[];
  /** Symbolic names for dims that may vary at run time (null: the fixed size in `shape`). */
  readonly dimParams?: readonly (string | null)[];
}

export class OnnxGraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly initializerNames = new Set<string>();
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];

  /** Adds a constant; a second call with the same name is an error, because it would silently alias. */
  initializer(name: string, dtype: OnnxDType, dims: readonly number[], data: ArrayLike<number>): string {
    if (this.initializerNames.has(name)) throw new Error(`onnx-writer: initializer "${name}" defined twice`);
    this.initializerNames.add(name);
    this.initializers.push({ name, dims: [...dims], dataType: DATA_TYPE[dtype], rawData: rawBytes(dtype, data) });
    return name;
  }

  hasInitializer(name: string): boolean {
    return this.initializerNames.has(name);
  }

  /**
   * Attribute types follow the JS value: integer numbers → INT, `{float}` → FLOAT, strings → STRING,
   * number arrays → INTS, `{floats}` → FLOATS. ONNX attributes are typed, so this must be explicit for floats.
   */
  node(opType: string, inputs: readonly string[], outputs: readonly string[], attrs: Record<string, AttrValue> = {}, name?: string): void {
    const attribute = Object.entries(attrs).map(([key, v]) => encodeAttr(key, v, opType));
    this.nodes.push({ opType, input: [...inputs], output: [...outputs], name: name ?? outputs[0] ?? opType, attribute });
  }

  input(decl: ValueDecl): void {
    this.inputs.push(valueInfo(decl));
  }

  output(decl: ValueDecl): void {
    this.outputs.push(valueInfo(decl));
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  /** Serialises as an opset-13 model (IR version 7, the one that goes with opset 13). */
  toBytes(meta: { graphName: string; producerName: string; producerVersion: string; docString?: string }): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 7,
      opsetImport: [{ domain: '', version: 13 }],
      producerName: meta.producerName,
      producerVersion: meta.producerVersion,
      docString: meta.docString ?? '',
      graph: {
        name: meta.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(decl: ValueDecl): onnxProto.onnx.IValueInfoProto {
  return {
    name: decl.name,
    type: { tensorType: { elemType: DATA_TYPE[decl.dtype], shape: { dim: decl.shape.map((d, i) => dim(d, decl.dimParams?.[i])) } } },
  };
}

function dim(value: number, param: string | null | undefined): onnxProto.onnx.TensorShapeProto.IDimension {
  return typeof param === 'string' ? { dimParam: param } : { dimValue: value };
}

function encodeAttr(name: string, v: AttrValue, opType: string): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`onnx-writer: ${opType}.${name}=${v} is not an integer; pass {float} for floats`);
    return { name, type: T.INT, i: v };
  }
  if (Array.isArray(v)) {
    if (!v.every(Number.isInteger)) throw new Error(`onnx-writer: ${opType}.${name} has non-integer entries; pass {floats}`);
    return { name, type: T.INTS, ints: v };
  }
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.FLOATS, floats: v.floats };
}

/** Little-endian raw_data, the compact and unambiguous way to store tensor contents. */
function rawBytes(dtype: OnnxDType, data: ArrayLike<number>): Uint8Array {
  const n = data.length;
  const size = dtype === 'bool' ? 1 : dtype === 'int64' ? 8 : 4;
  const out = new Uint8Array(n * size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const x = data[i] as number;
    if (dtype === 'float32') view.setFloat32(i * 4, x, true);
    else if (dtype === 'int32') view.setInt32(i * 4, x, true);
    else if (dtype === 'int64') view.setBigInt64(i * 8, BigInt(x), true);
    else view.setUint8(i, x ? 1 : 0);
  }
  return out;
}
