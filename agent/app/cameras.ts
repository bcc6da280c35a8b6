/**
 * The agent's running cameras: each one's source, login forwarder, supervisor, rule engine, violation lifecycle and
 * pipeline, started and stopped together (at start, at a reload, at stop). Wiring only: what each part does lives in
 * its stage; the shared parts (vision, recorder, pictures, uplink, dashboard) are made before any camera starts and
 * handed in once.
 */
import type { AppConfig, CameraConfig } from '../config/index.js';
import { CameraSupervisor, RtspAuthProxy } from '../camera/index.js';
import { PersonAttributes, type RegionDetector, type VisionModels, type VisionScheduler } from '../vision/index.js';
import { Tracker } from '../track/index.js';
import { RuleEngine } from '../rules/index.js';
import { ViolationLifecycle } from '../events/index.js';
import type { Uplink } from '../uplink/index.js';
import type { CameraLiveness, Logger } from '../ops/index.js';
import type { Store } from '../store/index.js';
import {
  CameraOfflineAlarm,
  CameraPipeline,
  ViolationPictures,
  type DetectBudget,
  cameraStateLine,
  toCameraStatus,
  type PictureQueue,
  type ViolationRecorder,
} from '../pipeline/index.js';
import type { Clock } from '../shared/clock.js';
import { CameraMetrics, type CameraSummary } from '../shared/camera-metrics.js';
import type { Detections, RuleEvent, Violation } from '../shared/types.js';
import { resolveCameraInput, type OnvifFacts } from './camera-input.js';
import type { GuardDashboard } from './dashboard.js';
import type { CameraDetectionView } from '../local/index.js';
import { cameraAlarmLine, overloadLine } from './console-lines.js';

/** One running camera. */
export interface RunningCamera {
  readonly pipeline: CameraPipeline;
  readonly supervisor: CameraSupervisor;
  readonly lifecycle: ViolationLifecycle;
  readonly pictures: ViolationPictures;
  readonly login: RtspAuthProxy | null;
}

/** One camera's counters and state as the agent's stats() report them (the shutdown summary). */
export type CameraStats = CameraSummary & { readonly state: string };

/** The shared parts every camera uses, all made before the first camera starts. */
export interface CameraDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly say: (line: string) => void;
  /** Aborted by the agent's stop(): a camera still resolving its source gives up. */
  readonly signal: AbortSignal;
  /** The config the agent started with: models, storage, and the configured detect-fps named in an overload line. */
  readonly startConfig: AppConfig;
  readonly vision: VisionScheduler;
  readonly models: VisionModels;
  readonly regions: RegionDetector | null;
  readonly recorder: ViolationRecorder;
  readonly store: Store;
  readonly pictures: PictureQueue;
  /** False while disk pressure forbids new pictures. */
  readonly picturesAllowed: () => boolean;
  readonly uplink: Uplink;
  readonly dashboard: GuardDashboard;
  /** Camera outages as `camera_offline` violations (the agent's camera-health lifecycle). */
  readonly offline: CameraOfflineAlarm;
  /** Who gives way under overload (the cameras' priorities). */
  readonly budget: DetectBudget;
  readonly ffmpegMajor: number | undefined;
  readonly utcOffsetMin: number;
  onViolation(v: Violation, ev: RuleEvent): void;
}

export class Cameras {
  private readonly running = new Map<string, RunningCamera>();
  private readonly engines = new Map<string, RuleEngine>();
  /** Each camera's counters, kept across its restarts by a reload (the heartbeat and /metrics count on). */
  private readonly metrics = new Map<string, CameraMetrics>();
  /** What each ONVIF camera said at its last resolve (the camera survey reads it). */
  private readonly onvif = new Map<string, OnvifFacts>();

  constructor(private readonly d: CameraDeps) {}

  /** The running cameras by id. */
  entries(): IterableIterator<[string, RunningCamera]> {
    return this.running.entries();
  }

  /** What an ONVIF camera said at its last resolve; undefined for other sources and before the first. */
  onvifFacts(id: string): OnvifFacts | undefined {
    return this.onvif.get(id);
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

  /** Each running camera's counters and state. */
  stats(): Record<string, CameraStats> {
    const cameras: Record<string, CameraStats> = {};
    for (const [id, { supervisor }] of this.running) cameras[id] = { ...supervisor.metrics.summary(), state: supervisor.state.state };
    return cameras;
  }

  /** Each running camera's detection as the dashboard's health page shows it: its rate, what it lost and why, its pictures. */
  detection(): CameraDetectionView[] {
    const slowed = new Map(this.d.budget.slowed().map((s) => [s.id, s]));
    const now = this.d.clock.now();
    return [...this.running].map(([id, { pipeline, supervisor }]) => {
      const m = supervisor.metrics;
      const cfg = this.d.startConfig.cameras.find((c) => c.id === id);
      return {
        id,
        priority: cfg?.priority ?? 'normal',
        configuredFps: cfg?.detect.fps ?? 0,
        effectiveFps: Math.round(pipeline.effectiveFps(now) * 10) / 10,
        slowedToFps: slowed.get(id)?.fps ?? null,
        decoded: m.decoded,
        dropped: { ...m.dropped },
        pictures: { ...m.pictures, cpuP95Ms: m.pictureCpuMs.quantile(0.95) },
      };
    });
  }

  /** Each running camera as /metrics reads it: its state and its counters (read at scrape time). */
  metricsSources(): { id: string; state: string; metrics: CameraMetrics }[] {
    return [...this.running].map(([id, { supervisor }]) => ({ id, state: supervisor.state.state, metrics: supervisor.metrics }));
  }

  /** The violation lifecycles of the running cameras (ended at the agent's stop). */
  lifecycles(): ViolationLifecycle[] {
    return [...this.running.values()].map((c) => c.lifecycle);
  }

  /** Resolves once every picture the running cameras asked for has settled (the agent's stop, tests). */
  async drainPictures(): Promise<void> {
    await Promise.all([...this.running.values()].map((c) => c.pictures.drain()));
  }

  async start(cam: CameraConfig): Promise<void> {
    const { d } = this;
    const log = d.log.child({ stage: 'camera', cameraId: cam.id });
    const resolved = await resolveCameraInput(cam, {
      logger: log,
      signal: d.signal,
      onOnvif: (facts) => {
        const before = this.onvif.get(cam.id);
        this.onvif.set(cam.id, facts);
        // What the camera is or streams changed (its first answer, usually after the connect's survey): survey again.
        if (JSON.stringify([before?.device, before?.profile]) !== JSON.stringify([facts.device, facts.profile])) d.uplink.surveySoon();
      },
      onFailure: (reason, message) => {
        d.say(`camera    ${cam.id} cannot start (${reason}): ${message}`);
        d.uplink.setCameraStatus(cam.id, { state: 'offline', reason, since: d.clock.wall() });
        d.dashboard.cannotStart(cam.id, reason);
        this.alarm(() => d.offline.cannotStart(cam.id, reason, d.clock.now(), d.clock.wall()));
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
    const metrics = this.metricsOf(cam.id);
    d.vision.attach(metrics);
    d.budget.register({ id: cam.id, priority: cam.priority, fps: cam.detect.fps, metrics });
    const supervisor = new CameraSupervisor({
      cameraId: cam.id,
      input,
      output: { width: cam.detect.width, height: cam.detect.height, fps: cam.detect.fps, format: 'rgb24' },
      health: cam.health,
      hwaccel: cam.hwaccel,
      clock: d.clock,
      // The supervisor binds cameraId itself; binding it here too would print the key twice.
      logger: d.log.child({ stage: 'camera' }),
      ffmpegMajor: d.ffmpegMajor,
      metrics,
    });
    supervisor.on('hwaccel', (f) => d.say(`camera    ${cam.id} hardware decode ${f.from} failed (${f.reason}); using software decode`));
    const wallAt = (mono: number): number => d.clock.wall() - (d.clock.now() - mono);
    supervisor.on('state', (s) => {
      d.say(cameraStateLine(cam.id, s));
      this.announce(cam.id, supervisor, wallAt, this.running.get(cam.id)?.pipeline.overloaded === true);
      // The camera's own state stream raises and ends its camera_offline violation.
      this.alarm(() => d.offline.onState(cam.id, s));
    });
    const person = d.models.person.model;
    const lifecycle = new ViolationLifecycle({ sink: d.recorder, modelFor: () => ({ name: person.name, version: person.version }) });
    const rules = this.rulesFor(cam);
    const config = d.startConfig;
    const pictures = new ViolationPictures({
      storageDir: config.storage.dir,
      queue: d.pictures,
      lifecycle,
      metrics,
      clock: d.clock,
      logger: log,
      recordOutcome: (row) => d.store.recordPictureOutcome(row),
      allowed: d.picturesAllowed,
      overlay: {
        lines: cam.rules.lines.map((l) => ({ id: l.id, points: l.points, direction: l.direction })),
        zones: cam.rules.zones.map((z) => ({ id: z.id, polygon: z.polygon })),
      },
    });
    const pipeline = new CameraPipeline({
      cameraId: cam.id,
      metrics,
      supervisor,
      vision: d.vision,
      attributes:
        cam.rules.mask && d.models.face && d.models.mask
          ? new PersonAttributes({ faces: d.models.face, masks: d.models.mask, minFacePx: config.models.mask.min_face_px })
          : null,
      tamperThumbHeight: cam.rules.tamper ? 120 : 0,
      // Every detection the detector reports may start a track; a tracker threshold above the detector's would leave
      // people scored between the two untracked, invisible to every rule.
      tracker: new Tracker({ fps: cam.detect.fps, high_score: config.models.person.min_score }),
      rules,
      lifecycle,
      pictures,
      logger: log,
      onViolation: (v, ev) => d.onViolation(v, ev),
      onDetected: (frame, found) => d.dashboard.frame(frame, found),
      detectFps: cam.detect.fps,
      admit: (f) => d.budget.admit(cam.id, f.ts),
      ...(d.regions && cam.detect.mode === 'regions' && { observeTracks: (t: Detections) => d.regions?.observe(t) }),
      onOverload: (overloaded, fps) => this.onOverload(cam.id, supervisor, overloaded, fps, wallAt),
    });
    this.running.set(cam.id, { pipeline, supervisor, lifecycle, pictures, login });
    pipeline.start();
  }

  /** Stops one camera: its ffmpeg, its open violations (ended now), its rule engine. */
  async stop(id: string, why: string): Promise<void> {
    const entry = this.running.get(id);
    this.engines.delete(id);
    if (!entry) return;
    this.d.say(`camera    ${id} stopping: ${why}`);
    this.d.budget.unregister(id);
    await entry.pipeline.stop();
    entry.pictures.stop();
    await entry.login?.stop();
    this.running.delete(id);
    try {
      entry.lifecycle.closeAll(this.d.clock.wall());
    } catch (err) {
      this.d.log.error({ err, cameraId: id }, 'could not end the open violations of a stopped camera');
    }
  }

  /** Stops every camera's pipeline and login; their open violations are the caller's to end (with the others). */
  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.running.values()].map(async ({ pipeline, pictures, login }) => {
        await pipeline.stop();
        pictures.stop();
        await login?.stop();
      }),
    );
  }

  private metricsOf(id: string): CameraMetrics {
    let m = this.metrics.get(id);
    if (!m) {
      m = new CameraMetrics(id);
      this.metrics.set(id, m);
    }
    return m;
  }

  /** The camera's rule engine, built once per camera (birth lists what runs, the log says what does not and why). */
  private rulesFor(cam: CameraConfig): RuleEngine {
    let engine = this.engines.get(cam.id);
    if (!engine) {
      engine = RuleEngine.fromConfig(cam.rules, { utcOffsetMin: this.d.utcOffsetMin, mask: this.d.startConfig.models.mask });
      for (const x of engine.disabled) {
        this.d.say(`camera    ${cam.id} rule ${x.type} disabled: ${x.reason}`);
        this.d.log.warn({ cameraId: cam.id, rule: x.type }, `rule disabled: ${x.reason}`);
      }
      this.engines.set(cam.id, engine);
    }
    return engine;
  }

  /** The camera's status as the hub and the guards see it: an online camera that is overloaded shows degraded. */
  private announce(id: string, supervisor: CameraSupervisor, wallAt: (mono: number) => number, overloaded: boolean, since?: number): void {
    const base = toCameraStatus(supervisor.state, wallAt);
    const shown = overloaded && base?.state === 'online' ? { state: 'degraded' as const, reason: 'overload', since: since ?? base.since } : base;
    if (shown) this.d.uplink.setCameraStatus(id, shown);
    this.d.dashboard.cameraState(id, shown, supervisor.quality().grade);
  }

  /** Overload is the agent's own fault, not the camera's: announced over the supervisor's state, and withdrawn the same way. */
  private onOverload(id: string, supervisor: CameraSupervisor, overloaded: boolean, fps: number, wallAt: (mono: number) => number): void {
    const configured = this.d.startConfig.cameras.find((c) => c.id === id)?.detect.fps;
    this.d.say(overloadLine(id, overloaded, fps, configured));
    this.d.log.warn({ cameraId: id, effectiveFps: fps, configuredFps: configured, overloaded }, 'camera detect rate');
    this.announce(id, supervisor, wallAt, overloaded, this.d.clock.wall());
  }

  /** Records a camera-health violation; a failure is logged (the next state change tries again). */
  private alarm(fn: () => Violation | null): void {
    try {
      const v = fn();
      if (v) this.d.say(cameraAlarmLine(v));
    } catch (err) {
      this.d.log.error({ err }, 'camera offline violation could not be recorded');
    }
  }
}
