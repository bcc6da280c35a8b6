/**
 * Turns the detector's raw rows into frame-pixel detections: keep one class above a score,
 * undo the letterbox, clip to the frame, drop boxes that clipping left empty.
 *
 * The CenterNet tail (3×3 max-pool peak picking, top-100, box decoding) runs inside the ONNX graph,
 * so each row is already [x1, y1, x2, y2, score, class] in model-input pixels.
 */
import type { Box, Detection } from '../shared/types.js';
import type { Letterbox } from './preprocess.js';

export const CENTERNET_ROW = 6;

export interface DecodeOptions {
  /** Keep rows with score ≥ minScore. */
  readonly minScore: number;
  /** Model class index to keep (COCO person = 0). */
  readonly classIndex: number;
  /** Label written into Detection.cls. */
  readonly label: string;
}

/** Model-input box → frame box, clipped to the frame; null when nothing of it is inside the frame. */
export function modelBoxToFrame(x1: number, y1: number, x2: number, y2: number, lb: Letterbox): Box | null {
  const fx1 = clamp((x1 - lb.padX) / lb.scaleX, 0, lb.srcWidth);
  const fy1 = clamp((y1 - lb.padY) / lb.scaleY, 0, lb.srcHeight);
  const fx2 = clamp((x2 - lb.padX) / lb.scaleX, 0, lb.srcWidth);
  const fy2 = clamp((y2 - lb.padY) / lb.scaleY, 0, lb.srcHeight);
  // NaN fails both comparisons, so a corrupt row is dropped here too.
  if (!(fx2 > fx1) || !(fy2 > fy1)) return null;
  return { x1: fx1, y1: fy1, x2: fx2, y2: fy2 };
}

export function decodeDetections(raw: Float32Array, lb: Letterbox, opts: DecodeOptions): Detection[] {
  if (raw.length % CENTERNET_ROW !== 0) {
    throw new Error(`detector output has ${raw.length} values, not a multiple of ${CENTERNET_ROW} (x1,y1,x2,y2,score,class)`);
  }
  const out: Detection[] = [];
  for (let r = 0; r < raw.length; r += CENTERNET_ROW) {
    const score = raw[r + 4] as number;
    if (!(score >= opts.minScore) || Math.round(raw[r + 5] as number) !== opts.classIndex) continue;
    const box = modelBoxToFrame(raw[r] as number, raw[r + 1] as number, raw[r + 2] as number, raw[r + 3] as number, lb);
    if (box) out.push({ box, score, cls: opts.label });
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
