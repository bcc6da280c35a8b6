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
import type { FaceFinder } from '../../agent/events/index.js';
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

/** The snapshot worker's own render, run in-process with `finder` as its face detector. */
const maker =
  (finder: FaceFinder) =>
  async (job: PictureJob): Promise<PictureResult> => ({ outcome: 'made', reply: await renderPicture(job, finder) });

describe('CameraPreviews', () => {
  it('pixelates the head of every detected person and the faces found, and leaves the rest of the picture', async () => {
    const faces: Box[] = [{ x1: 110, y1: 60, x2: 140, y2: 90 }];
    const checked: Frame[] = [];
    const f = frame(1);
    // Faces in the camera's frame; the encoded preview, searched again before it is handed out, has none left.
    // The job's copy of the frame is the camera's pixels; the check searches the decoded JPEG (other pixels).
    const previews = new CameraPreviews(() => 0, maker((fr) => (fr.pixels.buffer === f.pixels.buffer ? Promise.resolve(faces) : (checked.push(fr), Promise.resolve([])))));
    previews.offer(f, dets(f));
    const jpeg = (await previews.jpeg('cam'))!;
    expect(checked.length, 'the encoded preview is searched for faces').toBeGreaterThan(0);
    expect(checked.every((c) => c.width === W && c.pixels !== f.pixels)).toBe(true);
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
    let encodes = 0;
    const previews = new CameraPreviews(
      () => now,
      maker((fr) => {
        if (fr.cameraId === 'cam') encodes++; // the camera's frame, not the check of the encoded preview
        return Promise.resolve([]);
      }),
    );
    expect(await previews.jpeg('cam')).toBeNull();
    previews.offer(frame(1), dets(frame(1)));
    const a = await previews.jpeg('cam');
    previews.offer(frame(2), dets(frame(2)));
    now += PREVIEW_MAX_AGE_MS - 1;
    expect(await previews.jpeg('cam')).toBe(a);
    now += 1;
    expect(await previews.jpeg('cam')).not.toBe(a);
    expect(encodes).toBe(2);
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
