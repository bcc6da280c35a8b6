/**
 * CameraSupervisor with a ManualClock and manual timers, around real ffmpeg processes: restart
 * schedules, stall/offline deadlines and frozen pictures are driven exactly, while each "camera"
 * is a real ffmpeg reading a generated clip (lavfi testsrc/color, H.264), a missing file or a FIFO.
 */
import { copyFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CameraSupervisor, type CameraState, type CameraSupervisorOptions, type RestartPlan } from '../../agent/camera/index.js';
import { ManualClock } from '../../agent/shared/clock.js';
import { isAlive, makeClip, tempDir, waitFor } from '../decode/media.js';
import { ManualTimers } from './manual-timers.js';

let tmp: ReturnType<typeof tempDir>;
let shortClip: string; // 1 s, ends quickly: a camera that drops the session
let loopClip: string; // 2 s testsrc, looped in real time: a live camera
let stillClip: string; // 2 s solid gray, looped: a camera whose picture is frozen
beforeAll(() => {
  tmp = tempDir('supervisor');
  shortClip = makeClip(join(tmp.dir, 'short.mp4'), { seconds: 1, width: 160, height: 120 });
  loopClip = makeClip(join(tmp.dir, 'loop.mp4'), { seconds: 2, width: 160, height: 120 });
  stillClip = makeClip(join(tmp.dir, 'still.mp4'), { seconds: 2, width: 160, height: 120, source: 'color' });
});
afterAll(() => tmp.cleanup());

const live: CameraSupervisor[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((s) => s.stop()));
});

interface Rig {
  sup: CameraSupervisor;
  clock: ManualClock;
  timers: ManualTimers;
  states: CameraState[];
  plans: RestartPlan[];
}

function rig(input: CameraSupervisorOptions['input'], extra: Partial<CameraSupervisorOptions> = {}): Rig {
  const clock = new ManualClock(0);
  const timers = new ManualTimers(clock);
  const sup = new CameraSupervisor({
    cameraId: 'cam-s',
    input,
    output: { width: 160, height: 120, fps: 5 },
    health: { stall_s: 20, offline_after_s: 60, frozen_s: 60 },
    backoff: { random: () => 0.5 },
    clock,
    timers,
    stopGraceMs: 300,
    ...extra,
  });
  live.push(sup);
  const states: CameraState[] = [];
  const plans: RestartPlan[] = [];
  sup.on('state', (s) => states.push(s));
  sup.on('restart', (p) => plans.push(p));
  return { sup, clock, timers, states, plans };
}

/** Wait (really) for the next restart plan after `n` plans were seen. */
async function nextPlan(r: Rig, n: number): Promise<RestartPlan> {
  await waitFor(() => r.plans.length > n, `restart plan #${n + 1}`);
  return r.plans[n]!;
}

/** Wait (really) for more frames than `n`. */
async function framesBeyond(r: Rig, n: number): Promise<void> {
  await waitFor(() => r.sup.metrics.decoded > n, `frame #${n + 1}`);
}

describe('CameraSupervisor restart schedule', () => {
  it('backs off exponentially with jitter up to the 5 min cap, and announces offline only at 60 s', async () => {
    const r = rig({ kind: 'file', path: join(tmp.dir, 'never-there.mp4'), loop: false, realtime: false });
    r.sup.start();
    const expected = [1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 150_000, 150_000];
    const pids = new Set<number>();
    for (const [i, delay] of expected.entries()) {
      const plan = await nextPlan(r, i);
      expect(plan).toMatchObject({ attempt: i, delayMs: delay, reason: 'not_found' });
      expect(r.timers.delays()).toContain(delay);
      r.timers.advance(delay);
      if (r.sup.pid) pids.add(r.sup.pid);
    }
    expect(pids.size).toBe(expected.length); // a fresh ffmpeg for every attempt
    expect(r.sup.metrics.restarts).toBe(expected.length);
    const offline = r.states.filter((s) => s.state === 'offline');
    expect(offline).toHaveLength(1);
    expect(offline[0]).toMatchObject({ reason: 'not_found', since: 60_000 });
    expect(offline[0]!.detail).toMatch(/does not exist/);
    expect(r.states.some((s) => s.state === 'online')).toBe(false);
  });

  it('stays "starting" (with the reason) until offline_after_s, however fast ffmpeg fails', async () => {
    const r = rig({ kind: 'file', path: join(tmp.dir, 'gone.mp4'), loop: false, realtime: false });
    r.sup.start();
    await nextPlan(r, 0);
    expect(r.sup.state).toMatchObject({ state: 'starting', reason: 'not_found', since: 0 });
    r.timers.advance(59_999);
    expect(r.sup.state.state).toBe('starting');
    r.timers.advance(1);
    expect(r.sup.state).toMatchObject({ state: 'offline', since: 60_000 });
  });
});

describe('CameraSupervisor stall detection', () => {
  it('kills an ffmpeg that delivers nothing for stall_s and starts a new one', async () => {
    const fifo = join(tmp.dir, 'silent.fifo');
    execFileSync('mkfifo', [fifo]);
    const r = rig({ kind: 'file', path: fifo, loop: false });
    r.sup.start();
    const first = r.sup.pid!;
    expect(isAlive(first)).toBe(true);
    r.timers.advance(19_999);
    expect(r.sup.metrics.stalls).toBe(0);
    expect(isAlive(first)).toBe(true);
    r.timers.advance(1);
    expect(r.sup.metrics.stalls).toBe(1);
    const plan = await nextPlan(r, 0); // ffmpeg blocked in open() needs the SIGKILL fallback
    expect(plan).toMatchObject({ reason: 'stalled', attempt: 0, delayMs: 1000 });
    expect(isAlive(first)).toBe(false);
    expect(r.sup.state).toMatchObject({ state: 'starting', reason: 'stalled' });
    r.timers.advance(1000);
    const second = r.sup.pid!;
    expect(second).not.toBe(first);
    expect(isAlive(second)).toBe(true);
    expect(r.sup.metrics.restarts).toBe(1);
    await r.sup.stop();
    expect(isAlive(second)).toBe(false);
  });

  it('does not call a camera stalled while frames keep arriving', async () => {
    const r = rig({ kind: 'file', path: loopClip, loop: true });
    r.sup.start();
    for (let step = 0; step < 6; step++) {
      await framesBeyond(r, r.sup.metrics.decoded);
      r.timers.advance(15_000); // 90 s in all, never 20 s without a frame
    }
    expect(r.sup.metrics.stalls).toBe(0);
    expect(r.sup.metrics.restarts).toBe(0);
    expect(r.states.map((s) => s.state)).toEqual(['online']);
  });
});

describe('CameraSupervisor blips, offline and recovery', () => {
  it('keeps a camera that reconnects quickly online, and announces offline only after offline_after_s', async () => {
    const path = join(tmp.dir, 'flaky.mp4');
    copyFileSync(shortClip, path);
    const r = rig({ kind: 'file', path, loop: false, realtime: false });
    r.sup.start();
    expect(await nextPlan(r, 0)).toMatchObject({ reason: 'ended', delayMs: 1000 }); // the session dropped
    expect(r.sup.state).toMatchObject({ state: 'online', since: 0 });
    r.timers.advance(1000); // t = 1 s: reconnects and streams again
    await nextPlan(r, 1);
    expect(r.sup.metrics.reconnects).toBe(1);
    expect(r.sup.state.state).toBe('online');

    rmSync(path); // now the camera is really gone; the last frame was at t = 1 s
    let n = 2;
    while (r.sup.state.state !== 'offline') {
      r.timers.advance(r.plans[n - 1]!.delayMs);
      await nextPlan(r, n++);
    }
    expect(r.states.map((s) => s.state)).toEqual(['online', 'offline']);
    expect(r.sup.state).toMatchObject({ state: 'offline', reason: 'not_found', since: 61_000 });

    copyFileSync(shortClip, path); // back
    const before = r.sup.metrics.decoded;
    r.timers.advance(r.plans[n - 1]!.delayMs);
    await framesBeyond(r, before);
    expect(r.sup.state).toMatchObject({ state: 'online', reason: 'streaming' });
    expect(r.sup.metrics.reconnects).toBe(2);
  });

  it('resets the backoff after a healthy minute of frames, not before', async () => {
    const path = join(tmp.dir, 'reboots.mp4');
    const r = rig({ kind: 'file', path, loop: true });
    r.sup.start();
    for (let i = 0; i < 4; i++) {
      const plan = await nextPlan(r, i); // missing: attempts 0..3 fail
      if (i === 3) copyFileSync(loopClip, path); // the camera is back before the 5th try
      r.timers.advance(plan.delayMs);
    }
    await framesBeyond(r, 0);
    process.kill(r.sup.pid!, 'SIGKILL'); // crashes right away: no healthy stretch
    expect(await nextPlan(r, 4)).toMatchObject({ attempt: 4, delayMs: 16_000 });

    r.timers.advance(16_000);
    for (let step = 0; step < 5; step++) {
      await framesBeyond(r, r.sup.metrics.decoded);
      r.timers.advance(15_000);
    }
    await framesBeyond(r, r.sup.metrics.decoded); // a frame 75 s into the run
    process.kill(r.sup.pid!, 'SIGKILL');
    expect(await nextPlan(r, 5)).toMatchObject({ attempt: 0, delayMs: 1000 });
  });
});

describe('CameraSupervisor frozen picture', () => {
  it('marks a camera degraded/frozen when the picture has not changed for frozen_s', async () => {
    const r = rig({ kind: 'file', path: stillClip, loop: true });
    r.sup.start();
    for (let step = 0; step < 4; step++) {
      await framesBeyond(r, r.sup.metrics.decoded);
      expect(r.sup.state.state).toBe('online'); // frames at 0, 15, 30, 45 s: not yet frozen_s
      r.timers.advance(15_000);
    }
    await framesBeyond(r, r.sup.metrics.decoded); // a frame at 60 s, same picture
    expect(r.sup.state).toMatchObject({ state: 'degraded', reason: 'frozen', since: 60_000 });
  });

  it('leaves a moving picture online over the same span', async () => {
    const r = rig({ kind: 'file', path: loopClip, loop: true });
    r.sup.start();
    for (let step = 0; step < 5; step++) {
      await framesBeyond(r, r.sup.metrics.decoded);
      r.timers.advance(15_000);
    }
    await framesBeyond(r, r.sup.metrics.decoded);
    expect(r.sup.state.state).toBe('online');
  });
});

describe('CameraSupervisor stop', () => {
  it('leaves no ffmpeg behind, schedules nothing more and ends frames()', async () => {
    const r = rig({ kind: 'file', path: loopClip, loop: true });
    r.sup.start();
    const pid = r.sup.pid!;
    const seen: number[] = [];
    const reader = (async () => {
      for await (const f of r.sup.frames()) seen.push(f.seq);
    })();
    await framesBeyond(r, 1);
    expect(isAlive(pid)).toBe(true);
    await r.sup.stop();
    await reader;
    expect(isAlive(pid)).toBe(false);
    expect(r.sup.pid).toBeUndefined();
    expect(r.sup.state).toMatchObject({ state: 'stopped', reason: 'stopped' });
    expect(r.timers.delays()).toEqual([]);
    expect(r.plans).toEqual([]); // a requested stop is not a failure to retry
    expect(seen.length).toBeGreaterThan(0);
  });

  it('stop() during a pending restart cancels it', async () => {
    const r = rig({ kind: 'file', path: join(tmp.dir, 'absent.mp4'), loop: false, realtime: false });
    r.sup.start();
    await nextPlan(r, 0);
    await r.sup.stop();
    r.timers.advance(10 * 60_000);
    expect(r.sup.pid).toBeUndefined();
    expect(r.sup.metrics.restarts).toBe(0);
  });

  it('rejects bad health settings with the key named', () => {
    expect(
      () =>
        new CameraSupervisor({
          cameraId: 'bad',
          input: { kind: 'file', path: '/x.mp4', loop: false },
          output: { width: 160, height: 120, fps: 5 },
          health: { stall_s: 0 },
        }),
    ).toThrow(/health\.stall_s/);
  });
});
