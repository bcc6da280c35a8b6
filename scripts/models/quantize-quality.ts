/**
 * int8 against fp32 on the same frames: each fp32 person box is paired with the unused int8 box of
 * highest IoU (pairs taken best first); a pair counts at IoU ≥ the threshold. Recall and precision
 * are of int8 relative to fp32 (fp32 is the reference, not ground truth).
 */
import { iou } from '../../agent/vision/regions.js';

export interface Box {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly score: number;
}

export interface BoxComparison {
  reference: number;
  candidate: number;
  matched: number;
  recall: number;
  precision: number;
  /** Over matched pairs: the largest |int8 − fp32| score difference, and the mean signed one (a bias shows as ≠ 0). */
  max_score_diff: number;
  mean_score_diff: number;
  mean_iou: number;
  iou_threshold: number;
  /** Scores of the unmatched boxes on each side (sorted): shows whether only borderline persons flip. */
  missed_reference_scores: number[];
  extra_candidate_scores: number[];
}


/** `reference[i]` and `candidate[i]` are the boxes of frame i. */
export function compareBoxes(reference: readonly Box[][], candidate: readonly Box[][], iouThreshold: number): BoxComparison {
  if (reference.length !== candidate.length) throw new Error(`compareBoxes: ${reference.length} reference frames vs ${candidate.length} candidate frames`);
  let [nRef, nCand, matched, maxScore, iouSum, diffSum] = [0, 0, 0, 0, 0, 0];
  const [missed, extra] = [[] as number[], [] as number[]];
  reference.forEach((ref, f) => {
    const cand = candidate[f]!;
    nRef += ref.length;
    nCand += cand.length;
    const pairs: { i: number; j: number; v: number }[] = [];
    ref.forEach((a, i) => cand.forEach((b, j) => pairs.push({ i, j, v: iou(a, b) })));
    pairs.sort((p, q) => q.v - p.v);
    const [usedRef, usedCand] = [new Set<number>(), new Set<number>()];
    for (const p of pairs) {
      if (p.v < iouThreshold) break;
      if (usedRef.has(p.i) || usedCand.has(p.j)) continue;
      usedRef.add(p.i);
      usedCand.add(p.j);
      matched++;
      iouSum += p.v;
      maxScore = Math.max(maxScore, Math.abs(ref[p.i]!.score - cand[p.j]!.score));
      diffSum += cand[p.j]!.score - ref[p.i]!.score;
    }
    ref.forEach((b, i) => usedRef.has(i) || missed.push(b.score));
    cand.forEach((b, j) => usedCand.has(j) || extra.push(b.score));
  });
  const r3 = (v: number) => Number(v.toFixed(3));
  return {
    reference: nRef,
    candidate: nCand,
    matched,
    recall: nRef === 0 ? 1 : r3(matched / nRef),
    precision: nCand === 0 ? 1 : r3(matched / nCand),
    max_score_diff: r3(maxScore),
    mean_score_diff: matched === 0 ? 0 : r3(diffSum / matched),
    mean_iou: matched === 0 ? 0 : r3(iouSum / matched),
    iou_threshold: iouThreshold,
    missed_reference_scores: missed.sort((a, b) => a - b).map(r3),
    extra_candidate_scores: extra.sort((a, b) => a - b).map(r3),
  };
}
