import { describe, expect, it } from 'vitest';
import { FrameSlicer, FrozenDetector, LatestSlot, frameFingerprint } from '../../agent/decode/index.js';

describe('FrameSlicer', () => {
  const FRAME = 1000;
  const stream = Buffer.from(Array.from({ length: FRAME * 5 + 123 }, (_, i) => (i * 7 + (i >> 10)) & 0xff));

  it.each([1, 7, 999, 1000, 1001, 4096, 65_536])('cuts exact frames from %i-byte chunks', (chunkSize) => {
    const frames: Buffer[] = [];
    const slicer = new FrameSlicer(FRAME, (b) => frames.push(b));
    for (let i = 0; i < stream.length; i += chunkSize) slicer.push(stream.subarray(i, i + chunkSize));
    expect(frames).toHaveLength(5);
    frames.forEach((f, k) => expect(f.equals(stream.subarray(k * FRAME, (k + 1) * FRAME))).toBe(true));
    expect(slicer.partialBytes).toBe(123);
  });

  it('never reuses a buffer it handed out, and does not alias the input chunk', () => {
    const frames: Buffer[] = [];
    const slicer = new FrameSlicer(4, (b) => frames.push(b));
    const chunk = Buffer.from([1, 1, 1, 1, 2, 2, 2, 2]);
    slicer.push(chunk);
    chunk.fill(9); // the pipe's chunk memory being recycled must not change delivered frames
    slicer.push(Buffer.from([3, 3, 3, 3]));
    expect(frames.map((f) => [...f])).toEqual([[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]]);
    expect(new Set(frames.map((f) => f.buffer)).size).toBe(3);
  });

  it('rejects a nonsense frame size', () => {
    expect(() => new FrameSlicer(0, () => undefined)).toThrow(/frameBytes/);
  });
});

describe('LatestSlot', () => {
  it('keeps only the newest unread value and says when a push replaced an unread one', async () => {
    const slot = new LatestSlot<number>();
    expect(slot.push(1)).toBe(false);
    expect(slot.push(2)).toBe(true);
    expect(slot.push(3)).toBe(true);
    expect(slot.pending).toBe(1);
    expect(await slot.take()).toBe(3);
    expect(slot.pending).toBe(0);
  });

  it('hands a value straight to a waiting reader without counting a drop', async () => {
    const slot = new LatestSlot<number>();
    const p = slot.take();
    expect(slot.push(7)).toBe(false);
    expect(await p).toBe(7);
  });

  it('delivers the last value after close, then ends; a waiting reader is released', async () => {
    const slot = new LatestSlot<number>();
    slot.push(5);
    slot.close();
    slot.push(6); // ignored after close
    const seen: number[] = [];
    for await (const v of slot) seen.push(v);
    expect(seen).toEqual([5]);
    const other = new LatestSlot<number>();
    const waiting = other.take();
    other.close();
    expect(await waiting).toBeUndefined();
  });

  it('refuses a second concurrent reader', async () => {
    const slot = new LatestSlot<number>();
    const first = slot.take();
    await expect(slot.take()).rejects.toThrow(/already has a waiting reader/);
    slot.close();
    await first;
  });
});

describe('frozen picture detection', () => {
  const W = 320;
  const H = 240;
  const still = Buffer.alloc(W * H * 3, 90);

  it('says frozen only after the picture stayed identical for frozenMs', () => {
    const d = new FrozenDetector(60_000);
    expect(d.update(still, 0)).toBe(false);
    expect(d.update(Buffer.from(still), 59_999)).toBe(false);
    expect(d.update(Buffer.from(still), 60_000)).toBe(true);
  });

  it('restarts the count whenever the picture changes', () => {
    const d = new FrozenDetector(1000);
    d.update(still, 0);
    const moved = Buffer.from(still);
    moved.fill(200, 0, 3000);
    expect(d.update(moved, 900)).toBe(false);
    expect(d.update(Buffer.from(moved), 1800)).toBe(false);
    expect(d.update(Buffer.from(moved), 1900)).toBe(true);
  });

  it('notices a person-sized change (20x40 px) anywhere in the frame', () => {
    const base = frameFingerprint(still);
    for (const [x0, y0] of [[0, 0], [150, 100], [299, 199]] as const) {
      const f = Buffer.from(still);
      for (let y = y0; y < y0 + 40; y++) f.fill(10, (y * W + x0) * 3, (y * W + x0 + 20) * 3);
      expect(frameFingerprint(f)).not.toBe(base);
    }
  });

  it('rejects a non-positive window', () => {
    expect(() => new FrozenDetector(0)).toThrow(/frozenMs/);
  });
});
