import type { Box } from '../shared/types.js';

/** Intersection over union of two boxes; 0 for degenerate boxes. */
export function iou(a: Box, b: Box): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/** A candidate pairing of track `t` with detection `d`; larger `score` is a better match. */
export interface Candidate {
  readonly t: number;
  readonly d: number;
  readonly score: number;
}

/**
 * Greedy one-to-one assignment: best-scoring pair first, skip pairs whose track or detection is
 * taken. Chosen over the Hungarian method because a quarantine corridor holds a handful of people,
 * where the two almost always agree, and greedy has no O(n³) worst case on a crowded frame.
 * Ties are broken by (t, d) so the result does not depend on sort stability.
 */
export function greedyAssign(candidates: Candidate[]): Array<[t: number, d: number]> {
  candidates.sort((a, b) => b.score - a.score || a.t - b.t || a.d - b.d);
  const usedT = new Set<number>();
  const usedD = new Set<number>();
  const pairs: Array<[number, number]> = [];
  for (const c of candidates) {
    if (usedT.has(c.t) || usedD.has(c.d)) continue;
    usedT.add(c.t);
    usedD.add(c.d);
    pairs.push([c.t, c.d]);
  }
  return pairs;
}
