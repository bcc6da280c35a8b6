/**
 * The demo's hub (`hub.mode: embedded`): a loopback broker plus the reference hub consumer, so the ACK path is the
 * real one. Its data lives under the agent's storage dir.
 */
import { join } from 'node:path';
import type { AppConfig } from '../config/index.js';
import { EmbeddedBroker, ReferenceHub } from '../../hub/index.js';
import type { Logger } from '../ops/index.js';
import type { Clock } from '../shared/clock.js';
import type { MessageKeys } from './signing-keys.js';

export interface EmbeddedHub {
  readonly url: string;
  readonly broker: EmbeddedBroker;
  readonly hub: ReferenceHub;
}

/**
 * Starts the embedded hub when the config asks for one; null otherwise (the agent uses `hub.url`).
 * `parts` gets the broker and hub as soon as each exists, so a stop after a failed start still stops them.
 */
export async function startEmbeddedHub(
  config: AppConfig,
  keys: MessageKeys,
  deps: { clock: Clock; log: Logger; say: (line: string) => void },
  parts: (p: { broker?: EmbeddedBroker; hub?: ReferenceHub }) => void,
): Promise<EmbeddedHub | null> {
  if (config.hub.mode !== 'embedded' || keys.embedded === null) return null;
  const broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0 });
  parts({ broker });
  const { url } = await broker.start();
  const hub = new ReferenceHub({
    url,
    dbFile: join(config.storage.dir, 'hub.db'),
    snapshotDir: join(config.storage.dir, 'hub-snapshots'),
    // The demo's hub serves this one facility: registered here, so nothing else can post to it.
    facilities: [config.facility.id],
    // Both sides' keys are made in memory for this run (see signing-keys.ts): events must verify.
    facilityKeys: new Map([[config.facility.id, keys.embedded.facilityPublicKey]]),
    signingKey: keys.embedded.hubKey,
    requireSignatures: true,
    clock: deps.clock,
    logger: deps.log.child({ stage: 'hub' }),
  });
  parts({ broker, hub });
  hub.on('snapshot', (s) =>
    deps.say(`hub got   snapshot of event ${s.eventId} (${s.bytes} bytes, ${s.ok ? 'sha256 verified' : `refused: ${s.error ?? ''}`})`),
  );
  hub.on('event', ({ event: e, duplicate }) =>
    deps.say(`hub got   ${e.type} event ${e.event_id} rev ${e.rev} seq ${e.seq}${duplicate ? ' (duplicate, ignored)' : ''}`),
  );
  await hub.start();
  return { url, broker, hub };
}
