import type { CameraSupervisor, CameraState as SupervisorState } from '../camera/index.js';
import type { CameraHealth, CameraStatus, CameraWork } from '../../contract/index.js';
import type { Clock } from '../shared/clock.js';
import type { CameraMetrics } from '../shared/camera-metrics.js';

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

/** Frames per second in and through the detector, and the detector's work, since the previous heartbeat, per camera. */
export class CameraRates {
  private last = new Map<string, { at: number; frames: number; work: CameraWork }>();

  constructor(private readonly clock: Clock) {}

  /** `overloaded`: the pipeline loses frames and runs below its detect fps; an online camera is then reported degraded. */
  sample(
    id: string,
    sup: Pick<CameraSupervisor, 'state' | 'quality'>,
    metrics: CameraMetrics,
    lastFrameAt: number | null,
    overloaded = false,
  ): CameraHealth {
    const now = this.clock.now();
    const prev = this.last.get(id);
    // Every frame ffmpeg delivered, the ones later replaced in the hand-off included.
    const framesIn = metrics.decoded;
    const work = workOf(metrics);
    this.last.set(id, { at: now, frames: framesIn, work });
    const dt = prev ? (now - prev.at) / 1000 : 0;
    const base = toCameraStatus(sup.state, (m) => m)?.state ?? 'offline';
    const state = overloaded && base === 'online' ? 'degraded' : base;
    return {
      id,
      state,
      fpsIn: prev && dt > 0 ? round1((framesIn - prev.frames) / dt) : 0,
      // Frames answered (by a detector run or, when nothing moved, by the previous detections): the detect rate.
      fpsDetect: prev && dt > 0 ? round1((answered(work) - answered(prev.work)) / dt) : 0,
      lastFrameAgeS: lastFrameAt === null ? null : round1((now - lastFrameAt) / 1000),
      quality: sup.quality().grade,
      ...(state === 'degraded' && overloaded && { reason: 'overload' as const }),
      work: prev ? diff(work, prev.work) : work,
    };
  }
}

const answered = (w: CameraWork): number => w.inferences + w.gated;

/** The heartbeat's `work{}` read off the camera's counters: `frames` are those ffmpeg delivered. */
export function workOf(m: CameraMetrics): CameraWork {
  return { frames: m.decoded, inferences: m.inferred, regions: m.regions, gated: m.gated, stationarySkipped: m.stationarySkipped, dropped: m.droppedTotal() };
}

function diff(a: CameraWork, b: CameraWork): CameraWork {
  const d = (k: keyof CameraWork): number => Math.max(0, a[k] - b[k]);
  return { frames: d('frames'), inferences: d('inferences'), regions: d('regions'), gated: d('gated'), stationarySkipped: d('stationarySkipped'), dropped: d('dropped') };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
