import { EventEmitter } from 'node:events';
import { buildFfmpegArgs, FfmpegFrameSource, FrozenDetector, LatestSlot, type FrameSourceExit, type HwAccel } from '../decode/index.js';
import { silentLogger, type Logger } from '../ops/index.js';
import { CameraMetrics } from '../shared/camera-metrics.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { Frame, MonoMs } from '../shared/types.js';
import { Backoff, realTimers, type Timers } from '../shared/index.js';
import {
  HEALTH_DEFAULTS,
  type CameraHealthSettings,
  type CameraState,
  type CameraStateName,
  type CameraStateReason,
  type RestartPlan,
} from './camera-state.js';
import { shouldFallBack } from './hwaccel-fallback.js';
import { OverFpsDetector } from './over-fps.js';
import { gradeQuality, IncidentWindow, QUALITY_WINDOW_MS } from './quality.js';
import type {
  CameraQuality,
  CameraSupervisorOptions,
  FrameSourceLike,
  KillReason,
  SupervisorEvents,
} from './supervisor-types.js';
import { CAMERA_BACKOFF } from './camera-state.js';

/**
 * Keeps one camera's ffmpeg running: restarts it with backoff when it exits, stalls or floods frames
 * far above the detect fps, drops a failing hardware decoder for software once, debounces
 * "offline", spots frozen pictures, grades the last hour, and hands frames on latest-wins across
 * restarts.
 */
export class CameraSupervisor extends EventEmitter<SupervisorEvents> {
  /** The camera's counters: this supervisor writes the decode side (decoded, hand-off drops, restarts, stalls…). */
  readonly metrics: CameraMetrics;

  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly log: Logger;
  private readonly health: CameraHealthSettings;
  private readonly backoff: Backoff;
  private readonly frozen: FrozenDetector;
  private readonly overFps: OverFpsDetector | null;
  private readonly incidents = new IncidentWindow();
  private hwaccelMode: HwAccel;
  private readonly slots = new Set<LatestSlot<Frame>>();
  private current: CameraState;
  private phase: 'new' | 'running' | 'stopped' = 'new';
  private source: FrameSourceLike | null = null;
  private sourceStartedAt: MonoMs = 0;
  private framesThisRun = 0;
  private hadSpawned = false;
  private hadFrames = false;
  private startedAt: MonoMs = 0;
  private lastFrameAt: MonoMs | null = null;
  private killReason: KillReason = null;
  private lastFault: { reason: CameraStateReason; detail?: string } | null = null;
  private seq = 0;
  private cancelRestart: (() => void) | null = null;
  private cancelWatchdog: (() => void) | null = null;

  constructor(private readonly opts: CameraSupervisorOptions) {
    super();
    this.metrics = opts.metrics ?? new CameraMetrics(opts.cameraId);
    this.clock = opts.clock ?? systemClock;
    this.timers = opts.timers ?? realTimers;
    this.log = (opts.logger ?? silentLogger()).child({ cameraId: opts.cameraId });
    this.health = { ...HEALTH_DEFAULTS, ...opts.health };
    for (const [k, v] of Object.entries(this.health)) {
      if (!(typeof v === 'number' && v > 0)) {
        throw new RangeError(`camera ${opts.cameraId}: health.${k} must be a positive number of seconds (got ${String(v)})`);
      }
    }
    // Fail on bad settings now, not at the first spawn.
    buildFfmpegArgs(opts.input, opts.output, { hwaccel: opts.hwaccel, hwaccelDevice: opts.hwaccelDevice });
    this.backoff = new Backoff({ ...CAMERA_BACKOFF, ...opts.backoff });
    this.frozen = new FrozenDetector(this.health.frozen_s * 1000);
    this.overFps = opts.overFps === false ? null : new OverFpsDetector(opts.output.fps, opts.overFps);
    this.hwaccelMode = opts.hwaccel ?? 'none';
    const now = this.clock.now();
    this.current = { state: 'starting', reason: 'starting', since: now, sinceWall: this.clock.wall() };
  }

  get state(): CameraState {
    return this.current;
  }

  /** The hardware decode in use: the configured mode until it failed once, then `none`. */
  get hwaccel(): HwAccel {
    return this.hwaccelMode;
  }

  /** Grade over the last hour of reconnects, stalls and over-fps restarts; see quality.ts. */
  quality(): CameraQuality {
    const c = this.incidents.counts(this.clock.now());
    const grade = gradeQuality(c, this.current.state === 'offline', this.opts.qualityThresholds);
    return { grade, ...c, windowS: QUALITY_WINDOW_MS / 1000 };
  }

  /** pid of the ffmpeg now running, if any. */
  get pid(): number | undefined {
    return this.source?.pid;
  }

  start(): void {
    if (this.phase !== 'new') throw new Error(`camera ${this.opts.cameraId}: start() called twice`);
    this.phase = 'running';
    this.startedAt = this.clock.now();
    this.setState('starting', 'starting');
    this.spawn();
  }

  /** Stop ffmpeg (SIGTERM, then SIGKILL) and end every `frames()` reader. Resolves when the process is gone. */
  async stop(): Promise<void> {
    if (this.phase === 'stopped') return;
    this.phase = 'stopped';
    this.cancelRestart?.();
    this.cancelWatchdog?.();
    this.cancelRestart = this.cancelWatchdog = null;
    const src = this.source;
    this.source = null;
    this.setState('stopped', 'stopped');
    for (const slot of this.slots) slot.close();
    if (src) await src.stop();
  }

  /** Newest frames across ffmpeg restarts; `seq` counts per camera, gaps are dropped frames. Ends at stop(). */
  async *frames(): AsyncGenerator<Frame, void, undefined> {
    const slot = new LatestSlot<Frame>();
    if (this.phase === 'stopped') return;
    this.slots.add(slot);
    try {
      yield* slot;
    } finally {
      this.slots.delete(slot);
    }
  }

  private spawn(): void {
    if (this.phase !== 'running') return;
    const o = this.opts;
    const src = (o.createSource ?? ((so) => new FfmpegFrameSource(so)))({
      cameraId: o.cameraId,
      input: o.input,
      output: o.output,
      ffmpegPath: o.ffmpegPath,
      ffmpegMajor: o.ffmpegMajor,
      hwaccel: this.hwaccelMode,
      hwaccelDevice: o.hwaccelDevice,
      clock: this.clock,
      logger: this.log,
      stopGraceMs: o.stopGraceMs,
    });
    if (this.hadSpawned) this.metrics.restarts++;
    this.hadSpawned = true;
    this.source = src;
    this.sourceStartedAt = this.clock.now();
    this.framesThisRun = 0;
    this.killReason = null;
    this.overFps?.reset();
    src.on('frame', (f) => this.onFrame(src, f));
    void src.exited.then((exit) => this.onExit(src, exit));
    src.start();
    this.armWatchdog();
  }

  private onFrame(src: FrameSourceLike, f: Frame): void {
    // A source being stopped for a fault delivers nothing more (an over-fps flood keeps coming).
    if (src !== this.source || this.phase !== 'running' || this.killReason) return;
    const now = this.clock.now();
    if (this.overFps?.update(now)) {
      this.metrics.overFps++;
      this.incidents.record('over_fps', now);
      const detail = `more than ${this.overFps.limit} frames within ${this.overFps.windowMs / 1000} s at ${this.opts.output.fps} detect-fps; ffmpeg restarted`;
      this.setState('degraded', 'over_fps', detail);
      this.kill('over_fps', { pid: src.pid, limit: this.overFps.limit }, 'frame rate far above the detect fps; stopping ffmpeg');
      return;
    }
    this.lastFrameAt = now;
    this.metrics.decoded++;
    if (this.framesThisRun++ === 0) {
      if (this.hadFrames) {
        this.metrics.reconnects++;
        this.incidents.record('reconnect', now);
      }
      this.hadFrames = true;
      this.lastFault = null;
    }
    if (this.backoff.noteHealthy(now)) this.log.info('stream healthy again; retry backoff reset');
    if (this.frozen.update(f.pixels, now)) this.setState('degraded', 'frozen');
    else this.setState('online', 'streaming');
    const out: Frame = { ...f, seq: this.seq++ };
    // The one place a frame replaced unread in the hand-off is counted (the agent has one reader per camera).
    for (const slot of this.slots) if (slot.push(out)) this.metrics.dropped.handoff++;
  }

  private onExit(src: FrameSourceLike, exit: FrameSourceExit): void {
    if (src !== this.source) return;
    this.source = null;
    this.emit('exit', exit);
    if (this.phase !== 'running') return;
    this.lastFault =
      this.killReason === 'stalled'
        ? { reason: 'stalled', detail: `no frame for ${this.health.stall_s} s; ffmpeg restarted` }
        : this.killReason === 'over_fps'
          ? { reason: 'over_fps', detail: this.current.detail ?? 'frame rate far above the detect fps' }
          : exit.error
            ? { reason: exit.error.kind, detail: exit.error.message }
            : { reason: 'ended', detail: 'the stream ended' };
    const fallback = shouldFallBack(this.hwaccelMode, {
      frames: this.framesThisRun,
      stalled: this.killReason === 'stalled',
      errorKind: exit.error?.kind ?? null,
    });
    if (fallback) {
      // Not the camera's fault: retry at once in software, without widening the backoff. Once only,
      // since the mode is now `none`, so this cannot loop.
      this.hwaccelMode = 'none';
      this.log.warn({ ...fallback, detail: this.lastFault.detail }, 'hardware decode failed; using software decode from now on');
      this.emit('hwaccel', fallback);
      this.scheduleSpawn(0);
      return;
    }
    const attempt = this.backoff.attempt;
    const delayMs = this.backoff.nextDelay();
    const plan: RestartPlan = { attempt, delayMs, ...this.lastFault };
    this.log.warn({ ...plan, code: exit.code, signal: exit.signal }, 'camera stream ended; restart scheduled');
    // Not yet announced offline: keep the state, but let "starting" say why it is not online yet.
    if (this.current.state === 'starting') this.setState('starting', this.lastFault.reason, this.lastFault.detail);
    this.emit('restart', plan);
    this.scheduleSpawn(delayMs);
  }

  /** Sets a timer on the injected timers; returns what cancels it. */
  private setTimer(fn: () => void, ms: number): () => void {
    const handle = this.timers.setTimeout(fn, ms);
    return () => this.timers.clearTimeout(handle);
  }

  private scheduleSpawn(delayMs: number): void {
    this.cancelRestart = this.setTimer(() => {
      this.cancelRestart = null;
      this.spawn();
    }, delayMs);
    this.armWatchdog();
  }

  /** Stop the running ffmpeg for a fault; its exit then schedules the restart. */
  private kill(reason: Exclude<KillReason, null>, ctx: Record<string, unknown>, msg: string): void {
    const src = this.source;
    if (!src || this.killReason) return;
    this.killReason = reason;
    this.log.warn(ctx, msg);
    void src.stop();
  }

  /**
   * One timer for both deadlines (stall of the running ffmpeg, offline announcement), re-armed
   * lazily: frames only move `lastFrameAt`, and an early wake-up just computes the next deadline.
   * So a healthy camera costs one timer wake per stall_s, not a timer reset per frame.
   */
  private armWatchdog(): void {
    this.cancelWatchdog?.();
    this.cancelWatchdog = null;
    const due = Math.min(this.stallDeadline(), this.offlineDeadline());
    if (due === Infinity || this.phase !== 'running') return;
    this.cancelWatchdog = this.setTimer(() => this.onWatchdog(), Math.max(0, due - this.clock.now()));
  }

  private stallDeadline(): MonoMs {
    if (!this.source || this.killReason) return Infinity;
    return Math.max(this.lastFrameAt ?? -Infinity, this.sourceStartedAt) + this.health.stall_s * 1000;
  }

  private offlineDeadline(): MonoMs {
    if (this.current.state === 'offline') return Infinity;
    return (this.lastFrameAt ?? this.startedAt) + this.health.offline_after_s * 1000;
  }

  private onWatchdog(): void {
    this.cancelWatchdog = null;
    if (this.phase !== 'running') return;
    const now = this.clock.now();
    const src = this.source;
    if (src && now >= this.stallDeadline()) {
      this.metrics.stalls++;
      this.incidents.record('stall', now);
      this.kill('stalled', { pid: src.pid, stall_s: this.health.stall_s }, 'no frames; stopping stalled ffmpeg');
    }
    if (now >= this.offlineDeadline()) {
      const fault = this.lastFault ?? { reason: 'stalled' as const, detail: `no frame for ${this.health.offline_after_s} s` };
      this.setState('offline', fault.reason, fault.detail);
    }
    this.armWatchdog();
  }

  private setState(state: CameraStateName, reason: CameraStateReason, detail?: string): void {
    const cur = this.current;
    if (cur.state === state && cur.reason === reason && cur.detail === detail) return;
    const keep = cur.state === state;
    this.current = {
      state,
      reason,
      since: keep ? cur.since : this.clock.now(),
      sinceWall: keep ? cur.sinceWall : this.clock.wall(),
      ...(detail !== undefined ? { detail } : {}),
    };
    if (!keep) this.log[state === 'offline' || state === 'degraded' ? 'warn' : 'info']({ state, reason, detail }, 'camera state');
    this.emit('state', this.current);
  }
}
