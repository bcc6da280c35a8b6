import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CameraPipeline,
  FrameStep,
  PictureQueue,
  ViolationPictures,
  answerJob,
  type CameraPipelineParts,
  type FrameDetector,
  type PictureRunner,
} from '../../agent/pipeline/index.js';
import { ViolationLifecycle, type ViolationSink } from '../../agent/events/index.js';
import { RuleEngine } from '../../agent/rules/index.js';
import { systemClock } from '../../agent/shared/clock.js';
import { CameraMetrics } from '../../agent/shared/camera-metrics.js';
import type { Detections, Frame, RuleEvent, Violation } from '../../agent/shared/types.js';
import { Tracker } from '../../agent/track/index.js';
import { capturingLogger } from '../support/capturing-logger.js';
import { tempDir } from '../store/fixtures.js';
import { FPS, RIGHT_HALF, found, frame } from './frames.js';

/** Stands in for CameraSupervisor: hands over a fixed list of frames, then ends the stream. */
class ScriptedSupervisor {
  started = false;
  stopped = false;
  constructor(private readonly list: readonly Frame[]) {}
  start(): void {
    this.started = true;
  }
  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
  async *frames(): AsyncGenerator<Frame, void, undefined> {
    for (const f of this.list) {
      await Promise.resolve();
      yield f;
    }
  }
}

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** The snapshot worker's own render, in this process (no face model: the frames are synthetic). */
const inProcess: PictureRunner = { run: (job) => answerJob(job, null), restarts: 0, close: () => Promise.resolve() };

function parts(over: { vision: FrameDetector; frames: readonly Frame[]; sink?: ViolationSink; runner?: PictureRunner }) {
  const tmp = tempDir('pipeline');
  cleanups.push(tmp.cleanup);
  const log = capturingLogger();
  const recorded: Violation[] = [];
  const alerts: { v: Violation; ev: RuleEvent }[] = [];
  const outcomes: { eventId: string; outcome: string; reason: string | null }[] = [];
  const supervisor = new ScriptedSupervisor(over.frames);
  const metrics = new CameraMetrics('hall');
  const lifecycle = new ViolationLifecycle({ sink: over.sink ?? { record: (v) => void recorded.push(v) } });
  const pictures = new ViolationPictures({
    storageDir: tmp.dir,
    queue: new PictureQueue({ runner: over.runner ?? inProcess, clock: systemClock, logger: log.logger }),
    lifecycle,
    metrics,
    clock: systemClock,
    logger: log.logger,
    recordOutcome: (row) => outcomes.push({ eventId: row.eventId, outcome: row.outcome, reason: row.reason }),
  });
  const p: CameraPipelineParts = {
    cameraId: 'hall',
    metrics,
    supervisor,
    vision: over.vision,
    attributes: null,
    tamperThumbHeight: 0,
    tracker: new Tracker({ fps: FPS }),
    rules: RuleEngine.fromConfig({ zones: [RIGHT_HALF] }, { utcOffsetMin: 420 }),
    lifecycle,
    pictures,
    logger: log.logger,
    onViolation: (v, ev) => alerts.push({ v, ev }),
  };
  return { p, supervisor, log, recorded, alerts, outcomes, pictures, metrics, dir: tmp.dir };
}

const scripted = (answer: (f: Frame) => Detections | null | 'fail'): FrameDetector => ({
  submit: (f) => {
    const a = answer(f);
    return a === 'fail' ? Promise.reject(new Error(`detector crashed on frame ${f.seq}`)) : Promise.resolve(a);
  },
});

describe('CameraPipeline: supervisor frames → vision → tracker → rules → lifecycle, the picture after', () => {
  it('records a person standing in a no-entry zone at once, and its picture as the next revision, on disk', async () => {
    const frames = Array.from({ length: 12 }, (_, i) => frame(i));
    const t = parts({ vision: scripted((f) => found(f)), frames });
    const pipeline = new CameraPipeline(t.p);
    pipeline.start();
    expect(t.supervisor.started).toBe(true);
    await pipeline.stop();
    await t.pictures.drain();

    expect(t.metrics.summary()).toMatchObject({ frames: 12, inferences: 12, dropped: 0, persons: 12, ruleEvents: 1, violations: 1, errors: 0 });
    expect(t.metrics.trackedPersons).toBeGreaterThanOrEqual(9); // confirmed after a few frames, then every frame
    expect(pipeline.lastFrameAt).toBe(frames.at(-1)!.ts);
    expect(t.recorded.map((v) => [v.rev, v.state, v.snapshot === null])).toEqual([
      [1, 'new', true],
      [2, 'update', false],
    ]);
    const [v, pic] = t.recorded as [Violation, Violation];
    expect(v).toMatchObject({ type: 'zone_intrusion', cameraId: 'hall', zoneId: 'staff-only', people: 1 });
    expect(pic).toMatchObject({ eventId: v.eventId, zoneId: 'staff-only', people: 1 });
    expect(t.alerts.map((a) => a.v)).toEqual([v]);
    expect(t.alerts[0]!.ev).toMatchObject({ type: 'zone_intrusion', phase: 'start' });
    // The picture was written before the revision that names it.
    expect(pic.snapshot?.file).toBe(`snapshots/${v.eventId}-p1.jpg`);
    const jpeg = readFileSync(join(t.dir, pic.snapshot!.file));
    expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(jpeg.length).toBe(pic.snapshot!.bytes);
    expect(t.outcomes).toEqual([{ eventId: v.eventId, outcome: 'made', reason: null }]);
    expect(t.metrics.pictures).toEqual({ made: 1, failed: 0, skipped: 0 });
    expect(t.log.errors()).toEqual([]);
  });

  it('a picture that cannot be made leaves the violation recorded, with the reason stored and counted', async () => {
    const frames = Array.from({ length: 12 }, (_, i) => frame(i));
    const failing: PictureRunner = { run: () => Promise.resolve({ ok: false, error: 'face model failed' }), restarts: 0, close: () => Promise.resolve() };
    const t = parts({ vision: scripted((f) => found(f)), frames, runner: failing });
    const pipeline = new CameraPipeline(t.p);
    pipeline.start();
    await pipeline.stop();
    await t.pictures.drain();
    expect(t.recorded.map((v) => [v.rev, v.snapshot])).toEqual([[1, null]]);
    expect(t.outcomes).toEqual([{ eventId: t.recorded[0]!.eventId, outcome: 'failed', reason: 'render_failed: face model failed' }]);
    expect(t.metrics.pictures).toEqual({ made: 0, failed: 1, skipped: 0 });
  });

  it('survives a detector failure on one frame (counted as an error, once)', async () => {
    const frames = Array.from({ length: 12 }, (_, i) => frame(i));
    const t = parts({ vision: scripted((f) => (f.seq === 3 ? 'fail' : found(f))), frames });
    const pipeline = new CameraPipeline(t.p);
    pipeline.start();
    await pipeline.stop();

    expect(t.metrics.summary()).toMatchObject({ frames: 12, errors: 1, inferences: 11, violations: 1, dropped: 0 });
    expect(t.log.errors()).toEqual([expect.stringContaining('frame processing failed')]);
    expect(t.log.lines().find((l) => l.msg === 'frame processing failed')).toMatchObject({ cameraId: 'hall', seq: 3 });
    expect(t.recorded[0]?.type).toBe('zone_intrusion');
  });

  it('a refused violation write is counted and logged, asks for no picture, and later frames still run', async () => {
    const frames = Array.from({ length: 12 }, (_, i) => frame(i));
    const sink: ViolationSink = {
      record: () => {
        throw new Error('disk full');
      },
    };
    const t = parts({ vision: scripted((f) => found(f)), frames, sink });
    const pipeline = new CameraPipeline(t.p);
    pipeline.start();
    await pipeline.stop();
    await t.pictures.drain();

    expect(t.metrics.handedOff).toBe(12);
    expect(t.metrics.violations).toBe(0);
    // The zone rule reports its start once; the refused revision is logged, never thrown out of the loop.
    expect(t.metrics.errors).toBe(t.metrics.ruleEvents);
    expect(t.metrics.errors).toBeGreaterThanOrEqual(1);
    expect(t.metrics.picturesQueued).toBe(0);
    expect(t.alerts).toEqual([]);
    expect(t.log.errors()[0]).toContain('violation could not be recorded');
  });
});

describe('CameraPipeline counters', () => {
  it('counts gated answers and region work, and a frame the overload policy leaves out as a budget drop', async () => {
    const frames = Array.from({ length: 40 }, (_, i) => frame(i));
    const work = (f: Frame): Detections => {
      const d = found(f);
      if (f.seq % 4 === 2) return { ...d, work: { gated: true, regions: 0, stationarySkipped: 0 } };
      return { ...d, work: { gated: false, regions: 2, stationarySkipped: 1 } };
    };
    const t = parts({ vision: scripted(work), frames });
    // The policy admits every frame but the 8th ones.
    const pipeline = new CameraPipeline({ ...t.p, admit: (f) => f.seq % 8 !== 7 });
    pipeline.start();
    await pipeline.stop();
    expect(t.metrics.summary()).toMatchObject({ frames: 40, gated: 10, inferences: 25, regions: 50, stationarySkipped: 25, errors: 0, dropped: 5 });
    expect(t.metrics.dropped).toEqual({ handoff: 0, scheduler: 0, budget: 5 });
    // Each frame taken from the hand-off is accounted for exactly once.
    const m = t.metrics;
    expect(m.inferred + m.gated + m.dropped.budget + m.dropped.scheduler + m.errors).toBe(m.handedOff);
  });

  it('reports overload when frames are lost and the camera is answered below its rate, and not when every frame is', async () => {
    // 30 s of a 5 fps camera; the detector answers only every other frame (the rest are the budget's to drop here).
    const frames = Array.from({ length: 150 }, (_, i) => frame(i));
    const t = parts({ vision: scripted((f) => found(f)), frames });
    const changes: [boolean, number][] = [];
    const pipeline = new CameraPipeline({ ...t.p, admit: (f) => f.seq % 2 === 0, detectFps: FPS, onOverload: (o, fps) => changes.push([o, fps]) });
    pipeline.start();
    await pipeline.stop();
    expect(changes).toHaveLength(1);
    expect(changes[0]![0]).toBe(true);
    expect(changes[0]![1]).toBeCloseTo(2.5, 0);
    expect(pipeline.overloaded).toBe(true);

    const all = parts({ vision: scripted((f) => found(f)), frames: frames.slice(0, 80) });
    const none: boolean[] = [];
    const steady = new CameraPipeline({ ...all.p, detectFps: FPS, onOverload: (o) => none.push(o) });
    steady.start();
    await steady.stop();
    expect(none).toEqual([]);
  });
});

describe('FrameStep without a supervisor', () => {
  const stepParts = (over: { tamperThumbHeight?: number; rules?: RuleEngine } = {}) => {
    const log = capturingLogger();
    return {
      log,
      step: new FrameStep({
        cameraId: 'hall',
        metrics: new CameraMetrics('hall'),
        vision: null,
        attributes: null,
        tamperThumbHeight: over.tamperThumbHeight ?? 0,
        tracker: new Tracker({ fps: FPS }),
        rules: over.rules ?? RuleEngine.fromConfig({}, { utcOffsetMin: 0 }),
        lifecycle: new ViolationLifecycle({ sink: { record: () => undefined } }),
        logger: log.logger,
        pictures: null,
      }),
    };
  };

  it('takes the caller’s detections instead of asking vision, and hands the tamper rule a thumbnail of the frame', async () => {
    const rules = RuleEngine.fromConfig({ tamper: true }, { utcOffsetMin: 0 });
    const update = vi.spyOn(rules, 'update');
    const { step } = stepParts({ tamperThumbHeight: 60, rules });
    const f = frame(7);
    const result = await step.process(f, found(f));
    expect(result?.detections.frameSeq).toBe(7);
    expect(result?.events).toEqual([]);
    const thumb = update.mock.calls[0]![2]!;
    expect(thumb).toMatchObject({ ts: f.ts, height: 60, width: 80, srcWidth: 640, srcHeight: 480 });
    expect(thumb.gray).toHaveLength(80 * 60);
    expect(step.metrics.summary()).toMatchObject({ inferences: 1, errors: 0 });
  });

  it('with neither detections nor vision, counts and logs the frame as failed instead of throwing', async () => {
    const { step, log } = stepParts();
    expect(await step.process(frame(0))).toBeNull();
    expect(step.metrics.errors).toBe(1);
    expect(log.errors()[0]).toMatch(/frame processing failed.*no detections given and no vision scheduler/);
  });
});
