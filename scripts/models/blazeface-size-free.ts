/**
 * Derives the size-free BlazeFace from the pinned original (`models.json` keeps the original's hash as its source and
 * the result's as the file the agent loads). The original ONNX graph is fully convolutional except for three things
 * frozen at 256×256, and only those change:
 *
 * - the input's height and width become symbolic (`height`, `width`; any multiple of 32, checked below);
 * - the two channel paddings (`tf_op_layer_Pad`: a Concat of a feature map with a ConstantOfShape of zeros whose shape
 *   is the 256 input's [1,C,h,w]) become one `Pad` of C zero channels after the existing ones, the same numbers at any
 *   size;
 * - the four output Reshapes' targets [1, anchors, k] become [1, -1, k], so the anchor count follows the size
 *   ((H/16)·(W/16)·2 and (H/32)·(W/32)·6, row-major cells as before).
 *
 * Every other node, weight and attribute is kept byte for byte, and the shape annotations of intermediate values
 * (fixed at 256) are dropped. Anything in the graph this does not expect (another op type, a padding that would differ
 * at another size, a Reshape not fed by an NCHW→NHWC Transpose) is refused by name, so a different original cannot
 * slip through. Deterministic: the same original always gives the same bytes (the manifest pins them).
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;

/** Bumped whenever a change here may change the derived bytes. */
export const SIZE_FREE_VERSION = '1';
/** Five stride-2 layers (256 → 8): every layer sees an even size, so each pads the same, at multiples of 2^5. */
export const SIZE_FREE_MULTIPLE = 32;

const KNOWN_OPS = new Set(['Transpose', 'Conv', 'Relu', 'Add', 'MaxPool', 'ConstantOfShape', 'Concat', 'Reshape']);

export class SizeFreeError extends Error {}

export interface SizeFreeResult {
  readonly bytes: Uint8Array;
  /** What was changed, one line each, for the manifest. */
  readonly changes: readonly string[];
}

export function sizeFreeBlazeface(original: Uint8Array): SizeFreeResult {
  const model = onnx.ModelProto.decode(original);
  const graph = model.graph;
  if (!graph) throw new SizeFreeError('the model has no graph');
  const fail = (what: string): never => {
    throw new SizeFreeError(`BlazeFace size-free: ${what}`);
  };
  const initializer = graph.initializer ?? [];
  const graphNodes = graph.node ?? [];
  const inits = new Map(initializer.map((t) => [t.name ?? '', t]));
  for (const n of graphNodes) if (!KNOWN_OPS.has(n.opType ?? '')) fail(`node ${n.name} is a ${n.opType}, which this derivation does not know`);
  for (const n of graphNodes) if (n.opType === 'Conv' || n.opType === 'MaxPool') checkPadding(n, fail);

  const input = (graph.input ?? []).filter((i) => !inits.has(i.name ?? ''));
  if (input.length !== 1) fail(`expected one graph input, found ${input.length}`);
  const inDims = dimsOf(input[0]!, fail);
  if (inDims.map((d) => Number(d.dimValue)).join(',') !== '1,256,256,3') fail('the input is not [1,256,256,3]');
  inDims[1] = { dimParam: 'height' };
  inDims[2] = { dimParam: 'width' };
  for (const o of graph.output ?? []) dimsOf(o, fail)[1] = { dimParam: 'anchors' };
  graph.valueInfo = [];

  const producers = new Map<string, NodeProto>();
  for (const n of graphNodes) for (const o of n.output ?? []) producers.set(o, n);
  const consumers = (name: string) => graphNodes.filter((n) => (n.input ?? []).includes(name));
  const changes: string[] = ['input height and width symbolic (any multiple of 32)'];
  const nodes: NodeProto[] = [];
  for (const n of graphNodes) {
    if (n.opType === 'ConstantOfShape') {
      const users = consumers(n.output?.[0] ?? '');
      if (users.length !== 1 || users[0]!.opType !== 'Concat' || users[0]!.input?.[1] !== n.output?.[0]) fail(`${n.output?.[0]} is not the second input of one Concat`);
      const value = n.attribute?.find((a) => a.name === 'value')?.t;
      if (value && tensorNumbers(value).some((v) => v !== 0)) fail(`${n.output?.[0]} is not zeros`);
      continue; // replaced by the Pad below
    }
    if (n.opType === 'Concat' && producers.get(n.input?.[1] ?? '')?.opType === 'ConstantOfShape') {
      const axis = Number(n.attribute?.find((a) => a.name === 'axis')?.i ?? -99);
      if (axis !== 1 || n.input?.length !== 2) fail(`${n.output?.[0]}: expected a two-input Concat on the channel axis`);
      const zeros = producers.get(n.input![1]!)!;
      const shape = tensorNumbers(inits.get(zeros.input?.[0] ?? '') ?? fail(`${zeros.output?.[0]}: its shape is not a constant`));
      if (shape.length !== 4 || shape[0] !== 1) fail(`${zeros.output?.[0]}: shape [${shape.join(',')}] is not [1,C,h,w]`);
      const channels = shape[1]!;
      const padsName = `${n.output![0]}/size_free_pads`;
      initializer.push(int64Tensor(padsName, [0, 0, 0, 0, 0, channels, 0, 0]));
      nodes.push({ opType: 'Pad', input: [n.input![0]!, padsName], output: n.output, name: n.name || n.output![0]!, attribute: [] });
      changes.push(`${n.output![0]}: Concat with ${shape.join('x')} zeros → Pad of ${channels} zero channels`);
      continue;
    }
    if (n.opType === 'Reshape') {
      const from = producers.get(n.input?.[0] ?? '');
      const perm = from?.attribute?.find((a) => a.name === 'perm')?.ints?.map(Number).join(',');
      if (from?.opType !== 'Transpose' || perm !== '0,2,3,1') fail(`${n.output?.[0]}: a Reshape not fed by an NCHW→NHWC Transpose`);
      const target = inits.get(n.input?.[1] ?? '') ?? fail(`${n.output?.[0]}: its target is not a constant`);
      const dims = tensorNumbers(target);
      if (dims.length !== 3 || dims[0] !== 1) fail(`${n.output?.[0]}: target [${dims.join(',')}] is not [1,N,k]`);
      if (consumers(n.input![1]!).length !== 1) fail(`${n.input![1]} is shared`);
      replaceTensor(target, int64Tensor(target.name!, [1, -1, dims[2]!]));
      changes.push(`${n.output![0]}: Reshape target [${dims.join(',')}] → [1,-1,${dims[2]}]`);
    }
    nodes.push(n);
  }
  graph.node = nodes;
  const multiple = downsampling(nodes, new Set(initializer.map((t) => t.name ?? '')), fail);
  if (multiple !== SIZE_FREE_MULTIPLE) fail(`the deepest layer is 1/${multiple} of the input, expected 1/${SIZE_FREE_MULTIPLE}`);
  const used = new Set(nodes.flatMap((n) => n.input ?? []));
  graph.initializer = initializer.filter((t) => used.has(t.name ?? ''));
  if (changes.length !== 1 + 2 + 4) fail(`expected 2 channel paddings and 4 output Reshapes, changed ${changes.length - 1} things`);
  model.docString = `BlazeFace "back" made size-free by qmon scripts/models/blazeface-size-free.ts v${SIZE_FREE_VERSION}`;
  return { bytes: onnx.ModelProto.encode(model).finish(), changes };
}

/**
 * A stride-1 layer's fixed pads mean the same at any size. A stride-2 layer must pad as TF's SAME does for an even
 * input (begin ⌊(k−2)/2⌋, end ⌈(k−2)/2⌉): then it halves every even size exactly as at 256, so the two branches of each
 * residual block keep matching.
 */
function checkPadding(n: NodeProto, fail: (what: string) => never): void {
  const ints = (name: string) => n.attribute?.find((a) => a.name === name)?.ints?.map(Number);
  const autoPad = n.attribute?.find((a) => a.name === 'auto_pad')?.s;
  if (autoPad && autoPad.length > 0 && new TextDecoder().decode(autoPad) !== 'NOTSET') fail(`${n.name} uses auto_pad`);
  const k = ints('kernel_shape');
  const strides = ints('strides') ?? [1, 1];
  const pads = ints('pads') ?? [0, 0, 0, 0];
  if (!k || k.length !== 2 || (ints('dilations') ?? [1, 1]).some((d) => d !== 1)) return fail(`${n.name}: expected a 2-D kernel without dilation`);
  if (strides.every((s) => s === 1)) return;
  const same = [Math.floor((k[0]! - 2) / 2), Math.floor((k[1]! - 2) / 2), Math.ceil((k[0]! - 2) / 2), Math.ceil((k[1]! - 2) / 2)];
  if (strides.join(',') !== '2,2' || pads.join(',') !== same.join(',')) {
    fail(`${n.name} (${n.opType}, kernel ${k.join('x')}, stride ${strides.join('x')}) pads [${pads.join(',')}], which would not halve every even size`);
  }
}

/**
 * How many times the deepest feature map is smaller than the input (the product of strides along the way), checking
 * that the inputs of every Add and Concat are at the same scale: the input size must be a multiple of it.
 */
function downsampling(nodes: readonly NodeProto[], constants: ReadonlySet<string>, fail: (what: string) => never): number {
  const scale = new Map<string, number>();
  let deepest = 1;
  for (const n of nodes) {
    const ins = (n.input ?? []).filter((i) => !constants.has(i));
    const scales = ins.map((i) => scale.get(i) ?? 1);
    if (new Set(scales).size > 1) fail(`${n.name} (${n.opType}) joins feature maps of different scales ${scales.join(', ')}`);
    const stride = n.attribute?.find((a) => a.name === 'strides')?.ints?.map(Number)[0] ?? 1;
    const s = (scales[0] ?? 1) * (n.opType === 'Conv' || n.opType === 'MaxPool' ? stride : 1);
    deepest = Math.max(deepest, s);
    for (const o of n.output ?? []) scale.set(o, s);
  }
  return deepest;
}

function dimsOf(v: onnxProto.onnx.IValueInfoProto, fail: (what: string) => never): onnxProto.onnx.TensorShapeProto.IDimension[] {
  const dims = v.type?.tensorType?.shape?.dim;
  if (!dims) return fail(`${v.name} has no shape`);
  return dims;
}

/** The values of an INT64 tensor (raw or listed) or a FLOAT one, as numbers. */
function tensorNumbers(t: TensorProto): number[] {
  if (t.int64Data && t.int64Data.length > 0) return t.int64Data.map(Number);
  if (t.floatData && t.floatData.length > 0) return [...t.floatData];
  const raw = t.rawData ?? new Uint8Array();
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (t.dataType === onnx.TensorProto.DataType.INT64) return Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
  if (t.dataType === onnx.TensorProto.DataType.FLOAT) return Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
  throw new SizeFreeError(`BlazeFace size-free: tensor ${t.name} has data type ${t.dataType}`);
}

function int64Tensor(name: string, values: readonly number[]): TensorProto {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return { name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: raw };
}

function replaceTensor(target: TensorProto, by: TensorProto): void {
  target.int64Data = [];
  target.rawData = by.rawData ?? null;
  target.dims = by.dims ?? null;
  target.dataType = by.dataType ?? null;
}
