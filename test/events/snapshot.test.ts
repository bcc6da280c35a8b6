// renderSnapshot on synthetic frames made here: seeded noise (the hardest texture to hide, and one
// whose detail any leak would show), with hand-placed person and face boxes.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { headRegion, renderSnapshot, toSnapshotRef, type RenderedSnapshot } from '../../agent/events/index.js';
import { correlation, laplacianVariance } from '../../agent/rules/index.js';
import type { Box, Frame } from '../../agent/shared/types.js';

const W = 320;
const H = 240;

function noiseFrame(seed: number, format: 'rgb24' | 'gray' = 'rgb24'): Frame {
  const ch = format === 'gray' ? 1 : 3;
  const pixels = Buffer.alloc(W * H * ch);
  let s = seed;
  for (let i = 0; i < pixels.length; i++) {
    s = (s * 48271) % 2147483647;
    pixels[i] = s & 0xff;
  }
  return { cameraId: 'hall-1', seq: 1, ts: 1000, wallTs: Date.UTC(2026, 2, 10), width: W, height: H, format, pixels };
}

/** Luma of the rectangle [x1, x2) × [y1, y2) of an rgb24/gray buffer. */
function luma(data: Buffer, width: number, ch: number, r: { x1: number; y1: number; x2: number; y2: number }): { gray: Float64Array; w: number; h: number } {
  const w = r.x2 - r.x1;
  const h = r.y2 - r.y1;
  const gray = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = ((r.y1 + y) * width + r.x1 + x) * ch;
      gray[y * w + x] = ch === 1 ? data[i]! : 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
    }
  }
  return { gray, w, h };
}

async function decode(s: RenderedSnapshot): Promise<{ data: Buffer; ch: number }> {
  const { data, info } = await sharp(s.jpeg).raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height]).toEqual([s.w, s.h]);
  return { data, ch: info.channels };
}

/** The same region before (frame) and after (snapshot), shrunk by `inset` px to stay clear of its edges. */
async function compare(frame: Frame, snap: RenderedSnapshot, region: Box, inset = 3): Promise<{ lapBefore: number; lapAfter: number; mad: number; corr: number }> {
  const r = { x1: Math.ceil(region.x1) + inset, y1: Math.ceil(region.y1) + inset, x2: Math.floor(region.x2) - inset, y2: Math.floor(region.y2) - inset };
  const before = luma(frame.pixels, W, frame.format === 'gray' ? 1 : 3, r);
  const { data, ch } = await decode(snap);
  const c = snap.crop;
  const after = luma(data, snap.w, ch, { x1: r.x1 - c.x, y1: r.y1 - c.y, x2: r.x2 - c.x, y2: r.y2 - c.y });
  let mad = 0;
  for (let i = 0; i < before.gray.length; i++) mad += Math.abs(before.gray[i]! - after.gray[i]!);
  return {
    lapBefore: laplacianVariance(before.gray, before.w, before.h),
    lapAfter: laplacianVariance(after.gray, after.w, after.h),
    mad: mad / before.gray.length,
    corr: correlation(before.gray, after.gray),
  };
}

const alice: Box = { x1: 40, y1: 40, x2: 100, y2: 200 };
const bob: Box = { x1: 150, y1: 60, x2: 210, y2: 220 };
// A face the detector found lower than the head band (someone bending): blurred on its own.
const face: Box = { x1: 160, y1: 120, x2: 195, y2: 155 };
// A bystander, half inside the crop: not cropped to, but their head is blurred too.
const bystander: Box = { x1: 200, y1: 10, x2: 250, y2: 150 };

describe('renderSnapshot', () => {
  it('crops to the people plus margin, clipped to the frame', async () => {
    const s = await renderSnapshot({ frame: noiseFrame(1), people: [alice, bob], faces: [], margin: 16 });
    expect(s.crop).toEqual({ x: 24, y: 24, w: 210 + 16 - 24, h: 220 + 16 - 24 });
    for (const p of [alice, bob]) {
      expect(p.x1).toBeGreaterThanOrEqual(s.crop.x);
      expect(p.y1).toBeGreaterThanOrEqual(s.crop.y);
      expect(p.x2).toBeLessThanOrEqual(s.crop.x + s.crop.w);
      expect(p.y2).toBeLessThanOrEqual(s.crop.y + s.crop.h);
    }
    expect([s.w, s.h]).toEqual([s.crop.w, s.crop.h]);
    const edge = await renderSnapshot({ frame: noiseFrame(1), people: [{ x1: 5, y1: 100, x2: 60, y2: 239 }], faces: [], margin: 32 });
    expect(edge.crop).toEqual({ x: 0, y: 68, w: 92, h: 240 - 68 });
  });

  it('destroys the detail of every head region and face: Laplacian variance drops over 20×, pixels do not correlate', async () => {
    const frame = noiseFrame(2);
    const s = await renderSnapshot({ frame, people: [alice, bob], faces: [face], others: [bystander], margin: 16 });
    const bystanderHead = headRegion(bystander);
    const regions: [string, Box][] = [
      ['alice head', headRegion(alice)],
      ['bob head', headRegion(bob)],
      ['face', face],
      // Only the part of the bystander's head inside the crop (x < 226).
      ['bystander head', { ...bystanderHead, x2: 226, y1: Math.max(bystanderHead.y1, 24) }],
    ];
    for (const [name, region] of regions) {
      const m = await compare(frame, s, region);
      expect(m.lapBefore / m.lapAfter, `${name}: Laplacian variance ${m.lapBefore.toFixed(0)} → ${m.lapAfter.toFixed(0)}`).toBeGreaterThan(20);
      // Noise has mean |difference| ≈ 64 from a flat value; what is left cannot be matched to the original.
      expect(m.mad, name).toBeGreaterThan(40);
      expect(Math.abs(m.corr), name).toBeLessThan(0.2);
    }
  });

  it('leaves the rest of the people sharp (the blur is local): bodies keep their detail', async () => {
    const frame = noiseFrame(3);
    const s = await renderSnapshot({ frame, people: [alice, bob], faces: [face], margin: 16 });
    const body = await compare(frame, s, { x1: alice.x1, y1: 110, x2: alice.x2, y2: 190 });
    const head = await compare(frame, s, headRegion(alice));
    expect(body.corr).toBeGreaterThan(0.8);
    expect(body.lapAfter).toBeGreaterThan(50 * head.lapAfter);
  });

  it('works on gray frames and, with no people, shows (and blurs) the whole frame', async () => {
    const frame = noiseFrame(4, 'gray');
    const s = await renderSnapshot({ frame, people: [], faces: [face] });
    expect(s.crop).toEqual({ x: 0, y: 0, w: W, h: H });
    const m = await compare(frame, s, face);
    expect(m.lapBefore / m.lapAfter).toBeGreaterThan(20);
  });

  it('never changes the frame it was given, and returns the JPEG with its SHA-256', async () => {
    const frame = noiseFrame(5);
    const before = createHash('sha256').update(frame.pixels).digest('hex');
    const s = await renderSnapshot({ frame, people: [alice], faces: [face], quality: 70 });
    expect(createHash('sha256').update(frame.pixels).digest('hex')).toBe(before);
    expect(s.jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(s.sha256).toBe(createHash('sha256').update(s.jpeg).digest('hex'));
    expect(toSnapshotRef(s, 'snapshots/e-r1.jpg')).toEqual({ sha256: s.sha256, bytes: s.jpeg.length, w: s.w, h: s.h, redaction: 'faces-blurred', file: 'snapshots/e-r1.jpg' });
  });

  it('writes nothing anywhere (all in memory): the temp dir and working dir are unchanged', async () => {
    const list = (): string[] => [...readdirSync(tmpdir()), '|', ...readdirSync(process.cwd())].sort();
    const before = list();
    await renderSnapshot({ frame: noiseFrame(6), people: [alice, bob], faces: [face] });
    expect(list()).toEqual(before);
  });

  it.each<[string, () => Promise<unknown>, RegExp]>([
    ['a frame whose buffer does not match its size', () => renderSnapshot({ frame: { ...noiseFrame(1), pixels: Buffer.alloc(10) }, people: [], faces: [] }), /frame of camera "hall-1" is 320×240 rgb24 but has 10 bytes/],
    ['a negative margin', () => renderSnapshot({ frame: noiseFrame(1), people: [alice], faces: [], margin: -1 }), /margin must be a number of pixels >= 0/],
    ['people outside the frame', () => renderSnapshot({ frame: noiseFrame(1), people: [{ x1: 900, y1: 900, x2: 950, y2: 990 }], faces: [], margin: 0 }), /people boxes lie outside the 320×240 frame/],
    ['a NaN box', () => renderSnapshot({ frame: noiseFrame(1), people: [alice], faces: [{ x1: Number.NaN, y1: 0, x2: 1, y2: 1 }] }), /a box has a non-finite coordinate/],
    ['a bad JPEG quality', () => renderSnapshot({ frame: noiseFrame(1), people: [alice], faces: [], quality: 0 }), /quality must be 1\.\.100/],
  ])('rejects %s', async (_name, render, msg) => {
    await expect(render()).rejects.toThrow(msg);
  });
});
