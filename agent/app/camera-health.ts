import type { CameraSupervisor, CameraState as SupervisorState } from '../camera/index.js';
import type { CameraHealth, CameraStatus } from '../contract/index.js';
import type { Clock } from '../shared/clock.js';
import type { CameraPipelineStats } from './camera-pipeline.js';

/**
 * Maps the supervisor's states onto the hub contract's (`online | degraded | offline | disabled`). `starting` is
 * not announced: until the debounce says `offline`, a camera that has not delivered yet is simply not online.
 */
export function toCameraStatus(s: SupervisorState, wallAt: (mono: number) => number): CameraStatus | null {
  switch (s.state) {
    case 'online':
    case 'degraded':
    case 'offline':
      return { state: s.state, reason: s.reason, since: wallAt(s.since) };
    case 'stopped':
      // Stopped with the agent (or by a reload): not watched, but not `disabled` either, which means "turned off in
      // the config"; the hub shows it offline with the reason.
      return { state: 'offline', reason: 'stopped', since: wallAt(s.since) };
    default:
      return null;
  }
}

/**
 * The console line for a camera's new state, with the reason's detail (ffmpeg's own words, already redacted, e.g.
 * `/tmp: Is a directory`, `401 Unauthorized`): a technician at the console must not need the JSON log for it.
 */
export function cameraStateLine(cameraId: string, s: Pick<SupervisorState, 'state' | 'reason' | 'detail'>): string {
  const why = s.reason ? ` (${s.reason}${s.detail ? `: ${s.detail}` : ''})` : '';
  return `camera    ${cameraId} ${s.state}${why}`;
}

/** Frames per second in and through the detector since the previous heartbeat, per camera. */
export class CameraRates {
  private last = new Map<string, { at: number; frames: number; inferences: number }>();

  constructor(private readonly clock: Clock) {}

  sample(id: string, sup: Pick<CameraSupervisor, 'counters' | 'state' | 'quality'>, stats: CameraPipelineStats, lastFrameAt: number | null): CameraHealth {
    const now = this.clock.now();
    const prev = this.last.get(id);
    const framesIn = sup.counters.frames + sup.counters.dropped;
    this.last.set(id, { at: now, frames: framesIn, inferences: stats.inferences });
    const dt = prev ? (now - prev.at) / 1000 : 0;
    const state = toCameraStatus(sup.state, (m) => m)?.state ?? 'offline';
    return {
      id,
      state,
      fpsIn: prev && dt > 0 ? round1((framesIn - prev.frames) / dt) : 0,
      fpsDetect: prev && dt > 0 ? round1((stats.inferences - prev.inferences) / dt) : 0,
      lastFrameAgeS: lastFrameAt === null ? null : round1((now - lastFrameAt) / 1000),
      quality: sup.quality().grade,
    };
  }
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
