/**
 * Vision-stage benchmarks (report numbers, assert nothing):
 * - `benchFaceMask`: face detector + mask classifier per person, on real group photos;
 * - `benchVisionStage`: the whole stage per frame on vtest.avi (motion gate, person detector,
 *   tracker, person attributes), as one camera sees it;
 * - `benchCameras`: how many cameras at 5 detect-fps one machine sustains with < 1 % dropped
 *   frames, N copies of vtest.avi through one VisionScheduler in real time, with and without the
 *   motion gate.
 */
import { systemClock } from '../../agent/shared/clock.js';
import { CameraMetrics } from '../../agent/shared/camera-metrics.js';
import type { Detections, Frame } from '../../agent/shared/types.js';
import { Tracker } from '../../agent/track/index.js';
import { FaceDetector, MaskClassifier, ModelRegistry, MotionGate, PersonAttributes, PersonDetector, VisionScheduler, defaultThreads } from '../../agent/vision/index.js';
import { headRegion, pickFace } from '../../agent/vision/person-attributes.js';
import { readImageFrame } from '../../test/support/image-frame.js';
import { readVideoFrames, VTEST_AVI } from '../../test/support/video-frames.js';
import { faceApiSample } from '../models/test-media.js';
import { quantile } from './detector.js';
import { medianBackground } from '../../test/support/persons/background.js';

const round = (v: number): number => Math.round(v * 100) / 100;
const stats = (ms: readonly number[]) => (ms.length ? { p50: round(quantile(ms, 0.5)), p95: round(quantile(ms, 0.95)), n: ms.length } : { p50: null, p95: null, n: 0 });

async function vtestFrames(count: number, step: number): Promise<Frame[]> {
  const idx = Array.from({ length: count }, (_, i) => (i * step) % 795);
  const sorted = [...new Set(idx)].sort((a, b) => a - b);
  const out: Frame[] = [];
  // In chunks: ffmpeg's select expression fails (out of memory) with a hundred terms.
  for (let k = 0; k < sorted.length; k += 30) {
    const chunk = sorted.slice(k, k + 30);
    const v = await readVideoFrames(VTEST_AVI, chunk);
    chunk.forEach((n, i) => out.push({ cameraId: 'vtest', seq: n, ts: 0, wallTs: 0, width: v.width, height: v.height, format: 'rgb24', pixels: v.frames[i] as Buffer }));
  }
  return out;
}

export interface FaceMaskBenchResult {
  scenario: 'face-mask';
  pictures: number;
  persons: number;
  faces: number;
  face_ms: ReturnType<typeof stats>;
  mask_ms: ReturnType<typeof stats>;
  per_person_ms: ReturnType<typeof stats>;
}

/** Face search + mask classification per person found by the person detector in face-api's six group photos. */
export async function benchFaceMask(): Promise<FaceMaskBenchResult> {
  const registry = ModelRegistry.open();
  const person = await PersonDetector.create({ registry, threads: defaultThreads() });
  const faces = await FaceDetector.create({ registry, threads: 1 });
  const masks = await MaskClassifier.create({ registry, threads: 1 });
  const faceMs: number[] = [];
  const maskMs: number[] = [];
  const perPerson: number[] = [];
  let persons = 0;
  try {
    for (const n of [1, 2, 3, 4, 5, 6]) {
      const f = await readImageFrame(faceApiSample(n));
      const found = await person.detect(f);
      for (let rep = 0; rep < 3; rep++) {
        for (const p of found.items) {
          if (rep === 0) persons++;
          const t0 = performance.now();
          const face = pickFace(p.box, await faces.detect(f, headRegion(p.box)));
          const t1 = performance.now();
          faceMs.push(t1 - t0);
          if (face) {
            await masks.classify(f, face.box);
            maskMs.push(performance.now() - t1);
          }
          perPerson.push(performance.now() - t0);
        }
      }
    }
  } finally {
    await Promise.all([person.close(), faces.close(), masks.close()]);
  }
  return { scenario: 'face-mask', pictures: 6, persons, faces: maskMs.length / 3, face_ms: stats(faceMs), mask_ms: stats(maskMs), per_person_ms: stats(perPerson) };
}

export interface VisionStageBenchResult {
  scenario: 'vision-stage';
  frames: number;
  detect_fps: number;
  gate: boolean;
  gate_ms: ReturnType<typeof stats>;
  detector_ms: ReturnType<typeof stats>;
  attributes_ms: ReturnType<typeof stats>;
  frame_ms: ReturnType<typeof stats>;
  detector_runs: number;
  persons_mean: number;
  tracked_mean: number;
  faces_classified: number;
  unknown: number;
}

/**
 * One camera's vision work per frame on vtest.avi sampled at 5 fps: motion gate, person detector
 * (skipped when the gate says still), tracker, person attributes. vtest's people are ~30–45 px
 * wide, so most are too small for a face of min_face_px and are marked unknown without a face run.
 */
export async function benchVisionStage(opts: { frames: number; gate: boolean }): Promise<VisionStageBenchResult> {
  const frames = await vtestFrames(opts.frames, 2);
  const registry = ModelRegistry.open();
  const person = await PersonDetector.create({ registry, threads: defaultThreads() });
  const faces = await FaceDetector.create({ registry, threads: 1 });
  const masks = await MaskClassifier.create({ registry, threads: 1 });
  const tracker = new Tracker({ fps: 5 });
  const attrs = new PersonAttributes({ faces, masks });
  const gate = opts.gate ? new MotionGate() : null;
  const gateMs: number[] = [];
  const detMs: number[] = [];
  const attrMs: number[] = [];
  const frameMs: number[] = [];
  let last: Detections | null = null;
  let runs = 0;
  let persons = 0;
  let tracked = 0;
  try {
    for (const [i, raw] of frames.entries()) {
      const f: Frame = { ...raw, seq: i, ts: i * 200 };
      const t0 = performance.now();
      const d = gate?.check(f);
      const t1 = performance.now();
      if (d) gateMs.push(t1 - t0);
      let found: Detections;
      if (d && !d.run && last) {
        found = { ...last, frameSeq: f.seq, ts: f.ts };
      } else {
        if (d) gate?.commit(d);
        found = await person.detect(f);
        runs++;
        detMs.push(performance.now() - t1);
      }
      last = found;
      const { detections, expired } = tracker.update(found);
      const t2 = performance.now();
      await attrs.annotate(f, detections);
      attrs.forget(f.cameraId, expired);
      const t3 = performance.now();
      attrMs.push(t3 - t2);
      frameMs.push(t3 - t0);
      persons += found.items.length;
      tracked += detections.items.filter((x) => x.trackId !== undefined).length;
    }
  } finally {
    await Promise.all([person.close(), faces.close(), masks.close()]);
  }
  return {
    scenario: 'vision-stage',
    frames: frames.length,
    detect_fps: 5,
    gate: opts.gate,
    gate_ms: stats(gateMs),
    detector_ms: stats(detMs),
    attributes_ms: stats(attrMs),
    frame_ms: stats(frameMs),
    detector_runs: runs,
    persons_mean: round(persons / frames.length),
    tracked_mean: round(tracked / frames.length),
    faces_classified: attrs.stats.faces,
    unknown: attrs.stats.unknown,
  };
}

export interface CamerasBenchResult {
  scenario: 'cameras';
  gate: boolean;
  /** busy: vtest.avi throughout (people always moving); quiet: an empty scene with sensor noise, people 20 % of the time. */
  scene: 'busy' | 'quiet';
  cameras: number;
  fps_each: number;
  seconds: number;
  detector_threads: number;
  submitted: number;
  dropped: number;
  gated: number;
  dropped_share: number;
  worst_camera_dropped_share: number;
  latency_p50_ms: number | null;
  latency_max_ms: number | null;
  sustained: boolean;
}

/**
 * N cameras, each submitting vtest.avi frames at `fps` in real time (each starting at a different
 * point of the clip), through one VisionScheduler and one person detector. Sustained = every camera
 * dropped < 1 % of its frames. Increases N until a run is not sustained (or `maxCameras`).
 */
export async function benchCameras(opts: { seconds: number; fps: number; gate: boolean; scene: 'busy' | 'quiet'; maxCameras: number }): Promise<CamerasBenchResult[]> {
  const video = await vtestFrames(Math.round(opts.seconds * opts.fps) + 40, 2);
  const clip = opts.scene === 'busy' ? video : quietClip(video, opts.fps);
  const registry = ModelRegistry.open();
  const threads = defaultThreads();
  const person = await PersonDetector.create({ registry, threads });
  const out: CamerasBenchResult[] = [];
  try {
    await person.detect({ ...(clip[0] as Frame) }); // warm-up
    for (let n = 1; n <= opts.maxCameras; n++) {
      const r = await runCameras(person, clip, n, opts);
      out.push({ ...r, detector_threads: threads });
      if (!r.sustained) break;
    }
  } finally {
    await person.close();
  }
  return out;
}

async function runCameras(
  person: PersonDetector,
  clip: readonly Frame[],
  n: number,
  opts: { seconds: number; fps: number; gate: boolean; scene: 'busy' | 'quiet' },
): Promise<Omit<CamerasBenchResult, 'detector_threads'>> {
  const scheduler = new VisionScheduler({ detector: person, clock: systemClock, motion: opts.gate ? {} : false, windowMs: opts.seconds * 1000 + 5000 });
  const interval = 1000 / opts.fps;
  const total = Math.round(opts.seconds * opts.fps);
  const start = systemClock.now();
  const pending: Promise<unknown>[] = [];
  // Cameras are staggered within one frame interval, as independent cameras would be.
  const cams = Array.from({ length: n }, (_, c) => ({ id: `cam-${c + 1}`, offset: (c * 37) % clip.length, phase: (c * interval) / n, sent: 0, metrics: new CameraMetrics(`cam-${c + 1}`) }));
  for (const cam of cams) scheduler.attach(cam.metrics);
  let gated = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = systemClock.now();
      for (const cam of cams) {
        const due = Math.min(total, Math.floor((now - start - cam.phase) / interval) + 1);
        for (; cam.sent < due; cam.sent++) {
          const src = clip[(cam.offset + cam.sent) % clip.length] as Frame;
          pending.push(scheduler.submit({ ...src, cameraId: cam.id, seq: cam.sent, ts: now, wallTs: Date.now() }).then((d) => void (d?.work?.gated && gated++)));
        }
      }
      if (cams.every((c) => c.sent >= total)) resolve();
      else setTimeout(tick, 5);
    };
    tick();
  });
  await Promise.allSettled(pending);
  const st = scheduler.stats();
  await scheduler.close();
  const submitted = cams.reduce((a, c) => a + c.sent, 0);
  const dropped = cams.reduce((a, c) => a + c.metrics.dropped.scheduler, 0);
  const worst = Math.max(...cams.map((c) => c.metrics.dropped.scheduler / Math.max(1, c.sent)));
  const lat = st.flatMap((s) => (s.latencyP50Ms === null ? [] : [s.latencyP50Ms]));
  return {
    scenario: 'cameras',
    gate: opts.gate,
    scene: opts.scene,
    cameras: n,
    fps_each: opts.fps,
    seconds: opts.seconds,
    submitted,
    dropped,
    gated,
    dropped_share: Math.round((dropped / submitted) * 10_000) / 10_000,
    worst_camera_dropped_share: Math.round(worst * 10_000) / 10_000,
    latency_p50_ms: lat.length ? round(quantile(lat, 0.5)) : null,
    latency_max_ms: st.reduce<number | null>((a, s) => (s.latencyMaxMs === null ? a : Math.max(a ?? 0, s.latencyMaxMs)), null),
    sustained: worst < 0.01,
  };
}

/**
 * A quiet corridor, as quarantine cameras mostly see: vtest.avi's empty background (per-pixel
 * median of its frames: people move, the mall does not) with fresh sensor noise (±4 levels) in every
 * frame, and the real video for 3 s in every 15 s.
 */
function quietClip(video: readonly Frame[], fps: number): Frame[] {
  const first = video[0] as Frame;
  const n = first.pixels.length;
  const sample = video.filter((_, i) => i % Math.max(1, Math.floor(video.length / 15)) === 0).slice(0, 15);
  const background = medianBackground(sample);
  let seed = 7;
  const noise = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % 9) - 4;
  const period = 15 * fps;
  const active = 3 * fps;
  return video.map((f, i) => {
    if (i % period < active) return f;
    const px = Buffer.alloc(n);
    for (let k = 0; k < n; k++) px[k] = Math.max(0, Math.min(255, (background[k] as number) + noise()));
    return { ...f, pixels: px };
  });
}
