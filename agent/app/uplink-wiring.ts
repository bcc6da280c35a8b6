/** The agent's uplink to the hub, made from the config with the console lines for ACKs and refusals. */
import type { AppConfig, HubTls } from '../config/index.js';
import { readSnapshotFile, type Store } from '../store/index.js';
import type { BirthInfo } from '../../contract/index.js';
import { Uplink, type TlsOptions, type UplinkOptions } from '../uplink/index.js';
import type { Logger } from '../ops/index.js';
import type { Clock } from '../shared/clock.js';
import { dashboardCounts } from './dashboard.js';
import type { MessageKeys } from './signing-keys.js';

export interface UplinkWiring {
  readonly url: string;
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  readonly say: (line: string) => void;
  readonly keys: MessageKeys;
  readonly birth: () => BirthInfo;
  readonly cameraHealth: UplinkOptions['cameraHealth'];
  readonly survey: UplinkOptions['survey'];
  readonly diskFreeMb: () => number | null;
  /** The store the heartbeat's dashboard counts are read from; null once it is closed. */
  readonly openStore: () => Store | null;
}

/** A new uplink (not started). */
export function createUplink(config: AppConfig, w: UplinkWiring): Uplink {
  const uplink = new Uplink({
    fid: config.facility.id,
    url: w.url,
    store: w.store,
    clock: w.clock,
    logger: w.log.child({ stage: 'uplink' }),
    birth: w.birth,
    cameraHealth: w.cameraHealth,
    ...(w.survey && { survey: w.survey }),
    diskFreeMb: w.diskFreeMb,
    dashboardCounts: (since) => {
      try {
        const store = w.openStore();
        return store ? dashboardCounts(store, since) : null;
      } catch (err) {
        // The heartbeat goes without the counts rather than not at all.
        w.log.warn({ err }, 'dashboard counts for the heartbeat could not be read');
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
    signer: w.keys.signer,
    hubKeys: w.keys.hubKeys,
  });
  if (w.keys.hubKeys === null) w.log.warn('hub.public_key not set: ACKs and commands are accepted unsigned');
  uplink.on('acked', ({ seqs, acked }) => {
    if (acked > 0) w.say(`hub ACK   seq ${seqs.join(',')} (committed at the hub; outbox row acked)`);
  });
  uplink.on('refused', ({ message }) => w.say(`hub REFUSED the connection: ${message}`));
  return uplink;
}

function tlsBuffers(tls: HubTls): TlsOptions {
  return {
    ca: Buffer.from(tls.ca),
    ...(tls.cert !== undefined && { cert: Buffer.from(tls.cert) }),
    ...(tls.key !== undefined && { key: Buffer.from(tls.key) }),
  };
}
