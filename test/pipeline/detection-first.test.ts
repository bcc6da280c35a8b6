/**
 * Detection never waits for a picture. The real parts of one camera (CameraSupervisor's latest-wins hand-off fed by a
 * frame source the test drives, the shared VisionScheduler, CameraPipeline, ViolationLifecycle, ViolationPictures and
 * its bounded PictureQueue), with a person detector that takes 200 ms and a snapshot renderer that takes 2 s: the
 * violation is recorded at once, the detector goes on answering frames while the picture is being made, and the
 * picture follows as a revision of its own. Then every frame is accounted for once: each cause of a drop in one place.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CameraSupervisor } from '../../agent/camera/index.js';
import { ViolationLifecycle } from '../../agent/events/index.js';
import { CameraPipeline, PictureQueue, ViolationPictures, type PictureRunner } from '../../agent/pipeline/index.js';
import { silentLogger } from '../../agent/ops/index.js';
import { RuleEngine } from '../../agent/rules/index.js';
import { systemClock } from '../../agent/shared/clock.js';
import { CameraMetrics } from '../../agent/shared/camera-metrics.js';
import type { Detections, Frame, Violation } from '../../agent/shared/types.js';
import { Tracker } from '../../agent/track/index.js';
import { VisionScheduler } from '../../agent/vision/index.js';
import { FakeSource } from '../camera/fake-source.js';
import { waitFor } from '../decode/media.js';
import { FPS, H, RIGHT_HALF, STANDING, W } from './frames.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A person detector that takes `ms` per frame and finds one person standing in the no-entry zone. */
function slowDetector(ms: number) {
  const answered: { seq: number; at: number }[] = [];
  return {
    answered,
    detect: async (f: Frame): Promise<Detections> => {
      await sleep(ms);
      answered.push({ seq: f.seq, at: Date.now() });
      return { cameraId: f.cameraId, frameSeq: f.seq, ts: f.ts, wallTs: f.wallTs, width: W, height: H, items: [STANDING] };
    },
  };
}

/** A snapshot renderer that takes `ms` and then reports a picture made (nothing is written). */
function slowRenderer(ms: number): PictureRunner & { started: number[] } {
  const started: number[] = [];
  return {
    started,
    restarts: 0,
    run: async () => {
      started.push(Date.now());
      await sleep(ms);
      return { ok: true, sha256: 'a'.repeat(64), bytes: 1000, w: 100, h: 150, checkBlurred: 0, cpuMs: 5 };
    },
    close: () => Promise.resolve(),
  };
}

function rig(detectMs: number, renderMs: number) {
  const metrics = new CameraMetrics('hall');
  let source: FakeSource | null = null;
  const supervisor = new CameraSupervisor({
    cameraId: 'hall',
    input: { kind: 'file', path: '/dev/null', loop: false },
    output: { width: W, height: H, fps: FPS, format: 'rgb24' },
    logger: silentLogger(),
    overFps: false,
    metrics,
    createSource: (o) => (source = new FakeSource(o)),
  });
  const detector = slowDetector(detectMs);
  const vision = new VisionScheduler({ detector, clock: systemClock, motion: false });
  vision.attach(metrics);
  const recorded: { v: Violation; at: number }[] = [];
  const lifecycle = new ViolationLifecycle({ sink: { record: (v) => void recorded.push({ v, at: Date.now() }) } });
  const renderer = slowRenderer(renderMs);
  const pictures = new ViolationPictures({
    storageDir: '/nonexistent',
    queue: new PictureQueue({ runner: renderer, clock: systemClock, logger: silentLogger() }),
    lifecycle,
    metrics,
    clock: systemClock,
    logger: silentLogger(),
    recordOutcome: () => undefined,
  });
  const pipeline = new CameraPipeline({
    cameraId: 'hall',
    metrics,
    supervisor,
    vision,
    attributes: null,
    tamperThumbHeight: 0,
    tracker: new Tracker({ fps: FPS }),
    rules: RuleEngine.fromConfig({ zones: [RIGHT_HALF] }, { utcOffsetMin: 0 }),
    lifecycle,
    pictures,
    logger: silentLogger(),
  });
  return { metrics, pipeline, detector, renderer, recorded, pictures, vision, source: () => source };
}

let stopAll: (() => Promise<void>) | null = null;
afterEach(async () => {
  await stopAll?.();
  stopAll = null;
});

describe('detection first', () => {
  it('a 2 s picture never holds up a 200 ms detector: the alert at once, frames answered meanwhile, the picture after', async () => {
    const r = rig(200, 2000);
    stopAll = () => r.pipeline.stop();
    r.pipeline.start();
    await waitFor(() => r.source() !== null, 'the supervisor to start its frame source');
    // One frame every 300 ms for 4.5 s: the detector (200 ms) keeps up with every one.
    for (let i = 0; i < 15; i++) {
      r.source()!.frame(i);
      await sleep(300);
    }
    await waitFor(() => r.recorded.length >= 2, 'the picture revision', 10_000);
    await r.pipeline.stop();

    const [alert, picture] = r.recorded as [{ v: Violation; at: number }, { v: Violation; at: number }];
    expect([alert.v.rev, alert.v.snapshot, picture.v.rev, picture.v.eventId]).toEqual([1, null, 2, alert.v.eventId]);
    expect(picture.v.snapshot).toMatchObject({ sha256: 'a'.repeat(64) });
    // The picture was started after the alert was recorded and took its 2 s; the alert did not wait for it.
    expect(r.renderer.started[0]!).toBeGreaterThanOrEqual(alert.at);
    expect(picture.at - alert.at).toBeGreaterThanOrEqual(1900);
    // While the picture was being made the detector went on answering frames (blocked, it would have answered none).
    const during = r.detector.answered.filter((a) => a.at > alert.at && a.at < picture.at);
    expect(during.length).toBeGreaterThanOrEqual(4);
    const m = r.metrics;
    expect(m.dropped).toEqual({ handoff: 0, scheduler: 0, budget: 0 });
    expect(m.inferred).toBe(15);
  }, 30_000);

  it('a detector slower than the camera loses frames in the hand-off, each counted once, in one place', async () => {
    const r = rig(400, 10);
    stopAll = () => r.pipeline.stop();
    r.pipeline.start();
    await waitFor(() => r.source() !== null, 'the supervisor to start its frame source');
    for (let i = 0; i < 20; i++) {
      r.source()!.frame(i);
      await sleep(100);
    }
    await r.pipeline.stop();
    const m = r.metrics;
    expect(m.decoded).toBe(20);
    expect(m.dropped.handoff).toBeGreaterThanOrEqual(8);
    // The supervisor counts what the hand-off replaced; the pipeline what it took; the rest never reached either.
    expect(m.decoded - m.handedOff - m.dropped.handoff).toBeLessThanOrEqual(1);
    expect(m.inferred + m.gated + m.errors + m.dropped.scheduler + m.dropped.budget).toBe(m.handedOff);
    expect(m.summary().dropped).toBe(m.dropped.handoff);
  }, 30_000);
});
