/**
 * CameraSupervisor decisions driven exactly with a ManualClock, manual timers and fake sources:
 * over-fps restarts, the hardware-decode fallback and the quality grade. Real ffmpeg covers the
 * same paths in supervisor-real-faults.test.ts and the RTSP e2e suite.
 */
import { describe, expect, it } from 'vitest';
import { CameraSupervisor, type CameraSupervisorOptions, type RestartPlan } from '../../agent/camera/index.js';
import type { HwaccelFallback } from '../../agent/camera/index.js';
import { ManualClock } from '../../agent/shared/clock.js';
import { fakeFactory, settle } from './fake-source.js';
import { ManualTimers } from './manual-timers.js';

function rig(extra: Partial<CameraSupervisorOptions> = {}) {
  const clock = new ManualClock(0);
  const timers = new ManualTimers(clock);
  const f = fakeFactory();
  const sup = new CameraSupervisor({
    cameraId: 'cam-l',
    input: { kind: 'rtsp', url: 'rtsp://10.0.0.5/stream1' },
    output: { width: 8, height: 6, fps: 5 },
    health: { stall_s: 20, offline_after_s: 60, frozen_s: 60 },
    backoff: { random: () => 0.5 },
    clock,
    timers,
    createSource: f.create,
    ...extra,
  });
  const plans: RestartPlan[] = [];
  const fallbacks: HwaccelFallback[] = [];
  sup.on('restart', (p) => plans.push(p));
  sup.on('hwaccel', (h) => fallbacks.push(h));
  return { sup, clock, timers, f, plans, fallbacks };
}

describe('over-fps', () => {
  it('restarts an ffmpeg that floods frames, marks the camera degraded and delivers none of the flood past the limit', async () => {
    const r = rig();
    r.sup.start();
    const got: number[] = [];
    const reader = (async () => {
      for await (const fr of r.sup.frames()) got.push(fr.seq);
    })();
    const src = r.f.last();
    for (let i = 0; i < 400; i++) src.frame(i); // 400 frames at one instant: far above 5 fps
    expect(src.stopped).toBe(true);
    expect(r.sup.metrics).toMatchObject({ overFps: 1, decoded: 150 });
    expect(r.sup.state).toMatchObject({ state: 'degraded', reason: 'over_fps' });
    expect(r.sup.state.detail).toMatch(/more than 150 frames within 10 s at 5 detect-fps/);
    await settle();
    expect(r.plans).toEqual([expect.objectContaining({ reason: 'over_fps', attempt: 0, delayMs: 1000 })]);

    r.timers.advance(1000); // a fresh ffmpeg, a fresh count: normal frames are fine again
    const next = r.f.last();
    expect(next).not.toBe(src);
    for (let i = 0; i < 50; i++) {
      next.frame(i);
      r.timers.advance(200);
    }
    expect(next.stopped).toBe(false);
    expect(r.sup.state).toMatchObject({ state: 'online', reason: 'streaming' });
    expect(r.sup.quality()).toMatchObject({ overFps: 1, reconnects: 1 });
    await r.sup.stop();
    await reader;
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThanOrEqual(200); // latest-wins: never more than were delivered
  });

  it('can be turned off', () => {
    const r = rig({ overFps: false });
    r.sup.start();
    for (let i = 0; i < 400; i++) r.f.last().frame(i);
    expect(r.sup.metrics).toMatchObject({ overFps: 0, decoded: 400 });
    void r.sup.stop();
  });
});

describe('hardware decode fallback', () => {
  it('drops vaapi after a device failure, retries at once in software and keeps the backoff untouched', async () => {
    const r = rig({ hwaccel: 'vaapi' });
    r.sup.start();
    expect(r.sup.hwaccel).toBe('vaapi');
    expect(r.f.last().opts.hwaccel).toBe('vaapi');
    r.f.last().fail('hwaccel_failed');
    await settle();
    expect(r.fallbacks).toEqual([{ from: 'vaapi', to: 'none', reason: 'hwaccel_failed' }]);
    expect(r.plans).toEqual([]); // not a camera failure: no backoff step
    expect(r.timers.delays()).toContain(0);
    r.timers.advance(0);
    expect(r.f.made).toHaveLength(2);
    expect(r.f.last().opts.hwaccel).toBe('none');
    expect(r.sup.hwaccel).toBe('none');

    r.f.last().fail('refused'); // later failures back off as usual, from attempt 0
    await settle();
    expect(r.plans).toEqual([expect.objectContaining({ attempt: 0, reason: 'refused' })]);
    expect(r.fallbacks).toHaveLength(1); // once only
    await r.sup.stop();
  });

  it('falls back when a qsv run stalls without a single frame', async () => {
    const r = rig({ hwaccel: 'qsv', health: { stall_s: 5 } });
    r.sup.start();
    r.timers.advance(5000);
    await settle();
    expect(r.fallbacks).toEqual([{ from: 'qsv', to: 'none', reason: 'stalled' }]);
    expect(r.sup.metrics.stalls).toBe(1);
    await r.sup.stop();
  });

  it('keeps vaapi when the camera is unreachable (software would fail the same way)', async () => {
    const r = rig({ hwaccel: 'vaapi' });
    r.sup.start();
    for (let i = 0; i < 3; i++) {
      r.f.last().fail(i === 0 ? 'refused' : 'auth_failed');
      await settle();
      r.timers.advance(r.plans.at(-1)!.delayMs);
    }
    expect(r.fallbacks).toEqual([]);
    expect(r.f.made.every((s) => s.opts.hwaccel === 'vaapi')).toBe(true);
    await r.sup.stop();
  });

  it('rejects a bad hwaccel setting at construction, naming it', () => {
    expect(() => rig({ hwaccel: 'cuda' as CameraSupervisorOptions['hwaccel'] })).toThrow(/hwaccel must be one of/);
  });
});

describe('quality grade', () => {
  /** Stream for `ms`, one frame every 200 ms (each picture different). */
  function stream(r: ReturnType<typeof rig>, ms: number): void {
    for (let t = 0; t < ms; t += 200) {
      r.f.last().frame(t / 200);
      r.timers.advance(200);
    }
  }

  it('follows reconnects and stalls over a sliding hour', async () => {
    const r = rig({ health: { stall_s: 10, offline_after_s: 60, frozen_s: 60 } });
    r.sup.start();
    stream(r, 60_000);
    expect(r.sup.quality()).toEqual({ grade: 'excellent', reconnects: 0, stalls: 0, overFps: 0, windowS: 3600 });

    // Five drops, ten minutes apart; each comes back after the backoff delay.
    for (let k = 0; k < 5; k++) {
      r.f.last().fail(null);
      await settle();
      r.timers.advance(r.plans.at(-1)!.delayMs);
      stream(r, 10 * 60_000);
    }
    expect(r.sup.quality()).toMatchObject({ grade: 'poor', reconnects: 5, stalls: 0 });

    // A stall: no frame for stall_s, restart, frames again.
    r.timers.advance(10_000);
    await settle();
    expect(r.sup.metrics.stalls).toBe(1);
    r.timers.advance(r.plans.at(-1)!.delayMs);
    stream(r, 1000);
    expect(r.sup.quality()).toMatchObject({ grade: 'poor', reconnects: 6, stalls: 1 });

    stream(r, 3_600_000); // a quiet hour later everything has slid out of the window
    expect(r.sup.quality()).toMatchObject({ grade: 'excellent', reconnects: 0, stalls: 0 });
    await r.sup.stop();
  });

  it('is unusable while the camera is offline', async () => {
    const r = rig({ health: { stall_s: 20, offline_after_s: 60, frozen_s: 60 } });
    r.sup.start();
    for (let i = 0; i < 6; i++) {
      r.f.last().fail('refused');
      await settle();
      r.timers.advance(r.plans.at(-1)!.delayMs);
    }
    expect(r.sup.state.state).toBe('offline');
    expect(r.sup.quality().grade).toBe('unusable');
    await r.sup.stop();
  });
});
