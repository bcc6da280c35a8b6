/**
 * The TF.js → ONNX converter (scripts/convert/) on a hand-written graph that uses every mapped op,
 * checked against tfjs running the same graph — so a wrong padding side, channel order, resize
 * convention or layout shows up here without the real model.
 */
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ConversionError, convertTfjsGraph, float16ToFloat32, parseTfjsGraph, type ConvertOptions } from '../../scripts/convert/index.js';
import { permute, tfPadding } from '../../scripts/convert/shape-math.js';
import { buildTinyGraph, type TinyGraph } from './tiny-tfjs-graph.js';

/** The hand-written graph loaded by tfjs itself (cpu backend), the reference the conversion is checked against. */
async function tinyInTfjs(g: TinyGraph) {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  return tf.loadGraphModel({
    load: () =>
      Promise.resolve({
        modelTopology: g.modelJson.modelTopology as object,
        weightSpecs: (g.modelJson.weightsManifest as { weights: never[] }[])[0]?.weights,
        weightData: g.weightData.slice().buffer,
        format: 'graph-model',
      }),
  });
}

describe('float16ToFloat32', () => {
  it('decodes normal, subnormal, signed zero, infinite and NaN halves exactly', () => {
    expect(float16ToFloat32(0x3c00)).toBe(1);
    expect(float16ToFloat32(0xc000)).toBe(-2);
    expect(float16ToFloat32(0x3555)).toBe(0.333251953125);
    expect(float16ToFloat32(0x7bff)).toBe(65504);
    expect(float16ToFloat32(0x0400)).toBe(2 ** -14);
    expect(float16ToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16ToFloat32(0x03ff)).toBe(1023 * 2 ** -24);
    expect(Object.is(float16ToFloat32(0x8000), -0)).toBe(true);
    expect(float16ToFloat32(0x7c00)).toBe(Infinity);
    expect(float16ToFloat32(0xfc00)).toBe(-Infinity);
    expect(float16ToFloat32(0x7e00)).toBeNaN();
  });
});

describe('shape arithmetic', () => {
  it('pads like TensorFlow: the odd pixel of SAME padding goes after', () => {
    expect(tfPadding('SAME', 512, 3, 2)).toEqual({ before: 0, after: 1, out: 256 });
    expect(tfPadding('SAME', 64, 5, 2)).toEqual({ before: 1, after: 2, out: 32 });
    expect(tfPadding('SAME', 128, 3, 1)).toEqual({ before: 1, after: 1, out: 128 });
    expect(tfPadding('VALID', 10, 3, 1)).toEqual({ before: 0, after: 0, out: 8 });
    expect(tfPadding('SAME', 7, 3, 1, 2)).toEqual({ before: 2, after: 2, out: 7 });
  });

  it('permutes HWIO filters to OIHW', () => {
    // shape [1, 2, 2, 3] (h, w, in, out) with value = 100*w + 10*in + out
    const data = new Float32Array(12);
    for (let w = 0; w < 2; w++) for (let i = 0; i < 2; i++) for (let o = 0; o < 3; o++) data[w * 6 + i * 3 + o] = 100 * w + 10 * i + o;
    const p = permute(data, [1, 2, 2, 3], [3, 2, 0, 1]);
    expect(p.shape).toEqual([3, 2, 1, 2]);
    // [o][i][0][w]
    expect(Array.from(p.data)).toEqual([0, 100, 10, 110, 1, 101, 11, 111, 2, 102, 12, 112]);
  });
});

describe('convertTfjsGraph', () => {
  const tiny = buildTinyGraph();
  const graph = () => parseTfjsGraph(tiny.modelJson, () => tiny.weightData, 'tiny.json');
  const convert = () => convertTfjsGraph(graph(), { inputs: [{ tf: 'images', onnx: 'images' }], outputs: tiny.outputs, graphName: 'tiny' });

  it('matches tfjs on every output of a graph using all mapped ops', async () => {
    const result = convert();
    expect(result.outputs).toEqual([
      { name: 'detections', dtype: 'float32', shape: [1, 5, 4] },
      { name: 'feat', dtype: 'float32', shape: [1, 4, 4, 8] },
    ]);
    const input = new Float32Array(8 * 8 * 3);
    for (let i = 0; i < input.length; i++) input[i] = ((i * 37) % 255) / 32 - 4; // spread over [-4, 4)

    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const model = await tinyInTfjs(tiny);
    const x = tf.tensor4d(input, tiny.inputShape);
    const ref = (model.execute(x, ['detections', 'feat']) as import('@tensorflow/tfjs').Tensor[]).map((t) => t.dataSync() as Float32Array);

    const session = await ort.InferenceSession.create(result.bytes);
    const got = await session.run({ images: new ort.Tensor('float32', input, tiny.inputShape) });
    await session.release();

    const det = got.detections?.data as Float32Array;
    const feat = got.feat?.data as Float32Array;
    expect(det).toHaveLength(20);
    expect(feat).toHaveLength(128);
    // Rows: score, class (channel of the peak), two gathered values − 0.5. Integers must agree exactly.
    for (let r = 0; r < 5; r++) expect(det[r * 4 + 1]).toBe(ref[0]?.[r * 4 + 1]);
    for (let i = 0; i < 20; i++) expect(det[i]).toBeCloseTo(ref[0]?.[i] as number, 4);
    for (let i = 0; i < 128; i++) expect(feat[i]).toBeCloseTo(ref[1]?.[i] as number, 4);
    // Not a degenerate graph: scores sorted descending and features not all zero.
    expect(det[0]).toBeGreaterThanOrEqual(det[4] as number);
    expect(feat.some((v) => v > 0)).toBe(true);
  });

  it('produces identical bytes on every run (the manifest hash depends on it)', () => {
    expect(Buffer.from(convert().bytes).equals(Buffer.from(convert().bytes))).toBe(true);
  });

  it('names every unsupported op in one error', () => {
    const json = structuredClone(tiny.modelJson) as { modelTopology: { node: { op: string; name: string }[] } };
    for (const n of json.modelTopology.node) {
      if (n.name === 'feat') n.op = 'Elu';
      if (n.name === 'heat') n.op = 'Softplus';
    }
    const g = parseTfjsGraph(json, () => tiny.weightData);
    expect(() => convertTfjsGraph(g, { inputs: [], outputs: tiny.outputs, graphName: 'x' })).toThrow(ConversionError);
    expect(() => convertTfjsGraph(g, { inputs: [], outputs: tiny.outputs, graphName: 'x' })).toThrow('unsupported TF ops: Elu, Softplus');
  });

  it('rejects weights that do not cover the weight file, and non-graph models', () => {
    const short = () => tiny.weightData.subarray(0, 100);
    expect(() => parseTfjsGraph(tiny.modelJson, short, 'tiny.json')).toThrow(/tiny\.json: weight \S+ needs bytes \d+\.\.\d+ but the shards hold 100/);
    expect(() => parseTfjsGraph({ format: 'layers-model' }, () => new Uint8Array(), 'x.json')).toThrow(/x\.json: not a TensorFlow\.js graph model/);
  });

  describe('size-free (dynamic) conversion', () => {
    const feat = [{ tf: 'feat', onnx: 'feat' }];
    const dynamic = (multipleOf: number, outputs: ConvertOptions['outputs'] = feat) =>
      convertTfjsGraph(graph(), { inputs: [{ tf: 'images', onnx: 'images' }], outputs, graphName: 'tiny', spatial: { multipleOf } });

    it('runs at other sizes and matches tfjs running the graph frozen at that size', async () => {
      const session = await ort.InferenceSession.create(dynamic(4).bytes);
      const tf = await import('@tensorflow/tfjs');
      await tf.setBackend('cpu');
      for (const size of [[8, 8], [12, 16], [4, 20]] as const) {
        const frozen = buildTinyGraph(size);
        const model = await tinyInTfjs(frozen);
        const input = new Float32Array(size[0] * size[1] * 3);
        for (let i = 0; i < input.length; i++) input[i] = ((i * 37) % 255) / 32 - 4;
        const x = tf.tensor4d(input, frozen.inputShape);
        const ref = (model.execute(x, 'feat') as import('@tensorflow/tfjs').Tensor).dataSync() as Float32Array;
        const got = (await session.run({ images: new ort.Tensor('float32', input, frozen.inputShape) })).feat;
        expect(got?.dims).toEqual([1, size[0] / 2, size[1] / 2, 8]);
        const data = got?.data as Float32Array;
        expect(data).toHaveLength(ref.length);
        for (let i = 0; i < ref.length; i++) expect(data[i]).toBeCloseTo(ref[i] as number, 4);
        expect(data.some((v) => v > 0)).toBe(true);
      }
      await session.release();
    });

    it('declares symbolic height and width and keeps only the chosen channels', async () => {
      const result = dynamic(4, [{ tf: 'feat', onnx: 'feat', channels: [2, 5] }]);
      expect(result.inputs[0]?.dimParams).toEqual([null, 'height', 'width', null]);
      expect(result.outputs[0]).toMatchObject({ shape: [1, 4, 4, 3], dimParams: [null, 'feat_height', 'feat_width', null] });
      const all = await ort.InferenceSession.create(dynamic(4).bytes);
      const some = await ort.InferenceSession.create(result.bytes);
      const input = new ort.Tensor('float32', Float32Array.from({ length: 12 * 8 * 3 }, (_, i) => (i % 17) / 4 - 2), [1, 12, 8, 3]);
      const a = (await all.run({ images: input })).feat;
      const b = (await some.run({ images: input })).feat;
      expect(b?.dims).toEqual([1, 6, 4, 3]);
      const [ad, bd] = [a?.data as Float32Array, b?.data as Float32Array];
      for (let p = 0; p < 6 * 4; p++) for (let c = 0; c < 3; c++) expect(bd[p * 3 + c]).toBe(ad[p * 8 + c + 2]);
      await Promise.all([all.release(), some.release()]);
    });

    it('computes only the kept channels of a conv + sigmoid head (no Slice), matching tfjs', async () => {
      const result = dynamic(4, [{ tf: 'head', onnx: 'head', channels: [2, 4] }]);
      const model = onnxProto.onnx.ModelProto.decode(result.bytes);
      expect(model.graph?.node?.some((n) => n.opType === 'Slice')).toBe(false);
      const convs = model.graph?.node?.filter((n) => n.opType === 'Conv') ?? [];
      const lastWeight = model.graph?.initializer?.find((t) => t.name === convs.at(-1)?.input?.[1]);
      expect(lastWeight?.dims?.map(Number)).toEqual([2, 8, 1, 1]);
      const tf = await import('@tensorflow/tfjs');
      await tf.setBackend('cpu');
      const frozen = buildTinyGraph([8, 8]);
      const ref = await tinyInTfjs(frozen);
      const input = Float32Array.from({ length: 8 * 8 * 3 }, (_, i) => ((i * 37) % 255) / 32 - 4);
      const want = (ref.execute(tf.tensor4d(input, [1, 8, 8, 3]), 'head') as import('@tensorflow/tfjs').Tensor).dataSync() as Float32Array;
      const session = await ort.InferenceSession.create(result.bytes);
      const got = (await session.run({ images: new ort.Tensor('float32', input, [1, 8, 8, 3]) })).head;
      await session.release();
      expect(got?.dims).toEqual([1, 4, 4, 2]);
      const data = got?.data as Float32Array;
      for (let p = 0; p < 16; p++) for (let c = 0; c < 2; c++) expect(data[p * 2 + c]).toBeCloseTo(want[p * 6 + c + 2] as number, 5);
    });

    it('refuses ops that bake in the frozen size, naming them', () => {
      expect(() => dynamic(4, tiny.outputs)).toThrow(ConversionError);
      expect(() => dynamic(4, tiny.outputs)).toThrow(/node \S+ \((Reshape|TopKV2|GatherV2|StridedSlice|ExpandDims|Equal|Cast)\) depends on the input size/);
    });

    it('refuses a step at which a strided layer would pad differently, and a bad channel range', () => {
      // The second stride-2 layer sees steps of 1 pixel when the input moves in steps of 2.
      expect(() => dynamic(2)).toThrow(/node d2 \(DepthwiseConv2dNative\): stride 2 .* use a coarser spatial.multipleOf/);
      expect(() => dynamic(3)).toThrow(/input 8x8 is not a multiple of spatial.multipleOf 3/);
      expect(() => dynamic(4, [{ tf: 'feat', onnx: 'feat', channels: [6, 9] }])).toThrow(/channels \[6, 9\) do not lie within its 8 channels/);
    });
  });
});
