/**
 * The whole person → face → mask chain with the real models on real photos, each photo treated as
 * one camera frame whose persons the tracker has confirmed (track ids given here). Labels are what
 * a person counts in each photo; tolerances are stated, with what was measured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detections, Frame } from '../../agent/shared/types.js';
import { FaceDetector, MaskClassifier, ModelRegistry, PersonAttributes, PersonDetector } from '../../agent/vision/index.js';
import { readImageFrame } from '../support/image-frame.js';
import { darknetPerson, faceApiFrame, IMG3_UNMASKED_FACE, maskedCrowd } from './media.js';

let person: PersonDetector;
let faces: FaceDetector;
let masks: MaskClassifier;

beforeAll(async () => {
  const registry = ModelRegistry.open();
  person = await PersonDetector.create({ registry, threads: 1 });
  faces = await FaceDetector.create({ registry });
  masks = await MaskClassifier.create({ registry });
});
afterAll(async () => {
  await Promise.all([person?.close(), faces?.close(), masks?.close()]);
});

/** Persons found in the photo, every one tracked, all classified (no per-frame cap). */
async function chain(f: Frame): Promise<Detections> {
  const found = await person.detect(f);
  const tracked = { ...found, items: found.items.map((d, i) => ({ ...d, trackId: i + 1 })) };
  return new PersonAttributes({ faces, masks, maxPerFrame: 100 }).annotate(f, tracked);
}

const states = (d: Detections) => d.items.map((x) => x.attributes?.mask).filter((m) => m !== undefined);

describe('person attributes on real photos', () => {
  it('img3 street scene: the unmasked man is no_mask; the masked passers-by found are mask (measured 3 mask, 1 unknown)', async () => {
    const d = await chain(await readImageFrame(maskedCrowd('img3.jpg')));
    const man = d.items.find((x) => x.box.x1 <= IMG3_UNMASKED_FACE.x1 && x.box.x2 >= IMG3_UNMASKED_FACE.x2 && x.box.y1 <= IMG3_UNMASKED_FACE.y1 + 40);
    expect(man?.attributes?.mask).toMatchObject({ state: 'no_mask' });
    expect(man!.attributes!.mask!.score).toBeGreaterThanOrEqual(0.8);
    const others = d.items.filter((x) => x !== man).map((x) => x.attributes?.mask?.state);
    expect(others.filter((s) => s === 'mask').length).toBeGreaterThanOrEqual(2);
    expect(others).not.toContain('no_mask');
  });

  it('img2 masked portraits: every person classified is mask (measured 10 of 10)', async () => {
    const m = states(await chain(await readImageFrame(maskedCrowd('img2.jpeg'))));
    expect(m.length).toBeGreaterThanOrEqual(8);
    expect(m.filter((x) => x.state === 'mask').length).toBeGreaterThanOrEqual(m.length - 1);
    expect(m.filter((x) => x.state === 'no_mask' && x.score >= 0.8)).toEqual([]);
  });

  it('face-api group photos (all unmasked): ≥ 75 % of classified persons no_mask, ≥ 10 of them confidently (measured 12 of 14, all 12 ≥ 0.8)', async () => {
    const m: { state: string; score: number }[] = [];
    for (const n of [1, 2, 3, 4, 5, 6]) m.push(...states(await chain(await faceApiFrame(n))));
    const known = m.filter((x) => x.state !== 'unknown');
    expect(known.length).toBeGreaterThanOrEqual(12);
    expect(known.filter((x) => x.state === 'no_mask').length / known.length).toBeGreaterThanOrEqual(0.75);
    expect(known.filter((x) => x.state === 'no_mask' && x.score >= 0.8).length).toBeGreaterThanOrEqual(10);
  });

  it('darknet person.jpg (a woman with her dog and horse, seen from the side): her face is not found, so she is unknown, never a guess (measured: no face)', async () => {
    // This photo cannot show "never called masked": BlazeFace finds no face on her, so nothing is classified.
    // Asserted as what it is: found as a person, then unknown with score 0 (neither mask nor no_mask).
    const d = await chain(await readImageFrame(darknetPerson()));
    expect(d.items.length).toBeGreaterThanOrEqual(1);
    for (const x of d.items) expect(x.attributes?.mask).toEqual({ state: 'unknown', score: 0 });
  });

  it('unmasked faces that are found are classified, and almost never called masked with confidence (face-api photos: measured 14 classified, 1 mask at 0.86)', async () => {
    const m: { state: string; score: number }[] = [];
    for (const n of [1, 2, 3, 4, 5, 6]) m.push(...states(await chain(await faceApiFrame(n))));
    const classified = m.filter((x) => x.state !== 'unknown');
    // Without at least this many classified faces the next line would hold for a detector that finds nothing.
    expect(classified.length).toBeGreaterThanOrEqual(12);
    expect(classified.filter((x) => x.state === 'mask' && x.score >= 0.8).length).toBeLessThanOrEqual(1);
  });
});
