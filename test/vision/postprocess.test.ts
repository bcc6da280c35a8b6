import { describe, expect, it } from 'vitest';
import { decodeDetections, modelBoxToFrame } from '../../agent/vision/postprocess.js';
import { letterbox } from '../../agent/vision/preprocess.js';

// The default detect size into CenterNet's input: content 512x384 at padY 64, 1.5 frame px per model px.
const LB = letterbox(768, 576, 512, 512);

describe('modelBoxToFrame', () => {
  it('undoes the letterbox: the content rectangle maps to the whole frame', () => {
    expect(modelBoxToFrame(0, 64, 512, 448, LB)).toEqual({ x1: 0, y1: 0, x2: 768, y2: 576 });
  });

  it('maps interior boxes by (v - pad) / scale', () => {
    // model (100, 100)-(200, 164) → frame (150, 54)-(300, 150)
    const b = modelBoxToFrame(100, 100, 200, 164, LB);
    expect(b?.x1).toBeCloseTo(150, 9);
    expect(b?.y1).toBeCloseTo(54, 9);
    expect(b?.x2).toBeCloseTo(300, 9);
    expect(b?.y2).toBeCloseTo(150, 9);
  });

  it('clips boxes that reach into the bars or past the input edge', () => {
    // y1 = 40 is 24 model px into the top bar; x2 = 530 is past the input's right edge
    expect(modelBoxToFrame(-10, 40, 530, 100, LB)).toEqual({ x1: 0, y1: 0, x2: 768, y2: 54 });
  });

  it('drops boxes that lie entirely in a bar, are inverted, or are not numbers', () => {
    expect(modelBoxToFrame(10, 0, 50, 60, LB)).toBeNull(); // top bar only
    expect(modelBoxToFrame(10, 460, 50, 500, LB)).toBeNull(); // bottom bar only
    expect(modelBoxToFrame(50, 100, 10, 200, LB)).toBeNull();
    expect(modelBoxToFrame(NaN, 100, 10, 200, LB)).toBeNull();
  });
});

describe('decodeDetections', () => {
  const rows = new Float32Array([
    // x1, y1, x2, y2, score, class
    100, 100, 200, 164, 0.9, 0, // person, kept
    100, 100, 200, 164, 0.95, 2, // car: other class, dropped
    0, 64, 30, 94, 0.4, 0, // exactly at threshold: kept
    0, 64, 30, 94, 0.39999, 0, // just below: dropped
    10, 0, 50, 60, 0.8, 0, // in the bar only: dropped after clipping
    0, 0, 0, 0, 0, 0, // padding row
  ]);

  it('keeps the requested class at or above the threshold, in frame pixels', () => {
    const d = decodeDetections(rows, LB, { minScore: 0.4, classIndex: 0, label: 'person' });
    expect(d).toHaveLength(2);
    expect(d.map((x) => x.cls)).toEqual(['person', 'person']);
    expect(d[0]?.score).toBeCloseTo(0.9, 6);
    expect(d[0]?.box.x1).toBeCloseTo(150, 4);
    expect(d[1]?.box).toEqual({ x1: 0, y1: 0, x2: 45, y2: 45 });
  });

  it('can decode another class and label', () => {
    const d = decodeDetections(rows, LB, { minScore: 0.5, classIndex: 2, label: 'car' });
    expect(d).toEqual([{ box: expect.any(Object) as object, score: expect.closeTo(0.95, 6) as number, cls: 'car' }]);
  });

  it('rejects output whose length is not whole rows', () => {
    expect(() => decodeDetections(new Float32Array(7), LB, { minScore: 0.4, classIndex: 0, label: 'person' })).toThrow(
      /7 values, not a multiple of 6/,
    );
  });
});
