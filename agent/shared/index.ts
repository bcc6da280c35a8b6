export type * from './types.js';
export { systemClock, ManualClock, type Clock } from './clock.js';
export { uuidv7, UUID_V7_RE } from './ids.js';
export { noDelay } from './net.js';
export { Backoff, BACKOFF_DEFAULTS, fullJitterDelay, type BackoffOptions } from './backoff.js';
export { realTimers, type Timers } from './timers.js';
export { TokenBucket } from './token-bucket.js';
export { DropLog, DROP_LOG_QUIET_MS, type WarnLogger } from './drop-log.js';
export { CameraMetrics, RecentSamples, FRAME_DROP_CAUSES, type CameraSummary, type FrameDropCause, type PictureOutcome } from './camera-metrics.js';
