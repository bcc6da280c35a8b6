/**
 * The face check every snapshot passes before it leaves renderSnapshot, with scripted searches standing in for the
 * face detector's (the real one on real pictures: snapshot-face.test.ts): what the search reports in the encoded
 * picture is pixelated until it reports nothing; a search that never stops gets a flat picture, then an error; a
 * search that fails means no picture.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { facesInJpeg, renderSnapshot, type FaceSearch } from '../../agent/events/index.js';
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

describe('renderSnapshot face check', () => {
  for (const format of ['rgb24', 'gray'] as const) {
    it(`${format}: what the search still finds in the encoded picture is pixelated, and nothing else`, async () => {
      const searched: Frame[] = [];
      // Reports the spot while it still shows detail, as a detector would a face.
      const search: FaceSearch = (f) => {
        searched.push(f);
        return Promise.resolve(detail(f, spot) > 20 ? [spot] : []);
      };
      const shot = await renderSnapshot({ frame: noiseFrame(format), people: [], faces: [], faceCheck: search });
      const { data, info } = await sharp(shot.jpeg).raw().toBuffer({ resolveWithObject: true });
      const out: Frame = { ...noiseFrame(format), format: info.channels === 1 ? 'gray' : 'rgb24', pixels: data };
      expect([shot.checkBlurred, shot.checkSearches]).toEqual([1, 2]);
      expect(detail(out, spot)).toBeLessThan(20);
      expect(detail(out, { x1: 10, y1: 60, x2: 60, y2: 110 }), 'the rest keeps its detail').toBeGreaterThan(40);
      // Searched whole, on the decoded JPEG (the bytes returned are the last ones searched), until it found nothing.
      expect(searched.every((f) => f.width === W && f.height === H && f.format === out.format)).toBe(true);
      expect(searched.at(-1)!.pixels.equals(data)).toBe(true);
    });
  }

  it('searches once when the first search finds nothing, and not at all without a search', async () => {
    let n = 0;
    const shot = await renderSnapshot({ frame: noiseFrame('rgb24'), people: [], faces: [], faceCheck: () => (n++, Promise.resolve([])) });
    expect([n, shot.checkSearches, shot.checkBlurred]).toEqual([1, 1, 0]);
    expect((await renderSnapshot({ frame: noiseFrame('rgb24'), people: [], faces: [] })).checkSearches).toBe(0);
  });

  it('a search that keeps reporting faces gets a flat picture; one that reports them even then gets an error, no picture', async () => {
    const corner: Box = { x1: 5, y1: 5, x2: 15, y2: 15 };
    const untilFlat: FaceSearch = (f) => Promise.resolve(detail(f, { x1: 0, y1: 0, x2: W, y2: H }) > 0 ? [corner] : []);
    const flat = await renderSnapshot({ frame: noiseFrame('rgb24'), people: [], faces: [], faceCheck: untilFlat });
    const { data } = await sharp(flat.jpeg).raw().toBuffer({ resolveWithObject: true });
    expect(detail({ ...noiseFrame('rgb24'), pixels: data }, { x1: 0, y1: 0, x2: W, y2: H })).toBe(0);

    const always: FaceSearch = () => Promise.resolve([corner]);
    await expect(renderSnapshot({ frame: noiseFrame('rgb24'), people: [], faces: [], faceCheck: always })).rejects.toThrow(/face check still finds 1 face/);
  });

  it('a search that fails (a model error) fails the render: no picture, never an unchecked one', async () => {
    const broken: FaceSearch = () => Promise.reject(new Error('face detector (blazeface-back) is closed'));
    await expect(renderSnapshot({ frame: noiseFrame('rgb24'), people: [], faces: [], faceCheck: broken })).rejects.toThrow(/is closed/);
  });

  it('facesInJpeg hands the search the decoded picture and refuses bytes that are not a picture', async () => {
    const jpeg = await sharp(noiseFrame('rgb24').pixels, { raw: { width: W, height: H, channels: 3 } }).jpeg().toBuffer();
    const seen: Frame[] = [];
    expect(await facesInJpeg(jpeg, (f) => (seen.push(f), Promise.resolve([spot])))).toEqual([spot]);
    expect(seen.map((f) => [f.width, f.height, f.format, f.pixels.length])).toEqual([[W, H, 'rgb24', W * H * 3]]);
    await expect(facesInJpeg(Buffer.from('not a jpeg'), () => Promise.resolve([]))).rejects.toThrow();
  });
});
