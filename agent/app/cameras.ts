/**
 * The agent's running cameras: each one's source, login forwarder, supervisor, rule engine, violation lifecycle and
 * pipeline, started and stopped together (at start, at a reload, at stop). The agent owns the shared parts
 * (vision, uplink, dashboard, store) and hands them over as getters, since some are made after the cameras.
 */
import type { AppConfig, CameraConfig } from '../config/index.js';
import { CameraSupervisor, RtspAuthProxy } from '../camera/index.js';
import { PersonAttributes, type RegionDetector, type VisionModels, type VisionScheduler } from '../vision/index.js';
import { Tracker } from '../track/index.js';
import { RuleEngine } from '../rules/index.js';
import { ViolationLifecycle, type FaceSearch } from '../events/index.js';
import type { Uplink } from '../uplink/index.js';
import type { CameraLiveness, Logger } from '../ops/index.js';
import type { Clock } from '../shared/clock.js';
import type { Detections, RuleEvent, Violation } from '../shared/types.js';
import { CameraPipeline, type CameraPipelineStats } from './camera-pipeline.js';
import type { CameraMetricsSource } from './metrics.js';
import { cameraStateLine, toCameraStatus } from './camera-health.js';
import { resolveCameraInput } from './camera-input.js';
import { Snapshotter } from './snapshotter.js';
import type { Housekeeping } from './housekeeping.js';
import type { GuardDashboard } from './dashboard.js';
import { overloadLine } from './console-lines.js';

/** One running camera. */
export interface RunningCamera {
  readonly pipeline: CameraPipeline;
  readonly supervisor: CameraSupervisor;
  readonly lifecycle: ViolationLifecycle;
  readonly login: RtspAuthProxy | null;
}

/** One camera's counters as the agent's stats() report them. */
export type CameraStats = CameraPipelineStats & { restarts: number; state: string };

/** What the cameras use of the agent; getters because the agent makes some parts after the cameras exist. */
export interface CameraWiring {
  readonly clock: Clock;
  readonly log: Logger;
  readonly say: (line: string) => void;
  /** Aborted by the agent's stop(): a camera still resolving its source gives up. */
  readonly signal: AbortSignal;
  /** The config in force (models, storage). */
  config(): AppConfig;
  /** The config the agent started with: the configured detect-fps named in an overload line. */
  readonly startConfig: AppConfig;
  vision(): VisionScheduler;
  models(): VisionModels | null;
  regions(): RegionDetector | null;
  uplink(): Uplink | null;
  dashboard(): GuardDashboard | null;
  housekeeping(): Housekeeping | null;
  faceSearch(): FaceSearch | null;
  ffmpegMajor(): number | undefined;
  utcOffsetMin(): number;
  /** Every violation revision (stored, then shown); throws when not stored. */
  recordViolation(v: Violation): void;
  onViolation(v: Violation, ev: RuleEvent): void;
}

export class Cameras {
  private readonly running = new Map<string, RunningCamera>();
  private readonly engines = new Map<string, RuleEngine>();

  constructor(private readonly w: CameraWiring) {}

  /** The running cameras by id. */
  entries(): IterableIterator<[string, RunningCamera]> {
    return this.running.entries();
  }

  /** The camera's rule engine, once it was built. */
  engine(id: string): RuleEngine | undefined {
    return this.engines.get(id);
  }

  /** What the service watchdog reads of each camera. */
  liveness(): CameraLiveness[] {
    return [...this.running].map(([id, { pipeline, supervisor }]) => ({
      id,
      state: supervisor.state.state,
      since: supervisor.state.since,
      lastFrameAt: pipeline.lastFrameAt,
    }));
  }

  /** Each camera's counters, for the agent's stats(). */
  stats(): Record<string, CameraStats> {
    const cameras: Record<string, CameraStats> = {};
    for (const [id, { pipeline, supervisor }] of this.running) {
      cameras[id] = { ...pipeline.stats, restarts: supervisor.counters.restarts, state: supervisor.state.state };
    }
    return cameras;
  }

  /** Each camera as /metrics reads it. */
  metricsSources(): CameraMetricsSource[] {
    return [...this.running].map(([id, { pipeline, supervisor }]) => ({ id, state: supervisor.state.state, counters: supervisor.counters, pipeline: pipeline.stats }));
  }

  /** The violation lifecycles of the running cameras (ended at the agent's stop). */
  lifecycles(): ViolationLifecycle[] {
    return [...this.running.values()].map((c) => c.lifecycle);
  }

  async start(cam: CameraConfig): Promise<void> {
    const { w } = this;
    const ffmpegMajor = w.ffmpegMajor();
    const utcOffsetMin = w.utcOffsetMin();
    const log = w.log.child({ stage: 'camera', cameraId: cam.id });
    const resolved = await resolveCameraInput(cam, {
      logger: log,
      signal: w.signal,
      onFailure: (reason, message) => {
        w.say(`camera    ${cam.id} cannot start (${reason}): ${message}`);
        w.uplink()?.setCameraStatus(cam.id, { state: 'offline', reason, since: w.clock.wall() });
        w.dashboard()?.cannotStart(cam.id, reason);
      },
    });
    if (!resolved) return;
    // A camera login never goes on ffmpeg's command line (readable by every local user): a loopback forwarder
    // of this process answers the camera's challenge, and ffmpeg gets a URL without credentials.
    let input = resolved;
    let login: RtspAuthProxy | null = null;
    if (resolved.kind === 'rtsp' && RtspAuthProxy.needed(resolved.url)) {
      login = new RtspAuthProxy(resolved.url, log);
      input = { ...resolved, url: await login.start() };
    }
    const supervisor = new CameraSupervisor({
      cameraId: cam.id,
      input,
      output: { width: cam.detect.width, height: cam.detect.height, fps: cam.detect.fps, format: 'rgb24' },
      health: cam.health,
      hwaccel: cam.hwaccel,
      clock: w.clock,
      // The supervisor binds cameraId itself; binding it here too would print the key twice.
      logger: w.log.child({ stage: 'camera' }),
      ffmpegMajor,
    });
    supervisor.on('hwaccel', (f) => w.say(`camera    ${cam.id} hardware decode ${f.from} failed (${f.reason}); using software decode`));
    const wallAt = (mono: number): number => w.clock.wall() - (w.clock.now() - mono);
    supervisor.on('state', (s) => {
      w.say(cameraStateLine(cam.id, s));
      const status = toCameraStatus(s, wallAt);
      const overloaded = this.running.get(cam.id)?.pipeline.overloaded === true && status?.state === 'online';
      const shown = status && overloaded ? { ...status, state: 'degraded' as const, reason: 'overload' } : status;
      if (shown) w.uplink()?.setCameraStatus(cam.id, shown);
      w.dashboard()?.cameraState(cam.id, s, shown, supervisor.quality().grade);
    });
    const lifecycle = new ViolationLifecycle({
      sink: { record: (v) => w.recordViolation(v) },
      modelFor: () => ({ name: w.models()!.person.model.name, version: w.models()!.person.model.version }),
    });
    const rules = this.rulesFor(cam, utcOffsetMin);
    const models = w.models();
    const config = w.config();
    const regions = w.regions();
    const pipeline = new CameraPipeline({
      cameraId: cam.id,
      supervisor,
      vision: w.vision(),
      attributes:
        cam.rules.mask && models?.face && models.mask
          ? new PersonAttributes({ faces: models.face, masks: models.mask, minFacePx: config.models.mask.min_face_px })
          : null,
      tamperThumbHeight: cam.rules.tamper ? 120 : 0,
      // Every detection the detector reports may start a track; a tracker threshold above the detector's would leave
      // people scored between the two untracked, invisible to every rule.
      tracker: new Tracker({ fps: cam.detect.fps, high_score: config.models.person.min_score }),
      rules,
      lifecycle,
      snapshotter: new Snapshotter(config.storage.dir, log, w.faceSearch(), () => w.housekeeping()?.retention.snapshotsAllowed() ?? true),
      logger: log,
      onViolation: (v, ev) => w.onViolation(v, ev),
      onDetected: (frame, found) => w.dashboard()?.frame(frame, found),
      detectFps: cam.detect.fps,
      ...(regions && cam.detect.mode === 'regions' && { observeTracks: (d: Detections) => w.regions()?.observe(d) }),
      onOverload: (overloaded, fps) => this.onOverload(cam.id, supervisor, overloaded, fps, wallAt),
    });
    this.running.set(cam.id, { pipeline, supervisor, lifecycle, login });
    pipeline.start();
  }

  /** Stops one camera: its ffmpeg, its open violations (ended now), its rule engine. */
  async stop(id: string, why: string): Promise<void> {
    const entry = this.running.get(id);
    this.engines.delete(id);
    if (!entry) return;
    this.w.say(`camera    ${id} stopping: ${why}`);
    await entry.pipeline.stop();
    await entry.login?.stop();
    this.running.delete(id);
    try {
      entry.lifecycle.closeAll(this.w.clock.wall());
    } catch (err) {
      this.w.log.error({ err, cameraId: id }, 'could not end the open violations of a stopped camera');
    }
  }

  /** Stops every camera's pipeline and login; their open violations are the caller's to end (with the others). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.running.values()].map(async ({ pipeline, login }) => {
      await pipeline.stop();
      await login?.stop();
    }));
  }

  /** The camera's rule engine, built once per camera (birth lists what runs, the log says what does not and why). */
  private rulesFor(cam: CameraConfig, utcOffsetMin: number): RuleEngine {
    let engine = this.engines.get(cam.id);
    if (!engine) {
      engine = RuleEngine.fromConfig(cam.rules, { utcOffsetMin, mask: this.w.config().models.mask });
      for (const d of engine.disabled) {
        this.w.say(`camera    ${cam.id} rule ${d.type} disabled: ${d.reason}`);
        this.w.log.warn({ cameraId: cam.id, rule: d.type }, `rule disabled: ${d.reason}`);
      }
      this.engines.set(cam.id, engine);
    }
    return engine;
  }

  /** Overload is the agent's own fault, not the camera's: announced over the supervisor's state, and withdrawn the same way. */
  private onOverload(id: string, supervisor: CameraSupervisor, overloaded: boolean, fps: number, wallAt: (mono: number) => number): void {
    const { w } = this;
    const configured = w.startConfig.cameras.find((c) => c.id === id)?.detect.fps;
    w.say(overloadLine(id, overloaded, fps, configured));
    w.log.warn({ cameraId: id, effectiveFps: fps, configuredFps: configured, overloaded }, 'camera detect rate');
    const base = toCameraStatus(supervisor.state, wallAt);
    const shown = overloaded && base?.state === 'online' ? { state: 'degraded' as const, reason: 'overload', since: w.clock.wall() } : base;
    if (shown) w.uplink()?.setCameraStatus(id, shown);
    w.dashboard()?.cameraState(id, supervisor.state, shown, supervisor.quality().grade);
  }
}
