/**
 * The face check every snapshot passes before it leaves renderSnapshot, with scripted finders standing in for the
 * face detector (the real one on real pictures: snapshot-face.test.ts): what the finder reports in the encoded
 * picture is pixelated until it reports nothing; a finder that never stops gets a flat picture, then an error.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderSnapshot, searchTiles, type FaceFinder } from '../../agent/events/index.js';
import type { Box, Frame } from '../../agent/shared/types.js';

const W = 160;
const H = 120;

function noiseFrame(format: 'rgb24' | 'gray'): Frame {
  const ch = format === 'gray' ? 1 : 3;
  const pixels = Buffer.alloc(W * H * ch);
  let s = 7;
  for (let i = 0; i < pixels.length; i++) pixels[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return { cameraId: 'cam', seq: 1, ts: 0, wallTs: 0, width: W, height: H, format, pixels };
}

/** Mean absolute difference of horizontal neighbours in `box` of the frame (0: flat). */
function detail(f: Frame, box: Box): number {
  const ch = f.format === 'gray' ? 1 : 3;
  let sum = 0;
  let n = 0;
  for (let y = Math.ceil(box.y1); y < Math.floor(box.y2); y++) {
    for (let x = Math.ceil(box.x1); x < Math.floor(box.x2) - 1; x++) {
      sum += Math.abs(f.pixels[(y * f.width + x) * ch]! - f.pixels[(y * f.width + x + 1) * ch]!);
      n++;
    }
  }
  return sum / n;
}

const spot: Box = { x1: 100, y1: 20, x2: 130, y2: 50 };
/** A detector reports a face only in the tile the face lies in: here, the first tile holding `b`'s centre. */
function firstTileWith(b: Box, region: Box): boolean {
  const [cx, cy] = [(b.x1 + b.x2) / 2, (b.y1 + b.y2) / 2];
  const t = searchTiles(W, H).find((r) => cx >= r.x1 && cx < r.x2 && cy >= r.y1 && cy < r.y2)!;
  return t.x1 === region.x1 && t.y1 === region.y1 && t.x2 === region.x2 && t.y2 === region.y2;
}

describe('searchTiles', () => {
  it('covers every pixel with tiles half the short side, each inside the picture', () => {
    const t = searchTiles(W, H);
    expect(t.every((b) => b.x1 >= 0 && b.y1 >= 0 && b.x2 <= W && b.y2 <= H && b.x2 > b.x1 && b.y2 > b.y1)).toBe(true);
    expect(Math.max(...t.map((b) => b.x2 - b.x1))).toBe(H / 2);
    for (let y = 0; y < H; y += 7) for (let x = 0; x < W; x += 7) expect(t.some((b) => x >= b.x1 && x < b.x2 && y >= b.y1 && y < b.y2)).toBe(true);
    expect(searchTiles(20, 10).every((b) => b.x2 - b.x1 <= 16)).toBe(true);
  });
});

describe('renderSnapshot face check', () => {
  for (const format of ['rgb24', 'gray'] as const) {
    it(`${format}: what the finder still sees in the encoded picture is pixelated, and nothing else`, async () => {
      const searched: Frame[] = [];
      // Reports the spot while it still shows detail, as a detector would a face.
      const finder: FaceFinder = (f, region) => {
        searched.push(f);
        return Promise.resolve(detail(f, spot) > 20 && firstTileWith(spot, region) ? [spot] : []);
      };
      const shot = await renderSnapshot({ frame: noiseFrame(format), people: [], faces: [], faceCheck: finder });
      const { data, info } = await sharp(shot.jpeg).raw().toBuffer({ resolveWithObject: true });
      const out: Frame = { ...noiseFrame(format), format: info.channels === 1 ? 'gray' : 'rgb24', pixels: data };
      expect(shot.checkBlurred).toBe(1);
      expect(detail(out, spot)).toBeLessThan(20);
      expect(detail(out, { x1: 10, y1: 60, x2: 60, y2: 110 }), 'the rest keeps its detail').toBeGreaterThan(40);
      // Searched in tiles, on the decoded JPEG, until the finder reported nothing.
      expect(searched.length).toBe(2 * searchTiles(W, H).length);
      expect(searched.every((f) => f.width === W && f.height === H && f.pixels.length === data.length)).toBe(true);
    });
  }

  it('a finder that keeps reporting faces gets a flat picture; one that reports them even then gets an error, no picture', async () => {
    const corner: Box = { x1: 5, y1: 5, x2: 15, y2: 15 };
    const untilFlat: FaceFinder = (f, region) => Promise.resolve(detail(f, { x1: 0, y1: 0, x2: W, y2: H }) > 0 && firstTileWith(corner, region) ? [corner] : []);
    const flat = await renderSnapshot({ frame: noiseFrame('rgb24'), people: [], faces: [], faceCheck: untilFlat });
    const { data } = await sharp(flat.jpeg).raw().toBuffer({ resolveWithObject: true });
    expect(detail({ ...noiseFrame('rgb24'), pixels: data }, { x1: 0, y1: 0, x2: W, y2: H })).toBe(0);

    const always: FaceFinder = (_f, region) => Promise.resolve(firstTileWith(corner, region) ? [corner] : []);
    await expect(renderSnapshot({ frame: noiseFrame('rgb24'), people: [], faces: [], faceCheck: always })).rejects.toThrow(/face check still finds 1 face/);
  });
});
