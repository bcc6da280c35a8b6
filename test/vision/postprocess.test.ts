import { describe, expect, it } from 'vitest';
import { decodeHeatmap, heatmapPeaks, MAX_PEAKS, modelBoxToFrame } from '../../agent/vision/postprocess.js';
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

describe('decodeHeatmap', () => {
  // A 512x384 input (768x576 frame, no bars): a 128x96 grid, 1.5 frame px per model px.
  const FIT = letterbox(768, 576, 512, 384);
  const grid = (gridH: number, gridW: number) => ({ heatmap: new Float32Array(gridH * gridW), wh: new Float32Array(gridH * gridW * 4), gridH, gridW });
  const put = (o: ReturnType<typeof grid>, x: number, y: number, score: number, sides: [number, number, number, number] = [10, 20, 30, 40]) => {
    const cell = y * o.gridW + x;
    o.heatmap[cell] = score;
    o.wh.set(sides, cell * 4);
  };

  it('turns each 3x3 peak at or above the threshold into a box around its cell, in frame pixels, best first', () => {
    const o = grid(96, 128);
    put(o, 25, 25, 0.9); // model centre (100, 100)
    put(o, 26, 25, 0.5); // its neighbour: not a peak
    put(o, 100, 80, 0.4); // exactly at threshold: kept
    put(o, 60, 10, 0.39999); // just below: dropped
    const d = decodeHeatmap(o, FIT, { minScore: 0.4, label: 'person' });
    expect(d.map((x) => x.score)).toEqual([expect.closeTo(0.9, 6), expect.closeTo(0.4, 6)]);
    expect(d[0]?.cls).toBe('person');
    // model box (100-10, 100-20)-(100+30, 100+40) → frame ×1.5
    expect(d[0]?.box).toEqual({ x1: 135, y1: 120, x2: 195, y2: 210 });
    expect(heatmapPeaks(o, 0.4)[1]).toMatchObject({ x1: 390, y1: 300, x2: 430, y2: 360 });
  });

  it('keeps both cells of a tie (as max-pool equality does) and peaks on the grid edge', () => {
    const o = grid(8, 8);
    put(o, 0, 0, 0.7);
    put(o, 3, 3, 0.6);
    put(o, 4, 3, 0.6);
    put(o, 7, 7, 0.8);
    expect(heatmapPeaks(o, 0.5).map((p) => p.score)).toEqual([expect.closeTo(0.8, 6), expect.closeTo(0.7, 6), expect.closeTo(0.6, 6), expect.closeTo(0.6, 6)]);
  });

  it('keeps the 100 best peaks, as the original graph does', () => {
    const o = grid(40, 40);
    for (let y = 0; y < 40; y += 2) for (let x = 0; x < 40; x += 2) put(o, x, y, 0.5 + (y * 40 + x) / 4000);
    const peaks = heatmapPeaks(o, 0.4);
    expect(peaks).toHaveLength(MAX_PEAKS);
    expect(peaks[0]?.score).toBeGreaterThan(peaks[99]?.score as number);
  });

  it('drops boxes that lie in a letterbox bar only and NaN output; rejects outputs that do not fill the grid', () => {
    const bars = letterbox(768, 576, 512, 512); // content rows 64..448
    const o = grid(128, 128);
    put(o, 10, 4, 0.9, [5, 5, 5, 5]); // y 11..21: top bar
    put(o, 50, 50, Number.NaN);
    expect(decodeHeatmap(o, bars, { minScore: 0.4, label: 'person' })).toEqual([]);
    expect(() => heatmapPeaks({ ...grid(4, 4), gridH: 5 }, 0.4)).toThrow(/heatmap has 16 and wh 64 values; a 5x4 grid needs 20 and 80/);
  });
});
