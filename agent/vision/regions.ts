/**
 * Where to look in a frame, as Frigate does (frigate/util/object.py, frigate/video/detect.py): instead of one pass
 * over the whole frame, square regions around what is known to be there. Tracked persons' boxes are clustered into
 * regions about 1.35× their joint extent; motion no region covers gets a region about 2× its box; every region is at
 * least `minSide` (the model's input size, so a region is inferred at native scale, never shrunk) and inside the
 * frame. Detections from the regions are mapped back and merged (NMS, then boxes contained in a larger one).
 *
 * Pure functions on boxes; which persons count as stationary is `stationary.ts`'s job.
 */
import type { Box, Detection } from '../shared/types.js';

/** Frigate's margins: a tracked cluster grows 1.35×, an unexplained motion box 2×. */
export const TRACKED_MARGIN = 1.35;
export const MOTION_MARGIN = 2;

export interface FrameSize {
  readonly width: number;
  readonly height: number;
}

/** A square of side max(extent × multiplier, minSide), centred on `box`, shifted (not cut) to lie inside the frame. */
export function squareRegion(box: Box, frame: FrameSize, minSide: number, multiplier: number): Box {
  const extent = Math.max(box.x2 - box.x1, box.y2 - box.y1);
  const side = Math.min(Math.max(extent * multiplier, minSide), frame.width, frame.height);
  const cx = (box.x1 + box.x2) / 2;
  const cy = (box.y1 + box.y2) / 2;
  const x1 = Math.round(clamp(cx - side / 2, 0, frame.width - side));
  const y1 = Math.round(clamp(cy - side / 2, 0, frame.height - side));
  const s = Math.round(side);
  return { x1, y1, x2: Math.min(frame.width, x1 + s), y2: Math.min(frame.height, y1 + s) };
}

/**
 * Groups boxes so that each group's region (its joint extent × `multiplier`) still fits in one `minSide` square;
 * a box too big for that is a group of its own. Greedy from the left, deterministic.
 */
export function clusterBoxes(boxes: readonly Box[], minSide: number, multiplier = TRACKED_MARGIN): Box[][] {
  const order = [...boxes].sort((a, b) => a.x1 - b.x1 || a.y1 - b.y1);
  const used = new Array<boolean>(order.length).fill(false);
  const clusters: Box[][] = [];
  for (let i = 0; i < order.length; i++) {
    if (used[i]) continue;
    used[i] = true;
    const members = [order[i] as Box];
    let hull = order[i] as Box;
    for (let j = i + 1; j < order.length; j++) {
      if (used[j]) continue;
      const joined = union(hull, order[j] as Box);
      if (Math.max(joined.x2 - joined.x1, joined.y2 - joined.y1) * multiplier <= minSide) {
        used[j] = true;
        members.push(order[j] as Box);
        hull = joined;
      }
    }
    clusters.push(members);
  }
  return clusters;
}

export interface RegionInputs {
  readonly frame: FrameSize;
  /** Model input side: the smallest region. */
  readonly minSide: number;
  /** Predicted boxes of the tracked persons that need a look this frame (not the stationary ones). */
  readonly tracked: readonly Box[];
  /** Boxes of changed pixels since the last look (the motion gate's thumbnails, in frame pixels). */
  readonly motion: readonly Box[];
}

/** The regions to infer this frame; none when nothing is tracked and nothing moved. */
export function buildRegions(r: RegionInputs): Box[] {
  const regions = clusterBoxes(r.tracked, r.minSide).map((c) => squareRegion(c.reduce(union), r.frame, r.minSide, TRACKED_MARGIN));
  for (const m of r.motion) {
    if (regions.some((reg) => inside(m, reg))) continue; // already looked at
    regions.push(squareRegion(m, r.frame, r.minSide, MOTION_MARGIN));
  }
  // A region inside another adds nothing.
  return regions.filter((a, i) => !regions.some((b, j) => j !== i && inside(a, b) && (!inside(b, a) || j < i)));
}

/** Detections of a crop at (`region.x1`, `region.y1`) in frame pixels. */
export function mapFromRegion(items: readonly Detection[], region: Box): Detection[] {
  return items.map((d) => ({ ...d, box: { x1: d.box.x1 + region.x1, y1: d.box.y1 + region.y1, x2: d.box.x2 + region.x1, y2: d.box.y2 + region.y1 } }));
}

/**
 * One person seen by two overlapping regions is one detection: non-maximum suppression at `iouThreshold`, then a box
 * lying mostly (≥ `containment`) inside a higher-scored one is dropped (a region edge cut a person into a part).
 */
export function mergeDetections(items: readonly Detection[], iouThreshold = 0.5, containment = 0.9): Detection[] {
  const kept: Detection[] = [];
  for (const d of [...items].sort((a, b) => b.score - a.score)) {
    if (kept.some((k) => iou(k.box, d.box) >= iouThreshold || overlapShare(d.box, k.box) >= containment)) continue;
    kept.push(d);
  }
  return kept;
}

export function union(a: Box, b: Box): Box {
  return { x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1), x2: Math.max(a.x2, b.x2), y2: Math.max(a.y2, b.y2) };
}

/** `a` lies entirely within `b`. */
export function inside(a: Box, b: Box): boolean {
  return a.x1 >= b.x1 && a.y1 >= b.y1 && a.x2 <= b.x2 && a.y2 <= b.y2;
}

export function iou(a: Box, b: Box): number {
  const inter = intersection(a, b);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Share of `a`'s area that lies within `b`. */
export function overlapShare(a: Box, b: Box): number {
  const ar = area(a);
  return ar > 0 ? intersection(a, b) / ar : 0;
}

function intersection(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  return w > 0 && h > 0 ? w * h : 0;
}

const area = (b: Box): number => Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));
