/**
 * A camera that stays offline past `health.offline_after_s` becomes a `camera_offline` violation through the
 * normal event path (new → end when frames flow again), driven by the real CameraSupervisor with an injected
 * clock, manual timers and a fake frame source.
 */
import { describe, expect, it } from 'vitest';
import { CameraSupervisor } from '../../agent/camera/index.js';
import { ViolationLifecycle } from '../../agent/events/index.js';
import { ManualClock } from '../../agent/shared/clock.js';
import type { Violation } from '../../agent/shared/types.js';
import { CameraOfflineAlarm } from '../../agent/pipeline/index.js';
import { fakeFactory, settle } from '../camera/fake-source.js';
import { ManualTimers } from '../camera/manual-timers.js';

function rig() {
  const clock = new ManualClock(0, Date.UTC(2026, 5, 1));
  const timers = new ManualTimers(clock);
  const f = fakeFactory();
  const sup = new CameraSupervisor({
    cameraId: 'gate',
    input: { kind: 'rtsp', url: 'rtsp://10.0.0.5/stream1' },
    output: { width: 8, height: 6, fps: 5 },
    health: { stall_s: 20, offline_after_s: 60, frozen_s: 60 },
    backoff: { random: () => 0.5 },
    clock,
    timers,
    createSource: f.create,
  });
  const recorded: Violation[] = [];
  const alarm = new CameraOfflineAlarm(new ViolationLifecycle({ sink: { record: (v) => recorded.push(v) } }));
  sup.on('state', (s) => alarm.onState('gate', s));
  return { sup, clock, timers, f, recorded };
}

describe('camera_offline', () => {
  it('is raised only once the camera has been silent for offline_after_s, and ends when frames return', async () => {
    const r = rig();
    r.sup.start();
    r.f.last().frame(1);
    expect(r.sup.state.state).toBe('online');
    r.timers.advance(59_000); // silent, but not for long enough
    await settle();
    expect(r.recorded).toEqual([]);
    r.timers.advance(1_000);
    await settle();
    expect(r.sup.state.state).toBe('offline');
    expect(r.recorded).toEqual([
      expect.objectContaining({ type: 'camera_offline', state: 'new', rev: 1, cameraId: 'gate', severity: 'warning', endedAt: null, people: 0 }),
    ]);
    expect(r.recorded[0]!.startedAt).toBe(Date.UTC(2026, 5, 1) + 60_000);
    r.timers.advance(120_000); // still offline: restarts and retries make no second violation
    await settle();
    expect(r.recorded).toHaveLength(1);
    // The supervisor kills the silent ffmpeg and retries with backoff: the camera answers on a fresh run.
    for (let i = 0; i < 20 && r.sup.state.state !== 'online'; i++) {
      const src = r.f.last();
      if (src.started && !src.stopped) src.frame(2);
      else r.timers.advance(1_000);
      await settle();
    }
    expect(r.sup.state.state).toBe('online');
    expect(r.recorded).toHaveLength(2);
    expect(r.recorded[1]).toMatchObject({ eventId: r.recorded[0]!.eventId, rev: 2, state: 'end' });
    expect(r.recorded[1]!.endedAt).toBeGreaterThan(r.recorded[0]!.startedAt);
    await r.sup.stop();
    expect(r.recorded).toHaveLength(2); // stopping is not "back online" and not a new outage
  });

  it('raises it at once for a camera that cannot even be started, with the reason', () => {
    const recorded: Violation[] = [];
    const alarm = new CameraOfflineAlarm(new ViolationLifecycle({ sink: { record: (v) => recorded.push(v) } }));
    const v = alarm.cannotStart('onvif-cam', 'auth_failed', 0, Date.UTC(2026, 5, 1));
    expect(v).toMatchObject({ type: 'camera_offline', state: 'new', reason: 'auth_failed', cameraId: 'onvif-cam' });
    expect(alarm.cannotStart('onvif-cam', 'auth_failed', 1, Date.UTC(2026, 5, 1) + 1)).toBeNull(); // same outage, nothing new
  });
});
