/**
 * Conversion to a model whose input height and width may be any multiple of a step (e.g. 32), for fully
 * convolutional graphs frozen at one size. The graph is still walked with the frozen (reference) shapes, so pads and
 * channel counts come out as before; what changes:
 *
 * - the ONNX input and output spatial dims are symbolic (`height`, `width`), so onnxruntime accepts any size;
 * - bilinear upsampling is written as a scale (target / input at the reference size, which must be whole) instead of
 *   the frozen target size;
 * - every op on the way is checked to be size-free: a Reshape, TopK, Gather or slice bakes the frozen size into its
 *   constants, and is refused with its name rather than converted into a graph that runs and computes nonsense;
 * - every strided conv or pool is checked to pad the same way at every allowed size (TF's SAME padding depends on the
 *   input size modulo the stride, so the allowed step at that layer must be a multiple of the stride).
 */
import { ConversionError, type Value } from './context.js';
import type { TfjsGraph, TfNode } from './tfjs-graph.js';
import { parseTensorRef } from './tfjs-graph.js';

export interface DynamicSpatial {
  /** Input height and width may be any positive multiple of this. */
  readonly multipleOf: number;
  /** The frozen graph's own input size, which the walk uses. */
  readonly refH: number;
  readonly refW: number;
}

/** Ops whose result has the same meaning at every input size (given the checks below). */
const SIZE_FREE = new Set([
  'Conv2D', '_FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative', 'MaxPool', 'Mean', 'ResizeBilinear',
  'ConcatV2', 'Add', 'AddV2', 'Sub', 'Mul', 'Relu', 'Relu6', 'Sigmoid', 'Identity',
]);
const ELEMENTWISE = new Set(['Add', 'AddV2', 'Sub', 'Mul']);

export function checkMultiple(multipleOf: number, refH: number, refW: number): DynamicSpatial {
  if (!Number.isInteger(multipleOf) || multipleOf < 1) throw new ConversionError(`spatial.multipleOf must be a positive integer, got ${multipleOf}`);
  if (refH % multipleOf !== 0 || refW % multipleOf !== 0) {
    throw new ConversionError(`the graph's input ${refH}x${refW} is not a multiple of spatial.multipleOf ${multipleOf}`);
  }
  return { multipleOf, refH, refW };
}

/** Refuses an op that would not mean the same at another input size. */
export function checkSizeFree(graph: TfjsGraph, node: TfNode): void {
  if (!SIZE_FREE.has(node.op)) {
    throw new ConversionError(`node ${node.name} (${node.op}) depends on the input size; a size-free (dynamic) conversion cannot include it`);
  }
  if (ELEMENTWISE.has(node.op)) {
    for (const ref of node.inputs) {
      const t = graph.weights.get(parseTensorRef(ref).node);
      // A constant with spatial extent (rank 4 [1, H, W, C] with H or W > 1) is a picture of the frozen size.
      if (t && t.shape.length >= 3 && (t.shape.at(-2) !== 1 || t.shape.at(-3) !== 1)) {
        throw new ConversionError(`node ${node.name} (${node.op}): constant ${ref} [${t.shape.join(',')}] has the frozen spatial size`);
      }
    }
  }
}

/**
 * The step by which this layer's height (axis 1) or width (axis 2) changes when the input changes by one
 * `multipleOf`; a stride above 1 must divide it, or the layer would pad differently at some allowed size.
 */
export function checkStride(d: DynamicSpatial, node: TfNode, x: Value, axis: 1 | 2, stride: number): void {
  // Stride 1 pads k − 1 in total at every size (SAME) or nothing (VALID); a global pool's 1×1 result goes here too.
  if (stride === 1) return;
  const ref = axis === 1 ? d.refH : d.refW;
  const size = x.shape[axis] as number;
  const step = (d.multipleOf * size) / ref;
  if (!Number.isInteger(step) || step % stride !== 0) {
    throw new ConversionError(
      `node ${node.name} (${node.op}): stride ${stride} on a ${size}-pixel ${axis === 1 ? 'height' : 'width'} ` +
        `(input ${ref}) pads differently at some multiple of ${d.multipleOf}; use a coarser spatial.multipleOf`,
    );
  }
}

/** Bilinear upsampling as a whole-number scale per spatial axis. */
export function resizeScale(node: TfNode, inH: number, inW: number, outH: number, outW: number): [number, number] {
  const sh = outH / inH;
  const sw = outW / inW;
  if (!Number.isInteger(sh) || !Number.isInteger(sw)) {
    throw new ConversionError(`node ${node.name}: resize ${inH}x${inW} → ${outH}x${outW} is not a whole-number scale; a dynamic conversion needs one`);
  }
  return [sh, sw];
}
