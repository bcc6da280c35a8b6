/**
 * The scheduler with a detector whose runs the test finishes by hand (so every interleaving is
 * exact) and a manual clock (so rates are exact), then once with the real person detector.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../agent/shared/clock.js';
import { CameraMetrics } from '../../agent/shared/camera-metrics.js';
import type { Detections, Frame } from '../../agent/shared/types.js';
import { ModelRegistry, PersonDetector, VisionScheduler, type FrameDetector } from '../../agent/vision/index.js';
import { readVideoFrames, VTEST_AVI } from '../support/video-frames.js';

/** A detector that records what it was asked and finishes each run when the test says so. */
class HandDetector implements FrameDetector {
  readonly calls: Frame[] = [];
  private readonly pending: { resolve: (d: Detections) => void; reject: (e: Error) => void; frame: Frame }[] = [];
  detect(frame: Frame): Promise<Detections> {
    this.calls.push(frame);
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject, frame }));
  }
  get running(): number {
    return this.pending.length;
  }
  /** Finishes the oldest run with one person box tagged by the frame's seq. */
  async finish(): Promise<void> {
    const p = this.pending.shift();
    if (!p) throw new Error('no detector run in progress');
    p.resolve(detections(p.frame));
    await flush();
  }
  async fail(message: string): Promise<void> {
    this.pending.shift()?.reject(new Error(message));
    await flush();
  }
}

const flush = () => new Promise((r) => setImmediate(r));

function detections(f: Frame): Detections {
  return { cameraId: f.cameraId, frameSeq: f.seq, ts: f.ts, wallTs: f.wallTs, width: f.width, height: f.height, items: [{ box: { x1: f.seq, y1: 0, x2: f.seq + 1, y2: 1 }, score: 0.9, cls: 'person' }] };
}

/** 32x24 gray frames; `content` changes the picture (for the motion gate). */
function frame(cameraId: string, seq: number, ts: number, content = seq): Frame {
  return { cameraId, seq, ts, wallTs: 1_700_000_000_000 + ts, width: 32, height: 24, format: 'gray', pixels: Buffer.alloc(32 * 24, (content * 37) % 256) };
}

describe('VisionScheduler without motion gate', () => {
  it('keeps one waiting frame per camera: a newer frame replaces it and the older resolves null', async () => {
    const clock = new ManualClock();
    const det = new HandDetector();
    const s = new VisionScheduler({ detector: det, clock, motion: false });
    const metrics = new CameraMetrics('a');
    s.attach(metrics);
    const r1 = s.submit(frame('a', 1, 0));
    const r2 = s.submit(frame('a', 2, 200));
    const r3 = s.submit(frame('a', 3, 400));
    expect(det.calls.map((f) => f.seq)).toEqual([1]); // 1 started at once; 2 waited and was replaced by 3
    await expect(r2).resolves.toBeNull();
    await det.finish();
    await expect(r1).resolves.toMatchObject({ frameSeq: 1 });
    expect(det.calls.map((f) => f.seq)).toEqual([1, 3]);
    await det.finish();
    await expect(r3).resolves.toMatchObject({ frameSeq: 3, items: [{ box: { x1: 3 } }] });
    expect(metrics.dropped).toEqual({ handoff: 0, scheduler: 1, budget: 0 });
    expect(s.stats()[0]).toMatchObject({ cameraId: 'a' });
  });

  it('serves waiting cameras round-robin, so a camera that submits more does not starve the others', async () => {
    const det = new HandDetector();
    const s = new VisionScheduler({ detector: det, clock: new ManualClock(), motion: false });
    void s.submit(frame('a', 0, 0)); // starts at once
    for (let round = 1; round <= 3; round++) {
      for (const cam of ['a', 'b', 'c']) void s.submit(frame(cam, round, round * 200));
      await det.finish();
    }
    await det.finish();
    await det.finish();
    // After a's first frame: b, c, a, b, c … never a twice in a row while b or c wait.
    expect(det.calls.map((f) => f.cameraId).join('')).toBe('abcabc');
  });

  it('delivers each camera in frame order and reports rates, drop share and degradation over the window', async () => {
    const clock = new ManualClock();
    const det = new HandDetector();
    const s = new VisionScheduler({ detector: det, clock, motion: false, windowMs: 10_000 });
    const metrics = new CameraMetrics('a');
    s.attach(metrics);
    const got: (number | null)[] = [];
    // Camera at 5 fps for 10 s; the detector takes 300 ms per frame: it keeps up with 2 frames in 3.
    for (let i = 0; i < 50; i++) {
      void s.submit(frame('a', i, i * 200)).then((d) => got.push(d ? d.frameSeq : null));
      clock.advance(100);
      if (i % 3 === 0 && det.running) await det.finish();
      clock.advance(100);
      if (i % 3 === 1 && det.running) await det.finish();
    }
    while (det.running) await det.finish();
    await flush();
    const seqs = got.filter((x): x is number => x !== null);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const st = s.stats()[0]!;
    const detected = seqs.length;
    // Every frame either answered or counted once as the scheduler's drop, in the camera's own counters.
    expect(detected + metrics.dropped.scheduler).toBe(50);
    expect(metrics.dropped.scheduler).toBe(got.filter((x) => x === null).length);
    expect(metrics.dropped.scheduler).toBeGreaterThan(10);
    expect(metrics.droppedTotal()).toBe(metrics.dropped.scheduler);
    expect(st.inputFps).toBe(5);
    expect(st.outputFps).toBeCloseTo((detected / 50) * 5, 1);
    expect(st.degraded).toBe(true);
    // Never a backlog: a frame waits at most for the run in progress (≤ 300 ms here), then its own.
    expect(st.latencyMaxMs).toBeLessThanOrEqual(600);
  });

  it('a camera that keeps up is not degraded, and rates count only the window', async () => {
    const clock = new ManualClock();
    const det = new HandDetector();
    const s = new VisionScheduler({ detector: det, clock, motion: false, windowMs: 2000 });
    for (let i = 0; i < 20; i++) {
      const r = s.submit(frame('a', i, i * 200));
      clock.advance(50);
      await det.finish();
      await r;
      clock.advance(150);
    }
    expect(s.stats()[0]).toMatchObject({ degraded: false, droppedShare: 0, inputFps: 5, outputFps: 5, detectorFps: 5, latencyP50Ms: 50 });
    clock.advance(5000);
    expect(s.stats()[0]).toMatchObject({ inputFps: 0, outputFps: 0 });
  });

  it('passes a detector failure to that frame only and carries on with the next', async () => {
    const det = new HandDetector();
    const s = new VisionScheduler({ detector: det, clock: new ManualClock(), motion: false });
    const bad = s.submit(frame('a', 1, 0));
    const next = s.submit(frame('b', 1, 0));
    const failed = expect(bad).rejects.toThrow('model exploded');
    await det.fail('model exploded');
    await failed;
    await det.finish();
    await expect(next).resolves.toMatchObject({ cameraId: 'b' });
  });

  it('close() drops waiting frames, lets the run in progress finish, and refuses new frames', async () => {
    const det = new HandDetector();
    const s = new VisionScheduler({ detector: det, clock: new ManualClock(), motion: false });
    const running = s.submit(frame('a', 1, 0));
    const waiting = s.submit(frame('b', 1, 0));
    const closed = s.close();
    await expect(waiting).resolves.toBeNull();
    await det.finish();
    await closed;
    await expect(running).resolves.toMatchObject({ frameSeq: 1 });
    await expect(s.submit(frame('a', 2, 200))).rejects.toThrow('vision scheduler is closed');
    expect(det.calls).toHaveLength(1);
  });

  it('rejects a bad window', () => {
    expect(() => new VisionScheduler({ detector: new HandDetector(), clock: new ManualClock(), windowMs: 0 })).toThrow(/windowMs must be positive/);
    expect(() => new VisionScheduler({ detector: new HandDetector(), clock: new ManualClock(), motion: { thumbHeight: 2 } })).toThrow(/thumbHeight/);
  });
});

describe('VisionScheduler with the motion gate', () => {
  it('answers still frames with the last detections (restamped) and skips the detector, until a forced run', async () => {
    const det = new HandDetector();
    const s = new VisionScheduler({ detector: det, clock: new ManualClock(), motion: { forceEveryMs: 1000 } });
    const first = s.submit(frame('a', 0, 0, 5));
    await det.finish();
    // Each answer says what it cost, so the camera's counters can tell detector runs from gated frames.
    await expect(first).resolves.toMatchObject({ frameSeq: 0, work: { gated: false, regions: 0 } });
    for (let i = 1; i <= 4; i++) {
      await expect(s.submit(frame('a', i, i * 200, 5))).resolves.toMatchObject({
        frameSeq: i,
        ts: i * 200,
        wallTs: 1_700_000_000_000 + i * 200,
        items: [{ box: { x1: 0 } }],
        work: { gated: true },
      });
    }
    expect(det.calls).toHaveLength(1);
    const forced = s.submit(frame('a', 5, 1000, 5));
    expect(det.calls).toHaveLength(2);
    await det.finish();
    await expect(forced).resolves.toMatchObject({ frameSeq: 5, items: [{ box: { x1: 5 } }] });
    const moved = s.submit(frame('a', 6, 1200, 9));
    expect(det.calls).toHaveLength(3);
    await det.finish();
    await expect(moved).resolves.toMatchObject({ frameSeq: 6 });
    // 7 frames: 3 detector runs, 4 answered by the gate, none dropped.
    expect(det.calls).toHaveLength(3);
  });

  it('frames of a self-gated camera (regions mode) always reach the detector; other cameras are still gated', async () => {
    const det = new HandDetector();
    const s = new VisionScheduler({ detector: det, clock: new ManualClock(), motion: {}, selfGated: (id) => id === 'regions' });
    for (let i = 0; i < 3; i++) {
      for (const cam of ['regions', 'full']) {
        const r = s.submit(frame(cam, i, i * 200, 5));
        if (det.running > 0) await det.finish();
        await r;
      }
    }
    const runs = (id: string): number => det.calls.filter((f) => f.cameraId === id).length;
    expect([runs('regions'), runs('full')]).toEqual([3, 1]);
  });

  it('a still frame arriving while its camera is being detected waits for that result, keeping order', async () => {
    const det = new HandDetector();
    const s = new VisionScheduler({ detector: det, clock: new ManualClock(), motion: {} });
    await Promise.all([s.submit(frame('a', 0, 0, 1)), det.finish()]);
    const order: number[] = [];
    const moving = s.submit(frame('a', 1, 200, 2)).then((d) => order.push(d!.frameSeq));
    const still = s.submit(frame('a', 2, 400, 2)).then((d) => order.push(d!.frameSeq));
    await flush();
    expect(order).toEqual([]);
    await det.finish();
    await Promise.all([moving, still]);
    expect(order).toEqual([1, 2]);
    expect(det.calls).toHaveLength(2);
  });
});

describe('VisionScheduler with the real person detector', () => {
  it('runs vtest frames of two cameras through one shared session', async () => {
    const det = await PersonDetector.create({ registry: ModelRegistry.open(), threads: 1 });
    try {
      const v = await readVideoFrames(VTEST_AVI, [0, 10]);
      const s = new VisionScheduler({ detector: det, clock: new ManualClock(), motion: false });
      const mk = (cam: string, i: number): Frame => ({ cameraId: cam, seq: i, ts: i, wallTs: 0, width: v.width, height: v.height, format: 'rgb24', pixels: v.frames[i] as Buffer });
      const [a, b] = await Promise.all([s.submit(mk('cam-a', 0)), s.submit(mk('cam-b', 1))]);
      expect(a?.cameraId).toBe('cam-a');
      expect(b?.cameraId).toBe('cam-b');
      expect(a!.items.length).toBeGreaterThanOrEqual(3);
      expect(b!.items.length).toBeGreaterThanOrEqual(2);
    } finally {
      await det.close();
    }
  });
});
