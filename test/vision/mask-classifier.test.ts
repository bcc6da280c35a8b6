/**
 * The committed mask classifier (models/mask-classifier.onnx, trained by scripts/mask/train-mask.ts) on
 * faces it never saw in training: real photos, faces found by the real BlazeFace over tiles. The
 * labels are what a person sees in each photo; tolerances are stated per test, with what was measured.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../agent/shared/types.js';
import { iou } from '../../agent/vision/face-decode.js';
import { defaultModelsDir, FaceDetector, MaskClassifier, ModelError, ModelRegistry, type Face } from '../../agent/vision/index.js';
import { readImageFrame } from '../support/image-frame.js';
import { centre, faceApiFrame, IMG3_UNMASKED_FACE, IMG4_MASKED_X, IMG4_UNMASKED_X, inside, maskedCrowd, tiles } from './media.js';

interface Scored {
  readonly face: Face;
  readonly p: number;
}

let faces: FaceDetector;
let masks: MaskClassifier;

/** Every face of ≥ 24 px found in overlapping tiles, with P(no mask). */
async function classifyAll(f: Frame, tile: number, minFaceScore = 0.5): Promise<Scored[]> {
  const found: Face[] = [];
  for (const t of tiles(f.width, f.height, tile)) {
    for (const face of await faces.detect(f, t)) {
      if (face.score >= minFaceScore && face.box.x2 - face.box.x1 >= 24 && !found.some((g) => iou(g.box, face.box) > 0.3)) found.push(face);
    }
  }
  const out: Scored[] = [];
  for (const face of found) out.push({ face, p: await masks.classify(f, face.box) });
  return out;
}

beforeAll(async () => {
  const registry = ModelRegistry.open();
  faces = await FaceDetector.create({ registry });
  masks = await MaskClassifier.create({ registry });
});
afterAll(async () => {
  await Promise.all([faces?.close(), masks?.close()]);
});

describe('MaskClassifier on real photos', () => {
  it('tells the masked from the unmasked twin in img4: ≥ 95 % of ≥ 28 faces right (measured 32 of 32)', async () => {
    const scored = await classifyAll(await readImageFrame(maskedCrowd('img4.jpeg')), 256);
    let right = 0;
    let labelled = 0;
    for (const { face, p } of scored) {
      const [x] = centre(face.box);
      const masked = IMG4_MASKED_X.some(([a, b]) => x >= a && x <= b);
      const bare = IMG4_UNMASKED_X.some(([a, b]) => x >= a && x <= b);
      expect(masked || bare, `face at x=${x} is in no labelled column`).toBe(true);
      labelled++;
      if ((p >= 0.5) === bare) right++;
    }
    expect(labelled).toBeGreaterThanOrEqual(28);
    expect(right / labelled).toBeGreaterThanOrEqual(0.95);
  });

  it('calls masked faces masked: img2 (10 portraits) and img1 (24 drawn faces), none confidently unmasked (measured: all, max P 0.20)', async () => {
    for (const [name, tile, least] of [['img2.jpeg', 300, 9], ['img1.jpeg', 256, 20]] as const) {
      const scored = await classifyAll(await readImageFrame(maskedCrowd(name)), tile);
      expect(scored.length, name).toBeGreaterThanOrEqual(least);
      const masked = scored.filter((s) => s.p < 0.5).length;
      expect(masked / scored.length, name).toBeGreaterThanOrEqual(0.95);
      expect(scored.filter((s) => s.p >= 0.8), name).toEqual([]);
    }
  });

  it('in the img3 street scene: the one unmasked man is no_mask, the masked passers-by are not (measured 9 of 10 mask, one at 0.51)', async () => {
    const scored = await classifyAll(await readImageFrame(maskedCrowd('img3.jpg')), 256);
    const man = scored.filter((s) => inside(IMG3_UNMASKED_FACE, ...centre(s.face.box)));
    expect(man).toHaveLength(1);
    expect(man[0]!.p).toBeGreaterThanOrEqual(0.8);
    const others = scored.filter((s) => s !== man[0]);
    expect(others.length).toBeGreaterThanOrEqual(8);
    expect(others.filter((s) => s.p < 0.5).length / others.length).toBeGreaterThanOrEqual(0.8);
    expect(others.filter((s) => s.p >= 0.8)).toEqual([]);
  });

  it('calls most unmasked faces in face-api’s group photos no_mask: ≥ 70 % of ≥ 18 faces (measured 15 of 20; misses are faces turned down or aside)', async () => {
    // Face score ≥ 0.7 keeps the real faces: weaker "faces" there are knees, hands and a wine glass.
    const all: Scored[] = [];
    for (const n of [1, 2, 3, 4, 5, 6]) all.push(...(await classifyAll(await faceApiFrame(n), 700, 0.7)));
    expect(all.length).toBeGreaterThanOrEqual(18);
    expect(all.filter((s) => s.p >= 0.5).length / all.length).toBeGreaterThanOrEqual(0.7);
  });

  it('gives probabilities, serialises overlapping calls, and is deterministic', async () => {
    const f = await readImageFrame(maskedCrowd('img4.jpeg'));
    const box = { x1: 166, y1: 178, x2: 230, y2: 242 };
    const [a, b, c] = await Promise.all([masks.classify(f, box), masks.classify(f, box), masks.classify(f, { x1: 52, y1: 19, x2: 119, y2: 86 })]);
    expect(a).toBe(b);
    expect(a).toBeGreaterThan(0.5);
    expect(c).toBeLessThan(0.5);
    expect(c).toBeGreaterThanOrEqual(0);
  });
});

describe('MaskClassifier manifest entry and setup failures', () => {
  it('records how it was trained and its validation numbers (accuracy, precision and recall for no_mask)', () => {
    const e = ModelRegistry.open().forRole('mask') as unknown as Record<string, unknown> & { validation: Record<string, number>; training: Record<string, unknown> };
    expect(e.name).toBe('mask-classifier');
    expect(e.training.script).toMatch(/scripts\/mask\/train-mask\.ts/);
    expect(e.validation.faces_found).toBeGreaterThan(700);
    for (const k of ['accuracy', 'precision_no_mask', 'recall_no_mask']) expect(e.validation[k], k).toBeGreaterThanOrEqual(0.95);
  });

  it('names the missing file and the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qmon-nomask-'));
    try {
      copyFileSync(join(defaultModelsDir(), 'models.json'), join(dir, 'models.json'));
      const err = await MaskClassifier.create({ registry: ModelRegistry.open(dir) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelError);
      expect((err as Error).message).toContain(join(dir, 'mask-classifier.onnx'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a model that does not output one probability, and a closed classifier', async () => {
    const registry = ModelRegistry.open();
    await expect(MaskClassifier.create({ registry, model: 'centernet' })).rejects.toThrow(/model "centernet": first output must be a single probability/);
    const m = await MaskClassifier.create({ registry });
    await m.close();
    const f: Frame = { cameraId: 'c', seq: 0, ts: 0, wallTs: 0, width: 8, height: 8, format: 'gray', pixels: Buffer.alloc(64) };
    await expect(m.classify(f, { x1: 0, y1: 0, x2: 8, y2: 8 })).rejects.toThrow('mask classifier (mask-classifier) is closed');
  });
});
