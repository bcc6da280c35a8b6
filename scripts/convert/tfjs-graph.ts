/**
 * Reads a TensorFlow.js graph model (model.json + weight shards) into plain values: the graph's
 * nodes with typed attribute accessors, and every weight decoded to float32/int32.
 * Only the pieces a converter needs; no tfjs runtime is involved, so the conversion does not
 * depend on tfjs's own numerics.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type TfDType = 'float32' | 'int32';

export interface TfTensor {
  readonly dtype: TfDType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array;
}

/** One attribute as tfjs's JSON stores a GraphDef AttrValue (bytes are base64). */
export interface TfAttrValue {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { s?: string[]; i?: (string | number)[]; f?: number[]; b?: boolean[]; type?: string[] };
  shape?: { dim?: { size: string | number }[]; unknownRank?: boolean };
  tensor?: unknown;
}

export interface TfNode {
  readonly name: string;
  readonly op: string;
  /** Data inputs as `node` or `node:index`; control inputs (`^node`) are dropped on read. */
  readonly inputs: readonly string[];
  readonly attr: Readonly<Record<string, TfAttrValue>>;
}

export interface TfjsGraph {
  readonly nodes: ReadonlyMap<string, TfNode>;
  readonly weights: ReadonlyMap<string, TfTensor>;
  /** Signature outputs as declared by the model (`tower_0/detections`, …), in file order. */
  readonly signatureOutputs: readonly string[];
  readonly signatureInputs: readonly string[];
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; original_dtype?: string; scale?: number; min?: number };
}

interface ModelJson {
  format?: string;
  modelTopology?: { node?: { name: string; op: string; input?: string[]; attr?: Record<string, TfAttrValue> }[] };
  weightsManifest?: { paths: string[]; weights: WeightSpec[] }[];
  signature?: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
}

export class TfjsGraphError extends Error {
  override name = 'TfjsGraphError';
}

/** Loads `model.json` and the shards it names (resolved next to it). */
export function readTfjsGraph(modelJsonPath: string): TfjsGraph {
  const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as ModelJson;
  const dir = dirname(modelJsonPath);
  return parseTfjsGraph(json, (shard) => readFileSync(join(dir, shard)), modelJsonPath);
}

/** Same as readTfjsGraph for an already-parsed model.json; `readShard` supplies the bytes of each weight file. */
export function parseTfjsGraph(json: unknown, readShard: (path: string) => Uint8Array, where = 'model.json'): TfjsGraph {
  const model = json as ModelJson;
  if (model.format !== 'graph-model' || !Array.isArray(model.modelTopology?.node)) {
    throw new TfjsGraphError(`${where}: not a TensorFlow.js graph model (format "${String(model.format)}")`);
  }
  const nodes = new Map<string, TfNode>();
  for (const n of model.modelTopology.node) {
    nodes.set(n.name, {
      name: n.name,
      op: n.op,
      inputs: (n.input ?? []).filter((i) => !i.startsWith('^')),
      attr: n.attr ?? {},
    });
  }
  const weights = new Map<string, TfTensor>();
  for (const group of model.weightsManifest ?? []) {
    // A group's shards are one byte stream split into files; specs index into the concatenation.
    const bytes = concat(group.paths.map(readShard));
    let offset = 0;
    for (const spec of group.weights) {
      const { tensor, byteLength } = decodeWeight(spec, bytes, offset, where);
      weights.set(spec.name, tensor);
      offset += byteLength;
    }
    if (offset !== bytes.byteLength) {
      throw new TfjsGraphError(`${where}: weight specs cover ${offset} bytes but the shards hold ${bytes.byteLength}`);
    }
  }
  return {
    nodes,
    weights,
    signatureInputs: Object.keys(model.signature?.inputs ?? {}),
    signatureOutputs: Object.keys(model.signature?.outputs ?? {}),
  };
}

function decodeWeight(spec: WeightSpec, bytes: Uint8Array, offset: number, where: string): { tensor: TfTensor; byteLength: number } {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const q = spec.quantization;
  const need = count * (q ? 2 : 4);
  if (offset + need > bytes.byteLength) {
    throw new TfjsGraphError(`${where}: weight ${spec.name} needs bytes ${offset}..${offset + need} but the shards hold ${bytes.byteLength}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, need);
  if (q) {
    if (q.dtype !== 'float16' || spec.dtype !== 'float32') {
      throw new TfjsGraphError(`${where}: weight ${spec.name} uses ${q.dtype} quantization; only float16 is supported`);
    }
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = float16ToFloat32(view.getUint16(i * 2, true));
    return { tensor: { dtype: 'float32', shape: spec.shape, data }, byteLength: count * 2 };
  }
  if (spec.dtype === 'float32') {
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
    return { tensor: { dtype: 'float32', shape: spec.shape, data }, byteLength: count * 4 };
  }
  if (spec.dtype === 'int32') {
    const data = new Int32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getInt32(i * 4, true);
    return { tensor: { dtype: 'int32', shape: spec.shape, data }, byteLength: count * 4 };
  }
  throw new TfjsGraphError(`${where}: weight ${spec.name} has dtype ${spec.dtype}; only float32 and int32 are supported`);
}

/**
 * IEEE 754 binary16 → binary32. Every half value is exactly representable in single precision,
 * so this is exact (subnormals, infinities and NaN included) — the reference runtime decodes the
 * same bits, which keeps the comparison about the graph, not the weights.
 */
export function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

// ---- attribute accessors: every read names the node, so a surprising graph fails with a useful message

function attrOf(node: TfNode, key: string): TfAttrValue {
  const v = node.attr[key];
  if (v === undefined) throw new TfjsGraphError(`node ${node.name} (${node.op}): missing attribute "${key}"`);
  return v;
}

export function attrString(node: TfNode, key: string, fallback?: string): string {
  if (node.attr[key] === undefined && fallback !== undefined) return fallback;
  const v = attrOf(node, key);
  if (v.s === undefined) throw new TfjsGraphError(`node ${node.name}: attribute "${key}" is not a string`);
  return Buffer.from(v.s, 'base64').toString('utf8');
}

export function attrInts(node: TfNode, key: string, fallback?: number[]): number[] {
  if (node.attr[key] === undefined && fallback !== undefined) return fallback;
  return (attrOf(node, key).list?.i ?? []).map(Number);
}

export function attrStrings(node: TfNode, key: string): string[] {
  if (node.attr[key] === undefined) return [];
  return (attrOf(node, key).list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
}

export function attrInt(node: TfNode, key: string, fallback?: number): number {
  if (node.attr[key] === undefined && fallback !== undefined) return fallback;
  const v = attrOf(node, key);
  if (v.i === undefined) return 0; // proto3 omits zero values
  return Number(v.i);
}

export function attrBool(node: TfNode, key: string, fallback = false): boolean {
  const v = node.attr[key];
  return v === undefined ? fallback : v.b === true;
}

export function attrType(node: TfNode, key: string): string {
  const v = attrOf(node, key);
  if (v.type === undefined) throw new TfjsGraphError(`node ${node.name}: attribute "${key}" is not a type`);
  return v.type;
}

export function attrShape(node: TfNode, key: string): number[] {
  const dims = attrOf(node, key).shape?.dim ?? [];
  return dims.map((d) => Number(d.size));
}

/** `node:1` → { node, index: 1 }; a bare name is output 0. */
export function parseTensorRef(ref: string): { node: string; index: number } {
  const m = /^(.*):(\d+)$/.exec(ref);
  return m && m[1] !== undefined && m[2] !== undefined ? { node: m[1], index: Number(m[2]) } : { node: ref, index: 0 };
}
