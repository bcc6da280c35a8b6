/**
 * The arithmetic of static quantisation, the way onnxruntime's quantiser (`quant_utils.py`) does it
 * for CPU: activations uint8 asymmetric per tensor, weights int8 symmetric per output channel, bias
 * int32 at scale input_scale × weight_scale. Kept apart from the graph rewriting so the numbers can
 * be checked on their own.
 */

/** Observed range of one activation tensor (from calibration). */
export interface TensorRange {
  readonly min: number;
  readonly max: number;
}

export interface UInt8Params {
  readonly scale: number;
  readonly zeroPoint: number;
}

/**
 * uint8 asymmetric: the range is widened to include 0 (so zero padding and ReLU's zeros are exact),
 * then spread over 0..255. A tensor that was always 0 gets scale 1 (any scale represents it).
 */
export function uint8Params(range: TensorRange, where: string): UInt8Params {
  if (!Number.isFinite(range.min) || !Number.isFinite(range.max) || range.min > range.max) {
    throw new Error(`quantize: range of ${where} is not a finite [min, max] (got [${range.min}, ${range.max}])`);
  }
  const lo = Math.min(range.min, 0);
  const hi = Math.max(range.max, 0);
  if (hi === lo) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround((hi - lo) / 255);
  const zeroPoint = Math.min(255, Math.max(0, roundHalfEven(-lo / scale)));
  return { scale, zeroPoint };
}

export function minMaxOf(values: Float32Array): TensorRange {
  let [min, max] = [Infinity, -Infinity];
  for (const v of values) [min, max] = [Math.min(min, v), Math.max(max, v)];
  return { min, max };
}

/** What QuantizeLinear computes: round(x / scale) + zero point, saturated to 0..255. */
export function quantizeUint8(values: Float32Array, p: UInt8Params): Uint8Array {
  return Uint8Array.from(values, (v) => Math.min(255, Math.max(0, roundHalfEven(v / p.scale) + p.zeroPoint)));
}

export interface PerChannelInt8 {
  /** Same layout as the float weights. */
  readonly data: Int8Array;
  /** One scale per output channel (axis 0). */
  readonly scales: Float32Array;
}

/**
 * Symmetric int8 per output channel (axis 0 of an OIHW filter): scale = max|w| / qmax with zero point
 * 0, so the int8 product needs no zero-point correction on the weight side. `reduceRange` uses 7 bits
 * (qmax 63) for CPUs without VNNI, where the AVX2 u8×s8 kernel (vpmaddubsw) adds two products into a
 * saturating int16: 255·127·2 overflows it, 255·63·2 does not. `minScales` (per channel) lets the
 * caller widen a scale so the bias fits int32 (see conv-params.ts).
 */
export function quantizeWeightsPerChannel(weights: Float32Array, channels: number, reduceRange: boolean, minScales?: Float32Array): PerChannelInt8 {
  if (channels <= 0 || weights.length % channels !== 0) {
    throw new Error(`quantize: ${weights.length} weights do not split into ${channels} output channels`);
  }
  const qmax = reduceRange ? 63 : 127;
  const per = weights.length / channels;
  const data = new Int8Array(weights.length);
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let absMax = 0;
    for (let i = c * per; i < (c + 1) * per; i++) absMax = Math.max(absMax, Math.abs(weights[i] as number));
    // An all-zero (or denormal) channel: any scale holds its zeros; 1 keeps the bias scale sane.
    const scale = Math.max(absMax > 1e-30 ? Math.fround(absMax / qmax) : 1, minScales?.[c] ?? 0);
    scales[c] = scale;
    for (let i = c * per; i < (c + 1) * per; i++) {
      data[i] = Math.max(-qmax, Math.min(qmax, roundHalfEven((weights[i] as number) / scale)));
    }
  }
  return { data, scales };
}

export interface Int32Bias {
  readonly data: Int32Array;
  readonly scales: Float32Array;
}

const INT32_MAX = 2 ** 31 - 1;
/** Largest |bias| in int32 steps that still leaves the accumulator room for the products (< 2^25 here). */
export const BIAS_LIMIT = 2 ** 30;

/**
 * Bias as int32 at scale input_scale × weight_scale[c]: exactly what the int8 convolution's int32
 * accumulator is in, so the bias is added without rescaling (and onnxruntime only fuses DQ→Conv→Q into
 * QLinearConv when the bias comes through an int32 DequantizeLinear).
 */
export function quantizeBias(bias: Float32Array, inputScale: number, weightScales: Float32Array, where: string): Int32Bias {
  if (bias.length !== weightScales.length) {
    throw new Error(`quantize: ${where} has ${bias.length} bias values for ${weightScales.length} output channels`);
  }
  const data = new Int32Array(bias.length);
  const scales = new Float32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    const scale = Math.fround(inputScale * (weightScales[c] as number));
    const q = roundHalfEven((bias[c] as number) / scale);
    if (!(Math.abs(q) <= INT32_MAX)) {
      throw new Error(`quantize: ${where} bias[${c}]=${bias[c]} does not fit int32 at scale ${scale}; leave this node in fp32 (excludeNodes)`);
    }
    data[c] = q;
    scales[c] = scale;
  }
  return { data, scales };
}

/** numpy's and QuantizeLinear's rounding: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
