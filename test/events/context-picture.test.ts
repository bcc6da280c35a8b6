/**
 * The guard's context picture, on real photos of unmasked people (face-api's samples) with the real person and face
 * detectors: the whole frame downscaled with the rule drawn (the line, its `in` arrow) and the people boxed, a strip of
 * frames around the moment beneath, and no face the face detector can find in what it encodes, searched as the
 * snapshot worker's check searches it (the whole picture from ×1); a control on the same picture without the blur
 * finds the faces, and where it finds them the picture has lost its detail.
 * (A search of the whole picture from ×2 also reports pixelated heads and strip frames at 0.5–0.8: at that zoom
 * BlazeFace answers to their blocks, which ×1, at which a face of their size is found, does not; see
 * agent/vision/README.md, "Searching a whole picture for faces", on verifiers that follow their own zoom.)
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderContext, type FaceFinder, type FaceSearch, type RuleOverlay } from '../../agent/events/index.js';
import type { Box, Frame } from '../../agent/shared/types.js';
import { FaceDetector, ModelRegistry, PersonDetector } from '../../agent/vision/index.js';
import { faceApiFrame } from '../vision/media.js';

let persons: PersonDetector;
let faceDet: FaceDetector;
let frame: Frame;
let people: Box[];
const find: FaceFinder = async (f, region) => (await faceDet.detect(f, region)).map((x) => x.box);
/** The check as the snapshot worker runs it on a whole-frame picture: a search of the whole picture from ×1. */
const check: FaceSearch = async (picture) => (await faceDet.search(picture, 1)).map((x) => x.box);

beforeAll(async () => {
  const registry = ModelRegistry.open();
  persons = await PersonDetector.create({ registry });
  faceDet = await FaceDetector.create({ registry });
  frame = await faceApiFrame(1); // three women, every face frontal
  people = (await persons.detect(frame)).items.map((d) => d.box);
}, 60_000);

afterAll(async () => {
  await Promise.all([persons?.close(), faceDet?.close()]);
});

/** The picture decoded, as a frame. */
async function decoded(jpeg: Buffer): Promise<Frame> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { cameraId: 'decoded', seq: 0, ts: 0, wallTs: 0, width: info.width, height: info.height, format: 'rgb24', pixels: data };
}

/** Mean absolute difference of horizontal neighbours inside `b` (0: flat): how much detail a region still has. */
function detail(f: Frame, b: Box): number {
  let sum = 0;
  let n = 0;
  for (let y = Math.max(0, Math.ceil(b.y1)); y < Math.min(f.height, Math.floor(b.y2)); y++) {
    for (let x = Math.max(0, Math.ceil(b.x1)); x < Math.min(f.width, Math.floor(b.x2)) - 1; x++) {
      const i = (y * f.width + x) * 3;
      sum += Math.abs(f.pixels[i]! - f.pixels[i + 3]!) + Math.abs(f.pixels[i + 1]! - f.pixels[i + 4]!);
      n++;
    }
  }
  return n ? sum / n : 0;
}

/** A small copy of the frame for the strip (the pipeline keeps them at this size). */
async function small(f: Frame, w: number): Promise<{ frame: Frame; k: number }> {
  const h = Math.round((f.height * w) / f.width);
  const px = await sharp(f.pixels, { raw: { width: f.width, height: f.height, channels: 3 } }).resize(w, h, { fit: 'fill' }).raw().toBuffer();
  return { frame: { ...f, width: w, height: h, pixels: px }, k: w / f.width };
}

describe('renderContext', () => {
  it('draws the line with its in-arrow and the people, shows the strip, and leaves no face the detector finds', async () => {
    // A door line at 90 % of the width: away from the faces, so the faces' detail is measured without the drawing.
    const line: RuleOverlay['lines'][number] = { id: 'door', points: [[frame.width * 0.9, frame.height * 0.1], [frame.width * 0.9, frame.height * 0.9]], direction: 'both' };
    const strip = await small(frame, 120);
    const scaled = (b: Box): Box => ({ x1: b.x1 * strip.k, y1: b.y1 * strip.k, x2: b.x2 * strip.k, y2: b.y2 * strip.k });
    const faces: Box[] = [];
    for (const p of people) faces.push(...(await find(frame, p)));
    const shot = await renderContext({
      moment: frame,
      people: people.slice(0, 1),
      others: people.slice(1),
      faces,
      overlay: { lines: [line], zones: [], lineId: 'door' },
      strip: [-2000, -1000, 0, 1000, 2000].map((offsetMs) => ({ frame: strip.frame, persons: people.map(scaled), offsetMs })),
      faceCheck: check,
    });
    const pic = await decoded(shot.jpeg);
    expect([pic.width, pic.height]).toEqual([shot.w, shot.h]);
    expect(shot.w).toBe(640);
    const k = 640 / frame.width;
    const momentH = Math.round(frame.height * k);
    expect(shot.h, 'the strip beneath the moment').toBeGreaterThan(momentH + 40);
    // The line, cyan, somewhere along its length (not where the red box may cross it).
    const at = (x: number, y: number): number[] => [0, 1, 2].map((c) => pic.pixels[(Math.round(y) * pic.width + Math.round(x)) * 3 + c]!);
    const onLine = [0.15, 0.3, 0.7, 0.85].map((t) => at(640 * 0.9, momentH * (0.1 + 0.8 * t)));
    expect(onLine.filter(([r, g, b]) => b! > 150 && g! > 120 && r! < 120).length, JSON.stringify(onLine)).toBeGreaterThanOrEqual(2);
    // The in-arrow from the line's middle into its `in` side: the left of first → second with y down, which for a line
    // drawn top to bottom is the picture's right (as the vtest crossings test: walking east is `in`).
    const arrow = [10, 20, 30].map((d) => at(640 * 0.9 + d, momentH * 0.5));
    expect(arrow.filter(([r, g, b]) => b! > 150 && g! > 120 && r! < 120).length, JSON.stringify(arrow)).toBeGreaterThanOrEqual(2);
    // No face left to the check as the worker runs it; the same search finds the faces on the unblurred picture, and
    // where it finds them the context picture has lost its detail.
    expect((await faceDet.search(pic, 1)).map((x) => x.score)).toEqual([]);
    const control = await decoded(await sharp(frame.pixels, { raw: { width: frame.width, height: frame.height, channels: 3 } }).resize(640).jpeg().toBuffer());
    const seen = (await faceDet.search(control, 1)).filter((x) => x.score >= 0.85);
    expect(seen.length, 'the control: the same picture unblurred shows faces').toBeGreaterThanOrEqual(2);
    // The middle of each face box (eyes, nose, mouth; the box's edges hold hair and background).
    const middle = (b: Box): Box => ({ x1: b.x1 + (b.x2 - b.x1) / 4, y1: b.y1 + (b.y2 - b.y1) / 4, x2: b.x2 - (b.x2 - b.x1) / 4, y2: b.y2 - (b.y2 - b.y1) / 4 });
    for (const f of seen) expect(detail(pic, middle(f.box)), `detail where a face was (${JSON.stringify(f.box)})`).toBeLessThan(detail(control, middle(f.box)) / 3);
  }, 120_000);

  it('refuses a moment frame that is not what its header says', async () => {
    await expect(renderContext({ moment: { ...frame, pixels: Buffer.alloc(10) }, people: [], others: [], faces: [], overlay: { lines: [], zones: [] }, strip: [] })).rejects.toThrow(/must be \d+×\d+ rgb24/);
  });
});
