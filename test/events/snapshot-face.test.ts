/**
 * Snapshots hide faces, checked with a face detector instead of pixel statistics: real photos of
 * unmasked people (face-api's demo samples 1–6, `npm run models` caches them), the real CenterNet
 * person detector and BlazeFace face detector, `renderSnapshot` as the agent calls it (every head
 * pixelated, then the face check: the encoded picture searched whole, whatever is found pixelated,
 * until nothing is), the JPEG written with `writeSnapshotAtomic` to a temp folder and read back, then
 * searched for faces.
 *
 * The raw photo's faces, for the searches below, are found the way the agent's mask rule finds them:
 * BlazeFace in the head region of each person box (vision's `headRegion`). Searched on the written snapshot:
 * - the whole picture with the check's own search (FaceDetector.search): nothing at all;
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
 * A face whose person the person detector missed is found by the check (before the check it was not
 * blurred: in sample5 two such faces stayed findable, 0.92 and 0.83).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSnapshot, snapshotFileName, writeSnapshotAtomic, type FaceSearch, type RenderedSnapshot } from '../../agent/events/index.js';
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

  /** The agent's check: the face detector's whole-picture search. */
  const search: FaceSearch = async (f) => (await faceDet.search(f)).map((x) => x.box);

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
      const shot = await renderSnapshot({ frame, people, faces: [], faceCheck: search });
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
  }, 300_000); // ~50 s here: each 1920 px photo is searched at ×2 twice

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

  it('the written snapshots: the whole-picture search finds nothing; on the unblurred crops it finds the raw faces (measured 15 of 16)', async () => {
    let total = 0;
    let found = 0;
    for (const c of cases) {
      expect(await faceDet.search(c.written), `sample${c.n} written`).toEqual([]);
      const unblurred = await faceDet.search(c.control);
      const raw = c.faces.map(({ box }) => inShot(c, box));
      total += raw.length;
      found += raw.filter((b) => unblurred.some((x) => iou(x.box, b) > 0.3)).length;
      expect(c.shot.checkSearches, `sample${c.n}: the first search found faces, a later one none`).toBeGreaterThanOrEqual(2);
    }
    expect(found, `raw faces the search finds on the unblurred crops, of ${total}`).toBeGreaterThanOrEqual(Math.floor(0.9 * total));
  }, 120_000); // 12 searches of ~1750×1135 px photos at ×2

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
 * vtest.avi (768x576 pedestrians, faces 5–8 px wide): snapshots cropped as the Snapshotter crops a line crossing,
 * searched as the agent's check searches them and as the demo's end-to-end test searches stored snapshots: the face
 * detector's whole-picture search (FaceDetector.search: BlazeFace at ×2, and ×0.5 when the crop is wider than 96 px),
 * at its own threshold 0.5.
 *
 * Until issue 19 both searched in overlapping 256×256 tiles half the crop's short side (×5.3 for a 96 px crop), which
 * cost 25–113 model runs a snapshot. That search answered to where its tile edges fell more than to faces: on 130 raw
 * person crops of the clip's first 24 s it reported 276 detections, 216 of them outside any head (legs, tile edges
 * blown up 5×), and one pass over the whole crop at the same ×5 found only 23 of its 60 detections at heads. BlazeFace
 * finds small faces best at ×1.5–×2.5 and no better above (face-api and masked-crowd faces scaled down to 6 / 8 / 10 px:
 * 10 / 29 / 43 of 83 found at ×2, 4 / 15 / 39 at ×5, 0 / 3 / 27 at ×1), so ×2 sees every face it can see at all, in one
 * run for a vtest crop. Of those 130 crops, with every head pixelated and no check, 30 still had a detection at ×2
 * (bodies 19, background 7, pixelated heads 4; 0.51–0.76); unblurred, 34 had one, 21 of them in the head.
 * These two are from 5.8 s and 8.0 s.
 */
describe('snapshots of a low-resolution video: the face check leaves nothing the face search reports', () => {
  let faceDet: FaceDetector;
  let frames: Frame[];
  const CASES = [
    // Source frame, the event's person box, the other persons near it (as the person detector found them).
    {
      src: 58,
      people: [{ x1: 472.32, y1: 212.81, x2: 509.08, y2: 293.47 }],
      others: [
        { x1: 626.43, y1: 236.88, x2: 659.78, y2: 346.32 },
        { x1: 517.49, y1: 207.52, x2: 547.55, y2: 287.23 },
        { x1: 373.92, y1: 169.65, x2: 408.54, y2: 260.37 },
      ],
    },
    {
      src: 80,
      people: [{ x1: 565.31, y1: 190.66, x2: 599.94, y2: 279.88 }],
      others: [
        { x1: 473.32, y1: 175.19, x2: 503.51, y2: 251.12 },
        { x1: 443.75, y1: 180.61, x2: 472.71, y2: 255.07 },
        { x1: 258.3, y1: 174.43, x2: 285.55, y2: 241.99 },
        { x1: 373.2, y1: 178.83, x2: 399.95, y2: 260.28 },
        { x1: 272.61, y1: 52.99, x2: 284.99, y2: 83.26 },
      ],
    },
  ] as const;

  beforeAll(async () => {
    faceDet = await FaceDetector.create({ registry: ModelRegistry.open() });
    const v = await readVideoFrames(VTEST_AVI, CASES.map((c) => c.src));
    frames = v.frames.map((pixels, i) => ({ cameraId: 'vtest', seq: CASES[i]!.src, ts: 0, wallTs: 0, width: v.width, height: v.height, format: 'rgb24', pixels }));
  }, 60_000);

  afterAll(async () => {
    await faceDet?.close();
  });

  /** Scores of every face the whole-picture search finds in the decoded JPEG. */
  async function searched(jpeg: Buffer): Promise<number[]> {
    return (await faceDet.search(await decodeJpeg(jpeg, 'searched'))).map((x) => x.score);
  }

  it('without the check the search reports a face in each; with it, none, and only a few regions more are blurred', async () => {
    const search: FaceSearch = async (f) => (await faceDet.search(f)).map((x) => x.box);
    for (const [i, c] of CASES.entries()) {
      const frame = frames[i]!;
      const before = await renderSnapshot({ frame, people: c.people, faces: [], others: c.others });
      expect((await searched(before.jpeg)).length, `frame ${c.src} without the check (measured 0.73 and 0.66)`).toBeGreaterThan(0);
      expect([before.checkBlurred, before.checkSearches]).toEqual([0, 0]);
      const after = await renderSnapshot({ frame, people: c.people, faces: [], others: c.others, faceCheck: search });
      expect(after.crop).toEqual(before.crop);
      expect(await searched(after.jpeg), `frame ${c.src} with the check`).toEqual([]);
      expect(after.checkBlurred).toBeGreaterThan(0);
      expect(after.checkBlurred, 'blurred where found, not flattened (measured 2 and 1)').toBeLessThan(5);
      expect(after.checkSearches, 'measured 3 and 2').toBeLessThanOrEqual(4);
    }
  }, 120_000);
});
