export { CameraSupervisor, type CameraSupervisorOptions, type FrameSourceLike } from './supervisor.js';
export {
  HEALTH_DEFAULTS,
  type CameraState,
  type CameraStateName,
  type CameraStateReason,
  type CameraCounters,
  type CameraHealthSettings,
  type RestartPlan,
} from './camera-state.js';
export { Backoff, fullJitterDelay, BACKOFF_DEFAULTS, type BackoffOptions } from './backoff.js';
export { realSetTimer, type SetTimer, type CancelTimer } from './timers.js';
