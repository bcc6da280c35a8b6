import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { systemClock, type Clock } from '../shared/clock.js';
import type { Frame, PixelFormat } from '../shared/types.js';
import { silentLogger, type Logger } from '../ops/index.js';
import {
  buildFfmpegArgs,
  DEFAULT_RTSP_IO_TIMEOUT_S,
  frameByteLength,
  type FfmpegInput,
  type FfmpegOutput,
} from './ffmpeg-args.js';
import { ffmpegEnv } from './child-env.js';
import { classifyFfmpegExit, spawnFailedError, urlSecrets, type FfmpegError } from './ffmpeg-errors.js';
import { FrameSlicer } from './frame-slicer.js';
import { hwaccelCanFail, type HwAccel } from './hwaccel.js';
import { StderrTail } from './stderr-tail.js';

export interface FrameSourceOptions {
  readonly cameraId: string;
  readonly input: FfmpegInput;
  readonly output: FfmpegOutput;
  /** The system ffmpeg by default; `checkFfmpeg` it first for a friendly error. */
  readonly ffmpegPath?: string;
  /** From `checkFfmpeg`; picks RTSP option names (see ffmpeg-args.ts). */
  readonly ffmpegMajor?: number;
  /** Hardware decode for this run; `none` by default. */
  readonly hwaccel?: HwAccel;
  readonly hwaccelDevice?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** stderr lines kept for classifying the exit. Default 20. */
  readonly stderrTailLines?: number;
  /** SIGTERM → SIGKILL grace in stop(). Default 3000 ms. */
  readonly stopGraceMs?: number;
}

export interface FrameSourceStats {
  frames: number;
  bytes: number;
}

/** Why and how an ffmpeg run ended. */
export interface FrameSourceExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when stop() ended it: not a camera fault. */
  readonly requested: boolean;
  /** Null for a requested stop or a clean end of a non-looping file. */
  readonly error: FfmpegError | null;
  readonly frames: number;
  /** Last stderr lines, redacted. */
  readonly stderr: readonly string[];
}

interface SourceEvents {
  frame: [Frame];
  exit: [FrameSourceExit];
}

/**
 * One ffmpeg process decoding one camera into raw frames at the detect size and rate, emitted as `frame` events.
 * The latest-wins hand-off to a slower consumer is the camera supervisor's (one place, where a frame replaced unread
 * is counted). Single use: start() once; make a new source to restart.
 */
export class FfmpegFrameSource extends EventEmitter<SourceEvents> {
  readonly stats: FrameSourceStats = { frames: 0, bytes: 0 };
  readonly exited: Promise<FrameSourceExit>;

  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly format: PixelFormat;
  private readonly args: string[];
  private readonly stderr: StderrTail;
  private child: ChildProcess | null = null;
  private exitInfo: FrameSourceExit | null = null;
  private stopRequested = false;
  private startedAt = 0;
  private seq = 0;
  private resolveExit!: (e: FrameSourceExit) => void;

  constructor(private readonly opts: FrameSourceOptions) {
    super();
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? silentLogger();
    this.format = opts.output.format ?? 'rgb24';
    // Built here so bad settings fail at construction, before any process exists.
    this.args = buildFfmpegArgs(opts.input, opts.output, {
      ffmpegMajor: opts.ffmpegMajor,
      hwaccel: opts.hwaccel,
      hwaccelDevice: opts.hwaccelDevice,
    });
    const secrets = opts.input.kind === 'rtsp' ? urlSecrets(opts.input.url) : [];
    this.stderr = new StderrTail(opts.stderrTailLines ?? 20, secrets, (line) =>
      this.log.debug({ cameraId: opts.cameraId, ffmpeg: line }, 'ffmpeg stderr'),
    );
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.exitInfo === null;
  }

  start(): void {
    if (this.child || this.exitInfo) throw new Error(`frame source ${this.opts.cameraId}: start() called twice`);
    const path = this.opts.ffmpegPath ?? 'ffmpeg';
    const { width, height } = this.opts.output;
    const slicer = new FrameSlicer(frameByteLength(width, height, this.format), (pixels) => this.deliver(pixels));
    this.startedAt = this.clock.now();
    // A clean environment: the agent's own (camera passwords given as env:NAME) must not reach the child.
    const child = spawn(path, this.args, { stdio: ['ignore', 'pipe', 'pipe'], env: ffmpegEnv() });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => {
      this.stats.bytes += chunk.length;
      slicer.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => this.stderr.push(chunk));
    child.on('error', (err: NodeJS.ErrnoException) => {
      // Only spawn failures arrive here before 'close'; later errors (kill on a dead pid) are moot.
      if (child.pid === undefined) this.finish(null, null, spawnFailedError(path, err));
    });
    // 'close' (not 'exit'): stdout is fully drained by then, so the last frames are not lost.
    child.once('close', (code, signal) => {
      this.stderr.end();
      this.finish(code, signal, undefined);
    });
    this.log.debug({ cameraId: this.opts.cameraId, pid: child.pid }, 'ffmpeg started');
  }

  /**
   * Ask ffmpeg to quit (SIGTERM), and SIGKILL it if it has not after the grace period: ffmpeg
   * blocked in a kernel call (opening a FIFO, a dead NFS mount) ignores SIGTERM. Resolves once the
   * process is gone and reaped.
   */
  async stop(): Promise<FrameSourceExit> {
    const child = this.child;
    if (!child || this.exitInfo) return this.exitInfo ?? this.finishUnstarted();
    this.stopRequested = true;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), this.opts.stopGraceMs ?? 3000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(killer);
    }
  }

  private finishUnstarted(): FrameSourceExit {
    this.stopRequested = true;
    this.finish(null, null, null);
    return this.exitInfo!;
  }

  private deliver(pixels: Buffer): void {
    const { width, height } = this.opts.output;
    const frame: Frame = {
      cameraId: this.opts.cameraId,
      seq: this.seq++,
      ts: this.clock.now(),
      wallTs: this.clock.wall(),
      width,
      height,
      format: this.format,
      pixels,
    };
    this.stats.frames++;
    this.emit('frame', frame);
  }

  /** `error` undefined = classify from stderr; null/explicit = already known. */
  private finish(code: number | null, signal: NodeJS.Signals | null, error: FfmpegError | null | undefined): void {
    if (this.exitInfo) return;
    const requested = this.stopRequested;
    const classified =
      error !== undefined
        ? error
        : requested
          ? null
          : classifyFfmpegExit(this.stderr.tail, {
              inputKind: this.opts.input.kind,
              exitCode: code,
              signal,
              hwaccelStrict: hwaccelCanFail(this.opts.hwaccel ?? 'none'),
              frames: this.stats.frames,
              runtimeMs: this.clock.now() - this.startedAt,
              ioTimeoutMs:
                this.opts.input.kind === 'rtsp'
                  ? (this.opts.input.ioTimeoutS ?? DEFAULT_RTSP_IO_TIMEOUT_S) * 1000
                  : undefined,
            });
    this.exitInfo = { code, signal, requested, error: classified, frames: this.stats.frames, stderr: [...this.stderr.tail] };
    this.log.debug({ cameraId: this.opts.cameraId, code, signal, requested, error: classified?.kind }, 'ffmpeg exited');
    this.emit('exit', this.exitInfo);
    this.resolveExit(this.exitInfo);
  }
}
