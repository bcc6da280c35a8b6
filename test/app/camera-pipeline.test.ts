import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CameraPipeline, type CameraPipelineParts } from '../../agent/app/camera-pipeline.js';
import { FrameStep, type FrameDetector } from '../../agent/app/frame-step.js';
import { Snapshotter } from '../../agent/app/snapshotter.js';
import { ViolationLifecycle, type ViolationSink } from '../../agent/events/index.js';
import { RuleEngine } from '../../agent/rules/index.js';
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

function parts(over: { vision: FrameDetector; frames: readonly Frame[]; sink?: ViolationSink }) {
  const tmp = tempDir('pipeline');
  cleanups.push(tmp.cleanup);
  const log = capturingLogger();
  const recorded: Violation[] = [];
  const alerts: { v: Violation; ev: RuleEvent }[] = [];
  const supervisor = new ScriptedSupervisor(over.frames);
  const p: CameraPipelineParts = {
    cameraId: 'hall',
    supervisor,
    vision: over.vision,
    attributes: null,
    tamperThumbHeight: 0,
    tracker: new Tracker({ fps: FPS }),
    rules: RuleEngine.fromConfig({ zones: [RIGHT_HALF] }, { utcOffsetMin: 420 }),
    lifecycle: new ViolationLifecycle({ sink: over.sink ?? { record: (v) => void recorded.push(v) } }),
    logger: log.logger,
    snapshotter: new Snapshotter(tmp.dir, log.logger),
    onViolation: (v, ev) => alerts.push({ v, ev }),
  };
  return { p, supervisor, log, recorded, alerts, dir: tmp.dir };
}

const scripted = (answer: (f: Frame) => Detections | null | 'fail'): FrameDetector => ({
  submit: (f) => {
    const a = answer(f);
    return a === 'fail' ? Promise.reject(new Error(`detector crashed on frame ${f.seq}`)) : Promise.resolve(a);
  },
});

describe('CameraPipeline: supervisor frames → vision → tracker → rules → snapshot → lifecycle', () => {
  it('turns a person standing in a no-entry zone into one recorded violation with a snapshot on disk', async () => {
    const frames = Array.from({ length: 12 }, (_, i) => frame(i));
    const t = parts({ vision: scripted((f) => found(f)), frames });
    const pipeline = new CameraPipeline(t.p);
    pipeline.start();
    expect(t.supervisor.started).toBe(true);
    await pipeline.stop();

    expect(pipeline.stats).toMatchObject({ frames: 12, inferences: 12, skipped: 0, persons: 12, ruleEvents: 1, violations: 1, errors: 0 });
    expect(pipeline.stats.trackedPersons).toBeGreaterThanOrEqual(9); // confirmed after a few frames, then every frame
    expect(pipeline.lastFrameAt).toBe(frames.at(-1)!.ts);
    expect(t.recorded).toHaveLength(1);
    const v = t.recorded[0]!;
    expect(v).toMatchObject({ type: 'zone_intrusion', state: 'new', cameraId: 'hall', zoneId: 'staff-only', people: 1 });
    expect(t.alerts.map((a) => a.v)).toEqual([v]);
    expect(t.alerts[0]!.ev).toMatchObject({ type: 'zone_intrusion', phase: 'start' });
    // The revision names its snapshot, and the snapshot was written (a JPEG) before the revision was recorded.
    expect(v.snapshot?.file).toBe(`snapshots/${v.eventId}-r1.jpg`);
    const jpeg = readFileSync(join(t.dir, v.snapshot!.file));
    expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(jpeg.length).toBe(v.snapshot!.bytes);
    expect(t.log.errors()).toEqual([]);
  });

  it('counts frames the scheduler dropped, and survives a detector failure on one frame', async () => {
    const frames = Array.from({ length: 12 }, (_, i) => frame(i));
    const t = parts({ vision: scripted((f) => (f.seq === 2 ? null : f.seq === 3 ? 'fail' : found(f))), frames });
    const pipeline = new CameraPipeline(t.p);
    pipeline.start();
    await pipeline.stop();

    expect(pipeline.stats).toMatchObject({ frames: 12, skipped: 1, errors: 1, inferences: 10, violations: 1 });
    expect(t.log.errors()).toEqual([expect.stringContaining('frame processing failed')]);
    expect(t.log.lines().find((l) => l.msg === 'frame processing failed')).toMatchObject({ cameraId: 'hall', seq: 3 });
    expect(t.recorded.map((v) => v.type)).toEqual(['zone_intrusion']);
  });

  it('a refused violation write is counted and logged, and later frames still run', async () => {
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

    expect(pipeline.stats.frames).toBe(12);
    expect(pipeline.stats.violations).toBe(0);
    // The zone rule reports its start once; the refused revision is logged, never thrown out of the loop.
    expect(pipeline.stats.errors).toBe(pipeline.stats.ruleEvents);
    expect(pipeline.stats.errors).toBeGreaterThanOrEqual(1);
    expect(t.alerts).toEqual([]);
    expect(t.log.errors()[0]).toContain('violation could not be recorded');
  });
});

describe('CameraPipeline counters: every frame between ffmpeg and the rules is accounted for', () => {
  it('counts frames lost in the decode hand-off (gaps in seq), gated answers and region work, and reports overload', async () => {
    // 30 s of a 5 fps camera of which the hand-off delivered every other frame: the rest were replaced unread.
    const frames = Array.from({ length: 150 }, (_, i) => frame(i)).filter((f) => f.seq % 2 === 0);
    const work = (f: Frame): Detections => {
      const d = found(f);
      if (f.seq % 4 === 2) return { ...d, work: { gated: true, regions: 0, stationarySkipped: 0 } };
      return { ...d, work: { gated: false, regions: 2, stationarySkipped: 1 } };
    };
    const t = parts({ vision: scripted(work), frames });
    const changes: [boolean, number][] = [];
    const pipeline = new CameraPipeline({ ...t.p, detectFps: FPS, onOverload: (o, fps) => changes.push([o, fps]) });
    pipeline.start();
    await pipeline.stop();

    expect(pipeline.stats).toMatchObject({ frames: 75, dropped: 74, skipped: 0, gated: 37, inferences: 38, regions: 76, stationarySkipped: 38, errors: 0 });
    expect(changes).toHaveLength(1);
    expect(changes[0]![0]).toBe(true);
    expect(changes[0]![1]).toBeCloseTo(2.5, 0);
    expect(pipeline.overloaded).toBe(true);
  });

  it('a camera whose every frame arrives and is answered is not overloaded, and the scheduler’s drops count as dropped', async () => {
    const frames = Array.from({ length: 80 }, (_, i) => frame(i));
    const t = parts({ vision: scripted((f) => (f.seq === 40 ? null : found(f))), frames });
    const changes: boolean[] = [];
    const pipeline = new CameraPipeline({ ...t.p, detectFps: FPS, onOverload: (o) => changes.push(o) });
    pipeline.start();
    await pipeline.stop();
    expect(pipeline.stats).toMatchObject({ frames: 80, skipped: 1, dropped: 1, inferences: 79, gated: 0 });
    expect(changes).toEqual([]);
  });
});

describe('FrameStep without a supervisor', () => {
  it('takes the caller’s detections instead of asking vision, and hands the tamper rule a thumbnail of the frame', async () => {
    const rules = RuleEngine.fromConfig({ tamper: true }, { utcOffsetMin: 0 });
    const update = vi.spyOn(rules, 'update');
    const log = capturingLogger();
    const step = new FrameStep({
      cameraId: 'hall',
      vision: null,
      attributes: null,
      tamperThumbHeight: 60,
      tracker: new Tracker({ fps: FPS }),
      rules,
      lifecycle: new ViolationLifecycle({ sink: { record: () => undefined } }),
      logger: log.logger,
      snapshotter: null,
    });
    const f = frame(7);
    const result = await step.process(f, found(f));
    expect(result?.detections.frameSeq).toBe(7);
    expect(result?.events).toEqual([]);
    const thumb = update.mock.calls[0]![2]!;
    expect(thumb).toMatchObject({ ts: f.ts, height: 60, width: 80, srcWidth: 640, srcHeight: 480 });
    expect(thumb.gray).toHaveLength(80 * 60);
    expect(step.stats).toMatchObject({ frames: 1, inferences: 1, errors: 0 });
  });

  it('with neither detections nor vision, counts and logs the frame as failed instead of throwing', async () => {
    const log = capturingLogger();
    const step = new FrameStep({
      cameraId: 'hall',
      vision: null,
      attributes: null,
      tamperThumbHeight: 0,
      tracker: new Tracker({ fps: FPS }),
      rules: RuleEngine.fromConfig({}, { utcOffsetMin: 0 }),
      lifecycle: new ViolationLifecycle({ sink: { record: () => undefined } }),
      logger: log.logger,
      snapshotter: null,
    });
    expect(await step.process(frame(0))).toBeNull();
    expect(step.stats.errors).toBe(1);
    expect(log.errors()[0]).toMatch(/frame processing failed.*no detections given and no vision scheduler/);
  });
});
