export { CameraSupervisor } from './supervisor.js';
export type {
  CameraSupervisorOptions,
  CameraQuality,
  FrameSourceLike,
  SupervisorEvents,
} from './supervisor-types.js';
export {
  HEALTH_DEFAULTS,
  type CameraState,
  type CameraStateName,
  type CameraStateReason,
  type CameraHealthSettings,
  type RestartPlan,
  CAMERA_BACKOFF,
} from './camera-state.js';
export { OverFpsDetector, OVER_FPS_DEFAULTS, type OverFpsOptions } from './over-fps.js';
export {
  gradeQuality,
  IncidentWindow,
  QUALITY_THRESHOLDS,
  QUALITY_WINDOW_MS,
  type QualityGrade,
  type QualityThresholds,
  type IncidentKind,
  type IncidentCounts,
} from './quality.js';
export { shouldFallBack, type HwaccelFallback } from './hwaccel-fallback.js';
// ONVIF discovery/probing is part of the camera stage; the wiring and the CLI reach it through this index.
export * from './onvif/index.js';
export { RtspAuthProxy } from './rtsp-auth-proxy.js';
