import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CameraRates, cameraStateLine, toCameraStatus } from '../../agent/pipeline/camera-health.js';
import { CameraSupervisor, type CameraState } from '../../agent/camera/index.js';
import { CameraMetrics } from '../../agent/shared/camera-metrics.js';
import { silentLogger } from '../../agent/ops/index.js';
import { tempDir, waitFor } from '../decode/media.js';
import { ManualClock } from '../../agent/shared/clock.js';

/** The parts of a CameraSupervisor the rates read. */
function fakeSupervisor(state: CameraState['state'] = 'online') {
  return {
    state: { state, reason: state === 'online' ? 'streaming' : 'stalled', since: 0, sinceWall: 0 } satisfies CameraState,
    quality: () => ({ grade: 'fair' as const, reconnects: 1, stalls: 0, overFps: 0, windowS: 3600 }),
  };
}

/** A camera's counters at some moment: `decoded` frames from ffmpeg, `inferred` detector runs, and the rest. */
function metrics(decoded: number, inferred: number, over: Partial<Pick<CameraMetrics, 'gated' | 'regions' | 'stationarySkipped'>> & { dropped?: Partial<CameraMetrics['dropped']> } = {}): CameraMetrics {
  const m = new CameraMetrics('a');
  Object.assign(m, { decoded, inferred, gated: over.gated ?? 0, regions: over.regions ?? 0, stationarySkipped: over.stationarySkipped ?? 0 });
  Object.assign(m.dropped, over.dropped ?? {});
  return m;
}

describe('CameraRates', () => {
  it('reports frame rates in and through the detector since the previous sample, on the injected clock', () => {
    const clock = new ManualClock(5_000);
    const rates = new CameraRates(clock);
    const sup = fakeSupervisor();
    // The first sample has nothing to compare with: rates 0, not a guess.
    expect(rates.sample('hall', sup, metrics(0, 0), 4_000)).toMatchObject({ id: 'hall', state: 'online', fpsIn: 0, fpsDetect: 0, lastFrameAgeS: 1, quality: 'fair' });

    clock.advance(60_000); // one heartbeat later: 10 fps decoded (a tenth of them dropped latest-wins), 5 fps detected
    // Every frame ffmpeg delivered counts, the dropped ones included.
    const h = rates.sample('hall', sup, metrics(600, 300, { dropped: { handoff: 60 } }), clock.now() - 250);
    expect(h).toMatchObject({ fpsIn: 10, fpsDetect: 5, lastFrameAgeS: 0.3 });
  });

  it('keeps each camera apart, and reports a camera that never delivered with no frame age', () => {
    const clock = new ManualClock();
    const rates = new CameraRates(clock);
    const a = fakeSupervisor();
    const b = fakeSupervisor('offline');
    rates.sample('a', a, metrics(0, 0), null);
    rates.sample('b', b, metrics(0, 0), null);
    clock.advance(10_000);
    expect(rates.sample('a', a, metrics(50, 25), clock.now())).toMatchObject({ fpsIn: 5, fpsDetect: 2.5, lastFrameAgeS: 0 });
    expect(rates.sample('b', b, metrics(0, 0), null)).toMatchObject({ state: 'offline', fpsIn: 0, fpsDetect: 0, lastFrameAgeS: null });
  });

  it('gives 0 rather than dividing by zero when two samples come at the same instant', () => {
    const clock = new ManualClock();
    const rates = new CameraRates(clock);
    const sup = fakeSupervisor();
    rates.sample('a', sup, metrics(0, 0), null);
    expect(rates.sample('a', sup, metrics(10, 3), null)).toMatchObject({ fpsIn: 0, fpsDetect: 0 });
  });
});

describe('CameraRates: the detector work and overload', () => {
  it('reports frames, inferences, regions, gated, stationary-skipped and dropped since the previous heartbeat', () => {
    const clock = new ManualClock();
    const rates = new CameraRates(clock);
    const sup = fakeSupervisor();
    // 17 frames decoded: 3 lost in the hand-off, 2 to the scheduler, 10 detector runs, 2 gated.
    const first = rates.sample('a', sup, metrics(17, 10, { gated: 2, dropped: { handoff: 3, scheduler: 2 }, regions: 12, stationarySkipped: 3 }), null);
    expect(first.work).toEqual({ frames: 17, inferences: 10, regions: 12, gated: 2, stationarySkipped: 3, dropped: 5 });
    clock.advance(10_000);
    const next = rates.sample('a', sup, metrics(43, 20, { gated: 16, dropped: { handoff: 3, scheduler: 2 }, regions: 30, stationarySkipped: 3 }), null);
    expect(next.work).toEqual({ frames: 26, inferences: 10, regions: 18, gated: 14, stationarySkipped: 0, dropped: 0 });
    expect(next.fpsDetect).toBe(2.4); // (10 runs + 14 gated answers) / 10 s
  });

  it('reports an online camera that is overloaded as degraded (overload), but never turns offline into degraded', () => {
    const clock = new ManualClock();
    const rates = new CameraRates(clock);
    expect(rates.sample('a', fakeSupervisor(), metrics(0, 0), null, true)).toMatchObject({ state: 'degraded', reason: 'overload' });
    expect(rates.sample('a', fakeSupervisor(), metrics(0, 0), null, false)).not.toHaveProperty('reason');
    expect(rates.sample('b', fakeSupervisor('offline'), metrics(0, 0), null, true)).toMatchObject({ state: 'offline' });
    expect(rates.sample('b', fakeSupervisor('offline'), metrics(0, 0), null, true)).not.toHaveProperty('reason');
  });
});

describe('toCameraStatus', () => {
  const wallAt = (mono: number): number => 1_767_225_600_000 + mono;

  it('maps the supervisor states onto the contract’s, with wall-clock since', () => {
    expect(toCameraStatus({ state: 'online', reason: 'streaming', since: 10, sinceWall: 0 }, wallAt)).toEqual({ state: 'online', reason: 'streaming', since: wallAt(10) });
    expect(toCameraStatus({ state: 'degraded', reason: 'frozen', since: 20, sinceWall: 0 }, wallAt)).toMatchObject({ state: 'degraded', reason: 'frozen' });
    expect(toCameraStatus({ state: 'offline', reason: 'stalled', since: 30, sinceWall: 0 }, wallAt)).toMatchObject({ state: 'offline', reason: 'stalled' });
    expect(toCameraStatus({ state: 'stopped', reason: 'stopped', since: 40, sinceWall: 0 }, wallAt)).toEqual({ state: 'offline', reason: 'stopped', since: wallAt(40) });
  });

  it('announces nothing while a camera is still starting (offline comes from the debounce, not the first second)', () => {
    expect(toCameraStatus({ state: 'starting', reason: 'starting', since: 0, sinceWall: 0 }, wallAt)).toBeNull();
  });
});

describe('cameraStateLine (the console)', () => {
  it('shows why a camera cannot start, in ffmpeg\'s words, not only the reason code', async () => {
    const tmp = tempDir('state-line');
    const notVideo = join(tmp.dir, 'notes.mp4');
    writeFileSync(notVideo, 'this is not a video');
    const sup = new CameraSupervisor({
      cameraId: 'gate',
      input: { kind: 'file', path: notVideo, loop: false },
      output: { width: 64, height: 48, fps: 2, format: 'rgb24' },
      logger: silentLogger(),
    });
    const states: CameraState[] = [];
    sup.on('state', (s) => states.push(s));
    try {
      sup.start();
      await waitFor(() => states.some((s) => s.detail !== undefined), 'a state with the failure detail', 20_000);
    } finally {
      await sup.stop();
      tmp.cleanup();
    }
    const failed = states.find((s) => s.detail !== undefined)!;
    const line = cameraStateLine('gate', failed);
    expect(line).toMatch(/^camera {4}gate (starting|offline) \(\w+: .+\)$/);
    expect(line).toContain(failed.detail);
    expect(line).not.toMatch(/\(unknown\)$/);
  });

  it('prints the plain state when there is no detail', () => {
    expect(cameraStateLine('gate', { state: 'online', reason: 'streaming' })).toBe('camera    gate online (streaming)');
  });
});
