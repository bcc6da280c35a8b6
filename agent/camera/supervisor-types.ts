/** The supervisor's options, events and the shapes it reports; the class is in supervisor.ts. */
import type { CameraMetrics } from '../shared/camera-metrics.js';
import type {
  FfmpegInput,
  FfmpegOutput,
  FrameSourceExit,
  FrameSourceOptions,
  HwAccel,
} from '../decode/index.js';
import type { Logger } from '../ops/index.js';
import type { Clock } from '../shared/clock.js';
import type { Frame } from '../shared/types.js';
import type { BackoffOptions, Timers } from '../shared/index.js';
import type { CameraHealthSettings, CameraState, RestartPlan } from './camera-state.js';
import type { HwaccelFallback } from './hwaccel-fallback.js';
import type { OverFpsOptions } from './over-fps.js';
import type { QualityGrade, QualityThresholds } from './quality.js';

/** What the supervisor needs from a frame source; `FfmpegFrameSource` by default. */
export interface FrameSourceLike {
  readonly pid: number | undefined;
  readonly exited: Promise<FrameSourceExit>;
  start(): void;
  stop(): Promise<FrameSourceExit>;
  on(event: 'frame', listener: (f: Frame) => void): unknown;
}

export interface CameraSupervisorOptions {
  readonly cameraId: string;
  readonly input: FfmpegInput;
  readonly output: FfmpegOutput;
  readonly health?: Partial<CameraHealthSettings>;
  readonly backoff?: BackoffOptions;
  readonly clock?: Clock;
  /** How restarts and deadlines wait; tests drive them with manual timers. */
  readonly timers?: Timers;
  readonly logger?: Logger;
  readonly ffmpegPath?: string;
  readonly ffmpegMajor?: number;
  /** The camera's `hwaccel:` setting; `none` by default. vaapi/qsv fall back to software when they fail. */
  readonly hwaccel?: HwAccel;
  readonly hwaccelDevice?: string;
  /** Over-fps check (see over-fps.ts); `false` turns it off. */
  readonly overFps?: OverFpsOptions | false;
  readonly qualityThresholds?: QualityThresholds;
  /** SIGTERM → SIGKILL grace when stopping ffmpeg. */
  readonly stopGraceMs?: number;
  /** Seam for other source kinds later (e.g. a GStreamer pipeline); ffmpeg by default. */
  readonly createSource?: (opts: FrameSourceOptions) => FrameSourceLike;
  /** The camera's one set of counters, shared with the stages after this one; a new one by default. */
  readonly metrics?: CameraMetrics;
}

/** The quality grade with the counts it rests on (the last hour). */
export interface CameraQuality {
  readonly grade: QualityGrade;
  readonly reconnects: number;
  readonly stalls: number;
  readonly overFps: number;
  readonly windowS: number;
}

export interface SupervisorEvents {
  state: [CameraState];
  restart: [RestartPlan];
  exit: [FrameSourceExit];
  hwaccel: [HwaccelFallback];
}

/** Why the supervisor itself stopped a running ffmpeg (null: it ended on its own). */
export type KillReason = 'stalled' | 'over_fps' | null;
