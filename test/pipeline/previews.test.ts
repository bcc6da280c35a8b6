/**
 * The dashboard's camera previews: the whole frame, with every detected person's head region (and every face
 * found) pixelated before encoding, and at most one encode per camera every 2 s.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CameraPreviews, PREVIEW_MAX_AGE_MS } from '../../agent/pipeline/previews.js';
import { renderPicture } from '../../agent/pipeline/pictures/render.js';
import type { PictureJob } from '../../agent/pipeline/pictures/jobs.js';
import type { PictureResult } from '../../agent/pipeline/pictures/queue.js';
import type { ZoomedFaceSearch } from '../../agent/pipeline/pictures/render.js';
import type { Box, Detections, Frame } from '../../agent/shared/types.js';

const W = 160;
const H = 120;

/** A checkerboard of 1-pixel squares: all detail, which the blur must destroy where it applies. */
function frame(seq: number): Frame {
  const pixels = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) pixels.fill((x + y) % 2 ? 255 : 0, (y * W + x) * 3, (y * W + x) * 3 + 3);
  return { cameraId: 'cam', seq, ts: seq, wallTs: seq, width: W, height: H, format: 'rgb24', pixels };
}

const person: Box = { x1: 40, y1: 20, x2: 80, y2: 110 };
const dets = (f: Frame): Detections => ({ cameraId: 'cam', frameSeq: f.seq, ts: f.ts, wallTs: f.wallTs, width: W, height: H, items: [{ box: person, score: 0.9, cls: 'person' }] });

/** Mean absolute difference between horizontal neighbours inside a rectangle of the decoded JPEG (detail left). */
async function detail(jpeg: Buffer, x1: number, y1: number, x2: number, y2: number): Promise<number> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  let sum = 0;
  let n = 0;
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2 - 1; x++) {
      const i = (y * info.width + x) * info.channels;
      sum += Math.abs(data[i]! - data[i + info.channels]!);
      n++;
    }
  }
  return sum / n;
}

/** The snapshot worker's own render, run in-process with `search` as its face detector's whole-picture search. */
const maker =
  (search: ZoomedFaceSearch, jobs: PictureJob[] = []) =>
  async (job: PictureJob): Promise<PictureResult> => {
    jobs.push(job);
    return { outcome: 'made', reply: await renderPicture(job, search) };
  };

describe('CameraPreviews', () => {
  it('pixelates the head of every detected person and the faces found, and leaves the rest of the picture', async () => {
    const missed: Box = { x1: 110, y1: 60, x2: 140, y2: 90 };
    const checked: { picture: Frame; zoom: number }[] = [];
    const f = frame(1);
    // The encoded preview is searched whole before it is handed out: the first search finds a face (someone the person
    // detector missed), which is pixelated; the next finds nothing.
    const previews = new CameraPreviews(
      () => 0,
      maker((picture, zoom) => {
        checked.push({ picture, zoom });
        return Promise.resolve(checked.length === 1 ? [missed] : []);
      }),
    );
    previews.offer(f, dets(f));
    const jpeg = (await previews.jpeg('cam'))!;
    expect(checked.length, 'searched until nothing is found').toBe(2);
    // The decoded JPEG, whole, from ×1 (a whole frame: previews are searched as context pictures are).
    expect(checked.every((c) => c.picture.width === W && c.picture.pixels !== f.pixels && c.zoom === 1)).toBe(true);
    expect((await sharp(jpeg).metadata()).width).toBe(W);
    const head = await detail(jpeg, 42, 22, 78, 36); // inside the head region (top 22 % of the person box)
    const face = await detail(jpeg, 112, 62, 138, 88);
    const plain = await detail(jpeg, 100, 2, 156, 40); // nobody here
    expect(plain).toBeGreaterThan(100);
    expect(head).toBeLessThan(plain / 5);
    expect(face).toBeLessThan(plain / 5);
  });

  it('encodes at most once every 2 s per camera and has nothing for a camera without frames', async () => {
    let now = 0;
    const jobs: PictureJob[] = [];
    const previews = new CameraPreviews(
      () => now,
      maker(() => Promise.resolve([]), jobs),
    );
    expect(await previews.jpeg('cam')).toBeNull();
    previews.offer(frame(1), dets(frame(1)));
    const a = await previews.jpeg('cam');
    previews.offer(frame(2), dets(frame(2)));
    now += PREVIEW_MAX_AGE_MS - 1;
    expect(await previews.jpeg('cam')).toBe(a);
    now += 1;
    expect(await previews.jpeg('cam')).not.toBe(a);
    expect(jobs).toHaveLength(2);
  });

  it('keeps showing the previous preview while the worker is too busy to make a new one', async () => {
    let now = 0;
    let busy = false;
    const render = maker(() => Promise.resolve([]));
    const previews = new CameraPreviews(
      () => now,
      (job) => (busy ? Promise.resolve({ outcome: 'skipped', reason: 'queue_full' }) : render(job)),
    );
    previews.offer(frame(1), dets(frame(1)));
    const a = await previews.jpeg('cam');
    expect(a).not.toBeNull();
    busy = true;
    now += PREVIEW_MAX_AGE_MS;
    expect(await previews.jpeg('cam')).toBe(a);
  });
});
