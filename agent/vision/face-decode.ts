/**
 * Decodes MediaPipe BlazeFace ("back") outputs into face boxes. Anchors sit at the cell centres of a grid of 16 px
 * cells (2 per cell) and one of 32 px cells (6 per cell): 16×16 and 8×8 at the original 256×256, (H/16)×(W/16) and
 * (H/32)×(W/32) for the size-free model at H×W, cells row by row. Each anchor predicts a score logit and 16 numbers:
 * box centre offset x, y, width, height and six key points (eyes, nose, mouth, ears), all in input pixels relative to
 * the anchor. Overlapping boxes are merged by weighted NMS (MediaPipe's blending), which is steadier from frame to
 * frame than plain NMS.
 */
import type { Box } from '../shared/types.js';

/** One anchor layer: a grid of `stride`-pixel cells over the input with `perCell` anchors per cell. */
export interface AnchorLayer {
  readonly stride: number;
  readonly perCell: number;
}

/** The "back" model's two output heads, in the order of its outputs (512 then 384 anchors at 256×256). */
export const BLAZEFACE_BACK_LAYERS: readonly AnchorLayer[] = [
  { stride: 16, perCell: 2 },
  { stride: 32, perCell: 6 },
];

/** Anchors of `layer` over a `width` × `height` input (both multiples of its stride). */
export function anchorCount(layer: AnchorLayer, width: number, height: number): number {
  return (width / layer.stride) * (height / layer.stride) * layer.perCell;
}

/** Values per anchor in the box outputs: centre x, y, w, h, then six (x, y) key points. */
export const BLAZEFACE_ROW = 16;
export const BLAZEFACE_KEYPOINTS = 6;

/** A face in model-input coordinates (pixels of the square input), before mapping back to the frame. */
export interface RawFace {
  readonly box: Box;
  readonly score: number;
  /** Right eye, left eye, nose tip, mouth centre, right ear, left ear (subject's sides), as [x, y]. */
  readonly keypoints: readonly (readonly [number, number])[];
}

export interface FaceDecodeOptions {
  /** Input width and height in pixels (256 × 256 for the original back model; multiples of 32 for the size-free one). */
  readonly inputWidth: number;
  readonly inputHeight: number;
  /** Probability (after sigmoid) a face must reach. */
  readonly minScore: number;
  /** Boxes overlapping a kept face by at least this IoU are merged into it. */
  readonly iouThreshold: number;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * `scores[i]` and `boxes[i]` are one layer's outputs (scores: anchors × 1, boxes: anchors × 16), in
 * the order of `layers`. Returns the merged faces, best first.
 */
export function decodeFaces(
  scores: readonly Float32Array[],
  boxes: readonly Float32Array[],
  layers: readonly AnchorLayer[],
  opts: FaceDecodeOptions,
): RawFace[] {
  if (scores.length !== layers.length || boxes.length !== layers.length) {
    throw new Error(`face decoder: expected ${layers.length} score and box outputs, got ${scores.length} and ${boxes.length}`);
  }
  // Thresholding on the logit avoids an exp() for the thousands of anchors that are clearly empty.
  const minLogit = Math.log(opts.minScore / (1 - opts.minScore));
  const { inputWidth, inputHeight } = opts;
  const candidates: RawFace[] = [];
  layers.forEach((layer, li) => {
    const s = scores[li] as Float32Array;
    const b = boxes[li] as Float32Array;
    const cols = inputWidth / layer.stride;
    const rows = inputHeight / layer.stride;
    if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1) {
      throw new Error(`face decoder: a ${inputWidth}x${inputHeight} input is not a whole number of layer ${li}'s ${layer.stride} px cells`);
    }
    const anchors = anchorCount(layer, inputWidth, inputHeight);
    if (s.length !== anchors || b.length !== anchors * BLAZEFACE_ROW) {
      throw new Error(
        `face decoder: layer ${li} (${rows}x${cols}x${layer.perCell}) needs ${anchors} scores and ` +
          `${anchors * BLAZEFACE_ROW} box values, got ${s.length} and ${b.length}`,
      );
    }
    const cell = layer.stride;
    for (let i = 0; i < anchors; i++) {
      const logit = s[i] as number;
      if (!(logit >= minLogit)) continue;
      const c = Math.floor(i / layer.perCell);
      const ax = ((c % cols) + 0.5) * cell;
      const ay = (Math.floor(c / cols) + 0.5) * cell;
      const r = i * BLAZEFACE_ROW;
      const cx = ax + (b[r] as number);
      const cy = ay + (b[r + 1] as number);
      const w = b[r + 2] as number;
      const h = b[r + 3] as number;
      if (!(w > 0) || !(h > 0)) continue;
      const keypoints: [number, number][] = [];
      for (let k = 0; k < BLAZEFACE_KEYPOINTS; k++) {
        keypoints.push([ax + (b[r + 4 + 2 * k] as number), ay + (b[r + 5 + 2 * k] as number)]);
      }
      candidates.push({ box: { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 }, score: sigmoid(logit), keypoints });
    }
  });
  return weightedNms(candidates, opts.iouThreshold);
}

/**
 * Best first: each remaining candidate absorbs every other that overlaps it by ≥ iouThreshold; the
 * merged box and key points are the score-weighted mean of the group, the score the group's best.
 */
export function weightedNms(faces: readonly RawFace[], iouThreshold: number): RawFace[] {
  const rest = [...faces].sort((a, b) => b.score - a.score);
  const out: RawFace[] = [];
  while (rest.length > 0) {
    const top = rest[0] as RawFace;
    const group: RawFace[] = [];
    const keep: RawFace[] = [];
    for (const f of rest) (iou(top.box, f.box) >= iouThreshold ? group : keep).push(f);
    rest.splice(0, rest.length, ...keep);
    out.push(blend(group));
  }
  return out;
}

function blend(group: readonly RawFace[]): RawFace {
  let total = 0;
  let x1 = 0;
  let y1 = 0;
  let x2 = 0;
  let y2 = 0;
  const kp = new Float64Array(BLAZEFACE_KEYPOINTS * 2);
  for (const f of group) {
    const w = f.score;
    total += w;
    x1 += f.box.x1 * w;
    y1 += f.box.y1 * w;
    x2 += f.box.x2 * w;
    y2 += f.box.y2 * w;
    f.keypoints.forEach(([x, y], k) => {
      kp[2 * k] = (kp[2 * k] as number) + x * w;
      kp[2 * k + 1] = (kp[2 * k + 1] as number) + y * w;
    });
  }
  const keypoints: [number, number][] = [];
  for (let k = 0; k < BLAZEFACE_KEYPOINTS; k++) keypoints.push([(kp[2 * k] as number) / total, (kp[2 * k + 1] as number) / total]);
  return {
    box: { x1: x1 / total, y1: y1 / total, x2: x2 / total, y2: y2 / total },
    score: (group[0] as RawFace).score,
    keypoints,
  };
}

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const iy = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = ix * iy;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}
