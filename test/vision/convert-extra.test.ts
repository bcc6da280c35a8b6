/**
 * The converter's mappings for onnx2tf-style graphs (scripts/convert/ops-extra.ts: Transpose, Pad, PadV2, LeakyRelu,
 * SplitV, SparseToDense, constant folding of Add/AddV2, per-channel bias adds in NCHW) on a hand-written graph in the
 * shape of NanoDet's, checked against tfjs running the same graph.
 */
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { ConversionError, convertTfjsGraph, parseTfjsGraph } from '../../scripts/convert/index.js';
import { buildOnnx2tfGraph, type Onnx2tfGraph, type Onnx2tfGraphOptions } from './tiny-onnx2tf-graph.js';

const convert = (g: Onnx2tfGraph) =>
  convertTfjsGraph(parseTfjsGraph(g.modelJson, () => g.weightData, 'onnx2tf.json'), { inputs: [{ tf: 'input_1', onnx: 'images' }], outputs: g.outputs, graphName: 'onnx2tf' });

const input = Float32Array.from({ length: 3 * 8 * 8 }, (_, i) => ((i * 29) % 97) / 24 - 2); // spread over [-2, 2)

async function tfjsOutputs(g: Onnx2tfGraph): Promise<Float32Array[]> {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const model = await tf.loadGraphModel({
    load: () =>
      Promise.resolve({
        modelTopology: g.modelJson.modelTopology,
        weightSpecs: g.modelJson.weightsManifest[0]?.weights as never[], // the spec JSON is tfjs's own type
        weightData: g.weightData.slice().buffer,
        format: 'graph-model',
      }),
  });
  const x = tf.tensor4d(input, g.inputShape);
  const out = model.execute(x, ['scores', 'boxes']) as import('@tensorflow/tfjs').Tensor[];
  const data = out.map((t) => t.dataSync() as Float32Array);
  tf.dispose([x, ...out]);
  return data;
}

async function onnxOutputs(bytes: Uint8Array, g: Onnx2tfGraph): Promise<{ scores: ort.Tensor; boxes: ort.Tensor }> {
  const session = await ort.InferenceSession.create(bytes);
  const got = await session.run({ images: new ort.Tensor('float32', input, g.inputShape) });
  await session.release();
  return { scores: got.scores as ort.Tensor, boxes: got.boxes as ort.Tensor };
}

function opCounts(bytes: Uint8Array): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of onnxProto.onnx.ModelProto.decode(bytes).graph?.node ?? []) counts[n.opType ?? ''] = (counts[n.opType ?? ''] ?? 0) + 1;
  return counts;
}

describe('convertTfjsGraph on an onnx2tf-style graph', () => {
  it('matches tfjs on both outputs', async () => {
    const g = buildOnnx2tfGraph();
    const result = convert(g);
    expect(result.outputs).toEqual([
      { name: 'scores', dtype: 'float32', shape: [1, 16, 2] },
      { name: 'boxes', dtype: 'float32', shape: [1, 16, 4] },
    ]);
    const ref = await tfjsOutputs(g);
    const got = await onnxOutputs(result.bytes, g);
    expect(got.scores.dims).toEqual([1, 16, 2]);
    expect(got.boxes.dims).toEqual([1, 16, 4]);
    const [scores, boxes] = [got.scores.data as Float32Array, got.boxes.data as Float32Array];
    for (let i = 0; i < 32; i++) expect(scores[i]).toBeCloseTo(ref[0]?.[i] as number, 5);
    for (let i = 0; i < 64; i++) expect(boxes[i]).toBeCloseTo(ref[1]?.[i] as number, 5);
    // Not degenerate: the scores spread out, and LeakyRelu's negative side reaches the boxes.
    expect(Math.max(...scores) - Math.min(...scores)).toBeGreaterThan(0.1);
    expect(boxes.some((v) => v < 0)).toBe(true);
  });

  it('turns the NCHW↔NHWC relabelling transposes into nothing and folds the computed shapes', () => {
    const result = convert(buildOnnx2tfGraph());
    expect(result.tfOps).toMatchObject({ Transpose: 9, SparseToDense: 2, AddV2: 2, Pad: 2, PadV2: 1 });
    const ops = opCounts(result.bytes);
    // Only the head's two rank-3 transposes remain; biases stay in NCHW; shapes are constants, not computed.
    expect(ops.Transpose).toBe(2);
    expect(ops).toMatchObject({ Conv: 2, Add: 2, Pad: 3, LeakyRelu: 1, MaxPool: 1, Concat: 1, Split: 1, Reshape: 2 });
    expect(ops.ScatterND ?? 0).toBe(0);
  });

  it('maps a transpose that is not a relabelling as a real one', async () => {
    // [0, 3, 2, 1] on NCHW 3x8x8 (padded to 10x10) is NHWC with H and W swapped: a different picture.
    const g = buildOnnx2tfGraph({ firstPerm: [0, 3, 2, 1] });
    const ref = await tfjsOutputs(g);
    const got = await onnxOutputs(convert(g).bytes, g);
    const boxes = got.boxes.data as Float32Array;
    for (let i = 0; i < 64; i++) expect(boxes[i]).toBeCloseTo(ref[1]?.[i] as number, 5);
  });

  it.each<[string, Onnx2tfGraphOptions, RegExp]>([
    ['split sizes that do not add up', { splitSizes: [2, 5] }, /node split: split sizes \[2,5\] do not add up to 6/],
    ['two open split sizes', { splitSizes: [-1, -1] }, /node split: split sizes \[-1,-1\] do not add up to 6/],
    ['negative paddings', { firstPad: [0, 0, 0, 0, -1, 1, 1, 1] }, /node pad0: negative paddings are not supported/],
    ['a perm that is no permutation', { firstPerm: [0, 2, 2, 1] }, /node t0: perm \[0,2,2,1\] is not a permutation of rank 4/],
  ])('refuses %s, naming the node', (_what, opts, message) => {
    expect(() => convert(buildOnnx2tfGraph(opts))).toThrow(ConversionError);
    expect(() => convert(buildOnnx2tfGraph(opts))).toThrow(message);
  });

  it('refuses a SparseToDense of computed values rather than guessing them', () => {
    const g = buildOnnx2tfGraph();
    const s2d = g.modelJson.modelTopology.node.find((n) => n.name === 's2d1');
    if (!s2d) throw new Error('test graph has no s2d1');
    s2d.input[2] = 'bias1';
    expect(() => convert(g)).toThrow(/node s2d1: SparseToDense is only mapped for constant inputs \(input 2 is computed\)/);
  });
});
