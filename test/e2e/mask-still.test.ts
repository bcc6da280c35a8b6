/**
 * The no_mask path end to end on a real photo played as a camera: the masked-crowd street photo
 * img3.jpg (800x514; ../shared/media/masked-crowds) looped by the system ffmpeg through the agent's
 * FfmpegFrameSource (`-stream_loop -1`, 5 fps, so frames pass ffmpeg's scale and yuv420p round trip
 * like a camera's), then PersonDetector → Tracker → PersonAttributes (BlazeFace + the mask
 * classifier) → RuleEngine with `mask: true` (default consensus) → ViolationLifecycle into an
 * in-memory sink. Every frame is processed in order; nothing is timed.
 *
 * The photo: a crowd walking towards the camera, everyone in a surgical or cloth mask except one
 * man at the far left edge — black cap, dark T-shirt with a red print, face at about x 50–115,
 * y 95–165, body from x ≈ 20 to 135 down to the bottom of the picture. Exactly one no_mask
 * violation must come out, and it must be his.
 *
 * Measured when this test was written: 5 persons tracked from the second frame; the man's face
 * classified no_mask 1.00 three times, then (confident) every 5th frame; two passers-by mask 1.00;
 * the woman in pink beside him no_mask 0.50 every frame (uncertain, below the 0.8 that counts; on
 * the same photo decoded by sharp instead of ffmpeg she is mask 0.70); the man at the bottom right
 * unknown (no face found). Violation `new` on frame 3 (the third counted sample), never ended.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameStep } from '../../agent/pipeline/index.js';
import { CameraMetrics } from '../../agent/shared/camera-metrics.js';
import { ViolationLifecycle } from '../../agent/events/index.js';
import { RuleEngine } from '../../agent/rules/index.js';
import type { Box, Detections, RuleEvent, Violation } from '../../agent/shared/types.js';
import { Tracker } from '../../agent/track/index.js';
import { FaceDetector, MaskClassifier, ModelRegistry, PersonAttributes, PersonDetector } from '../../agent/vision/index.js';
import { IMG3_UNMASKED_FACE, maskedCrowd } from '../vision/media.js';
import { capturingLogger } from '../support/capturing-logger.js';
import { orderedFrames } from './ordered-frames.js';

const FPS = 5;
/** 5 s of "video": the consensus needs 3 confident samples, so a violation is due within ~1 s; the rest shows it stays one. */
const FRAMES = 25;
const CAMERA = 'street';
/**
 * Tracks start from detections scoring at least this (the tracker's default `high_score` is 0.5).
 * CenterNet scores the man 0.44 in this photo (the other four people 0.41–0.58). In a video a
 * person's score moves from frame to frame and one frame over 0.5 starts the track, which the
 * low-score stage then keeps; a still never moves, so with the default he would never get a track
 * and could never be judged. 0.4 is the detector's own threshold: every person it reports is tracked.
 */
const TRACK_FROM_SCORE = 0.4;

const centreIn = (b: Box, inner: Box): boolean => {
  const x = (inner.x1 + inner.x2) / 2;
  const y = (inner.y1 + inner.y2) / 2;
  return x >= b.x1 && x <= b.x2 && y >= b.y1 && y <= b.y2;
};

describe('img3.jpg as a still camera: ffmpeg → persons → tracks → face + mask → no_mask rule → violation', () => {
  const recorded: Violation[] = [];
  const events: RuleEvent[] = [];
  const perFrame: Detections[] = [];
  let frames = 0;
  let person: PersonDetector;
  let faces: FaceDetector;
  let masks: MaskClassifier;

  beforeAll(async () => {
    const registry = ModelRegistry.open();
    person = await PersonDetector.create({ registry });
    faces = await FaceDetector.create({ registry });
    masks = await MaskClassifier.create({ registry });
    const tracker = new Tracker({ fps: FPS, high_score: TRACK_FROM_SCORE });
    const attributes = new PersonAttributes({ faces, masks });
    const rules = RuleEngine.fromConfig({ mask: true }, { utcOffsetMin: 420 });
    const lifecycle = new ViolationLifecycle({ sink: { record: (v) => void recorded.push(v) } });
    const input = { kind: 'file', path: maskedCrowd('img3.jpg'), loop: true } as const;
    // The agent's own per-frame step (what CameraPipeline runs), fed the detector's output for every frame in order.
    const log = capturingLogger();
    const step = new FrameStep({ cameraId: CAMERA, metrics: new CameraMetrics(CAMERA), vision: null, attributes, tamperThumbHeight: 0, tracker, rules, lifecycle, logger: log.logger, pictures: null });
    for await (const frame of orderedFrames({ cameraId: CAMERA, input, width: 800, height: 514, fps: FPS, first: 0, end: FRAMES })) {
      frames++;
      const result = await step.process(frame, await person.detect(frame));
      if (!result) continue;
      perFrame.push(result.detections);
      events.push(...result.events);
    }
    if (step.metrics.errors > 0) throw new Error(`the frame step failed: ${log.errors().join('; ')}`);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([person?.close(), faces?.close(), masks?.close()]);
  });

  it('played every frame of the still through the chain', () => {
    expect(frames).toBe(FRAMES);
    // The crowd is there in every frame, tracked once the tracker confirms them (second frame on).
    for (const d of perFrame.slice(2)) expect(d.items.filter((x) => x.trackId !== undefined).length).toBeGreaterThanOrEqual(3);
  });

  it('raises exactly one no_mask violation, and nothing else', () => {
    expect(recorded.map((v) => `${v.type}/${v.state}`)).toEqual(['no_mask/new']);
    expect(recorded[0]).toMatchObject({ type: 'no_mask', cameraId: CAMERA, rule: { id: 'camera.no-mask' }, people: 1, endedAt: null });
    expect(recorded[0]!.confidence).toBeGreaterThanOrEqual(0.8);
    expect(events.map((e) => `${e.type}/${e.phase}`)).toEqual(['no_mask/start']);
  });

  it('is the unmasked man at the far left: his face is inside the violation box, and his track is the one classified no_mask', () => {
    const ev = events[0]!;
    expect(ev.trackIds).toHaveLength(1);
    const box = ev.boxes[0]!;
    expect(centreIn(box, IMG3_UNMASKED_FACE), `violation box ${JSON.stringify(box)}`).toBe(true);
    expect(box.x2, 'a box that reaches past x = 200 would hold the woman beside him as well').toBeLessThan(200);
    const manId = ev.trackIds[0]!;
    // Every confident no_mask classification in the run was of his track; others were seen masked.
    const samples = perFrame.flatMap((d) => d.items).filter((x) => x.attributes?.mask !== undefined);
    const noMaskTracks = new Set(samples.filter((x) => x.attributes!.mask!.state === 'no_mask' && x.attributes!.mask!.score >= 0.8).map((x) => x.trackId));
    expect([...noMaskTracks]).toEqual([manId]);
    const maskedTracks = new Set(samples.filter((x) => x.attributes!.mask!.state === 'mask').map((x) => x.trackId));
    // Measured 2 (the woman in the blue shirt, centre right, and the long-haired one behind her); none may be missing.
    expect(maskedTracks.size, 'the masked passers-by were classified, not just skipped').toBeGreaterThanOrEqual(2);
    expect(maskedTracks.has(manId)).toBe(false);
  });
});
