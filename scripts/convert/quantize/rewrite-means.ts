/**
 * ReduceMean over the two spatial axes of an NCHW tensor, keeping dims, is GlobalAveragePool: the
 * same numbers, but onnxruntime fuses DQ → GlobalAveragePool → Q into QLinearGlobalAveragePool and
 * has no quantised ReduceMean. Converted TF graphs write every squeeze-excite "Mean" as ReduceMean, and
 * in the int8 CenterNet those cost a DequantizeLinear of a whole feature map plus a slow float
 * reduction each (≈ 10 % of a run). Applied to the model that gets quantised only; the fp32 model is
 * left as it is.
 *
 * The rank is not in these graphs' value_info, so it comes from a real run (`tensorRanks`).
 */
import * as ort from 'onnxruntime-node';
import { exposeTensors, type Feeds } from './calibrate.js';
import { decodeModel, encodeModel, intAttr, type Node } from './onnx-tensors.js';

function isSpatialMean(n: Node, rank: number | undefined): boolean {
  if (n.opType !== 'ReduceMean' || rank !== 4 || intAttr(n, 'keepdims', 1) !== 1 || (n.input ?? []).length > 1) return false;
  const axes = (n.attribute ?? []).find((a) => a.name === 'axes')?.ints?.map((a) => (Number(a) + 4) % 4);
  return axes !== undefined && [...axes].sort().join() === '2,3';
}

/** Inputs of the ReduceMean nodes, whose ranks `meanToGlobalAveragePool` needs. */
export function reduceMeanInputs(modelBytes: Uint8Array): string[] {
  const nodes = decodeModel(modelBytes).graph!.node ?? [];
  return [...new Set(nodes.filter((n) => n.opType === 'ReduceMean').map((n) => n.input?.[0] ?? '').filter(Boolean))];
}

/** Ranks of `tensors` in one run of the model on `feed`. */
export async function tensorRanks(modelBytes: Uint8Array, tensors: readonly string[], feed: Feeds): Promise<Map<string, number>> {
  if (tensors.length === 0) return new Map();
  const session = await ort.InferenceSession.create(exposeTensors(modelBytes, tensors), { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
  try {
    const result = await session.run(feed, [...tensors]);
    return new Map(tensors.map((t) => [t, result[t]?.dims.length ?? 0]));
  } finally {
    await session.release();
  }
}

/** The model with every spatial, keepdims ReduceMean of a rank-4 tensor as GlobalAveragePool; and how many. */
export function meanToGlobalAveragePool(modelBytes: Uint8Array, ranks: ReadonlyMap<string, number>): { bytes: Uint8Array; rewritten: number } {
  const model = decodeModel(modelBytes);
  let rewritten = 0;
  for (const n of model.graph!.node ?? []) {
    if (!isSpatialMean(n, ranks.get(n.input?.[0] ?? ''))) continue;
    n.opType = 'GlobalAveragePool';
    n.attribute = [];
    rewritten++;
  }
  return { bytes: encodeModel(model), rewritten };
}
