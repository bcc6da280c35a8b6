import type { AppConfig } from '../config/index.js';
import { LocalServer, type CameraStateView, type HealthSource } from '../local/index.js';
import type { Logger } from '../ops/index.js';
import type { CameraPreviews } from '../pipeline/index.js';
import type { Clock } from '../shared/clock.js';
import type { Detections, Frame, Violation } from '../shared/types.js';
import type { Store } from '../store/index.js';
import type { CameraStatus, DashboardCounts } from '../../contract/index.js';
import type { Uplink } from '../uplink/index.js';
import { AGENT_VERSION } from '../version.js';

export interface GuardDashboardOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly say: (line: string) => void;
  /** The cameras' blurred previews, made by the snapshot worker on demand. */
  readonly previews: CameraPreviews;
}

export interface DashboardSources {
  readonly config: AppConfig;
  readonly store: Store;
  readonly uplink: Uplink;
  readonly diskFreeMb: () => number | null;
  readonly models: () => HealthSource['models'];
  /** Prometheus text for `GET /metrics`. */
  readonly metrics?: () => Promise<{ contentType: string; body: string }>;
  /** Per camera detection for the health page (the cameras' counters and the overload policy). */
  readonly detection?: () => HealthSource['detection'];
}

/**
 * The agent's side of the guard dashboard: feeds the local stage what the pipeline knows (recorded violations,
 * camera states, the latest frames for previews). Nothing here can fail the pipeline: a dashboard problem is
 * logged, the alert is stored and sent regardless.
 */
export class GuardDashboard {
  private server: LocalServer | null = null;
  private readonly states = new Map<string, CameraStateView>();

  constructor(private readonly o: GuardDashboardOptions) {}

  /** Starts the server on `local.listen`; returns its URL. */
  async start(p: DashboardSources): Promise<string> {
    const server = new LocalServer({
      config: p.config.local,
      facility: p.config.facility,
      storageDir: p.config.storage.dir,
      cameras: p.config.cameras,
      store: p.store,
      clock: this.o.clock,
      logger: this.o.logger,
      version: AGENT_VERSION,
      cameraState: (id) => this.states.get(id) ?? null,
      preview: (id) => this.o.previews.jpeg(id),
      say: this.o.say,
      ...(p.metrics && { metrics: p.metrics }),
      health: () => {
        const u = p.uplink.stats();
        return {
          uplink: { connected: u.connected, hubOnline: u.hubState?.online ?? null, backlog: u.outbox.pending + u.outbox.sent, oldestPendingAt: u.outbox.oldestPendingAt },
          diskFreeMb: p.diskFreeMb(),
          minFreeMb: p.config.storage.min_free_mb,
          models: p.models(),
          // The agent does not read the NTP state yet; say so rather than guess.
          clock: { synced: null, source: 'unknown' },
          ...(p.detection && { detection: p.detection() }),
        };
      },
    });
    const { url } = await server.start();
    this.server = server;
    return url;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = null;
  }

  /** A revision was stored: the open streams get it. */
  published(v: Violation): void {
    try {
      this.server?.publish(v);
    } catch (err) {
      // Stored and on its way to the hub; the dashboard lists it on its next load.
      this.o.logger.error({ err, eventId: v.eventId }, 'dashboard could not be told of a violation');
    }
  }

  /** A camera's status as the hub contract sees it (null: not announced yet), for the camera view. */
  cameraState(cameraId: string, status: CameraStatus | null, quality: string): void {
    if (status) this.states.set(cameraId, { state: status.state, reason: status.reason ?? null, since: status.since, quality });
    this.server?.cameraChanged(cameraId);
  }

  /** The camera could not even be started (e.g. ONVIF failed): offline from the start. */
  cannotStart(cameraId: string, reason: string): void {
    this.states.set(cameraId, { state: 'offline', reason, since: this.o.clock.wall(), quality: 'unknown' });
    this.server?.cameraChanged(cameraId);
  }

  /** The latest detected frame of a camera, for its preview (a reference; encoded only when asked). */
  frame(frame: Frame, found: Detections): void {
    this.o.previews.offer(frame, found);
  }
}

/**
 * The dashboard's audit log since `sinceWall`, reduced to counts by kind for the heartbeat: the hub learns how busy
 * the guards were (logins, failed logins, acks, snoozes, exports, snapshot views, user changes), never who or what.
 */
export function dashboardCounts(store: Store, sinceWall: number): DashboardCounts {
  const c = store.dashboard('counting audit entries', (q) => q.auditCounts(sinceWall));
  const n = (...actions: string[]): number => actions.reduce((sum, a) => sum + (c[a] ?? 0), 0);
  return {
    logins: n('login'),
    loginFailed: n('login_failed', 'login_locked', 'setup_failed'),
    acks: n('ack'),
    snoozes: n('snooze'),
    exports: n('export'),
    snapshotViews: n('snapshot_view', 'context_view'),
    userChanges: n('user_add', 'user_change', 'setup'),
  };
}
