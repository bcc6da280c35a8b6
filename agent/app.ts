/**
 * The one place where stages are wired together: config → cameras → vision → track → rules → events → store/uplink.
 * Every long-running part has start()/stop(); stop() ends open violations, flushes the store and tells the hub.
 */
import type { AppConfig } from './config/index.js';
import { configHash } from './config/index.js';
import { checkFfmpeg } from './decode/index.js';
import {
  ModelRegistry,
  VisionScheduler,
  RegionDetector,
  defaultModelsDir,
  openVisionModels,
  type PersonDetector,
  type VisionModels,
} from './vision/index.js';
import { ViolationLifecycle } from './events/index.js';
import { Store, makePrivateDir, securePrivateTree } from './store/index.js';
import type { BirthInfo, SurveyInput } from '../contract/index.js';
import { RuleEngine } from './rules/index.js';
import { surveyOf } from './app/survey.js';
import type { Uplink } from './uplink/index.js';
import type { EmbeddedBroker, ReferenceHub, HubStats } from '../hub/index.js';
import { AgentMetrics, cameraProblems, type Logger, type LivenessReport } from './ops/index.js';
import { CameraOfflineAlarm, CameraPreviews, CameraRates, DetectBudget, PictureQueue, PictureWorker, ViolationRecorder, overloadAlarmEvent, type SlowedCamera } from './pipeline/index.js';
import { systemClock, type Clock } from './shared/clock.js';
import type { RuleEvent, Violation } from './shared/types.js';
import { Cameras, type CameraStats } from './app/cameras.js';
import { alarmLine, alertLine, overloadPolicyLine } from './app/console-lines.js';
import { startEmbeddedHub } from './app/embedded-hub.js';
import { AGENT_CAMERA_ID, Housekeeping } from './app/housekeeping.js';
import { utcOffsetMinutes } from './app/timezone.js';
import { AGENT_VERSION } from './version.js';
import { GuardDashboard } from './app/dashboard.js';
import { createUplink } from './app/uplink-wiring.js';
import { messageKeys } from './app/signing-keys.js';
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
  /** The running cameras (made at start, once every part they use exists; started again by reloads). */
  private cameras: Cameras | null = null;
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
  /** Whether the overload policy runs any camera below its detect fps (its agent_alarm is open). */
  private slowedNow = false;
  /** The snapshot worker's queue: violation pictures first, dashboard previews last. */
  private pictures: PictureQueue | null = null;
  /** The agent's own lifecycles (disk/store alarms, camera health); each camera has its own. */
  private readonly lifecycles: ViolationLifecycle[] = [];
  private finalStats: AgentStats | null = null;
  /** Cameras still resolving their source (ONVIF); aborted by stop(). */
  private readonly pending: Promise<void>[] = [];
  private readonly stopping = new AbortController();
  /** Frame rates since the previous heartbeat, on the agent's clock (injected in tests). */
  private readonly rates: CameraRates;
  /** Wall time the agent started: the camera survey's uptime covers what this process observed. */
  private readonly startedAt: number;
  /** The guard dashboard; fed each recorded revision, camera state and detected frame. */
  private dashboard: GuardDashboard | null = null;
  /** Prometheus metrics, served on the dashboard's listener at `/metrics`. */
  private metrics: AgentMetrics | null = null;

  constructor(private readonly opts: AgentOptions) {
    this.clock = opts.clock ?? systemClock;
    this.config = opts.config;
    this.rates = new CameraRates(this.clock);
    this.startedAt = this.clock.wall();
    this.log = opts.logger;
    this.say = opts.say ?? (() => undefined);
  }

  async start(): Promise<void> {
    const { config } = this.opts;
    // Faces, alerts and password hashes: private to the agent's user whatever the umask (checked and fixed at start).
    makePrivateDir(config.storage.dir);
    securePrivateTree(config.storage.dir, this.log.child({ stage: 'store' }));
    const ffmpeg = await checkFfmpeg();
    const modelsDir = this.opts.modelsDir ?? defaultModelsDir();
    const registry = ModelRegistry.open(modelsDir);
    // Face and mask models in this process only for the mask rule; pictures' face checks run in the snapshot worker.
    const attributes = config.cameras.some((c) => c.enabled && c.rules.mask);
    this.models = await openVisionModels({ registry, personMinScore: config.models.person.min_score, personInputSide: config.models.person.input_side, attributes });
    this.detector = this.models.person;
    const store = Store.open({ dir: config.storage.dir, clock: this.clock, logger: this.log });
    this.store = store;
    this.metrics = this.createMetrics();
    const vision = personVision(this.models, config, this.clock, (d, name) => this.metrics!.timed(d, name));
    this.vision = vision.scheduler;
    this.regions = vision.regions;
    this.pictures = new PictureQueue({
      runner: new PictureWorker({ logger: this.log.child({ stage: 'pictures' }), modelsDir }),
      clock: this.clock,
      logger: this.log.child({ stage: 'pictures' }),
    });

    const keys = messageKeys(config);
    const embedded = await startEmbeddedHub(config, keys, { clock: this.clock, log: this.log, say: this.say }, (p) => {
      this.broker = p.broker ?? null;
      this.hub = p.hub ?? null;
    });
    const hubUrl = embedded?.url ?? config.hub.url;
    const uplink = createUplink(config, {
      url: hubUrl,
      store,
      clock: this.clock,
      log: this.log,
      say: this.say,
      keys,
      birth: () => this.birth(),
      cameraHealth: () => this.cameraHealth(),
      survey: () => this.survey(),
      diskFreeMb: () => this.housekeeping?.retention.diskFreeMb() ?? null,
      openStore: () => this.store,
    });
    this.uplink = uplink;
    const recorder = new ViolationRecorder({ store, fid: config.facility.id, signer: keys.signer, context: () => uplink.outboxContext() });
    const previews = new CameraPreviews(() => this.clock.now(), (job) => this.pictures!.submit(job, null));
    const dashboard = new GuardDashboard({ clock: this.clock, logger: this.log.child({ stage: 'local' }), say: this.say, previews });
    this.dashboard = dashboard;
    // Stored first; then relayed, counted and shown.
    recorder.onRecorded((v) => {
      uplink.pump();
      if (v.state === 'new') this.metrics?.violationOpened(v.type);
      dashboard.published(v);
    });
    const alarms = new ViolationLifecycle({ sink: recorder });
    const cameraHealth = new ViolationLifecycle({ sink: recorder });
    this.lifecycles.push(alarms, cameraHealth);
    this.housekeeping = new Housekeeping(store, config.storage, this.clock, this.log.child({ stage: 'store' }), alarms, (v) => this.say(alarmLine(v)));
    await this.housekeeping.start();
    uplink.start();
    const dashboardUrl = await dashboard.start({
      config,
      store,
      uplink,
      diskFreeMb: () => this.housekeeping?.retention.diskFreeMb() ?? null,
      models: () => (this.detector ? [{ name: this.detector.model.name, version: this.detector.model.version }] : []),
      metrics: () => this.metrics!.render(),
      detection: () => this.cameras?.detection() ?? [],
    });
    this.say(`dashboard ${dashboardUrl}`);
    // What the start itself created (embedded hub database, TLS files) under a permissive umask.
    securePrivateTree(config.storage.dir, this.log.child({ stage: 'store' }));

    this.utcOffsetMin = utcOffsetMinutes(config.facility.timezone, this.clock.wall());
    this.ffmpegMajor = ffmpeg.major ?? undefined;
    const cameras = new Cameras({
      clock: this.clock,
      log: this.log,
      say: this.say,
      signal: this.stopping.signal,
      startConfig: config,
      vision: this.vision,
      models: this.models,
      regions: this.regions,
      recorder,
      store,
      pictures: this.pictures,
      picturesAllowed: () => this.housekeeping?.retention.snapshotsAllowed() ?? true,
      uplink,
      dashboard,
      offline: new CameraOfflineAlarm(cameraHealth),
      budget: new DetectBudget({ onChange: (slowed) => this.onBudget(alarms, slowed) }),
      ffmpegMajor: this.ffmpegMajor,
      utcOffsetMin: this.utcOffsetMin,
      onViolation: (v, ev) => this.onViolation(v, ev),
    });
    this.cameras = cameras;
    const enabled = config.cameras.filter((c) => c.enabled);
    for (const cam of enabled) this.pending.push(cameras.start(cam));
    this.say(
      `qmon ${AGENT_VERSION} running: facility ${config.facility.id}, ${enabled.length} camera(s), ` +
        `model ${this.detector.model.name} (${this.models.personSessions.length} single-threaded session(s)), hub ${config.hub.mode === 'embedded' ? `embedded at ${hubUrl}` : config.hub.url}`,
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
    const cameras = this.cameras;
    if (this.stopping.signal.aborted || !cameras) return diff;
    for (const id of diff.removed) await cameras.stop(id, 'removed from the config');
    for (const cam of diff.changed) {
      const why = diff.rulesOnly.includes(cam.id) ? 'its rules changed; restarting the camera to apply them' : 'its config changed; restarting it';
      await cameras.stop(cam.id, why);
    }
    // The new camera list is in force before the cameras start (birth lists them as they come up).
    this.config = { ...this.config, cameras: next.cameras };
    await Promise.all([...diff.changed, ...diff.added].map((cam) => cameras.start(cam)));
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
    await this.cameras?.stopAll();
    // Pictures already asked for are made (or skipped, counted) before the store closes; none waits for more.
    await this.pictures?.close();
    await this.cameras?.drainPictures();
    // Conditions still open (none for line crossings) are ended so the hub does not keep them open forever.
    const wall = this.clock.wall();
    for (const lc of [...this.lifecycles, ...(this.cameras?.lifecycles() ?? [])]) {
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
    const problems = cameraProblems(this.cameras?.liveness() ?? [], this.clock.now(), stuckMs);
    if (!this.store?.alive()) problems.push('the store does not answer SELECT 1');
    return { problems };
  }

  /** Live counters while running; after stop(), the counters as they were at the end. */
  stats(): AgentStats {
    if (!this.store && this.finalStats) return this.finalStats;
    if (!this.store) throw new Error('agent not started');
    const cameras = this.cameras?.stats() ?? {};
    return { cameras, outbox: this.store.stats(), hub: this.hub?.stats() ?? null };
  }

  private createMetrics(): AgentMetrics {
    return new AgentMetrics({
      cameras: () => this.cameras?.metricsSources() ?? [],
      detectFps: () => this.vision?.stats() ?? [],
      workerRestarts: () => ({
        person: this.models?.personSessions.reduce((n, p) => n + p.restarts, 0) ?? 0,
        snapshot: this.pictures?.restarts ?? 0,
      }),
      pictureQueue: () => this.pictures?.length ?? 0,
      outbox: () => this.store?.stats() ?? null,
      uplink: () => {
        const u = this.uplink?.stats();
        return u ? { connected: u.connected, hubOnline: u.hubState?.online ?? null } : null;
      },
      storageDir: this.config.storage.dir,
      wall: () => this.clock.wall(),
    });
  }

  /** The overload policy slowed cameras (or gave them their rate back): said, logged, and an agent_alarm while it lasts. */
  private onBudget(alarms: ViolationLifecycle, slowed: readonly SlowedCamera[]): void {
    const was = this.slowedNow;
    this.slowedNow = slowed.length > 0;
    this.say(overloadPolicyLine(slowed));
    this.log.warn({ slowed }, 'overload policy: detect rates');
    const ev = overloadAlarmEvent(was, slowed, { cameraId: AGENT_CAMERA_ID, ts: this.clock.now(), wallTs: this.clock.wall() });
    if (!ev) return;
    try {
      const v = alarms.handle(ev);
      if (v) this.say(alarmLine(v));
    } catch (err) {
      this.log.error({ err }, 'overload alarm could not be recorded');
    }
  }

  private onViolation(v: Violation, ev: RuleEvent): void {
    this.say(alertLine(v, ev));
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
        .flatMap((c) => (this.cameras?.engine(c.id)?.describe() ?? []).map((r) => ({ ...r, id: `${c.id}:${r.id}` }))),
      models: this.detector ? [{ name: this.detector.model.name, version: this.detector.model.version }] : [],
    };
  }

  /** The camera survey from what the agent knows (app/survey.ts); nothing here touches a camera. */
  private survey(): SurveyInput {
    const { config } = this;
    const cams = this.cameras;
    const running = new Map(cams ? [...cams.entries()] : []);
    return surveyOf({
      fid: config.facility.id,
      version: AGENT_VERSION,
      config,
      wall: this.clock.wall(),
      startedAt: this.startedAt,
      onvif: (id) => cams?.onvifFacts(id),
      quality: (id) => running.get(id)?.supervisor.quality().grade,
      // A camera that does not run (disabled, still resolving) has no engine yet: count what its config would build.
      rules: (c) => cams?.engine(c.id)?.describe().length ?? RuleEngine.fromConfig(c.rules, { utcOffsetMin: this.utcOffsetMin, mask: config.models.mask }).describe().length,
      offlineSpans: (since) => this.store?.cameraOfflineSpans(since) ?? [],
    });
  }

  private cameraHealth(): ReturnType<CameraRates['sample']>[] {
    if (!this.cameras) return [];
    return [...this.cameras.entries()].map(([id, { pipeline, supervisor }]) => this.rates.sample(id, supervisor, pipeline.metrics, pipeline.lastFrameAt, pipeline.overloaded));
  }
}
