/**
 * Checks the converted backbone against the TF.js original (tfjs cpu backend, same graph and
 * weights) on real face crops, so a converter mistake cannot hide inside the trained head.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { BACKBONE_FEATURE_TF, FACE_SIZE } from './backbone.js';

const TOLERANCE = 1e-3;

export interface BackboneCheck {
  readonly reference: string;
  readonly crops: number;
  readonly max_abs_diff: number;
  readonly tolerance: number;
  readonly pass: boolean;
}

/** Gray in [−1, 1] exactly as the agent's graph computes it from an RGB crop. */
function toGray(crop: Uint8Array): Float32Array {
  const g = new Float32Array(FACE_SIZE * FACE_SIZE);
  for (let i = 0; i < g.length; i++) {
    g[i] = ((0.2989 * (crop[3 * i] as number) + 0.587 * (crop[3 * i + 1] as number) + 0.114 * (crop[3 * i + 2] as number)) * 2) / 255 - 1;
  }
  return g;
}

export async function verifyBackbone(graphJson: string, backboneOnnx: Uint8Array, crops: readonly Uint8Array[]): Promise<BackboneCheck> {
  await tf.setBackend('cpu');
  const json = JSON.parse(readFileSync(graphJson, 'utf8')) as {
    modelTopology: tf.io.ModelJSON['modelTopology'];
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const shards = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(graphJson), p))));
  const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
  const model = await tf.loadGraphModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData }),
  );
  const session = await ort.InferenceSession.create(backboneOnnx, { intraOpNumThreads: 1, logSeverityLevel: 3 });
  let maxDiff = 0;
  for (const crop of crops) {
    const gray = toGray(crop);
    const ref = tf.tidy(() => model.execute(tf.tensor4d(gray, [1, FACE_SIZE, FACE_SIZE, 1]), BACKBONE_FEATURE_TF) as tf.Tensor);
    const want = (await ref.data()) as Float32Array;
    ref.dispose();
    const got = (await session.run({ gray: new ort.Tensor('float32', gray, [1, FACE_SIZE, FACE_SIZE, 1]) })).backbone?.data as Float32Array;
    if (got.length !== want.length) throw new Error(`backbone check: ONNX gave ${got.length} values, TF.js ${want.length}`);
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs((got[i] as number) - (want[i] as number)));
  }
  await session.release();
  model.dispose();
  return { reference: '@tensorflow/tfjs cpu backend, same TF.js graph', crops: crops.length, max_abs_diff: maxDiff, tolerance: TOLERANCE, pass: maxDiff <= TOLERANCE };
}
