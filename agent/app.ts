/**
 * The one place where stages are wired together: config → cameras → vision → track → rules → events → store/uplink.
 * Every long-running part has start()/stop(); stop() ends open violations, flushes the store and tells the hub.
 */
import { join } from 'node:path';
import type { AppConfig, CameraConfig, HubTls } from './config/index.js';
import { configHash } from './config/index.js';
import { CameraSupervisor, RtspAuthProxy } from './camera/index.js';
import { checkFfmpeg } from './decode/index.js';
import {
  ModelRegistry,
  PersonAttributes,
  VisionScheduler,
  RegionDetector,
  defaultModelsDir,
  type FrameDetector,
  openVisionModels,
  type PersonDetector,
  type VisionModels,
} from './vision/index.js';
import { Tracker } from './track/index.js';
import { RuleEngine } from './rules/index.js';
import { ViolationLifecycle } from './events/index.js';
import { Store, readSnapshotFile, makePrivateDir, securePrivateTree } from './store/index.js';
import type { BirthInfo } from './contract/index.js';
import { Uplink, type TlsOptions } from './uplink/index.js';
import { EmbeddedBroker, ReferenceHub, type HubStats } from './hub/index.js';
import { cameraProblems, type Logger, type LivenessReport } from './ops/index.js';
import { systemClock, type Clock } from './shared/clock.js';
import type { Box, Detections, Frame, RuleEvent, Violation } from './shared/types.js';
import { CameraPipeline, type CameraPipelineStats } from './app/camera-pipeline.js';
import { CameraRates, cameraStateLine, toCameraStatus } from './app/camera-health.js';
import { resolveCameraInput } from './app/camera-input.js';
import { Snapshotter } from './app/snapshotter.js';
import { Housekeeping } from './app/housekeeping.js';
import { utcOffsetMinutes } from './app/timezone.js';
import { AGENT_VERSION } from './version.js';
import { GuardDashboard, dashboardCounts } from './app/dashboard.js';
import { messageKeys, type MessageKeys } from './app/signing-keys.js';
import { AgentMetrics } from './app/metrics.js';
import { diffConfig, type ConfigDiff } from './app/config-diff.js';

// The service's systemd link (READY/WATCHDOG/STOPPING) is wiring too; `qmon run` reaches it through here.
export { ServiceLink, PIPELINE_STUCK_MS } from './app/service.js';

export interface AgentOptions {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly modelsDir?: string;
  /** Human-readable lines for the console (alerts, ACKs, camera state); the JSON log gets the same facts. */
  readonly say?: (line: string) => void;
}

export interface AgentStats {
  readonly cameras: Record<string, CameraPipelineStats & { restarts: number; state: string }>;
  readonly outbox: ReturnType<Store['stats']>;
  readonly hub: HubStats | null;
}

export class Agent {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly say: (line: string) => void;
  private readonly pipelines = new Map<
    string,
    { pipeline: CameraPipeline; supervisor: CameraSupervisor; lifecycle: ViolationLifecycle; login: RtspAuthProxy | null }
  >();
  /** The config in force: the start's, with the cameras of the latest accepted reload. */
  private config: AppConfig;
  /** Set at start, for cameras started later by a reload. */
  private ffmpegMajor: number | undefined;
  private utcOffsetMin = 0;
  /** Reloads run one after the other (a second SIGHUP during a reload waits). */
  private reloading: Promise<unknown> = Promise.resolve();
  private store: Store | null = null;
  private uplink: Uplink | null = null;
  private broker: EmbeddedBroker | null = null;
  private hub: ReferenceHub | null = null;
  private detector: PersonDetector | null = null;
  private models: VisionModels | null = null;
  private vision: VisionScheduler | null = null;
  private regions: RegionDetector | null = null;
  private housekeeping: Housekeeping | null = null;
  private lifecycles: ViolationLifecycle[] = [];
  private finalStats: AgentStats | null = null;
  private readonly engines = new Map<string, RuleEngine>();
  /** Cameras still resolving their source (ONVIF); aborted by stop(). */
  private readonly pending: Promise<void>[] = [];
  private readonly stopping = new AbortController();
  /** Frame rates since the previous heartbeat, on the agent's clock (injected in tests). */
  private readonly rates: CameraRates;
  /** The guard dashboard; fed each recorded revision, camera state and detected frame. */
  private dashboard: GuardDashboard | null = null;
  /** Prometheus metrics, served on the dashboard's listener at `/metrics`. */
  private metrics: AgentMetrics | null = null;

  constructor(private readonly opts: AgentOptions) {
    this.clock = opts.clock ?? systemClock;
    this.config = opts.config;
    this.rates = new CameraRates(this.clock);
    this.log = opts.logger;
    this.say = opts.say ?? (() => undefined);
  }

  async start(): Promise<void> {
    const { config } = this.opts;
    // Faces, alerts and password hashes: private to the agent's user whatever the umask (checked and fixed at start).
    makePrivateDir(config.storage.dir);
    securePrivateTree(config.storage.dir, this.log.child({ stage: 'store' }));
    const ffmpeg = await checkFfmpeg();
    const registry = ModelRegistry.open(this.opts.modelsDir ?? defaultModelsDir());
    // Face and mask models are small; the face model is needed for snapshots on every camera, not only mask rules.
    this.models = await openVisionModels({ registry, personMinScore: config.models.person.min_score, attributes: true });
    this.detector = this.models.person;
    this.store = Store.open({ dir: config.storage.dir, clock: this.clock, logger: this.log });
    this.metrics = this.createMetrics();
    this.vision = new VisionScheduler({ detector: this.detectorFor(config), clock: this.clock, motion: {} });

    const keys = messageKeys(config);
    const hubUrl = await this.startEmbeddedHub(config, keys);
    const alarms = new ViolationLifecycle({ sink: { record: (v) => this.recordViolation(v) } });
    const cameraHealth = new ViolationLifecycle({ sink: { record: (v) => this.recordViolation(v) } });
    this.lifecycles.push(alarms, cameraHealth);
    this.dashboard = new GuardDashboard({ clock: this.clock, logger: this.log.child({ stage: 'local' }), say: this.say, faceFinder: this.faceFinder(), cameraHealth });
    const uplink = new Uplink({
      fid: config.facility.id,
      url: hubUrl,
      store: this.store,
      clock: this.clock,
      logger: this.log.child({ stage: 'uplink' }),
      birth: () => this.birth(),
      cameraHealth: () => this.cameraHealth(),
      diskFreeMb: () => this.housekeeping?.retention.diskFreeMb() ?? null,
      dashboardCounts: (since) => {
        try {
          return this.store ? dashboardCounts(this.store, since) : null;
        } catch (err) {
          // The heartbeat goes without the counts rather than not at all.
          this.log.warn({ err }, 'dashboard counts for the heartbeat could not be read');
          return null;
        }
      },
      heartbeatS: config.hub.heartbeat_s,
      replayRatePerS: config.hub.replay_rate_per_s,
      snapshotUpload: config.hub.snapshot_upload,
      uploadPort: config.hub.upload_port,
      snapshotFiles: (file) => readSnapshotFile(config.storage.dir, file),
      ...(config.hub.tls && { tls: tlsBuffers(config.hub.tls) }),
      ...(config.hub.username !== undefined && { username: config.hub.username }),
      ...(config.hub.password !== undefined && { password: config.hub.password }),
      signer: keys.signer,
      hubKeys: keys.hubKeys,
    });
    if (keys.hubKeys === null) this.log.warn('hub.public_key not set: ACKs and commands are accepted unsigned');
    this.uplink = uplink;
    this.housekeeping = new Housekeeping(this.store, config.storage, this.clock, this.log.child({ stage: 'store' }), alarms, (v) =>
      this.say(`ALARM     ${v.type} ${v.reason ?? ''} event ${v.eventId} rev ${v.rev} (${v.state})`),
    );
    await this.housekeeping.start();
    uplink.on('acked', ({ seqs, acked }) => {
      if (acked > 0) this.say(`hub ACK   seq ${seqs.join(',')} (committed at the hub; outbox row acked)`);
    });
    uplink.on('refused', ({ message }) => this.say(`hub REFUSED the connection: ${message}`));
    uplink.start();
    const dashboardUrl = await this.dashboard.start({
      config,
      store: this.store,
      uplink,
      diskFreeMb: () => this.housekeeping?.retention.diskFreeMb() ?? null,
      models: () => (this.detector ? [{ name: this.detector.model.name, version: this.detector.model.version }] : []),
      metrics: () => this.metrics!.render(),
    });
    this.say(`dashboard ${dashboardUrl}`);
    // What the start itself created (embedded hub database, TLS files) under a permissive umask.
    securePrivateTree(config.storage.dir, this.log.child({ stage: 'store' }));

    this.utcOffsetMin = utcOffsetMinutes(config.facility.timezone, this.clock.wall());
    this.ffmpegMajor = ffmpeg.major ?? undefined;
    const cameras = config.cameras.filter((c) => c.enabled);
    for (const cam of cameras) this.pending.push(this.startCamera(cam));
    this.say(
      `qmon ${AGENT_VERSION} running: facility ${config.facility.id}, ${cameras.length} camera(s), ` +
        `model ${this.detector.model.name} (${this.detector.threads} thread(s)), hub ${config.hub.mode === 'embedded' ? `embedded at ${hubUrl}` : config.hub.url}`,
    );
  }

  /**
   * Applies a new (already loaded and validated) config without a restart: cameras whose config is unchanged keep
   * running untouched (same ffmpeg, same frame counters); changed ones are restarted, removed ones stopped, added
   * ones started. Other sections (facility, hub, storage, local, models) only take effect after a restart: said.
   */
  reload(next: AppConfig): Promise<ConfigDiff> {
    const run = this.reloading.then(() => this.applyReload(next));
    this.reloading = run.catch(() => undefined);
    return run;
  }

  private async applyReload(next: AppConfig): Promise<ConfigDiff> {
    const diff = diffConfig(this.config, next);
    if (this.stopping.signal.aborted) return diff;
    for (const id of diff.removed) await this.stopCamera(id, 'removed from the config');
    for (const cam of diff.changed) {
      const why = diff.rulesOnly.includes(cam.id) ? 'its rules changed; restarting the camera to apply them' : 'its config changed; restarting it';
      await this.stopCamera(cam.id, why);
    }
    // The new camera list is in force before the cameras start (birth lists them as they come up).
    this.config = { ...this.config, cameras: next.cameras };
    await Promise.all([...diff.changed, ...diff.added].map((cam) => this.startCamera(cam)));
    for (const s of diff.needRestart) this.say(`config    ${s}: changed; takes effect after a restart (the running agent keeps the old ${s})`);
    this.say(
      `config    reloaded: ${diff.unchanged.length} camera(s) unchanged, ${diff.changed.length} restarted, ` +
        `${diff.added.length} added, ${diff.removed.length} removed`,
    );
    this.log.info(
      { unchanged: diff.unchanged, changed: diff.changed.map((c) => c.id), added: diff.added.map((c) => c.id), removed: diff.removed, needRestart: diff.needRestart },
      'config reloaded',
    );
    return diff;
  }

  /** Stops one camera: its ffmpeg, its open violations (ended now), its rule engine. */
  private async stopCamera(id: string, why: string): Promise<void> {
    const entry = this.pipelines.get(id);
    this.engines.delete(id);
    if (!entry) return;
    this.say(`camera    ${id} stopping: ${why}`);
    await entry.pipeline.stop();
    await entry.login?.stop();
    this.pipelines.delete(id);
    try {
      entry.lifecycle.closeAll(this.clock.wall());
    } catch (err) {
      this.log.error({ err, cameraId: id }, 'could not end the open violations of a stopped camera');
    }
    this.lifecycles = this.lifecycles.filter((l) => l !== entry.lifecycle);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.reloading;
    await Promise.all(this.pending);
    await Promise.all([...this.pipelines.values()].map(async ({ pipeline, login }) => {
      await pipeline.stop();
      await login?.stop();
    }));
    // Conditions still open (none for line crossings) are ended so the hub does not keep them open forever.
    const wall = this.clock.wall();
    for (const lc of this.lifecycles) {
      try {
        lc.closeAll(wall);
      } catch (err) {
        this.log.error({ err }, 'could not end open violations at shutdown');
      }
    }
    await this.housekeeping?.stop();
    await this.dashboard?.stop();
    await this.uplink?.stop();
    await this.hub?.stop();
    await this.broker?.stop();
    await this.vision?.close();
    await this.models?.close();
    if (this.store) this.finalStats = this.stats();
    this.store?.close();
    this.store = null;
  }

  /** What the service watchdog checks each tick: every pipeline handling frames (or knowingly not), the store answering. */
  liveness(stuckMs: number): LivenessReport {
    const cams = [...this.pipelines].map(([id, { pipeline, supervisor }]) => ({
      id,
      state: supervisor.state.state,
      since: supervisor.state.since,
      lastFrameAt: pipeline.lastFrameAt,
    }));
    const problems = cameraProblems(cams, this.clock.now(), stuckMs);
    if (!this.store?.alive()) problems.push('the store does not answer SELECT 1');
    return { problems };
  }

  /** Live counters while running; after stop(), the counters as they were at the end. */
  stats(): AgentStats {
    if (!this.store && this.finalStats) return this.finalStats;
    const cameras: AgentStats['cameras'] = {};
    for (const [id, { pipeline, supervisor }] of this.pipelines) {
      cameras[id] = { ...pipeline.stats, restarts: supervisor.counters.restarts, state: supervisor.state.state };
    }
    if (!this.store) throw new Error('agent not started');
    return { cameras, outbox: this.store.stats(), hub: this.hub?.stats() ?? null };
  }

  /** The person detector behind the scheduler: whole frames, or regions for the cameras whose `detect.mode` says so. */
  private detectorFor(config: AppConfig): FrameDetector {
    const person = this.models!.person;
    // Every run of the person model is timed for /metrics, also each region of a frame in regions mode.
    const timed = this.metrics!.timed(person, person.model.name);
    const regionCams = new Set(config.cameras.filter((c) => c.detect.mode === 'regions').map((c) => c.id));
    if (regionCams.size === 0) return timed;
    const regions = new RegionDetector({ detector: timed, inputSide: person.model.input.shape[1] as number });
    this.regions = regions;
    return { detect: (frame) => (regionCams.has(frame.cameraId) ? regions.detect(frame) : timed.detect(frame)) };
  }

  private createMetrics(): AgentMetrics {
    return new AgentMetrics({
      cameras: () =>
        [...this.pipelines].map(([id, { pipeline, supervisor }]) => ({ id, state: supervisor.state.state, counters: supervisor.counters, pipeline: pipeline.stats })),
      vision: () => this.vision?.stats() ?? [],
      outbox: () => this.store?.stats() ?? null,
      uplink: () => {
        const u = this.uplink?.stats();
        return u ? { connected: u.connected, hubOnline: u.hubState?.online ?? null } : null;
      },
      storageDir: this.config.storage.dir,
      wall: () => this.clock.wall(),
    });
  }

  private async startEmbeddedHub(config: AppConfig, keys: MessageKeys): Promise<string> {
    if (config.hub.mode !== 'embedded' || keys.embedded === null) return config.hub.url;
    // The demo's hub: a loopback broker plus the reference hub consumer, so the ACK path is the real one.
    this.broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0 });
    const { url } = await this.broker.start();
    this.hub = new ReferenceHub({
      url,
      dbFile: join(config.storage.dir, 'hub.db'),
      snapshotDir: join(config.storage.dir, 'hub-snapshots'),
      // The demo's hub serves this one facility: registered here, so nothing else can post to it.
      facilities: [config.facility.id],
      // Both sides' keys are made in memory for this run (see signing-keys.ts): events must verify.
      facilityKeys: new Map([[config.facility.id, keys.embedded.facilityPublicKey]]),
      signingKey: keys.embedded.hubKey,
      requireSignatures: true,
      clock: this.clock,
      logger: this.log.child({ stage: 'hub' }),
    });
    this.hub.on('snapshot', (s) =>
      this.say(`hub got   snapshot of event ${s.eventId} (${s.bytes} bytes, ${s.ok ? 'sha256 verified' : `refused: ${s.error ?? ''}`})`),
    );
    this.hub.on('event', ({ event: e, duplicate }) =>
      this.say(`hub got   ${e.type} event ${e.event_id} rev ${e.rev} seq ${e.seq}${duplicate ? ' (duplicate, ignored)' : ''}`),
    );
    await this.hub.start();
    return url;
  }

  private async startCamera(cam: CameraConfig): Promise<void> {
    const { ffmpegMajor, utcOffsetMin } = this;
    const log = this.log.child({ stage: 'camera', cameraId: cam.id });
    const resolved = await resolveCameraInput(cam, {
      logger: log,
      signal: this.stopping.signal,
      onFailure: (reason, message) => {
        this.say(`camera    ${cam.id} cannot start (${reason}): ${message}`);
        this.uplink?.setCameraStatus(cam.id, { state: 'offline', reason, since: this.clock.wall() });
        this.dashboard?.cannotStart(cam.id, reason);
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
      clock: this.clock,
      // The supervisor binds cameraId itself; binding it here too would print the key twice.
      logger: this.log.child({ stage: 'camera' }),
      ffmpegMajor,
    });
    supervisor.on('hwaccel', (f) => this.say(`camera    ${cam.id} hardware decode ${f.from} failed (${f.reason}); using software decode`));
    const wallAt = (mono: number): number => this.clock.wall() - (this.clock.now() - mono);
    supervisor.on('state', (s) => {
      this.say(cameraStateLine(cam.id, s));
      const status = toCameraStatus(s, wallAt);
      const overloaded = this.pipelines.get(cam.id)?.pipeline.overloaded === true && status?.state === 'online';
      const shown = status && overloaded ? { ...status, state: 'degraded' as const, reason: 'overload' } : status;
      if (shown) this.uplink?.setCameraStatus(cam.id, shown);
      this.dashboard?.cameraState(cam.id, s, shown, supervisor.quality().grade);
    });
    const lifecycle = new ViolationLifecycle({
      sink: { record: (v) => this.recordViolation(v) },
      modelFor: () => ({ name: this.detector!.model.name, version: this.detector!.model.version }),
    });
    this.lifecycles.push(lifecycle);
    const rules = this.rulesFor(cam, utcOffsetMin);
    const pipeline = new CameraPipeline({
      cameraId: cam.id,
      supervisor,
      vision: this.vision!,
      attributes:
        cam.rules.mask && this.models?.face && this.models.mask
          ? new PersonAttributes({ faces: this.models.face, masks: this.models.mask, minFacePx: this.config.models.mask.min_face_px })
          : null,
      tamperThumbHeight: cam.rules.tamper ? 120 : 0,
      // Every detection the detector reports may start a track; a tracker threshold above the detector's would leave
      // people scored between the two untracked, invisible to every rule.
      tracker: new Tracker({ fps: cam.detect.fps, high_score: this.config.models.person.min_score }),
      rules,
      lifecycle,
      snapshotter: new Snapshotter(this.config.storage.dir, log, this.faceFinder(), () => this.housekeeping?.retention.snapshotsAllowed() ?? true),
      logger: log,
      onViolation: (v, ev) => this.onViolation(v, ev),
      onDetected: (frame, found) => this.dashboard?.frame(frame, found),
      detectFps: cam.detect.fps,
      ...(this.regions && cam.detect.mode === 'regions' && { observeTracks: (d: Detections) => this.regions?.observe(d) }),
      onOverload: (overloaded, fps) => this.onOverload(cam.id, supervisor, overloaded, fps, wallAt),
    });
    this.pipelines.set(cam.id, { pipeline, supervisor, lifecycle, login });
    pipeline.start();
  }

  /** Face boxes in a region for snapshot blurring; null when no face model is loaded (head-region blur still applies). */
  private faceFinder(): ((frame: Frame, region: Box) => Promise<readonly Box[]>) | null {
    const face = this.models?.face;
    return face ? async (frame, region) => (await face.detect(frame, region)).map((f) => f.box) : null;
  }

  /** The camera's rule engine, built once per camera (birth lists what runs, the log says what does not and why). */
  private rulesFor(cam: CameraConfig, utcOffsetMin: number): RuleEngine {
    let engine = this.engines.get(cam.id);
    if (!engine) {
      engine = RuleEngine.fromConfig(cam.rules, { utcOffsetMin, mask: this.config.models.mask });
      for (const d of engine.disabled) {
        this.say(`camera    ${cam.id} rule ${d.type} disabled: ${d.reason}`);
        this.log.warn({ cameraId: cam.id, rule: d.type }, `rule disabled: ${d.reason}`);
      }
      this.engines.set(cam.id, engine);
    }
    return engine;
  }

  /** Every violation revision: stored with its outbox row (throws when not stored), then shown to the guards. */
  private recordViolation(v: Violation): void {
    this.uplink!.enqueue(v);
    if (v.state === 'new') this.metrics?.violationOpened(v.type);
    this.dashboard?.published(v);
  }

  /** Overload is the agent's own fault, not the camera's: announced over the supervisor's state, and withdrawn the same way. */
  private onOverload(id: string, supervisor: CameraSupervisor, overloaded: boolean, fps: number, wallAt: (mono: number) => number): void {
    const configured = this.opts.config.cameras.find((c) => c.id === id)?.detect.fps;
    this.say(`camera    ${id} ${overloaded ? `overloaded: ${fps.toFixed(1)} of ${configured} detect-fps, frames dropped` : 'carries its detect-fps again'}`);
    this.log.warn({ cameraId: id, effectiveFps: fps, configuredFps: configured, overloaded }, 'camera detect rate');
    const base = toCameraStatus(supervisor.state, wallAt);
    const shown = overloaded && base?.state === 'online' ? { state: 'degraded' as const, reason: 'overload', since: this.clock.wall() } : base;
    if (shown) this.uplink?.setCameraStatus(id, shown);
    this.dashboard?.cameraState(id, supervisor.state, shown, supervisor.quality().grade);
  }

  private onViolation(v: Violation, ev: RuleEvent): void {
    const where = v.lineId ? `line ${v.lineId}${v.direction ? ` direction ${v.direction}` : ''}` : v.zoneId ? `zone ${v.zoneId}` : '';
    this.say(
      `ALERT     ${v.type} camera ${v.cameraId} ${where} track ${ev.trackIds.join(',')} ` +
        `confidence ${v.confidence.toFixed(2)} event ${v.eventId} rev ${v.rev} (${v.state})`,
    );
    this.log.info({ violation: v }, 'violation recorded');
  }

  private birth(): BirthInfo {
    const { config } = this;
    return {
      version: AGENT_VERSION,
      configHash: configHash(config),
      cameras: config.cameras.map((c) => ({ id: c.id })),
      // Rule ids are unique per camera only, so the hub sees them as `camera:rule`.
      rules: config.cameras
        .filter((c) => c.enabled)
        .flatMap((c) => (this.engines.get(c.id)?.describe() ?? []).map((r) => ({ ...r, id: `${c.id}:${r.id}` }))),
      models: this.detector ? [{ name: this.detector.model.name, version: this.detector.model.version }] : [],
    };
  }

  private cameraHealth(): ReturnType<CameraRates['sample']>[] {
    return [...this.pipelines].map(([id, { pipeline, supervisor }]) => this.rates.sample(id, supervisor, pipeline.stats, pipeline.lastFrameAt, pipeline.overloaded));
  }
}

function tlsBuffers(tls: HubTls): TlsOptions {
  return {
    ca: Buffer.from(tls.ca),
    ...(tls.cert !== undefined && { cert: Buffer.from(tls.cert) }),
    ...(tls.key !== undefined && { key: Buffer.from(tls.key) }),
  };
}
