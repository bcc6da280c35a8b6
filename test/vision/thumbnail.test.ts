/**
 * Thumbnails: box averages of a frame's luma, each cell the mean of the pixels sampled in it, whatever order and size
 * they are asked for (the luma plane made for one is reused by the next, so the order must not matter).
 */
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../agent/shared/types.js';
import { thumbnail } from '../../agent/vision/thumbnail.js';

function frame(width: number, height: number, seed: number, format: Frame['format'] = 'rgb24'): Frame {
  const px = Buffer.alloc(width * height * (format === 'gray' ? 1 : 3));
  let s = seed >>> 0;
  for (let i = 0; i < px.length; i++) px[i] = (s = (s * 1664525 + 1013904223) >>> 0) >>> 24;
  return { cameraId: 'thumb', seq: seed, ts: seed, wallTs: seed, width, height, format, pixels: px };
}

/** The definition, pixel by pixel: BT.601 integer luma, every `step`-th pixel when cells span 4+ pixels each way. */
function reference(f: Frame, height: number): number[] {
  const th = Math.min(height, f.height);
  const tw = Math.max(1, Math.min(f.width, Math.round((f.width * th) / f.height)));
  const step = Math.min(f.width / tw, f.height / th) >= 4 ? 2 : 1;
  const ch = f.format === 'gray' ? 1 : 3;
  const sum = new Array<number>(tw * th).fill(0);
  const n = new Array<number>(tw * th).fill(0);
  for (let y = 0; y < f.height; y += step) {
    for (let x = 0; x < f.width; x += step) {
      const o = (y * f.width + x) * ch;
      const p = f.pixels;
      const g = ch === 1 ? p[o]! : (77 * p[o]! + 150 * p[o + 1]! + 29 * p[o + 2]!) >> 8;
      const c = Math.min(th - 1, Math.floor((y * th) / f.height)) * tw + Math.min(tw - 1, Math.floor((x * tw) / f.width));
      sum[c]! += g;
      n[c]! += 1;
    }
  }
  return sum.map((v, i) => Math.round(v / n[i]!));
}

describe('thumbnail', () => {
  it('box-averages to the requested height, keeping the aspect, in one gray value per cell', () => {
    const flat: Frame = { ...frame(320, 240, 1), pixels: Buffer.alloc(320 * 240 * 3, 100) };
    const t = thumbnail(flat, 100);
    expect([t.width, t.height]).toEqual([133, 100]);
    expect(new Set(t.gray)).toEqual(new Set([100]));
  });

  it.each([
    [768, 576, 'rgb24'],
    [1280, 720, 'rgb24'],
    [333, 211, 'rgb24'],
    [640, 480, 'gray'],
    [100, 80, 'rgb24'],
  ] as const)('matches the per-pixel definition on a %i×%i %s frame, at every size and in any order', (w, h, format) => {
    const f = frame(w, h, w + h, format);
    for (const height of [120, 100, 60, 120]) expect(Array.from(thumbnail(f, height).gray), `height ${height}`).toEqual(reference(f, height));
  });

  it('does not reuse one frame’s luma for another frame, nor for the same bytes read at another size', () => {
    const a = frame(768, 576, 7);
    const b = frame(768, 576, 8);
    expect(Array.from(thumbnail(a, 100).gray)).toEqual(reference(a, 100));
    expect(Array.from(thumbnail(b, 100).gray)).toEqual(reference(b, 100));
    const reread: Frame = { ...a, width: 576, height: 768 };
    expect(Array.from(thumbnail(reread, 100).gray)).toEqual(reference(reread, 100));
  });

  it('uses gray frames as they are and never enlarges a small frame', () => {
    const f: Frame = { cameraId: 'g', seq: 0, ts: 0, wallTs: 0, width: 4, height: 2, format: 'gray', pixels: Buffer.from([0, 10, 20, 30, 40, 50, 60, 70]) };
    const t = thumbnail(f, 100);
    expect([t.width, t.height]).toEqual([4, 2]);
    expect(Array.from(t.gray)).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
  });

  it('rejects a frame whose buffer does not match its size', () => {
    expect(() => thumbnail({ ...frame(320, 240, 1), pixels: Buffer.alloc(10) }, 100)).toThrow(/needs 230400 bytes, got 10/);
  });
});
