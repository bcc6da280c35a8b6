/**
 * PersonAttributes' bookkeeping with stand-in face and mask models that answer from a table (so
 * every decision is checked exactly). The real models on real pictures: person-attributes-real.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Box, Detection, Detections, Frame } from '../../agent/shared/types.js';
import type { Face } from '../../agent/vision/face-detector.js';
import { PersonAttributes, type FaceFinder, type MaskScorer } from '../../agent/vision/index.js';
import { headRegion, pickFace } from '../../agent/vision/person-attributes.js';

const FRAME: Frame = { cameraId: 'cam', seq: 0, ts: 0, wallTs: 0, width: 640, height: 480, format: 'gray', pixels: Buffer.alloc(640 * 480) };

/** A 60x180 person at x; its face (30 px) sits centred near the top. */
function person(trackId: number | undefined, x: number, w = 60): Detection {
  return { box: { x1: x, y1: 50, x2: x + w, y2: 230 }, score: 0.9, cls: 'person', ...(trackId !== undefined ? { trackId } : {}) };
}
function faceOf(p: Box, size = 30, score = 0.9): Face {
  const cx = (p.x1 + p.x2) / 2;
  return { box: { x1: cx - size / 2, y1: p.y1 + 5, x2: cx + size / 2, y2: p.y1 + 5 + size }, score, keypoints: [] };
}
function dets(items: Detection[], seq = 0): Detections {
  return { cameraId: 'cam', frameSeq: seq, ts: seq * 200, wallTs: 0, width: 640, height: 480, items };
}

/** Faces: one per person box whose region it is asked about, unless told otherwise. P(no mask) by face x. */
class Table implements FaceFinder, MaskScorer {
  faceCalls: Box[] = [];
  maskCalls: Box[] = [];
  noFaceNear = new Set<number>();
  faceSize = 30;
  pNoMask = new Map<number, number>();
  detect(_f: Frame, region: Box): Promise<Face[]> {
    this.faceCalls.push(region);
    const cx = (region.x1 + region.x2) / 2;
    if ([...this.noFaceNear].some((x) => Math.abs(x - cx) < 40)) return Promise.resolve([]);
    const w = (region.x2 - region.x1) / 1.5;
    return Promise.resolve([faceOf({ x1: cx - w / 2, y1: region.y1 + (region.x2 - region.x1) / 2 - 0.3 * w, x2: cx + w / 2, y2: 0 }, this.faceSize)]);
  }
  classify(_f: Frame, box: Box): Promise<number> {
    this.maskCalls.push(box);
    const cx = (box.x1 + box.x2) / 2;
    for (const [x, p] of this.pNoMask) if (Math.abs(x - cx) < 40) return Promise.resolve(p);
    return Promise.resolve(0.05);
  }
}

describe('PersonAttributes', () => {
  it('classifies tracked persons: no_mask with P, mask with 1 − P; untracked detections are left alone', async () => {
    const t = new Table();
    t.pNoMask.set(130, 0.93);
    const pa = new PersonAttributes({ faces: t, masks: t });
    const out = await pa.annotate(FRAME, dets([person(1, 100), person(2, 300), person(undefined, 500)]));
    expect(out.items[0]!.attributes?.mask).toEqual({ state: 'no_mask', score: 0.93 });
    expect(out.items[1]!.attributes?.mask).toEqual({ state: 'mask', score: 0.95 });
    expect(out.items[2]!.attributes).toBeUndefined();
    expect(out.items[0]!.box).toEqual(person(1, 100).box);
    expect(pa.stats).toMatchObject({ classified: 2, faces: 2, unknown: 0 });
  });

  it('no face, a face under minFacePx, or a person too narrow to show one is unknown, never no_mask', async () => {
    const t = new Table();
    t.noFaceNear.add(130);
    t.pNoMask.set(330, 0.99);
    const pa = new PersonAttributes({ faces: t, masks: t, minFacePx: 24 });
    const a = await pa.annotate(FRAME, dets([person(1, 100), person(3, 450, 30)]));
    expect(a.items.map((d) => d.attributes?.mask)).toEqual([{ state: 'unknown', score: 0 }, { state: 'unknown', score: 0 }]);
    expect(t.faceCalls).toHaveLength(1); // the 30 px wide person never reached the face model
    t.faceSize = 20;
    const b = await pa.annotate(FRAME, dets([person(2, 300)]));
    expect(b.items[0]!.attributes?.mask).toEqual({ state: 'unknown', score: 0 });
    expect(t.maskCalls).toHaveLength(0);
    expect(pa.stats).toMatchObject({ classified: 3, faces: 0, unknown: 3 });
  });

  it('once a track is confident, classifies it only every recheckEvery-th frame', async () => {
    const t = new Table();
    const pa = new PersonAttributes({ faces: t, masks: t, confidentAfter: 3, recheckEvery: 4 });
    const classifiedAt: number[] = [];
    for (let seq = 0; seq < 14; seq++) {
      const out = await pa.annotate(FRAME, dets([person(7, 100)], seq));
      if (out.items[0]!.attributes?.mask) classifiedAt.push(seq);
    }
    // 3 confident results (0,1,2) make it confident; then frames 6, 10 (every 4th).
    expect(classifiedAt).toEqual([0, 1, 2, 6, 10]);
    expect(pa.stats.skippedConfident).toBe(14 - 5);
  });

  it('an unsure or changed result restarts the streak; unknown results leave it alone', async () => {
    const t = new Table();
    const pa = new PersonAttributes({ faces: t, masks: t, confidentAfter: 2, recheckEvery: 10 });
    const run = async (seq: number) => (await pa.annotate(FRAME, dets([person(1, 100)], seq))).items[0]!.attributes?.mask?.state;
    t.pNoMask.set(130, 0.6); // unsure no_mask
    expect(await run(0)).toBe('no_mask');
    t.pNoMask.set(130, 0.9);
    expect(await run(1)).toBe('no_mask');
    t.noFaceNear.add(130);
    expect(await run(2)).toBe('unknown');
    t.noFaceNear.clear();
    expect(await run(3)).toBe('no_mask'); // second confident no_mask in a row (the unknown did not break it)
    expect(await run(4)).toBeUndefined(); // now confident: skipped
  });

  it('classifies at most maxPerFrame persons, unconfident tracks first, and catches up on later frames', async () => {
    const t = new Table();
    const pa = new PersonAttributes({ faces: t, masks: t, maxPerFrame: 2, confidentAfter: 1, recheckEvery: 2 });
    const crowd = [1, 2, 3].map((id) => person(id, id * 150));
    const f0 = await pa.annotate(FRAME, dets(crowd, 0));
    expect(f0.items.map((d) => d.attributes?.mask !== undefined)).toEqual([true, true, false]);
    const f1 = await pa.annotate(FRAME, dets(crowd, 1));
    // Track 3 is the only unconfident one; tracks 1 and 2 are confident and not yet due.
    expect(f1.items.map((d) => d.attributes?.mask !== undefined)).toEqual([false, false, true]);
    expect(pa.stats.deferred).toBe(1);
  });

  it('forgets expired tracks, keeps cameras apart, and refuses a frame that is not the detections’ frame', async () => {
    const t = new Table();
    const pa = new PersonAttributes({ faces: t, masks: t });
    await pa.annotate(FRAME, dets([person(1, 100), person(2, 300)]));
    await pa.annotate({ ...FRAME, cameraId: 'other' }, { ...dets([person(1, 100)]), cameraId: 'other' });
    expect(pa.trackCount).toBe(3);
    pa.forget('cam', [1, 2]);
    expect(pa.trackCount).toBe(1);
    await expect(pa.annotate({ ...FRAME, width: 320 }, dets([]))).rejects.toThrow(/frame cam 320x480 does not match detections cam 640x480/);
  });

  it('validates its options', () => {
    const t = new Table();
    expect(() => new PersonAttributes({ faces: t, masks: t, minFacePx: 0 })).toThrow(/minFacePx must be positive/);
    expect(() => new PersonAttributes({ faces: t, masks: t, confidentScore: 0.3 })).toThrow(/confidentScore must be within 0.5..1/);
    expect(() => new PersonAttributes({ faces: t, masks: t, recheckEvery: 1.5 })).toThrow(/recheckEvery must be a positive integer/);
  });
});

describe('head region and face choice', () => {
  it('the head region of a standing person is a square 1.5× its width around where the face is', () => {
    expect(headRegion({ x1: 100, y1: 50, x2: 160, y2: 230 })).toEqual({ x1: 85, y1: 23, x2: 175, y2: 113 });
    // A wide, short box (a seated close-up) is capped by its height.
    const r = headRegion({ x1: 0, y1: 0, x2: 200, y2: 150 });
    expect(r.x2 - r.x1).toBe(200);
  });

  it('picks the face on the person’s centre line over a neighbour’s, and none outside the box', () => {
    const p = { x1: 100, y1: 50, x2: 160, y2: 230 };
    const own = faceOf(p, 30, 0.7);
    const neighbour = { ...faceOf({ x1: 135, y1: 50, x2: 195, y2: 0 }, 30, 0.9) }; // centre x 165: outside the box
    const edge = { ...faceOf({ x1: 122, y1: 50, x2: 192, y2: 0 }, 30, 0.8) }; // centre x 157: inside, off-centre
    expect(pickFace(p, [neighbour, edge, own])).toBe(own);
    expect(pickFace(p, [neighbour])).toBeNull();
    const low = { ...own, box: { ...own.box, y1: 200, y2: 230 } }; // at the feet: not a face of this person
    expect(pickFace(p, [low])).toBeNull();
  });
});
