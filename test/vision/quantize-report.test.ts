/**
 * The measuring half of scripts/models/quantize-*.ts: how int8 boxes are matched to fp32 boxes, how frames
 * are spread, the median. (The quantiser itself is tested in quantize.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { spreadFrames } from '../../scripts/models/quantize-detector.js';
import { median } from '../../scripts/models/quantize-latency.js';
import { compareBoxes, type Box } from '../../scripts/models/quantize-quality.js';

const box = (x1: number, y1: number, x2: number, y2: number, score: number): Box => ({ x1, y1, x2, y2, score });

describe('compareBoxes', () => {
  it('pairs boxes one to one at IoU ≥ the threshold and reports what did not pair', () => {
    const ref = [[box(0, 0, 10, 10, 0.9), box(20, 0, 30, 10, 0.5), box(50, 50, 60, 60, 0.42)], []];
    const got = [[box(1, 0, 11, 10, 0.8), box(21, 0, 31, 10, 0.55), box(0, 0, 10, 10, 0.45)], [box(0, 0, 5, 5, 0.6)]];
    const r = compareBoxes(ref, got, 0.5);
    expect(r).toMatchObject({ reference: 3, candidate: 4, matched: 2, recall: 0.667, precision: 0.5 });
    // The 0.9 box pairs with the better-overlapping 0.45 box (IoU 1), not the 0.8 one (IoU 0.82).
    expect(r.max_score_diff).toBe(0.45);
    expect(r.missed_reference_scores).toEqual([0.42]);
    expect(r.extra_candidate_scores).toEqual([0.6, 0.8]);
    expect(r.mean_score_diff).toBe(Number(((0.45 - 0.9 + 0.05) / 2).toFixed(3)));
  });

  it('counts nothing found on either side as full agreement, and refuses mismatched frame lists', () => {
    expect(compareBoxes([[]], [[]], 0.5)).toMatchObject({ recall: 1, precision: 1, matched: 0 });
    expect(() => compareBoxes([[]], [], 0.5)).toThrow(/1 reference frames vs 0 candidate frames/);
  });
});

describe('spreadFrames and median', () => {
  it('spreads frame indices evenly including both ends', () => {
    expect(spreadFrames(5, 0, 100)).toEqual([0, 25, 50, 75, 100]);
    expect(spreadFrames(1, 7, 100)).toEqual([7]);
  });

  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
