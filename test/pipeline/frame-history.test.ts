import { describe, expect, it } from 'vitest';
import { FrameHistory } from '../../agent/pipeline/pictures/frame-history.js';
import type { Frame } from '../../agent/shared/types.js';

function frame(ts: number, fill = 100): Frame {
  return { cameraId: 'hall', seq: ts, ts, wallTs: ts, width: 640, height: 480, format: 'rgb24', pixels: Buffer.alloc(640 * 480 * 3, fill) };
}
const person = { x1: 320, y1: 240, x2: 400, y2: 440 };

describe('FrameHistory', () => {
  it('keeps about one small frame a second for the last few seconds, with the persons scaled to it', () => {
    const h = new FrameHistory({ intervalMs: 1000, keepMs: 3000, width: 160 });
    for (let ts = 0; ts <= 10_000; ts += 200) h.offer(frame(ts, ts / 100), [person]);
    const kept = h.before(10_001, 10);
    expect(kept.map((m) => m.ts)).toEqual([7000, 8000, 9000, 10000]);
    expect(kept[0]).toMatchObject({ width: 160, height: 120, persons: [{ x1: 80, y1: 60, x2: 100, y2: 110 }] });
    expect(kept[0]!.pixels.length).toBe(160 * 120 * 3);
    expect(kept[0]!.pixels[0]).toBe(70); // the frame's own pixels, averaged
    expect(h.before(9000, 2).map((m) => m.ts)).toEqual([7000, 8000]);
  });

  it('hands the moments after a time as they are kept, or what there is at the timeout or the close', async () => {
    const h = new FrameHistory();
    const two = h.after(1000, 2, 60_000);
    h.offer(frame(1000), []); // not after
    h.offer(frame(2000), []);
    h.offer(frame(3000), []);
    expect((await two).map((m) => m.ts)).toEqual([2000, 3000]);
    const short = h.after(3000, 2, 50);
    h.offer(frame(4000), []);
    expect((await short).map((m) => m.ts)).toEqual([4000]);
    const closed = h.after(4000, 2, 60_000);
    h.close();
    expect(await closed).toEqual([]);
  });
});
