/** NanoDet's GFL decoding and NMS (scripts/models/nanodet-decode.ts), on outputs built by hand. */
import { describe, expect, it } from 'vitest';
import type { Detection } from '../../agent/shared/types.js';
import { NANODET_BINS, NANODET_CLASSES, nanodetCandidates, nanodetPersons, nms, type NanodetLevel } from '../../scripts/models/nanodet-decode.js';

/** Three empty levels (scores 0, uniform box logits); `set` fills one cell of the stride-8 level. */
function levels(set?: (scores: Float32Array, boxes: Float32Array) => void): NanodetLevel[] {
  return [8, 16, 32].map((stride) => {
    const cells = (416 / stride) ** 2;
    const l = { stride, scores: new Float32Array(cells * NANODET_CLASSES), boxes: new Float32Array(cells * 4 * NANODET_BINS) };
    if (stride === 8) set?.(l.scores, l.boxes);
    return l;
  });
}

/** Box logits for one side of one cell that put all the weight on bin `bin`. */
function peak(boxes: Float32Array, cell: number, side: number, bin: number): void {
  const at = (cell * 4 + side) * NANODET_BINS;
  for (let b = 0; b < NANODET_BINS; b++) boxes[at + b] = b === bin ? 50 : -50;
}

describe('NanoDet GFL decoding', () => {
  it('puts a cell at its centre and each side at the expected bin times the stride', () => {
    const cell = 3 * 52 + 10; // row 3, column 10 of the 52x52 stride-8 grid: centre (84, 28)
    const out = nanodetCandidates(
      levels((scores, boxes) => {
        scores[cell * NANODET_CLASSES] = 0.9; // person
        scores[(cell + 1) * NANODET_CLASSES + 1] = 0.99; // a bicycle next door is not a person
        [2, 1, 3, 10].forEach((bin, side) => peak(boxes, cell, side, bin));
      }),
      0.5,
    );
    expect(out).toHaveLength(1);
    const d = out[0] as Detection;
    expect(d.score).toBeCloseTo(0.9, 6);
    expect(d.box.x1).toBeCloseTo(84 - 16, 4);
    expect(d.box.y1).toBeCloseTo(28 - 8, 4);
    expect(d.box.x2).toBeCloseTo(84 + 24, 4);
    expect(d.box.y2).toBeCloseTo(28 + 80, 4);
  });

  it('takes the expectation of the bin distribution, clips to the input and scales back to the frame', () => {
    const cell = 0; // centre (4, 4)
    const persons = nanodetPersons(
      levels((scores, boxes) => {
        scores[0] = 0.6;
        // left: bins 1 and 3 equally likely → 2 → 16 px, which reaches past the edge and is clipped to 0
        const at = cell * 4 * NANODET_BINS;
        for (let b = 0; b < NANODET_BINS; b++) boxes[at + b] = b === 1 || b === 3 ? 50 : -50;
        peak(boxes, cell, 1, 0);
        peak(boxes, cell, 2, 4);
        peak(boxes, cell, 3, 6);
      }),
      { width: 832, height: 624 },
      0.5,
    );
    expect(persons).toHaveLength(1);
    const b = (persons[0] as Detection).box;
    expect(b.x1).toBe(0);
    expect(b.y1).toBeCloseTo(4 * 1.5, 4);
    expect(b.x2).toBeCloseTo((4 + 32) * 2, 4);
    expect(b.y2).toBeCloseTo((4 + 48) * 1.5, 4);
  });

  it('refuses outputs of the wrong size', () => {
    const bad = levels();
    bad[1] = { stride: 16, scores: new Float32Array(10), boxes: new Float32Array(10) };
    expect(() => nanodetCandidates(bad, 0.5)).toThrow(/nanodet stride 16: 10 scores \/ 10 box values for 676 cells/);
  });
});

describe('nms', () => {
  const det = (x1: number, score: number): Detection => ({ box: { x1, y1: 0, x2: x1 + 10, y2: 20 }, score, cls: 'person' });

  it('keeps the best of boxes overlapping by more than the IoU limit, and boxes that overlap less', () => {
    // 0 and 2 overlap by IoU 8/12 = 0.67; 0 and 6 by 4/16 = 0.25.
    const kept = nms([det(2, 0.5), det(0, 0.9), det(6, 0.4)], 0.5);
    expect(kept.map((d) => d.box.x1)).toEqual([0, 6]);
  });
});
