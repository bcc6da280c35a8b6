/**
 * The one place where stages are wired together: config → cameras → vision → track → rules → events → store/uplink.
 * Every long-running part has start()/stop(); stop() ends open violations, flushes the store and tells the hub.
 */
import type { AppConfig } from './config/index.js';
import { configHash } from './config/index.js';
import { checkFfmpeg } from './decode/index.js';
import {
  FACE_SEARCH,
  ModelRegistry,
  VisionScheduler,
  RegionDetector,
  defaultModelsDir,
  openVisionModels,
  type PersonDetector,
  type VisionModels,
} from './vision/index.js';
import { ViolationLifecycle, type FaceSearch } from './events/index.js';
import { Store, makePrivateDir, securePrivateTree } from './store/index.js';
import type { BirthInfo } from './contract/index.js';
import type { Uplink } from './uplink/index.js';
import type { EmbeddedBroker, ReferenceHub, HubStats } from './hub/index.js';
import { cameraProblems, type Logger, type LivenessReport } from './ops/index.js';
import { systemClock, type Clock } from './shared/clock.js';
import type { RuleEvent, Violation } from './shared/types.js';
import { CameraRates } from './app/camera-health.js';
import { Cameras, type CameraStats } from './app/cameras.js';
import { alarmLine, alertLine } from './app/console-lines.js';
import { startEmbeddedHub } from './app/embedded-hub.js';
import { Housekeeping } from './app/housekeeping.js';
import { utcOffsetMinutes } from './app/timezone.js';
import { AGENT_VERSION } from './version.js';
import { GuardDashboard } from './app/dashboard.js';
import { createUplink } from './app/uplink-wiring.js';
import { messageKeys } from './app/signing-keys.js';
import { AgentMetrics } from './app/metrics.js';
import { diffConfig, type ConfigDiff } from './app/config-diff.js';
import { personVision } from './app/person-vision.js';

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
  readonly cameras: Record<string, CameraStats>;
  readonly outbox: ReturnType<Store['stats']>;
  readonly hub: HubStats | null;
}

export class Agent {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly say: (line: string) => void;
  /** The running cameras (started at start and by reloads). */
  private readonly cameras: Cameras;
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
  /** The agent's own lifecycles (disk/store alarms, camera health); each camera has its own. */
  private readonly lifecycles: ViolationLifecycle[] = [];
  private finalStats: AgentStats | null = null;
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
    this.cameras = new Cameras({
      clock: this.clock,
      log: this.log,
      say: this.say,
      signal: this.stopping.signal,
      config: () => this.config,
      startConfig: opts.config,
      vision: () => this.vision!,
      models: () => this.models,
      regions: () => this.regions,
      uplink: () => this.uplink,
      dashboard: () => this.dashboard,
      housekeeping: () => this.housekeeping,
      faceSearch: () => this.faceSearch(),
      ffmpegMajor: () => this.ffmpegMajor,
      utcOffsetMin: () => this.utcOffsetMin,
      recordViolation: (v) => this.recordViolation(v),
      onViolation: (v, ev) => this.onViolation(v, ev),
    });
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
    const vision = personVision(this.models, config, this.clock, (d, name) => this.metrics!.timed(d, name));
    this.vision = vision.scheduler;
    this.regions = vision.regions;

    const keys = messageKeys(config);
    const embedded = await startEmbeddedHub(config, keys, { clock: this.clock, log: this.log, say: this.say }, (p) => {
      this.broker = p.broker ?? null;
      this.hub = p.hub ?? null;
    });
    const hubUrl = embedded?.url ?? config.hub.url;
    const alarms = new ViolationLifecycle({ sink: { record: (v) => this.recordViolation(v) } });
    const cameraHealth = new ViolationLifecycle({ sink: { record: (v) => this.recordViolation(v) } });
    this.lifecycles.push(alarms, cameraHealth);
    this.dashboard = new GuardDashboard({ clock: this.clock, logger: this.log.child({ stage: 'local' }), say: this.say, faceSearch: this.faceSearch(FACE_SEARCH.previewTopZoom), cameraHealth });
    const uplink = createUplink(config, {
      url: hubUrl,
      store: this.store,
      clock: this.clock,
      log: this.log,
      say: this.say,
      keys,
      birth: () => this.birth(),
      cameraHealth: () => this.cameraHealth(),
      diskFreeMb: () => this.housekeeping?.retention.diskFreeMb() ?? null,
      openStore: () => this.store,
    });
    this.uplink = uplink;
    this.housekeeping = new Housekeeping(this.store, config.storage, this.clock, this.log.child({ stage: 'store' }), alarms, (v) =>
      this.say(alarmLine(v)),
    );
    await this.housekeeping.start();
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
    for (const cam of cameras) this.pending.push(this.cameras.start(cam));
    this.say(
      `qmon ${AGENT_VERSION} running: facility ${config.facility.id}, ${cameras.length} camera(s), ` +
        `model ${this.detector.model.name} (${this.models?.personSessions.length ?? 1} single-threaded session(s)), hub ${config.hub.mode === 'embedded' ? `embedded at ${hubUrl}` : config.hub.url}`,
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
    for (const id of diff.removed) await this.cameras.stop(id, 'removed from the config');
    for (const cam of diff.changed) {
      const why = diff.rulesOnly.includes(cam.id) ? 'its rules changed; restarting the camera to apply them' : 'its config changed; restarting it';
      await this.cameras.stop(cam.id, why);
    }
    // The new camera list is in force before the cameras start (birth lists them as they come up).
    this.config = { ...this.config, cameras: next.cameras };
    await Promise.all([...diff.changed, ...diff.added].map((cam) => this.cameras.start(cam)));
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

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.reloading;
    await Promise.all(this.pending);
    await this.cameras.stopAll();
    // Conditions still open (none for line crossings) are ended so the hub does not keep them open forever.
    const wall = this.clock.wall();
    for (const lc of [...this.lifecycles, ...this.cameras.lifecycles()]) {
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
    const problems = cameraProblems(this.cameras.liveness(), this.clock.now(), stuckMs);
    if (!this.store?.alive()) problems.push('the store does not answer SELECT 1');
    return { problems };
  }

  /** Live counters while running; after stop(), the counters as they were at the end. */
  stats(): AgentStats {
    if (!this.store && this.finalStats) return this.finalStats;
    const cameras = this.cameras.stats();
    if (!this.store) throw new Error('agent not started');
    return { cameras, outbox: this.store.stats(), hub: this.hub?.stats() ?? null };
  }

  private createMetrics(): AgentMetrics {
    return new AgentMetrics({
      cameras: () =>
        this.cameras.metricsSources(),
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

  /** Every violation revision: stored with its outbox row (throws when not stored), then shown to the guards. */
  private recordViolation(v: Violation): void {
    this.uplink!.enqueue(v);
    if (v.state === 'new') this.metrics?.violationOpened(v.type);
    this.dashboard?.published(v);
  }

  private onViolation(v: Violation, ev: RuleEvent): void {
    this.say(alertLine(v, ev));
    this.log.info({ violation: v }, 'violation recorded');
  }

  /**
   * Every face in a picture, the check snapshots (and, from ×1, previews) pass; null without a face model (head blur
   * still applies).
   */
  private faceSearch(topZoom: number = FACE_SEARCH.topZoom): FaceSearch | null {
    const face = this.models?.face;
    return face ? async (picture) => (await face.search(picture, topZoom)).map((f) => f.box) : null;
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
        .flatMap((c) => (this.cameras.engine(c.id)?.describe() ?? []).map((r) => ({ ...r, id: `${c.id}:${r.id}` }))),
      models: this.detector ? [{ name: this.detector.model.name, version: this.detector.model.version }] : [],
    };
  }

  private cameraHealth(): ReturnType<CameraRates['sample']>[] {
    return [...this.cameras.entries()].map(([id, { pipeline, supervisor }]) => this.rates.sample(id, supervisor, pipeline.stats, pipeline.lastFrameAt, pipeline.overloaded));
  }
}
