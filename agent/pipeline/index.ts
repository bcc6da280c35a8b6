// Public face of the pipeline stage: a camera's frames through detection, tracking, rules and the violation
// lifecycle (detection never waits: pictures are made after the alert, by the snapshot worker, at lower priority),
// violations recorded with their outbox rows, the camera's counters, health and offline alarm.
export { FrameStep, type FrameDetector, type FrameStepParts, type FrameResult } from './frame-step.js';
export { CameraPipeline, type CameraPipelineParts } from './camera-pipeline.js';
export { DetectRateMonitor, type DetectRateOptions } from './detect-rate.js';
export { CameraRates, cameraStateLine, toCameraStatus, workOf } from './camera-health.js';
export { CameraOfflineAlarm, CAMERA_OFFLINE_RULE } from './camera-offline.js';
export { ViolationRecorder, type OutboxContext, type RecorderOptions, type RecordedListener } from './recorder.js';
export { CameraPreviews, PREVIEW_MAX_AGE_MS } from './previews.js';
export { PictureQueue, PICTURE_SKIP_REASONS, type PictureQueueOptions, type PictureResult } from './pictures/queue.js';
export { PictureWorker, WorkerLostError, type PictureRunner, type PictureWorkerOptions } from './pictures/worker.js';
export { ViolationPictures, SNAPSHOT_QUALITY, type ViolationPicturesOptions } from './pictures/violation-pictures.js';
export { answerJob, renderPicture } from './pictures/render.js';
export { PICTURE_PRIORITY, type PictureJob, type PictureJobKind, type PictureReply } from './pictures/jobs.js';
export { DetectBudget, OVERLOAD_ALARM_RULE, overloadAlarmEvent, type BudgetCamera, type DetectBudgetOptions, type SlowedCamera } from './detect-budget.js';
