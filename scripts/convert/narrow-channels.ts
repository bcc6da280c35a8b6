/**
 * An output that keeps only some channels (`outputs[].channels`) need not have them all computed: when the output is a
 * plain convolution followed only by per-channel ops (Sigmoid, Relu, Identity…), each used by nothing else, the
 * convolution is converted with just those output channels (its filter and bias rows sliced). CenterNet's heatmap is
 * a 1×1 conv to 80 classes then a sigmoid; the person channel alone saves 79 of 80 rows of that conv — about 1/6 of a
 * whole pass. Anything else (a depthwise conv, a second consumer) falls back to slicing the finished output.
 */
import { ConversionError } from './context.js';
import { parseTensorRef, type TfNode } from './tfjs-graph.js';

const PER_CHANNEL = new Set(['Identity', 'Sigmoid', 'Relu', 'Relu6']);
const CONVS = new Set(['Conv2D', '_FusedConv2D']);

export interface Narrowing {
  /** Conv node name → the [begin, end) output channels to compute. */
  readonly convs: ReadonlyMap<string, readonly [number, number]>;
  /** Outputs (TF tensor names) whose channels come out of a narrowed conv: nothing left to slice. */
  readonly outputs: ReadonlySet<string>;
}

/** The convs that can compute only their output's channels, for outputs whose chain allows it. */
export function narrowableConvs(order: readonly TfNode[], outputs: readonly { tf: string; channels?: readonly [number, number] }[]): Narrowing {
  const byName = new Map(order.map((n) => [n.name, n]));
  const consumers = new Map<string, number>();
  for (const n of order) for (const ref of n.inputs) {
    const src = parseTensorRef(ref).node;
    consumers.set(src, (consumers.get(src) ?? 0) + 1);
  }
  for (const o of outputs) consumers.set(parseTensorRef(o.tf).node, (consumers.get(parseTensorRef(o.tf).node) ?? 0) + 1);
  const narrowed = new Map<string, readonly [number, number]>();
  const done = new Set<string>();
  for (const o of outputs) {
    if (!o.channels) continue;
    let node = byName.get(parseTensorRef(o.tf).node);
    while (node && PER_CHANNEL.has(node.op) && consumers.get(node.name) === 1 && node.inputs.length === 1) {
      node = byName.get(parseTensorRef(node.inputs[0] as string).node);
    }
    if (!node || !CONVS.has(node.op) || consumers.get(node.name) !== 1) continue;
    if (narrowed.has(node.name)) throw new ConversionError(`outputs narrow conv ${node.name} twice`);
    narrowed.set(node.name, o.channels);
    done.add(o.tf);
  }
  return { convs: narrowed, outputs: done };
}
