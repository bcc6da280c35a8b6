/**
 * Reading and writing the few ONNX pieces the quantiser touches: float initializers in (raw_data or
 * float_data), int8/uint8/int32 and float initializers out (always raw_data, little-endian, like
 * onnx-writer.ts), and the opset check.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export type Model = onnxProto.onnx.ModelProto;
export type Tensor = onnxProto.onnx.ITensorProto;
export type Node = onnxProto.onnx.INodeProto;
export const DT = onnx.TensorProto.DataType;

export function decodeModel(bytes: Uint8Array): Model {
  let model: Model;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`quantize: input is not an ONNX model (${(e as Error).message})`);
  }
  if (!model.graph || (model.graph.node ?? []).length === 0) throw new Error('quantize: the ONNX model has no graph nodes');
  return model;
}

export function encodeModel(model: Model): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** Per-axis QuantizeLinear/DequantizeLinear need opset 13 of the default domain. */
export function defaultOpset(model: Model): number {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return Number(entry?.version ?? 0);
}

export function dims(t: Tensor): number[] {
  return (t.dims ?? []).map(Number);
}

/** The contents of a float32 initializer, whichever field holds them. */
export function floatData(t: Tensor): Float32Array {
  if (t.dataType !== DT.FLOAT) throw new Error(`quantize: initializer "${t.name}" is not float32 (data type ${t.dataType})`);
  const count = dims(t).reduce((a, b) => a * b, 1);
  let out: Float32Array;
  if (t.rawData && t.rawData.length > 0) {
    // Copy: raw_data may sit at an offset that is not 4-byte aligned inside the decoded buffer.
    const copy = new Uint8Array(t.rawData);
    out = new Float32Array(copy.buffer, 0, copy.length / 4);
  } else {
    out = Float32Array.from(t.floatData ?? []);
  }
  if (out.length !== count) throw new Error(`quantize: initializer "${t.name}" holds ${out.length} values, its dims say ${count}`);
  return out;
}

type OutType = 'float32' | 'int8' | 'uint8' | 'int32';
const OUT_DT: Record<OutType, number> = { float32: DT.FLOAT, int8: DT.INT8, uint8: DT.UINT8, int32: DT.INT32 };

export function makeTensor(name: string, type: OutType, shape: readonly number[], data: ArrayLike<number>): Tensor {
  const size = type === 'int8' || type === 'uint8' ? 1 : 4;
  const raw = new Uint8Array(data.length * size);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (type === 'float32') view.setFloat32(i * 4, v, true);
    else if (type === 'int32') view.setInt32(i * 4, v, true);
    else if (type === 'int8') view.setInt8(i, v);
    else view.setUint8(i, v);
  }
  return { name, dims: [...shape], dataType: OUT_DT[type], rawData: raw };
}

export function makeNode(opType: string, inputs: readonly string[], outputs: readonly string[], name: string, axis?: number): Node {
  const attribute = axis === undefined ? [] : [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: axis }];
  return { opType, input: [...inputs], output: [...outputs], name, attribute };
}

export function intAttr(node: Node, name: string, fallback: number): number {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  return a?.i === undefined || a.i === null ? fallback : Number(a.i);
}
