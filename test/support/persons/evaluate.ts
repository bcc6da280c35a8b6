/**
 * Person recall and precision at IoU ≥ 0.5, as detection benchmarks count them: detections, best score first, each
 * take the unmatched truth box they overlap most; a detection matching nothing is a false alarm, a truth box left
 * unmatched a miss. Truth boxes marked `ignore` (mostly hidden) may absorb a detection but never count as misses.
 */
import type { Box, Detection } from '../../../agent/shared/types.js';
import { iou } from '../../../agent/vision/regions.js';

/** The one IoU definition (the region merger's), re-exported for the bench and the tests. */
export { iou };

export interface TruthLike {
  readonly box: Box;
  readonly ignore?: boolean;
}

export interface Tally {
  tp: number;
  fp: number;
  fn: number;
}

/** Adds one frame's matches to `into` (a fresh tally by default) and returns it. */
export function matchFrame(found: readonly Detection[], truth: readonly TruthLike[], minIou = 0.5, into: Tally = { tp: 0, fp: 0, fn: 0 }): Tally {
  const taken = new Array<boolean>(truth.length).fill(false);
  for (const d of [...found].sort((a, b) => b.score - a.score)) {
    let best = -1;
    let bestIou = minIou;
    truth.forEach((t, i) => {
      if (taken[i]) return;
      const v = iou(d.box, t.box);
      if (v >= bestIou) {
        bestIou = v;
        best = i;
      }
    });
    if (best < 0) into.fp++;
    else {
      taken[best] = true;
      if (!truth[best]?.ignore) into.tp++;
    }
  }
  truth.forEach((t, i) => {
    if (!taken[i] && !t.ignore) into.fn++;
  });
  return into;
}

export function recallPrecision(t: Tally): { recall: number; precision: number } {
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { recall: r(t.tp + t.fn > 0 ? t.tp / (t.tp + t.fn) : 1), precision: r(t.tp + t.fp > 0 ? t.tp / (t.tp + t.fp) : 1) };
}
