/**
 * Snapshots hide faces, checked with a face detector instead of pixel statistics: real photos of
 * unmasked people (face-api's demo samples 1–6, `npm run models` caches them), the real CenterNet
 * person detector and BlazeFace face detector, `renderSnapshot` as the agent calls it, the JPEG
 * written with `writeSnapshotAtomic` to a temp folder and read back, then searched for faces.
 *
 * The faces handed to renderSnapshot are found the way the agent finds them: BlazeFace in the head
 * region of each person box (vision's `headRegion`). Searched on the written snapshot:
 * - the same head regions, and a square of twice each face's size around every face found on the raw
 *   photo: nothing at BlazeFace's own threshold (0.5);
 * - sample1 (three women, every face frontal and ~180 px): overlapping tiles over the whole
 *   snapshot find nothing where the unblurred crop's faces are, and nothing at ≥ 0.85. Below that
 *   BlazeFace reports non-faces in both (17 detections at 0.5–0.95 unblurred, 11 at 0.5–0.78 in the
 *   snapshot; the highest, 0.78, a wine glass on a plaid shirt), so "no detection at all" would
 *   test the detector, not the blur.
 * A control makes each check able to fail: the same crop, not blurred, encoded the same way, goes
 * through the same searches and its faces are found.
 *
 * What this does not cover (measured, reported): a face whose person the person detector missed
 * is not blurred. In sample5 two such faces stay findable by a whole-picture search (0.92, 0.83);
 * in the masked-crowd photo img3 two background faces do (0.87, 0.77), and a third (0.54) is found
 * even by the search in a detected person's head region (it is someone else's face behind them).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSnapshot, snapshotFileName, writeSnapshotAtomic, type FaceFinder, type RenderedSnapshot } from '../../agent/events/index.js';
import type { Box, Frame } from '../../agent/shared/types.js';
import { FaceDetector, ModelRegistry, PersonDetector } from '../../agent/vision/index.js';
// Not in vision's public face: the agent's own face search region, used here so the test finds faces as the agent does.
import { headRegion } from '../../agent/vision/person-attributes.js';
import { readVideoFrames, VTEST_AVI } from '../support/video-frames.js';
import { faceApiFrame, FACE_API_FACES, tiles } from '../vision/media.js';

const SAMPLES = [1, 2, 3, 4, 5, 6] as const;
/** Above every non-face BlazeFace reports in sample1 (a wine glass on a plaid shirt 0.78, a badge 0.76; found blurred or not). */
const CONFIDENT = 0.85;

interface Case {
  readonly n: number;
  readonly frame: Frame;
  readonly people: readonly Box[];
  /** Faces found on the raw photo, frame pixels. */
  readonly faces: readonly { box: Box; score: number }[];
  readonly shot: RenderedSnapshot;
  /** The snapshot as read back from disk and decoded. */
  readonly written: Frame;
  /** The same crop without any blur, JPEG-encoded the same way. */
  readonly control: Frame;
}

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const iy = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = ix * iy;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

async function decodeJpeg(jpeg: Buffer, cameraId: string): Promise<Frame> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(3);
  return { cameraId, seq: 0, ts: 0, wallTs: 0, width: info.width, height: info.height, format: 'rgb24', pixels: data };
}

describe('snapshots of real photos: the face detector finds no face in what is written', () => {
  let persons: PersonDetector;
  let faceDet: FaceDetector;
  let dir: string;
  const cases: Case[] = [];

  /** Faces in any of `regions`, overlapping duplicates (IoU > 0.3) merged, best score kept. */
  async function facesIn(f: Frame, regions: readonly Box[]): Promise<{ box: Box; score: number }[]> {
    const out: { box: Box; score: number }[] = [];
    for (const r of regions) {
      for (const face of await faceDet.detect(f, r)) {
        const same = out.find((g) => iou(g.box, face.box) > 0.3);
        if (!same) out.push({ box: face.box, score: face.score });
        else same.score = Math.max(same.score, face.score);
      }
    }
    return out;
  }

  beforeAll(async () => {
    const registry = ModelRegistry.open();
    persons = await PersonDetector.create({ registry });
    faceDet = await FaceDetector.create({ registry });
    dir = mkdtempSync(join(tmpdir(), 'qmon-snapface-'));
    for (const n of SAMPLES) {
      const frame = await faceApiFrame(n);
      const people = (await persons.detect(frame)).items.map((d) => d.box);
      const faces = await facesIn(frame, people.map((p) => headRegion(p)));
      const shot = await renderSnapshot({ frame, people, faces: faces.map((x) => x.box) });
      const path = await writeSnapshotAtomic(dir, snapshotFileName(`sample${n}`, 1), shot.jpeg);
      const bytes = readFileSync(path);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(shot.sha256);
      const written = await decodeJpeg(bytes, `written-${n}`);
      const c = shot.crop;
      const plain = await sharp(frame.pixels, { raw: { width: frame.width, height: frame.height, channels: 3 } })
        .extract({ left: c.x, top: c.y, width: c.w, height: c.h })
        .jpeg({ quality: 80 })
        .toBuffer();
      cases.push({ n, frame, people, faces, shot, written, control: await decodeJpeg(plain, `control-${n}`) });
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all([persons?.close(), faceDet?.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A frame-pixel box in the snapshot's pixels. */
  const inShot = (c: Case, b: Box): Box => ({ x1: b.x1 - c.shot.crop.x, y1: b.y1 - c.shot.crop.y, x2: b.x2 - c.shot.crop.x, y2: b.y2 - c.shot.crop.y });
  const headsInShot = (c: Case): Box[] => c.people.map((p) => headRegion(inShot(c, p)));
  const aroundFaces = (c: Case): Box[] =>
    c.faces.map(({ box }) => {
      const b = inShot(c, box);
      const side = 2 * Math.max(b.x2 - b.x1, b.y2 - b.y1);
      const cx = (b.x1 + b.x2) / 2;
      const cy = (b.y1 + b.y2) / 2;
      return { x1: cx - side / 2, y1: cy - side / 2, x2: cx + side / 2, y2: cy + side / 2 };
    });

  it('finds the unmasked faces on the raw photos first (measured 16 of the 22 a person counts, all ≥ 0.59)', () => {
    for (const c of cases) {
      expect(c.people.length, `sample${c.n} persons`).toBeGreaterThanOrEqual(1);
      expect(c.faces.length, `sample${c.n} faces`).toBeGreaterThanOrEqual(1);
      expect(c.faces.length).toBeLessThanOrEqual(FACE_API_FACES[c.n]!);
    }
    expect(cases.reduce((n, c) => n + c.faces.length, 0)).toBeGreaterThanOrEqual(14);
  });

  it('control: the same crops without the blur still show the faces to the same searches (measured 15 and 15 of 16)', async () => {
    let total = 0;
    let inHeads = 0;
    let nearRaw = 0;
    for (const c of cases) {
      total += c.faces.length;
      const f = await facesIn(c.control, headsInShot(c));
      expect(f.length, `sample${c.n}`).toBeGreaterThanOrEqual(1);
      inHeads += f.length;
      for (const r of aroundFaces(c)) if ((await facesIn(c.control, [r])).length > 0) nearRaw++;
    }
    expect(inHeads).toBeGreaterThanOrEqual(Math.floor(0.9 * total));
    expect(nearRaw).toBeGreaterThanOrEqual(Math.floor(0.9 * total));
  });

  it('the written snapshots: no face in any person head region, none near any face found on the raw photo', async () => {
    for (const c of cases) {
      expect(c.shot.w * c.shot.h, `sample${c.n} crop is not empty`).toBeGreaterThan(0);
      expect(await facesIn(c.written, headsInShot(c)), `sample${c.n} head regions`).toEqual([]);
      expect(await facesIn(c.written, aroundFaces(c)), `sample${c.n} around raw faces`).toEqual([]);
    }
  });

  it(`sample1, whole snapshot in overlapping tiles: the faces found on the unblurred crop (≥ ${CONFIDENT}) are gone, nothing that confident is left`, async () => {
    const c = cases.find((x) => x.n === 1)!;
    const regions = [...tiles(c.shot.w, c.shot.h, Math.min(c.shot.w, c.shot.h) / 2), ...tiles(c.shot.w, c.shot.h, 256)];
    const faces = (await facesIn(c.control, regions)).filter((x) => x.score >= CONFIDENT);
    expect(faces.length, 'the three women, found unblurred (measured 0.90–0.95)').toBeGreaterThanOrEqual(3);
    const left = await facesIn(c.written, regions);
    expect(left.filter((x) => faces.some((f) => iou(f.box, x.box) > 0.2)), 'a face detection where an unblurred face was').toEqual([]);
    expect(left.filter((x) => x.score >= CONFIDENT)).toEqual([]);
  });
});

/**
 * vtest.avi (768x576 pedestrians, faces a few pixels wide): snapshots cropped as the Snapshotter crops a line
 * crossing, searched as the demo's end-to-end test searches them (BlazeFace at its 0.5 in overlapping tiles half
 * the crop's short side). Before the face check, 201 of 308 such snapshots of the clip's first 12 s had a
 * detection (0.50–0.69), the demo's stored one among them: heads were pixelated, the detections were legs, a white
 * sign on the grass, pixelated heads seen in a 45 px tile blown up to 128. These two are from 11.0 s and 11.4 s.
 */
describe('snapshots of a low-resolution video: the face check leaves nothing the face detector reports', () => {
  let faceDet: FaceDetector;
  let frames: Frame[];
  const CASES = [
    // Source frame, the event's person box, the other persons near it (as the person detector found them).
    { src: 110, people: [{ x1: 551.04, y1: 142.87, x2: 572.44, y2: 206.33 }], others: [{ x1: 526.77, y1: 137.47, x2: 549.22, y2: 205.65 }] },
    { src: 114, people: [{ x1: 183.54, y1: 64.55, x2: 197.71, y2: 100.8 }], others: [] },
  ] as const;

  beforeAll(async () => {
    faceDet = await FaceDetector.create({ registry: ModelRegistry.open() });
    const v = await readVideoFrames(VTEST_AVI, CASES.map((c) => c.src));
    frames = v.frames.map((pixels, i) => ({ cameraId: 'vtest', seq: CASES[i]!.src, ts: 0, wallTs: 0, width: v.width, height: v.height, format: 'rgb24', pixels }));
  }, 60_000);

  afterAll(async () => {
    await faceDet?.close();
  });

  /** The demo test's search: scores of every detection in overlapping tiles half the picture's short side. */
  async function searched(jpeg: Buffer): Promise<number[]> {
    const f = await decodeJpeg(jpeg, 'searched');
    const side = Math.max(16, Math.min(f.width, f.height) / 2);
    const scores: number[] = [];
    for (const t of tiles(f.width, f.height, side)) {
      const region = { x1: t.x1, y1: t.y1, x2: Math.min(f.width, t.x2), y2: Math.min(f.height, t.y2) };
      for (const x of await faceDet.detect(f, region)) scores.push(x.score);
    }
    return scores;
  }

  it('without the check the search reports a face in each; with it, none, and only a few regions more are blurred', async () => {
    const find: FaceFinder = async (f, region) => (await faceDet.detect(f, region)).map((x) => x.box);
    for (const [i, c] of CASES.entries()) {
      const frame = frames[i]!;
      const faces = await find(frame, c.people[0]);
      const before = await renderSnapshot({ frame, people: c.people, faces, others: c.others });
      expect((await searched(before.jpeg)).length, `frame ${c.src} without the check (measured 2 and 5 detections)`).toBeGreaterThan(0);
      expect(before.checkBlurred).toBe(0);
      const after = await renderSnapshot({ frame, people: c.people, faces, others: c.others, faceCheck: find });
      expect(after.crop).toEqual(before.crop);
      expect(await searched(after.jpeg), `frame ${c.src} with the check`).toEqual([]);
      expect(after.checkBlurred).toBeGreaterThan(0);
      expect(after.checkBlurred, 'blurred where found, not flattened').toBeLessThan(10);
    }
  }, 120_000);
});
