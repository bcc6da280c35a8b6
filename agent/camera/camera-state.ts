import type { FfmpegErrorKind } from '../decode/index.js';
import type { EpochMs, MonoMs } from '../shared/types.js';

export type CameraStateName = 'starting' | 'online' | 'offline' | 'degraded' | 'stopped';

/**
 * Why the camera is in its state: `streaming` (frames flow), `frozen` (frames flow, picture never
 * changes), `over_fps` (frames far faster than the detect rate), `stalled` (ffmpeg alive but silent), `ended` (the input ended cleanly), one of ffmpeg's
 * classified failures (`auth_failed`, `refused`, …), or the lifecycle words.
 */
export type CameraStateReason =
  | 'starting'
  | 'streaming'
  | 'frozen'
  | 'over_fps'
  | 'stalled'
  | 'ended'
  | 'stopped'
  | FfmpegErrorKind;

export interface CameraState {
  readonly state: CameraStateName;
  readonly reason: CameraStateReason;
  /** When this state (name) began, monotonic; a reason change within a state keeps it. */
  readonly since: MonoMs;
  readonly sinceWall: EpochMs;
  /** Human explanation for fault reasons, already redacted. */
  readonly detail?: string;
}

/** Emitted when a failed run is followed by a scheduled retry. */
export interface RestartPlan {
  /** 0 for the first retry after a healthy stretch. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: CameraStateReason;
  readonly detail?: string;
}

/** The camera's `health:` config section, named as in the YAML. */
export interface CameraHealthSettings {
  readonly stall_s: number;
  readonly offline_after_s: number;
  readonly frozen_s: number;
}

export const HEALTH_DEFAULTS: CameraHealthSettings = { stall_s: 20, offline_after_s: 60, frozen_s: 60 };

/**
 * A camera's restart pacing (the shared Backoff, full jitter): first retry within 2 s, widening to 5 min, reset by a
 * minute of frames. 2 s rather than the uplink's 1 s: a respawned ffmpeg costs a TCP+RTSP handshake on a camera that
 * may be rebooting.
 */
export const CAMERA_BACKOFF = { baseMs: 2_000, capMs: 300_000, resetAfterMs: 60_000 } as const;
