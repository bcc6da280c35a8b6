import { describe, expect, it } from 'vitest';
import { fitInputSize } from '../../agent/vision/preprocess.js';
import { RegionDetector, crop } from '../../agent/vision/region-detector.js';
import type { Box, Detections, Frame } from '../../agent/shared/types.js';

const W = 768;
const H = 576;

/** A gray frame with dark blocks where people stand. */
function frame(seq: number, people: Box[]): Frame {
  const pixels = Buffer.alloc(W * H * 3, 128);
  for (const p of people) for (let y = p.y1; y < p.y2; y++) pixels.fill(30, (y * W + p.x1) * 3, (y * W + p.x2) * 3);
  return { cameraId: 'cam', seq, ts: seq * 200, wallTs: seq * 200, width: W, height: H, format: 'rgb24', pixels };
}

/** Finds the dark blocks of whatever picture it is given (a whole frame or a crop), as a person detector would. */
class BlockDetector {
  readonly calls: { width: number; height: number }[] = [];
  detect(f: Frame): Promise<Detections> {
    this.calls.push({ width: f.width, height: f.height });
    const cols = new Set<number>();
    let y1 = Infinity;
    let y2 = -1;
    for (let y = 0; y < f.height; y++) for (let x = 0; x < f.width; x++) if ((f.pixels[(y * f.width + x) * 3] as number) < 60) {
      cols.add(x);
      y1 = Math.min(y1, y);
      y2 = Math.max(y2, y + 1);
    }
    const xs = [...cols].sort((a, b) => a - b);
    const items = xs.length ? [{ box: { x1: xs[0] as number, y1, x2: (xs.at(-1) as number) + 1, y2 }, score: 0.9, cls: 'person' }] : [];
    return Promise.resolve({ cameraId: f.cameraId, frameSeq: f.seq, ts: f.ts, wallTs: f.wallTs, width: f.width, height: f.height, items });
  }
}

const tracked = (d: Detections, trackId = 1): Detections => ({ ...d, items: d.items.map((i) => ({ ...i, trackId })) });

describe('RegionDetector', () => {
  it('first frame runs whole; then one walker is looked at through one model-size region, mapped back to frame pixels', async () => {
    const det = new BlockDetector();
    const rd = new RegionDetector({ detector: det, regionSide: 320 });
    const first = await rd.detect(frame(0, [{ x1: 100, y1: 100, x2: 130, y2: 180 }]));
    expect(det.calls.at(-1)).toEqual({ width: W, height: H });
    rd.observe(tracked(first));
    const next = await rd.detect(frame(1, [{ x1: 110, y1: 100, x2: 140, y2: 180 }]));
    expect(det.calls.at(-1)).toEqual({ width: 320, height: 320 });
    expect(next.items.map((i) => i.box)).toEqual([{ x1: 110, y1: 100, x2: 140, y2: 180 }]);
    expect(next.work).toEqual({ gated: false, regions: 1, stationarySkipped: 0 });
  });

  it('nothing tracked and nothing moved: no detector run', async () => {
    const det = new BlockDetector();
    const rd = new RegionDetector({ detector: det, regionSide: 320 });
    rd.observe(await rd.detect(frame(0, [])));
    const calls = det.calls.length;
    const d = await rd.detect(frame(1, []));
    expect(det.calls.length).toBe(calls);
    expect(d).toMatchObject({ items: [], work: { gated: true, regions: 0 } });
  });

  it('a person standing still is carried without a run after 10 s, and re-checked 10 s after the last look', async () => {
    const det = new BlockDetector();
    const rd = new RegionDetector({ detector: det, regionSide: 320 });
    const still = [{ x1: 400, y1: 300, x2: 430, y2: 380 }];
    const runs: number[] = [];
    for (let seq = 0; seq <= 150; seq++) {
      const before = det.calls.length;
      const d = await rd.detect(frame(seq, still));
      if (det.calls.length > before) runs.push(seq);
      expect(d.items.map((i) => i.box)).toEqual(still); // tracked every frame, run or not
      rd.observe(tracked(d));
    }
    // Looked at every frame until still for 10 s (frames 0-49 at 5 fps); then only the whole-frame pass every 10 s
    // (which is also their re-check).
    expect(runs.filter((s) => s < 50)).toHaveLength(50);
    expect(runs.filter((s) => s >= 50)).toEqual([50, 100, 150]);
  });

  it('a still person the tracker has not confirmed yet is looked at every frame', async () => {
    const det = new BlockDetector();
    const rd = new RegionDetector({ detector: det, regionSide: 320 });
    const still = [{ x1: 400, y1: 300, x2: 430, y2: 380 }];
    rd.observe(await rd.detect(frame(0, still))); // no trackId: unconfirmed
    const calls = det.calls.length;
    const d = await rd.detect(frame(1, still));
    expect(det.calls.length).toBe(calls + 1);
    expect(det.calls.at(-1)).toEqual({ width: 320, height: 320 });
    expect(d.items.map((i) => i.box)).toEqual(still);
  });

  it('two regions cost more than one whole frame: the whole frame runs', async () => {
    const det = new BlockDetector();
    // The person detector's cost: a 768x576 frame runs at 512x384 (196,608 px), a 320 region at 320x320 (102,400 px).
    const sizing = { inputSize: (w: number, h: number) => fitInputSize(w, h, 512, 512, 32) };
    const rd = new RegionDetector({ detector: det, regionSide: 320, stationary: false, sizing });
    const one = [{ x1: 20, y1: 20, x2: 50, y2: 100 }];
    rd.observe(tracked(await rd.detect(frame(0, one))));
    await rd.detect(frame(1, one));
    expect(det.calls.at(-1)).toEqual({ width: 320, height: 320 });
    const two = [{ x1: 20, y1: 20, x2: 50, y2: 100 }, { x1: 700, y1: 450, x2: 730, y2: 530 }];
    rd.observe(tracked(await rd.detect(frame(0, two))));
    const d = await rd.detect(frame(1, two));
    expect(det.calls.at(-1)).toEqual({ width: W, height: H });
    expect(d.work).toEqual({ gated: false, regions: 0, stationarySkipped: 0 });
  });

  it('crop copies the region’s pixels', () => {
    const f = frame(0, [{ x1: 10, y1: 10, x2: 12, y2: 12 }]);
    const c = crop(f, { x1: 10, y1: 10, x2: 14, y2: 13 });
    expect([c.width, c.height]).toEqual([4, 3]);
    expect(c.pixels[0]).toBe(30);
    expect(c.pixels[(1 * 4 + 3) * 3]).toBe(128);
  });
});
