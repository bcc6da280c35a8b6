/**
 * The real converted CenterNet (models/centernet.onnx, built by `npm run models`) on real footage:
 * OpenCV's vtest.avi (pedestrians) and tree.avi (a tree, no people), decoded by the system ffmpeg.
 * Without the model file this suite fails with the registry's message, which names the fix.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box, Frame } from '../../agent/shared/types.js';
import { defaultModelsDir, ModelError, ModelRegistry, PersonDetector } from '../../agent/vision/index.js';
import { readVideoFrames, TREE_AVI, VTEST_AVI } from '../support/video-frames.js';

const VTEST_FRAMES = [0, 150, 300, 450, 600, 750];
const TREE_FRAMES = Array.from({ length: 12 }, (_, i) => i * 5); // tree.avi decodes to 68 frames

/**
 * People in vtest.avi frame 0, labelled by hand from 4x crops of the frame (not from detector output).
 * A detection counts when its IoU with a label is ≥ 0.5 — the usual detection-benchmark criterion,
 * loose enough for a few pixels of disagreement on where a coat or a foot ends.
 */
const FRAME0_PEOPLE: Box[] = [
  { x1: 254, y1: 220, x2: 283, y2: 308 },
  { x1: 501, y1: 157, x2: 529, y2: 232 },
  { x1: 640, y1: 241, x2: 684, y2: 320 },
];

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const iy = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = ix * iy;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

function toFrame(pixels: Buffer, width: number, height: number, seq: number, format: Frame['format'] = 'rgb24'): Frame {
  return { cameraId: 'cam-test', seq, ts: 1000 + seq, wallTs: 1_700_000_000_000 + seq, width, height, format, pixels };
}

describe('PersonDetector on the real model', () => {
  let det: PersonDetector;
  let vtest: Frame[];
  let tree: Frame[];

  beforeAll(async () => {
    det = await PersonDetector.create({ registry: ModelRegistry.open(), threads: 1 });
    const v = await readVideoFrames(VTEST_AVI, VTEST_FRAMES);
    vtest = v.frames.map((p, i) => toFrame(p, v.width, v.height, VTEST_FRAMES[i] as number));
    const t = await readVideoFrames(TREE_AVI, TREE_FRAMES);
    tree = t.frames.map((p, i) => toFrame(p, t.width, t.height, TREE_FRAMES[i] as number));
  });
  afterAll(async () => {
    await det?.close();
  });

  it('uses the manifest defaults: min score 0.4, one thread as asked', () => {
    expect(det.model.name).toBe('centernet');
    expect(det.minScore).toBe(0.4);
    expect(det.threads).toBe(1);
  });

  it('finds the three hand-labelled people in vtest frame 0, and nothing confident elsewhere', async () => {
    const d = await det.detect(vtest[0] as Frame);
    for (const person of FRAME0_PEOPLE) {
      const best = Math.max(0, ...d.items.map((x) => iou(x.box, person)));
      expect(best, `label ${JSON.stringify(person)}`).toBeGreaterThanOrEqual(0.5);
    }
    // A confident (≥ 0.5) detection that matches no label would be a false positive.
    for (const x of d.items.filter((i) => i.score >= 0.5)) {
      expect(Math.max(...FRAME0_PEOPLE.map((p) => iou(p, x.box))), JSON.stringify(x)).toBeGreaterThan(0.3);
    }
  });

  it('finds pedestrians in every sampled vtest frame, as person-shaped boxes inside the frame', async () => {
    // Each sampled frame shows 3–8 walking people; at least 2 per frame leaves room for occlusion.
    let total = 0;
    for (const f of vtest) {
      const d = await det.detect(f);
      expect(d).toMatchObject({ cameraId: 'cam-test', frameSeq: f.seq, ts: f.ts, wallTs: f.wallTs, width: 768, height: 576 });
      expect(d.items.length, `frame ${f.seq}`).toBeGreaterThanOrEqual(2);
      for (const x of d.items) {
        expect(x.cls).toBe('person');
        expect(x.score).toBeGreaterThanOrEqual(0.4);
        expect(x.box.x1).toBeGreaterThanOrEqual(0);
        expect(x.box.y1).toBeGreaterThanOrEqual(0);
        expect(x.box.x2).toBeLessThanOrEqual(768);
        expect(x.box.y2).toBeLessThanOrEqual(576);
        expect(x.box.x2).toBeGreaterThan(x.box.x1);
        expect(x.box.y2 - x.box.y1, 'standing people are taller than wide').toBeGreaterThan(x.box.x2 - x.box.x1);
      }
      total += d.items.length;
    }
    expect(total / vtest.length).toBeGreaterThanOrEqual(4);
  });

  it('finds no person in tree.avi (swaying tree, no people) at the default threshold', async () => {
    for (const f of tree) {
      const d = await det.detect(f);
      expect(d.items, `tree frame ${f.seq}`).toEqual([]);
      expect(d.width).toBe(320);
    }
  });

  it('handles a gray frame and a change of frame size, mapping boxes to each frame', async () => {
    const rgb = vtest[2] as Frame;
    const gray = Buffer.alloc(768 * 576);
    for (let i = 0; i < gray.length; i++) {
      gray[i] = Math.round(0.299 * (rgb.pixels[i * 3] as number) + 0.587 * (rgb.pixels[i * 3 + 1] as number) + 0.114 * (rgb.pixels[i * 3 + 2] as number));
    }
    const g = await det.detect(toFrame(gray, 768, 576, 9001, 'gray'));
    expect(g.items.length).toBeGreaterThanOrEqual(2);

    // Half size by 2x2 averaging: the same people must come back at half the coordinates.
    const half = Buffer.alloc(384 * 288 * 3);
    for (let y = 0; y < 288; y++) {
      for (let x = 0; x < 384; x++) {
        for (let c = 0; c < 3; c++) {
          const at = (yy: number, xx: number) => rgb.pixels[(yy * 768 + xx) * 3 + c] as number;
          half[(y * 384 + x) * 3 + c] = Math.round((at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4);
        }
      }
    }
    const full = await det.detect(rgb);
    const small = await det.detect(toFrame(half, 384, 288, 9002));
    expect(small.width).toBe(384);
    const matched = small.items.filter((s) =>
      full.items.some((f) => iou({ x1: f.box.x1 / 2, y1: f.box.y1 / 2, x2: f.box.x2 / 2, y2: f.box.y2 / 2 }, s.box) >= 0.5),
    );
    expect(matched.length).toBeGreaterThanOrEqual(Math.min(2, full.items.length));
    for (const s of small.items) expect(s.box.x2 <= 384 && s.box.y2 <= 288).toBe(true);
  });

  it('gives the same answers for overlapping calls as for sequential ones (one input buffer, serialised)', async () => {
    const frames = vtest.slice(0, 3);
    const sequential = [];
    for (const f of frames) sequential.push(await det.detect(f));
    const concurrent = await Promise.all(frames.map((f) => det.detect(f)));
    expect(concurrent).toEqual(sequential);
  });

  it('rejects a malformed frame with a clear message and keeps working afterwards', async () => {
    const bad = toFrame(Buffer.alloc(100), 768, 576, 5);
    await expect(det.detect(bad)).rejects.toThrow('camera cam-test frame 5: 768x576 rgb24 needs 1327104 bytes, got 100');
    expect((await det.detect(vtest[0] as Frame)).items.length).toBeGreaterThanOrEqual(3);
  });
});

describe('PersonDetector setup failures', () => {
  it('refuses to start without the model file, naming the file and `npm run models`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qmon-nomodel-'));
    try {
      copyFileSync(join(defaultModelsDir(), 'models.json'), join(dir, 'models.json'));
      const err = await PersonDetector.create({ registry: ModelRegistry.open(dir) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelError);
      expect((err as Error).message).toContain(join(dir, 'centernet.onnx'));
      expect((err as Error).message).toContain('npm run models');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validates options before loading anything', async () => {
    const registry = ModelRegistry.open();
    await expect(PersonDetector.create({ registry, threads: 0 })).rejects.toThrow(/threads must be a positive integer, got 0/);
    await expect(PersonDetector.create({ registry, minScore: 1.5 })).rejects.toThrow(/minScore must be within 0..1, got 1.5/);
    await expect(PersonDetector.create({ registry, model: 'nope' })).rejects.toThrow(/no model named "nope"/);
  });

  it('close() lets a call already made finish, then rejects new ones', async () => {
    const det = await PersonDetector.create({ registry: ModelRegistry.open(), threads: 1 });
    const pending = det.detect(toFrame(Buffer.alloc(64 * 48, 128), 64, 48, 1, 'gray'));
    const closing = det.close();
    await expect(pending).resolves.toMatchObject({ frameSeq: 1, width: 64, height: 48, items: [] });
    await closing;
    await det.close(); // idempotent
    await expect(det.detect(toFrame(Buffer.alloc(12), 2, 2, 2))).rejects.toThrow('person detector (centernet) is closed');
  });
});
