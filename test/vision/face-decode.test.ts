import { describe, expect, it } from 'vitest';
import { anchorCount, BLAZEFACE_BACK_LAYERS, decodeFaces, iou, sigmoid, weightedNms, type RawFace } from '../../agent/vision/face-decode.js';

const OPTS = { inputWidth: 256, inputHeight: 256, minScore: 0.5, iouThreshold: 0.3 };

/** Empty outputs (all logits −10) for the two layers of the back model at `w` × `h`. */
function outputs(w = 256, h = 256) {
  const scores = BLAZEFACE_BACK_LAYERS.map((l) => new Float32Array(anchorCount(l, w, h)).fill(-10));
  const boxes = BLAZEFACE_BACK_LAYERS.map((l) => new Float32Array(anchorCount(l, w, h) * 16));
  return { scores, boxes, w };
}

/** Sets anchor `a` of cell (col,row) in `layer` to a face with centre offset (dx,dy), size w×h and a key point at the anchor. */
function put(o: ReturnType<typeof outputs>, layer: number, col: number, row: number, a: number, logit: number, box: [number, number, number, number]) {
  const l = BLAZEFACE_BACK_LAYERS[layer]!;
  const i = (row * (o.w / l.stride) + col) * l.perCell + a;
  o.scores[layer]![i] = logit;
  o.boxes[layer]!.set(box, i * 16);
}

describe('decodeFaces (BlazeFace back anchors)', () => {
  it('places a 16×16-grid anchor at its cell centre plus the predicted offset, in input pixels', () => {
    const o = outputs();
    put(o, 0, 3, 5, 1, 2, [4, -2, 40, 50]); // cell (3,5) of 16 px: centre (56, 88)
    const [f, ...rest] = decodeFaces(o.scores, o.boxes, BLAZEFACE_BACK_LAYERS, OPTS);
    expect(rest).toEqual([]);
    expect(f!.score).toBeCloseTo(sigmoid(2), 6);
    expect(f!.box).toEqual({ x1: 60 - 20, y1: 86 - 25, x2: 60 + 20, y2: 86 + 25 });
    expect(f!.keypoints).toHaveLength(6);
    expect(f!.keypoints[0]).toEqual([56, 88]); // key point offsets are 0 here: the anchor centre
  });

  it('uses 32 px cells and 6 anchors per cell on the 8×8 grid', () => {
    const o = outputs();
    put(o, 1, 7, 0, 5, 3, [0, 0, 64, 64]); // cell (7,0): centre (240, 16)
    const [f] = decodeFaces(o.scores, o.boxes, BLAZEFACE_BACK_LAYERS, OPTS);
    expect(f!.box).toEqual({ x1: 208, y1: -16, x2: 272, y2: 48 });
  });

  it('at any multiple of 32 (the size-free model): cells row by row over (H/16)×(W/16) and (H/32)×(W/32)', () => {
    const o = outputs(384, 224); // 24×14 cells of 16 px, 12×7 of 32 px
    put(o, 0, 23, 13, 1, 2, [0, 0, 20, 20]); // the last 16 px cell: centre (376, 216)
    put(o, 1, 2, 6, 0, 2, [0, 0, 40, 40]); // 32 px cell (2,6): centre (80, 208)
    const faces = decodeFaces(o.scores, o.boxes, BLAZEFACE_BACK_LAYERS, { ...OPTS, inputWidth: 384, inputHeight: 224 });
    const round = (b: RawFace['box']) => ({ x1: +b.x1.toFixed(6), y1: +b.y1.toFixed(6), x2: +b.x2.toFixed(6), y2: +b.y2.toFixed(6) });
    expect(faces.map((f) => round(f.box)).sort((a, b) => a.x1 - b.x1)).toEqual([
      { x1: 60, y1: 188, x2: 100, y2: 228 },
      { x1: 366, y1: 206, x2: 386, y2: 226 },
    ]);
    expect(() => decodeFaces(o.scores, o.boxes, BLAZEFACE_BACK_LAYERS, OPTS)).toThrow(/layer 0 \(16x16x2\) needs 512 scores and 8192 box values, got 672/);
    expect(() => decodeFaces(o.scores, o.boxes, BLAZEFACE_BACK_LAYERS, { ...OPTS, inputWidth: 300 })).toThrow(/a 300x256 input is not a whole number of layer 0's 16 px cells/);
  });

  it('keeps only anchors at or above minScore, and drops boxes of no size', () => {
    const o = outputs();
    put(o, 0, 0, 0, 0, -0.1, [0, 0, 20, 20]); // sigmoid < 0.5
    put(o, 0, 8, 8, 0, 5, [0, 0, 0, 20]); // zero width
    put(o, 0, 12, 12, 0, 0.1, [0, 0, 20, 20]);
    const faces = decodeFaces(o.scores, o.boxes, BLAZEFACE_BACK_LAYERS, OPTS);
    expect(faces).toHaveLength(1);
    expect(faces[0]!.box.x1).toBe(200 - 10);
  });

  it('merges overlapping detections of one face into their score-weighted mean, best score kept, best first', () => {
    const o = outputs();
    put(o, 0, 4, 4, 0, Math.log(3), [0, 0, 40, 40]); // p = 0.75, centre (72,72)
    put(o, 0, 4, 4, 1, Math.log(3), [4, 0, 40, 40]); // p = 0.75 too, centre (76,72)
    put(o, 0, 12, 2, 0, 4, [0, 0, 30, 30]); // a second, separate face, higher score
    const faces = decodeFaces(o.scores, o.boxes, BLAZEFACE_BACK_LAYERS, OPTS);
    expect(faces).toHaveLength(2);
    expect(faces[0]!.score).toBeCloseTo(sigmoid(4), 6);
    expect(faces[1]!.box.x1).toBeCloseTo(74 - 20, 5);
    expect(faces[1]!.score).toBeCloseTo(0.75, 6);
  });

  it('rejects outputs that do not fit the anchor layout', () => {
    const o = outputs();
    expect(() => decodeFaces([o.scores[0]!], o.boxes, BLAZEFACE_BACK_LAYERS, OPTS)).toThrow(/expected 2 score and box outputs/);
    expect(() => decodeFaces([new Float32Array(10), o.scores[1]!], o.boxes, BLAZEFACE_BACK_LAYERS, OPTS)).toThrow(/layer 0 \(16x16x2\) needs 512 scores/);
  });
});

describe('weightedNms', () => {
  const face = (x: number, score: number): RawFace => ({ box: { x1: x, y1: 0, x2: x + 10, y2: 10 }, score, keypoints: [] });
  it('keeps separate faces apart and returns them best first', () => {
    const out = weightedNms([face(0, 0.6), face(50, 0.9)], 0.3);
    expect(out.map((f) => f.score)).toEqual([0.9, 0.6]);
  });
  it('blends a group by score', () => {
    const [f] = weightedNms([face(0, 0.6), face(2, 0.2)], 0.3);
    expect(f!.box.x1).toBeCloseTo((0 * 0.6 + 2 * 0.2) / 0.8, 6);
    expect(f!.score).toBe(0.6);
  });
  it('iou of disjoint, identical and degenerate boxes', () => {
    expect(iou({ x1: 0, y1: 0, x2: 1, y2: 1 }, { x1: 2, y1: 2, x2: 3, y2: 3 })).toBe(0);
    expect(iou({ x1: 0, y1: 0, x2: 2, y2: 2 }, { x1: 0, y1: 0, x2: 2, y2: 2 })).toBe(1);
    expect(iou({ x1: 0, y1: 0, x2: 0, y2: 0 }, { x1: 0, y1: 0, x2: 0, y2: 0 })).toBe(0);
  });
});
