import { describe, expect, it } from 'vitest';
import { ServiceWatchdog, cameraProblems, type CameraLiveness, type ServiceNotifier } from '../../agent/ops/index.js';
import { ManualClock, type Timers } from '../../agent/shared/index.js';

/** Timers driven by hand: `fire()` runs the one pending callback. */
class ManualTimers implements Timers {
  pending: { fn: () => void; ms: number } | null = null;
  setTimeout(fn: () => void, ms: number): unknown {
    this.pending = { fn, ms };
    return this.pending;
  }
  clearTimeout(handle: unknown): void {
    if (handle === this.pending) this.pending = null;
  }
}

class RecordingNotifier implements ServiceNotifier {
  sent: Record<string, string>[] = [];
  ok = true;
  notify(fields: Readonly<Record<string, string>>): Promise<boolean> {
    this.sent.push({ ...fields });
    return Promise.resolve(this.ok);
  }
  pings(): number {
    return this.sent.filter((f) => f.WATCHDOG === '1').length;
  }
}

const STUCK_MS = 60_000;

describe('service watchdog', () => {
  it('pings while the camera streams and stops pinging when its pipeline is stuck, resuming when frames flow again', async () => {
    const clock = new ManualClock(1_000_000);
    const cam: { -readonly [K in keyof CameraLiveness]: CameraLiveness[K] } = { id: 'cam-1', state: 'online', since: clock.now(), lastFrameAt: clock.now() };
    const notifier = new RecordingNotifier();
    const problemsSeen: string[][] = [];
    const wd = new ServiceWatchdog({
      notifier,
      intervalMs: 30_000,
      timers: new ManualTimers(),
      liveness: () => ({ problems: cameraProblems([cam], clock.now(), STUCK_MS) }),
      onProblem: (p) => problemsSeen.push([...p]),
    });
    // Frames every tick: pings.
    for (let i = 0; i < 3; i++) {
      clock.advance(30_000);
      cam.lastFrameAt = clock.now();
      await wd.tick();
    }
    expect(notifier.pings()).toBe(3);
    // The pipeline hangs (state still online, no frame): after STUCK_MS, no more pings.
    clock.advance(30_000);
    await wd.tick();
    expect(notifier.pings()).toBe(4);
    clock.advance(31_000);
    await wd.tick();
    clock.advance(30_000);
    await wd.tick();
    expect(notifier.pings()).toBe(4);
    expect(wd.counters.withheld).toBe(2);
    expect(problemsSeen).toHaveLength(2);
    expect(problemsSeen[0]![0]).toMatch(/camera cam-1 is online but its pipeline handled no frame for 6\d s/);
    expect(notifier.sent.at(-1)!.STATUS).toMatch(/^watchdog withheld: camera cam-1/);
    // Frames again: pings resume and the status says so.
    clock.advance(1_000);
    cam.lastFrameAt = clock.now();
    await wd.tick();
    expect(notifier.pings()).toBe(5);
    expect(notifier.sent.some((f) => f.STATUS === 'running')).toBe(true);
  });

  it('keeps pinging for a camera its supervisor knows is offline (restarting the agent would not bring it back)', () => {
    const now = 10_000_000;
    const offline: CameraLiveness = { id: 'cam-2', state: 'offline', since: 0, lastFrameAt: null };
    const starting: CameraLiveness = { id: 'cam-3', state: 'starting', since: 0, lastFrameAt: null };
    expect(cameraProblems([offline, starting], now, STUCK_MS)).toEqual([]);
    const neverFramed: CameraLiveness = { id: 'cam-4', state: 'degraded', since: now - STUCK_MS - 1, lastFrameAt: null };
    expect(cameraProblems([neverFramed], now, STUCK_MS)).toHaveLength(1);
  });

  it('withholds the ping when the store or the liveness check itself fails, and counts failed sends', async () => {
    const notifier = new RecordingNotifier();
    let storeOk = false;
    const wd = new ServiceWatchdog({
      notifier,
      intervalMs: 30_000,
      timers: new ManualTimers(),
      liveness: () => {
        if (storeOk) throw new Error('boom');
        return { problems: ['the store does not answer SELECT 1'] };
      },
    });
    await wd.tick();
    storeOk = true;
    await wd.tick();
    expect(notifier.pings()).toBe(0);
    expect(notifier.sent.map((f) => f.STATUS)).toEqual(['watchdog withheld: the store does not answer SELECT 1', 'watchdog withheld: liveness check failed: boom']);
    notifier.ok = false;
    await wd.tick();
    expect(wd.counters.sendFailures).toBe(1);
  });

  it('schedules itself every interval until stopped', async () => {
    const timers = new ManualTimers();
    const notifier = new RecordingNotifier();
    const wd = new ServiceWatchdog({ notifier, intervalMs: 30_000, timers, liveness: () => ({ problems: [] }) });
    wd.start();
    expect(timers.pending?.ms).toBe(30_000);
    timers.pending!.fn();
    await expect.poll(() => notifier.pings(), { timeout: 2_000 }).toBe(1);
    await expect.poll(() => timers.pending !== null, { timeout: 2_000 }).toBe(true);
    await wd.stop();
    expect(timers.pending).toBeNull();
  });
});
