/**
 * A quantised Conv's parameters: weights → int8 per output channel behind a per-axis
 * DequantizeLinear, bias → int32 at input_scale × weight_scale behind another. Shared by every Conv
 * with the same weight, bias and input tensor; a weight reused with another input gets its own copy
 * (its bias scale differs).
 */
import { BIAS_LIMIT, quantizeBias, quantizeWeightsPerChannel } from './quant-math.js';
import { dims, floatData, makeNode, makeTensor, type Node, type Tensor } from './onnx-tensors.js';

export interface ConvParamsContext {
  readonly inits: ReadonlyMap<string, Tensor>;
  readonly reduceRange: boolean;
  /** Reserves a new tensor or node name (throws on a clash). */
  readonly fresh: (name: string) => string;
  /** Receives the new initializers. */
  readonly newInits: Tensor[];
  /** Already quantised parameter sets, by weight/input/bias; and how many copies each weight has. */
  readonly done: Map<string, string[]>;
  readonly copies: Map<string, number>;
}

/** The Conv's new inputs (activation, dequantised weight, dequantised bias) and the DequantizeLinear nodes to put before it. */
export function quantizeConvParams(conv: Node, where: string, inputScale: number, ctx: ConvParamsContext): { inputs: string[]; nodes: Node[] } {
  const [x, wName, bName] = [conv.input?.[0] ?? '', conv.input?.[1] ?? '', conv.input?.[2] || undefined];
  const key = [wName, x, bName ?? ''].join('\u0000');
  const existing = ctx.done.get(key);
  if (existing) return { inputs: [x, ...existing], nodes: [] };

  const copy = ctx.copies.get(wName) ?? 0;
  ctx.copies.set(wName, copy + 1);
  const sfx = copy > 0 ? `_${copy}` : '';
  const init = ctx.inits.get(wName)!;
  const shape = dims(init);
  const channels = shape[0]!;
  const bias = bName ? floatData(ctx.inits.get(bName)!) : undefined;
  // A channel whose input is nearly always 0 (a dead squeeze-excite branch) gets a tiny input scale, and
  // its bias would not fit int32; onnxruntime's quantiser then widens that channel's weight scale (the
  // weights hardly matter when the input is ~0), and so does this.
  const minScales = bias ? Float32Array.from(bias, (b) => Math.abs(b) / (inputScale * BIAS_LIMIT)) : undefined;
  const w = quantizeWeightsPerChannel(floatData(init), channels, ctx.reduceRange, minScales);
  const nodes: Node[] = [];
  const dq = (base: string, type: 'int8' | 'int32', data: Int8Array | Int32Array, scales: Float32Array, dataShape: number[]) => {
    const [q, s, z, out] = [`${base}/${type}${sfx}`, `${base}/scale${sfx}`, `${base}/zero_point${sfx}`, `${base}/dequantized${sfx}`].map(ctx.fresh) as [string, string, string, string];
    const zeros = type === 'int8' ? new Int8Array(channels) : new Int32Array(channels);
    ctx.newInits.push(makeTensor(q, type, dataShape, data), makeTensor(s, 'float32', [channels], scales), makeTensor(z, type, [channels], zeros));
    nodes.push(makeNode('DequantizeLinear', [q, s, z], [out], ctx.fresh(`${base}/DequantizeLinear${sfx}`), 0));
    return out;
  };
  const params = [dq(wName, 'int8', w.data, w.scales, shape)];
  if (bName && bias) {
    const b = quantizeBias(bias, inputScale, w.scales, `Conv "${where}"`);
    params.push(dq(bName, 'int32', b.data, b.scales, [channels]));
  }
  ctx.done.set(key, params);
  return { inputs: [x, ...params], nodes };
}
