/**
 * The guard's context picture, on real photos of unmasked people (face-api's samples) with the real person and face
 * detectors: the whole frame downscaled with the rule drawn (the line, its `in` arrow) and the people boxed, a strip of
 * frames around the moment beneath, and no face the face detector can find in what it encodes, searched in tiles the
 * way the snapshot tests search (a control on the same picture without the blur finds them).
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderContext, type FaceFinder, type RuleOverlay } from '../../agent/events/index.js';
import type { Box, Frame } from '../../agent/shared/types.js';
import { FaceDetector, ModelRegistry, PersonDetector } from '../../agent/vision/index.js';
import { faceApiFrame, tiles } from '../vision/media.js';

let persons: PersonDetector;
let faceDet: FaceDetector;
let frame: Frame;
let people: Box[];
const find: FaceFinder = async (f, region) => (await faceDet.detect(f, region)).map((x) => x.box);

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

/** Scores BlazeFace reports in overlapping tiles half the picture's short side (the snapshot tests' search). */
async function searched(f: Frame): Promise<number[]> {
  const side = Math.max(16, Math.min(f.width, f.height) / 2);
  const out: number[] = [];
  for (const t of tiles(f.width, f.height, side)) out.push(...(await faceDet.detect(f, { x1: t.x1, y1: t.y1, x2: Math.min(f.width, t.x2), y2: Math.min(f.height, t.y2) })).map((x) => x.score));
  return out;
}

/** A small copy of the frame for the strip (the pipeline keeps them at this size). */
async function small(f: Frame, w: number): Promise<{ frame: Frame; k: number }> {
  const h = Math.round((f.height * w) / f.width);
  const px = await sharp(f.pixels, { raw: { width: f.width, height: f.height, channels: 3 } }).resize(w, h, { fit: 'fill' }).raw().toBuffer();
  return { frame: { ...f, width: w, height: h, pixels: px }, k: w / f.width };
}

describe('renderContext', () => {
  it('draws the line with its in-arrow and the people, shows the strip, and leaves no face the detector finds', async () => {
    const line: RuleOverlay['lines'][number] = { id: 'door', points: [[frame.width * 0.5, frame.height * 0.1], [frame.width * 0.5, frame.height * 0.9]], direction: 'both' };
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
      faceCheck: find,
    });
    const pic = await decoded(shot.jpeg);
    expect([pic.width, pic.height]).toEqual([shot.w, shot.h]);
    expect(shot.w).toBe(640);
    const k = 640 / frame.width;
    const momentH = Math.round(frame.height * k);
    expect(shot.h, 'the strip beneath the moment').toBeGreaterThan(momentH + 40);
    // The line, cyan, somewhere along its length (not where the red box may cross it).
    const at = (x: number, y: number): number[] => [0, 1, 2].map((c) => pic.pixels[(Math.round(y) * pic.width + Math.round(x)) * 3 + c]!);
    const onLine = [0.15, 0.3, 0.7, 0.85].map((t) => at(640 * 0.5, momentH * (0.1 + 0.8 * t)));
    expect(onLine.filter(([r, g, b]) => b! > 150 && g! > 120 && r! < 120).length, JSON.stringify(onLine)).toBeGreaterThanOrEqual(2);
    // The in-arrow from the line's middle into its `in` side: the left of first → second with y down, which for a line
    // drawn top to bottom is the picture's right (as the vtest crossings test: walking east is `in`).
    const arrow = [10, 20, 30].map((d) => at(640 * 0.5 + d, momentH * 0.5));
    expect(arrow.filter(([r, g, b]) => b! > 150 && g! > 120 && r! < 120).length, JSON.stringify(arrow)).toBeGreaterThanOrEqual(2);
    // No face left: the search that finds them on the unblurred picture finds none.
    expect(await searched(pic)).toEqual([]);
    const control = await decoded(await sharp(frame.pixels, { raw: { width: frame.width, height: frame.height, channels: 3 } }).resize(640).jpeg().toBuffer());
    expect((await searched(control)).filter((s) => s >= 0.85).length, 'the control: the same picture unblurred shows faces').toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('refuses a moment frame that is not what its header says', async () => {
    await expect(renderContext({ moment: { ...frame, pixels: Buffer.alloc(10) }, people: [], others: [], faces: [], overlay: { lines: [], zones: [] }, strip: [] })).rejects.toThrow(/must be \d+×\d+ rgb24/);
  });
});
