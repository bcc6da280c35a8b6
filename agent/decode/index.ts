export {
  buildFfmpegArgs,
  frameByteLength,
  DEFAULT_RTSP_IO_TIMEOUT_S,
  type FfmpegInput,
  type FfmpegOutput,
  type FfmpegArgsOptions,
} from './ffmpeg-args.js';
export { checkFfmpeg, FfmpegCheckError, MIN_FFMPEG, type FfmpegVersion } from './ffmpeg-check.js';
export {
  classifyFfmpegExit,
  cleanStderrLine,
  type FfmpegError,
  type FfmpegErrorKind,
  type ClassifyContext,
} from './ffmpeg-errors.js';
export {
  FfmpegFrameSource,
  type FrameSourceOptions,
  type FrameSourceStats,
  type FrameSourceExit,
} from './frame-source.js';
export { hwaccelArgs, hwaccelCanFail, HWACCEL_MODES, DEFAULT_HW_DEVICE, type HwAccel } from './hwaccel.js';
export { FrameSlicer } from './frame-slicer.js';
export { LatestSlot } from './latest-slot.js';
export { FrozenDetector, frameFingerprint } from './frozen.js';
export { ffmpegEnv, FFMPEG_ENV_KEYS } from './child-env.js';
export { probeStream, streamFactsOf, type StreamFacts, type StreamProbeOptions } from './stream-probe.js';
