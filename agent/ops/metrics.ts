import { statfsSync } from 'node:fs';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { FRAME_DROP_CAUSES, type CameraMetrics, type PictureOutcome } from '../shared/camera-metrics.js';
import type { Detections, Frame } from '../shared/types.js';

/** One running camera as the metrics read it, at scrape time: its state and its one set of counters. */
export interface CameraMetricsSource {
  readonly id: string;
  /** The supervisor's state name (`starting`, `online`, `degraded`, `offline`, `stopped`). */
  readonly state: string;
  readonly metrics: CameraMetrics;
}

/** Where the numbers come from: read at every scrape, never copied on the frame path. */
export interface MetricsSources {
  cameras(): Iterable<CameraMetricsSource>;
  /** Frames answered per second over the scheduler's last 10 s, per camera. */
  detectFps(): readonly { readonly cameraId: string; readonly outputFps: number }[];
  /** Worker processes and threads started again after one was lost, by worker kind (`person`, `snapshot`). */
  workerRestarts(): Readonly<Record<string, number>>;
  /** Pictures waiting for the snapshot worker. */
  pictureQueue(): number;
  /** Null before the store is open or after it closed. */
  outbox(): { readonly pending: number; readonly sent: number; readonly oldestPendingAt: number | null } | null;
  uplink(): { readonly connected: boolean; readonly hubOnline: boolean | null } | null;
  /** The data dir: its file system's free bytes are reported. */
  readonly storageDir: string;
  /** Wall clock, ms (outbox age). */
  wall(): number;
}

const STATES = ['starting', 'online', 'degraded', 'offline', 'stopped'] as const;
const OUTCOMES: readonly PictureOutcome[] = ['made', 'failed', 'skipped'];

/** Buckets for one person-detector run, seconds: 5 ms (GPU) to 5 s (an overloaded CPU). */
const INFERENCE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5];

/**
 * The agent's Prometheus metrics on a registry of its own (not prom-client's global one, so two agents in one test
 * process never share series). Counters and gauges are filled from the stages' own stats objects when scraped;
 * only the inference histogram and the violation counter are fed as things happen.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  private readonly inference: Histogram<'model'>;
  private readonly violations: Counter<'type'>;

  constructor(sources: MetricsSources) {
    const r = this.registry;
    collectDefaultMetrics({ register: r });
    /** One counter per camera, read from `rows()` at scrape time (prom-client's `collect`). */
    const perCamera =
      <T>(rows: () => Iterable<T>, cameraOf: (x: T) => string) =>
      (name: string, help: string, read: (x: T) => number): void => {
        new Counter({
          name,
          help,
          labelNames: ['camera'],
          registers: [r],
          collect() {
            this.reset();
            for (const x of rows()) this.inc({ camera: cameraOf(x) }, read(x));
          },
        });
      };
    const cameraCounter = perCamera<CameraMetricsSource>(() => sources.cameras(), (c) => c.id);
    cameraCounter('qmon_camera_frames_in_total', 'Frames received from ffmpeg, across restarts.', (c) => c.metrics.decoded);
    cameraCounter('qmon_camera_frames_handed_off_total', 'Frames the pipeline took from the decode hand-off.', (c) => c.metrics.handedOff);
    cameraCounter('qmon_camera_frames_inferred_total', 'Frames a person-detector run answered (whole frame or regions).', (c) => c.metrics.inferred);
    cameraCounter('qmon_camera_frames_gated_total', 'Frames answered with the previous detections because nothing moved.', (c) => c.metrics.gated);
    cameraCounter('qmon_camera_detect_regions_total', 'Regions the person detector ran on (regions mode).', (c) => c.metrics.regions);
    cameraCounter('qmon_camera_stationary_skipped_total', 'Persons not re-detected because they stood still (regions mode).', (c) => c.metrics.stationarySkipped);
    cameraCounter('qmon_camera_reconnects_total', 'Times the camera delivered frames again after an outage.', (c) => c.metrics.reconnects);
    cameraCounter('qmon_camera_stalls_total', 'ffmpeg restarts forced because no frame arrived for stall_s.', (c) => c.metrics.stalls);
    cameraCounter('qmon_camera_restarts_total', 'ffmpeg processes started after the first.', (c) => c.metrics.restarts);
    cameraCounter('qmon_camera_frame_errors_total', 'Frames whose processing failed and revisions the store refused (logged; the camera goes on).', (c) => c.metrics.errors);
    cameraCounter('qmon_camera_pictures_deferred_total', 'Violation pictures that waited because the snapshot worker was busy.', (c) => c.metrics.picturesDeferred);
    new Counter({
      name: 'qmon_camera_frames_dropped_total',
      help: 'Frames lost between ffmpeg and the rules, by cause: handoff (replaced unread), scheduler (replaced before the detector ran), budget (left out by the overload policy).',
      labelNames: ['camera', 'cause'],
      registers: [r],
      collect() {
        this.reset();
        for (const c of sources.cameras()) for (const cause of FRAME_DROP_CAUSES) this.inc({ camera: c.id, cause }, c.metrics.dropped[cause]);
      },
    });
    new Counter({
      name: 'qmon_camera_pictures_total',
      help: 'Violation pictures asked of the snapshot worker, by outcome (made, failed, skipped); the reason of each is in the store.',
      labelNames: ['camera', 'outcome'],
      registers: [r],
      collect() {
        this.reset();
        for (const c of sources.cameras()) for (const outcome of OUTCOMES) this.inc({ camera: c.id, outcome }, c.metrics.pictures[outcome]);
      },
    });
    new Gauge({
      name: 'qmon_camera_picture_cpu_seconds',
      help: 'CPU the snapshot worker spent per violation picture made (render and privacy check), by kind (snapshot, context), over the last 256: median and 95th percentile.',
      labelNames: ['camera', 'kind', 'quantile'],
      registers: [r],
      collect() {
        this.reset();
        for (const c of sources.cameras()) {
          for (const [kind, samples] of [['snapshot', c.metrics.pictureCpuMs], ['context', c.metrics.contextCpuMs]] as const) {
            for (const q of [0.5, 0.95]) {
              const v = samples.quantile(q);
              if (v !== null) this.set({ camera: c.id, kind, quantile: String(q) }, v / 1000);
            }
          }
        }
      },
    });
    new Gauge({
      name: 'qmon_camera_state',
      help: 'The camera supervisor state: 1 for the current one.',
      labelNames: ['camera', 'state'],
      registers: [r],
      collect() {
        this.reset();
        for (const c of sources.cameras()) for (const s of STATES) this.set({ camera: c.id, state: s }, c.state === s ? 1 : 0);
      },
    });
    new Gauge({
      name: 'qmon_detect_fps',
      help: 'Frames answered (detected + gated) per second over the last 10 s: the effective detect fps.',
      labelNames: ['camera'],
      registers: [r],
      collect() {
        this.reset();
        for (const v of sources.detectFps()) this.set({ camera: v.cameraId }, v.outputFps);
      },
    });
    new Counter({
      name: 'qmon_worker_restarts_total',
      help: 'Worker threads (person detection) and processes (snapshot) started again after one was lost.',
      labelNames: ['worker'],
      registers: [r],
      collect() {
        this.reset();
        for (const [worker, n] of Object.entries(sources.workerRestarts())) this.inc({ worker }, n);
      },
    });
    new Gauge({
      name: 'qmon_picture_queue_length',
      help: 'Pictures (violations first, then previews) waiting for the snapshot worker.',
      registers: [r],
      collect() {
        this.set(sources.pictureQueue());
      },
    });
    this.inference = new Histogram({
      name: 'qmon_inference_seconds',
      help: 'Time of one detector run, by model.',
      labelNames: ['model'],
      buckets: INFERENCE_BUCKETS,
      registers: [r],
    });
    this.violations = new Counter({ name: 'qmon_violations_total', help: 'Violations opened, by type.', labelNames: ['type'], registers: [r] });
    new Gauge({
      name: 'qmon_outbox_depth',
      help: 'Outbox rows not yet acknowledged by the hub (pending + sent).',
      registers: [r],
      collect() {
        const o = sources.outbox();
        if (o) this.set(o.pending + o.sent);
      },
    });
    new Gauge({
      name: 'qmon_outbox_oldest_age_seconds',
      help: 'Age of the oldest outbox row the hub has not acknowledged; 0 when all are.',
      registers: [r],
      collect() {
        const o = sources.outbox();
        if (o) this.set(o.oldestPendingAt === null ? 0 : Math.max(0, (sources.wall() - o.oldestPendingAt) / 1000));
      },
    });
    new Gauge({
      name: 'qmon_hub_connected',
      help: '1 while the MQTT connection to the hub broker is up.',
      registers: [r],
      collect() {
        this.set(sources.uplink()?.connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'qmon_hub_online',
      help: "The hub's retained state: 1 online, 0 offline, -1 not known (never heard from it).",
      registers: [r],
      collect() {
        const online = sources.uplink()?.hubOnline ?? null;
        this.set(online === null ? -1 : online ? 1 : 0);
      },
    });
    new Gauge({
      name: 'qmon_disk_free_bytes',
      help: 'Free bytes (for unprivileged users) on the file system of the data dir.',
      labelNames: ['dir'],
      registers: [r],
      collect() {
        this.reset();
        const free = diskFreeBytes(sources.storageDir);
        if (free !== null) this.set({ dir: sources.storageDir }, free);
      },
    });
  }

  /** The detector with each run timed into `qmon_inference_seconds{model}`, failed runs included. */
  timed<D extends { detect(frame: Frame): Promise<Detections> }>(detector: D, model: string): { detect(frame: Frame): Promise<Detections> } {
    const hist = this.inference;
    return {
      async detect(frame) {
        const end = hist.startTimer({ model });
        try {
          return await detector.detect(frame);
        } finally {
          end();
        }
      },
    };
  }

  violationOpened(type: string): void {
    this.violations.inc({ type });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

function diskFreeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    // The dir vanished or is unreadable: no sample beats a wrong one (the dashboard and heartbeat say why).
    return null;
  }
}
