import type { AppConfig } from '../config/index.js';
import { LocalServer, type CameraStateView, type HealthSource } from '../local/index.js';
import type { Logger } from '../ops/index.js';
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/index.js';
import type { Uplink } from '../uplink/index.js';
import { AGENT_VERSION } from '../version.js';
import type { CameraPreviews } from './previews.js';

export interface DashboardParts {
  readonly config: AppConfig;
  readonly store: Store;
  readonly uplink: Uplink;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly previews: CameraPreviews;
  readonly cameraStates: ReadonlyMap<string, CameraStateView>;
  readonly diskFreeMb: () => number | null;
  readonly models: () => HealthSource['models'];
  readonly say: (line: string) => void;
}

/** Builds and starts the guard dashboard on `local.listen`, reading the agent's parts (never changing them). */
export async function startDashboard(p: DashboardParts): Promise<{ server: LocalServer; url: string }> {
  const server = new LocalServer({
    config: p.config.local,
    facility: p.config.facility,
    storageDir: p.config.storage.dir,
    cameras: p.config.cameras,
    store: p.store,
    clock: p.clock,
    logger: p.logger,
    version: AGENT_VERSION,
    cameraState: (id) => p.cameraStates.get(id) ?? null,
    preview: (id) => p.previews.jpeg(id),
    say: p.say,
    health: () => {
      const u = p.uplink.stats();
      return {
        uplink: {
          connected: u.connected,
          hubOnline: u.hubState?.online ?? null,
          backlog: u.outbox.pending + u.outbox.sent,
          oldestPendingAt: u.outbox.oldestPendingAt,
        },
        diskFreeMb: p.diskFreeMb(),
        minFreeMb: p.config.storage.min_free_mb,
        models: p.models(),
        // The agent does not read the NTP state yet; say so rather than guess.
        clock: { synced: null, source: 'unknown' },
      };
    },
  });
  const { url } = await server.start();
  return { server, url };
}
