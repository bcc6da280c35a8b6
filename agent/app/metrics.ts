import { statfsSync } from 'node:fs';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CameraCounters, CameraStateName } from '../camera/index.js';
import type { CameraVisionStats } from '../vision/index.js';
import type { CameraPipelineStats } from './camera-pipeline.js';
import type { Detections, Frame } from '../shared/types.js';

/** One running camera as the metrics read it, at scrape time. */
export interface CameraMetricsSource {
  readonly id: string;
  readonly state: CameraStateName;
  readonly counters: Readonly<CameraCounters>;
  readonly pipeline: Readonly<CameraPipelineStats>;
}

/** Where the numbers come from: read at every scrape, never copied on the frame path. */
export interface MetricsSources {
  cameras(): Iterable<CameraMetricsSource>;
  vision(): readonly CameraVisionStats[];
  /** Null before the store is open or after it closed. */
  outbox(): { readonly pending: number; readonly sent: number; readonly oldestPendingAt: number | null } | null;
  uplink(): { readonly connected: boolean; readonly hubOnline: boolean | null } | null;
  /** The data dir: its file system's free bytes are reported. */
  readonly storageDir: string;
  /** Wall clock, ms (outbox age). */
  wall(): number;
}

const STATES: readonly CameraStateName[] = ['starting', 'online', 'degraded', 'offline', 'stopped'];

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
    cameraCounter('qmon_camera_frames_in_total', 'Frames received from ffmpeg, across restarts.', (c) => c.counters.frames);
    cameraCounter('qmon_camera_frames_dropped_total', 'Frames replaced unread because the pipeline was slower than the camera.', (c) => c.counters.dropped);
    cameraCounter('qmon_camera_frames_lost_total', 'Frames lost anywhere between ffmpeg and the rules (hand-off and scheduler together).', (c) => c.pipeline.dropped);
    cameraCounter('qmon_camera_detect_regions_total', 'Regions the person detector ran on (regions mode).', (c) => c.pipeline.regions);
    cameraCounter('qmon_camera_stationary_skipped_total', 'Persons not re-detected because they stood still (regions mode).', (c) => c.pipeline.stationarySkipped);
    cameraCounter('qmon_camera_reconnects_total', 'Times the camera delivered frames again after an outage.', (c) => c.counters.reconnects);
    cameraCounter('qmon_camera_stalls_total', 'ffmpeg restarts forced because no frame arrived for stall_s.', (c) => c.counters.stalls);
    cameraCounter('qmon_camera_restarts_total', 'ffmpeg processes started after the first.', (c) => c.counters.restarts);
    cameraCounter('qmon_camera_frame_errors_total', 'Frames whose processing failed (logged; the camera goes on).', (c) => c.pipeline.errors);
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
    const visionCounter = perCamera<CameraVisionStats>(() => sources.vision(), (v) => v.cameraId);
    visionCounter('qmon_detect_frames_detected_total', 'Frames the person detector ran on.', (v) => v.detected);
    visionCounter('qmon_detect_frames_gated_total', 'Frames answered with the previous detections because nothing moved (motion gate).', (v) => v.gated);
    visionCounter('qmon_detect_frames_dropped_total', 'Frames replaced by a newer one before the detector got to them (overload).', (v) => v.dropped);
    new Gauge({
      name: 'qmon_detect_fps',
      help: 'Frames answered (detected + gated) per second over the last 10 s: the effective detect fps.',
      labelNames: ['camera'],
      registers: [r],
      collect() {
        this.reset();
        for (const v of sources.vision()) this.set({ camera: v.cameraId }, v.outputFps);
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
