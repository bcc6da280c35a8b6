import { describe, expect, it } from 'vitest';
import { buildRegions, clusterBoxes, iou, mapFromRegion, mergeDetections, squareRegion } from '../../agent/vision/regions.js';
import type { Box, Detection } from '../../agent/shared/types.js';

const FRAME = { width: 768, height: 576 };
const b = (x1: number, y1: number, x2: number, y2: number): Box => ({ x1, y1, x2, y2 });
const d = (box: Box, score: number): Detection => ({ box, score, cls: 'person' });

describe('iou (the one definition: regions, the labelled-set scoring, the int8 and NanoDet comparisons)', () => {
  it('is the shared area over the joint area; 0 for boxes that only touch or are empty', () => {
    expect(iou({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 5, y1: 0, x2: 15, y2: 10 })).toBeCloseTo(1 / 3, 9);
    expect(iou({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 10, y1: 0, x2: 20, y2: 10 })).toBe(0);
    expect(iou({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 0, y1: 0, x2: 10, y2: 10 })).toBe(1);
    expect(iou({ x1: 0, y1: 0, x2: 0, y2: 0 }, { x1: 0, y1: 0, x2: 0, y2: 0 })).toBe(0);
  });
});

describe('squareRegion (Frigate calculate_region)', () => {
  it.each([
    ['a small box gets the model size, centred on it, shifted inside the frame', b(100, 100, 130, 180), 320, 1.35, b(0, 0, 320, 320)],
    ['a box near the right edge is shifted inside, not cut', b(740, 300, 768, 380), 320, 1.35, b(448, 180, 768, 500)],
    ['a large box grows by the multiplier', b(200, 100, 300, 400), 256, 1.35, b(48, 48, 453, 453)],
    ['never larger than the frame’s short side', b(0, 0, 768, 576), 320, 2, b(96, 0, 672, 576)],
  ] as const)('%s', (_name, box, side, mult, want) => {
    expect(squareRegion(box, FRAME, side, mult)).toEqual(want);
  });
});

describe('clusterBoxes', () => {
  it('puts persons whose joint region fits one model-size square together, and far ones apart', () => {
    const near = [b(100, 100, 130, 180), b(150, 110, 180, 190)];
    const far = b(600, 300, 640, 400);
    const c = clusterBoxes([far, ...near], 320);
    expect(c).toHaveLength(2);
    expect(c[0]).toEqual(near);
    expect(c[1]).toEqual([far]);
  });

  it('a person too tall for one square is a cluster of their own', () => {
    expect(clusterBoxes([b(0, 0, 40, 300), b(50, 0, 90, 100)], 320)).toHaveLength(2);
  });
});

describe('buildRegions', () => {
  it('no tracked person and no motion: no region, so no detector run', () => {
    expect(buildRegions({ frame: FRAME, minSide: 320, tracked: [], motion: [] })).toEqual([]);
  });

  it('motion already inside a tracked region adds nothing; motion elsewhere gets its own region', () => {
    const regions = buildRegions({ frame: FRAME, minSide: 320, tracked: [b(100, 100, 130, 180)], motion: [b(110, 120, 125, 170), b(600, 400, 620, 440)] });
    expect(regions).toEqual([b(0, 0, 320, 320), b(448, 256, 768, 576)]);
  });

  it('drops a region contained in another, and keeps one of two identical regions', () => {
    const regions = buildRegions({ frame: FRAME, minSide: 576, tracked: [b(100, 100, 130, 180)], motion: [b(100, 100, 130, 180)] });
    expect(regions).toHaveLength(1);
  });
});

describe('mapping back and merging', () => {
  it('maps crop boxes to frame pixels', () => {
    expect(mapFromRegion([d(b(10, 20, 30, 60), 0.9)], b(100, 200, 420, 520))[0]?.box).toEqual(b(110, 220, 130, 260));
  });

  it.each([
    ['one person seen by two regions is one detection (NMS keeps the higher score)', [d(b(100, 100, 130, 180), 0.6), d(b(102, 101, 131, 182), 0.8)], [0.8]],
    ['a part of a person inside a larger box is dropped (containment)', [d(b(100, 100, 140, 200), 0.7), d(b(105, 100, 135, 150), 0.5)], [0.7]],
    ['two people side by side both stay', [d(b(100, 100, 130, 180), 0.7), d(b(135, 100, 165, 180), 0.6)], [0.7, 0.6]],
  ] as const)('%s', (_name, items, scores) => {
    expect(mergeDetections(items).map((x) => x.score)).toEqual(scores);
  });
});
