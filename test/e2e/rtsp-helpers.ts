/**
 * Shared pieces of the RTSP end-to-end suites: a supervisor on the real clock and real timers with
 * small health deadlines, a log capture (to prove no credential is ever logged), and recorders for
 * its states, restart plans and frames.
 */
import { Writable } from 'node:stream';
import { CameraSupervisor, type CameraState, type CameraSupervisorOptions, type RestartPlan } from '../../agent/camera/index.js';
import { createLogger } from '../../agent/ops/index.js';
import type { Frame } from '../../agent/shared/types.js';
import { waitFor } from '../decode/media.js';

export interface Watched {
  readonly sup: CameraSupervisor;
  readonly states: CameraState[];
  readonly plans: (RestartPlan & { at: number })[];
  /** Every JSON log line the supervisor (and its ffmpeg runs) wrote, at debug level. */
  readonly logs: string[];
  /** Frames read through `frames()` (a consumer that keeps up). */
  readonly frames: Frame[];
  readonly done: Promise<void>;
}

// stall_s covers ffmpeg's start too: it probes ~20 frames before the first picture (0.8 s at 25 fps, 2-3 s at
// 10 fps with a keyframe wait), so a few seconds here, 20 s by default in production.
export const FAST_HEALTH = { stall_s: 5, offline_after_s: 8, frozen_s: 2 } as const;

/** Start a supervisor on `url` with a reader attached; stop it with `sup.stop()`, then await `done`. */
export function superviseRtsp(
  url: string,
  extra: Partial<CameraSupervisorOptions> & { cameraId?: string } = {},
): Watched {
  const logs: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _enc, cb) {
        logs.push(chunk.toString());
        cb();
      },
    }),
  });
  const sup = new CameraSupervisor({
    cameraId: extra.cameraId ?? 'cam-rtsp',
    input: { kind: 'rtsp', url, ioTimeoutS: 5 },
    output: { width: 160, height: 120, fps: 5 },
    health: FAST_HEALTH,
    backoff: { baseMs: 500, capMs: 2000 },
    logger,
    stopGraceMs: 1000,
    ...extra,
  });
  const states: CameraState[] = [];
  const plans: Watched['plans'] = [];
  const frames: Frame[] = [];
  sup.on('state', (s) => states.push(s));
  sup.on('restart', (p) => plans.push({ ...p, at: Date.now() }));
  const done = (async () => {
    for await (const f of sup.frames()) frames.push(f);
  })();
  sup.start();
  return { sup, states, plans, logs, frames, done };
}

export async function stopAll(ws: readonly Watched[]): Promise<void> {
  await Promise.all(ws.map(async (w) => {
    await w.sup.stop();
    await w.done;
  }));
}

/** Wait for `n` more frames than the watcher has now. */
export async function moreFrames(w: Watched, n: number, timeoutMs = 15_000): Promise<void> {
  const target = w.frames.length + n;
  await waitFor(() => w.frames.length >= target, `${n} frames from ${w.sup.state.state} camera`, timeoutMs);
}

/** Everything a user or the hub could see from this camera: states, restart reasons, logs. */
export function visibleText(w: Watched): string {
  return [
    ...w.logs,
    ...w.states.map((s) => JSON.stringify(s)),
    ...w.plans.map((p) => JSON.stringify(p)),
  ].join('\n');
}

export { waitFor };
