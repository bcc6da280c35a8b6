import { hwaccelCanFail, type FfmpegErrorKind, type HwAccel } from '../decode/index.js';

/** Emitted once when a camera gives up on hardware decode for the rest of the agent's life. */
export interface HwaccelFallback {
  readonly from: HwAccel;
  readonly to: 'none';
  /** Why: ffmpeg's classified error, or `no_frames` when the run produced nothing. */
  readonly reason: FfmpegErrorKind | 'stalled' | 'no_frames';
}

/** Faults that are the network's or the camera's: software decode would fail the same way. */
const NOT_THE_DECODER: ReadonlySet<FfmpegErrorKind> = new Set(['auth_failed', 'not_found', 'refused', 'timeout', 'spawn_failed']);

/**
 * Should a failed run make the camera drop its hardware decoder? Yes when the mode cannot fall
 * back by itself and either ffmpeg said the device failed, or the run produced no picture at all
 * for a reason that is not the network's (a decoder that rejects the stream's profile, hangs, or
 * emits garbage). A camera that is merely unreachable keeps its setting.
 */
export function shouldFallBack(
  mode: HwAccel,
  run: { readonly frames: number; readonly stalled: boolean; readonly errorKind: FfmpegErrorKind | null },
): HwaccelFallback | null {
  if (!hwaccelCanFail(mode)) return null;
  if (run.errorKind === 'hwaccel_failed') return { from: mode, to: 'none', reason: 'hwaccel_failed' };
  if (run.frames > 0) return null;
  if (run.stalled) return { from: mode, to: 'none', reason: 'stalled' };
  if (run.errorKind !== null && NOT_THE_DECODER.has(run.errorKind)) return null;
  return { from: mode, to: 'none', reason: run.errorKind ?? 'no_frames' };
}
