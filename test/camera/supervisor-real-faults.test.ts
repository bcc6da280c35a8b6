/**
 * The hardware-decode fallback and the over-fps restart with real ffmpeg processes (ManualClock and
 * manual timers for the supervisor's own deadlines). Clips: lavfi testsrc, generated here.
 * `vaapi` is pointed at a render node that no machine has, so the failure is real on any host.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CameraSupervisor, type HwaccelFallback, type RestartPlan } from '../../agent/camera/index.js';
import { ManualClock } from '../../agent/shared/clock.js';
import { isAlive, makeClip, tempDir, waitFor } from '../decode/media.js';
import { ManualTimers } from './manual-timers.js';

let tmp: ReturnType<typeof tempDir>;
let clip: string;
beforeAll(() => {
  tmp = tempDir('sup-real-faults');
  clip = makeClip(join(tmp.dir, 'loop.mp4'), { seconds: 2, width: 160, height: 120 });
});
afterAll(() => tmp.cleanup());

const live: CameraSupervisor[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((s) => s.stop()));
});

function rig(opts: { hwaccel?: 'vaapi' | 'qsv'; realtime: boolean }) {
  const clock = new ManualClock(0);
  const timers = new ManualTimers(clock);
  const sup = new CameraSupervisor({
    cameraId: 'cam-r',
    input: { kind: 'file', path: clip, loop: true, realtime: opts.realtime },
    output: { width: 160, height: 120, fps: 5 },
    hwaccel: opts.hwaccel,
    hwaccelDevice: '/dev/dri/renderD199',
    backoff: { random: () => 0.5 },
    clock,
    timers,
    stopGraceMs: 500,
  });
  live.push(sup);
  const plans: RestartPlan[] = [];
  const fallbacks: HwaccelFallback[] = [];
  sup.on('restart', (p) => plans.push(p));
  sup.on('hwaccel', (h) => fallbacks.push(h));
  return { sup, timers, plans, fallbacks };
}

describe('hardware decode that fails for real', () => {
  it.each(['vaapi', 'qsv'] as const)('%s: ffmpeg fails on the device, the camera streams in software right after', async (hwaccel) => {
    const r = rig({ hwaccel, realtime: true });
    r.sup.start();
    await waitFor(() => r.fallbacks.length > 0, 'the hwaccel fallback');
    expect(r.fallbacks).toEqual([{ from: hwaccel, to: 'none', reason: 'hwaccel_failed' }]);
    r.timers.advance(0); // the immediate software retry
    await waitFor(() => r.sup.metrics.decoded >= 3, 'frames from the software decoder');
    expect(r.sup.hwaccel).toBe('none');
    expect(r.sup.state).toMatchObject({ state: 'online', reason: 'streaming' });
    expect(r.plans).toEqual([]);
    expect(r.sup.metrics.restarts).toBe(1);
  });
});

describe('over-fps with a real ffmpeg', () => {
  it('a stream decoded far faster than its detect fps is restarted and the camera marked degraded', async () => {
    // No -re: ffmpeg decodes the looping clip as fast as it can, and the manual clock stands still,
    // so hundreds of frames arrive "at once" like a camera whose timestamps went haywire.
    const r = rig({ realtime: false });
    r.sup.start();
    const pid = r.sup.pid!;
    await waitFor(() => r.plans.length > 0, 'the over-fps restart');
    expect(r.plans[0]).toMatchObject({ reason: 'over_fps', attempt: 0, delayMs: 1000 });
    expect(r.sup.metrics).toMatchObject({ overFps: 1, decoded: 150 });
    expect(r.sup.state).toMatchObject({ state: 'degraded', reason: 'over_fps' });
    expect(isAlive(pid)).toBe(false);
  });
});
