/** Pure shape and index arithmetic the op mappings share; kept apart so it can be tested on its own. */

/** NHWC axis → its position in NCHW (N→0, H→2, W→3, C→1). */
export const NHWC_TO_NCHW_AXIS: readonly number[] = [0, 2, 3, 1];
/** Transpose perms for ONNX Transpose. */
export const PERM_TO_NCHW: readonly number[] = [0, 3, 1, 2];
export const PERM_TO_NHWC: readonly number[] = [0, 2, 3, 1];

/**
 * TensorFlow's padding for one spatial axis. SAME puts the odd pixel of padding *after* the data
 * (ONNX's SAME_UPPER), which matters for stride-2 layers on even sizes; written out as explicit pads
 * so the ONNX file does not depend on an auto_pad interpretation.
 */
export function tfPadding(
  padding: 'SAME' | 'VALID',
  inSize: number,
  kernel: number,
  stride: number,
  dilation = 1,
): { before: number; after: number; out: number } {
  const effK = (kernel - 1) * dilation + 1;
  if (padding === 'VALID') return { before: 0, after: 0, out: Math.floor((inSize - effK) / stride) + 1 };
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + effK - inSize, 0);
  const before = Math.floor(total / 2);
  return { before, after: total - before, out };
}

/** Row-major transpose of a dense tensor: out.shape[i] = shape[perm[i]]. */
export function permute<T extends Float32Array | Int32Array>(data: T, shape: readonly number[], perm: readonly number[]): { data: T; shape: number[] } {
  const rank = shape.length;
  if (perm.length !== rank) throw new Error(`permute: perm [${perm.join(',')}] does not match rank ${rank}`);
  const outShape = perm.map((p) => shape[p] as number);
  const inStrides = strides(shape);
  const outStridesOverIn = perm.map((p) => inStrides[p] as number);
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < data.length; o++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += (idx[d] as number) * (outStridesOverIn[d] as number);
    out[o] = data[src] as number;
    // odometer increment over the output's dims
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (outShape[d] as number)) break;
      idx[d] = 0;
    }
  }
  return { data: out, shape: outShape };
}

export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (shape[i + 1] as number);
  return s;
}

/** NumPy broadcasting, as both TensorFlow and ONNX define it. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** TF Reshape target with one -1 resolved against the element count. */
export function resolveReshape(inShape: readonly number[], target: readonly number[]): number[] {
  const total = inShape.reduce((x, y) => x * y, 1);
  const known = target.filter((d) => d !== -1).reduce((x, y) => x * y, 1);
  const unknown = target.filter((d) => d === -1).length;
  if (unknown > 1 || target.some((d) => d < -1 || d === 0)) throw new Error(`reshape target [${target.join(',')}] is not supported`);
  const out = target.map((d) => (d === -1 ? total / known : d));
  if (out.reduce((x, y) => x * y, 1) !== total || out.some((d) => !Number.isInteger(d))) {
    throw new Error(`cannot reshape [${inShape.join(',')}] to [${target.join(',')}]`);
  }
  return out;
}

/** Length of `begin:end:step` over a dim of `size`, with Python/TF clamping (positive steps). */
export function sliceLength(size: number, begin: number, end: number, step: number): number {
  const b = Math.min(Math.max(begin < 0 ? begin + size : begin, 0), size);
  const e = Math.min(Math.max(end < 0 ? end + size : end, 0), size);
  return Math.max(0, Math.ceil((e - b) / step));
}
