/**
 * Turns CenterNet's per-cell outputs into frame-pixel detections. The model (converted size-free, see
 * scripts/models/centernet.ts) gives, on a grid of one cell per `stride` input pixels:
 *   heatmap  [1, gh, gw, 1]  the person centre score (after sigmoid) of each cell;
 *   wh       [1, gh, gw, 4]  distances left, top, right, bottom from the cell to the box edges, in input pixels.
 * A detection is a cell whose score is at least its 8 neighbours' (CenterNet's 3×3 max-pool peak picking) and at
 * least `minScore`; its box is the cell at (stride·x, stride·y) grown by wh, then the letterbox is undone.
 * This is what the original TF graph's own tail computes (checked against it by scripts/models/verify-centernet.ts),
 * done here because that tail bakes the 512 input into its constants.
 */
import type { Box, Detection } from '../shared/types.js';
import type { Letterbox } from './preprocess.js';

/** Input pixels per heatmap cell. */
export const CENTERNET_STRIDE = 4;
/** The original graph keeps its 100 best peaks; so does this decoder. */
export const MAX_PEAKS = 100;

export interface HeatmapOutputs {
  readonly heatmap: Float32Array;
  readonly wh: Float32Array;
  /** Grid size: the model input's height and width / stride. */
  readonly gridH: number;
  readonly gridW: number;
}

export interface DecodeOptions {
  /** Keep peaks with score ≥ minScore. */
  readonly minScore: number;
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

/** Peaks in model-input pixels, best first, at most MAX_PEAKS. */
export function heatmapPeaks(out: HeatmapOutputs, minScore: number): { x1: number; y1: number; x2: number; y2: number; score: number }[] {
  const { heatmap, wh, gridH, gridW } = out;
  if (heatmap.length !== gridH * gridW || wh.length !== gridH * gridW * 4) {
    throw new Error(`detector output: heatmap has ${heatmap.length} and wh ${wh.length} values; a ${gridH}x${gridW} grid needs ${gridH * gridW} and ${gridH * gridW * 4}`);
  }
  const peaks: { cell: number; score: number }[] = [];
  for (let y = 0; y < gridH; y++) {
    for (let x = 0; x < gridW; x++) {
      const cell = y * gridW + x;
      const v = heatmap[cell] as number;
      if (!(v >= minScore) || !isLocalMax(heatmap, gridH, gridW, x, y, v)) continue;
      peaks.push({ cell, score: v });
    }
  }
  peaks.sort((a, b) => b.score - a.score || a.cell - b.cell);
  return peaks.slice(0, MAX_PEAKS).map(({ cell, score }) => {
    const cx = (cell % gridW) * CENTERNET_STRIDE;
    const cy = Math.floor(cell / gridW) * CENTERNET_STRIDE;
    const k = cell * 4;
    return { x1: cx - (wh[k] as number), y1: cy - (wh[k + 1] as number), x2: cx + (wh[k + 2] as number), y2: cy + (wh[k + 3] as number), score };
  });
}

export function decodeHeatmap(out: HeatmapOutputs, lb: Letterbox, opts: DecodeOptions): Detection[] {
  const items: Detection[] = [];
  for (const p of heatmapPeaks(out, opts.minScore)) {
    const box = modelBoxToFrame(p.x1, p.y1, p.x2, p.y2, lb);
    if (box) items.push({ box, score: p.score, cls: opts.label });
  }
  return items;
}

/** At least every in-grid neighbour (a 3×3 max-pool with SAME padding leaves such a cell unchanged). */
function isLocalMax(h: Float32Array, gh: number, gw: number, x: number, y: number, v: number): boolean {
  for (let dy = -1; dy <= 1; dy++) {
    const yy = y + dy;
    if (yy < 0 || yy >= gh) continue;
    for (let dx = -1; dx <= 1; dx++) {
      const xx = x + dx;
      if (xx < 0 || xx >= gw || (dx === 0 && dy === 0)) continue;
      if ((h[yy * gw + xx] as number) > v) return false;
    }
  }
  return true;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
