import mqtt, { type MqttClient } from 'mqtt';
import type { Clock } from '../agent/shared/clock.js';
import { redactText, type Logger } from '../agent/ops/index.js';
import { buildHubState, HUB_MAX_PACKET_BYTES, maybeSign, topics, type Signer } from '../contract/index.js';
import { noDelay } from '../agent/shared/index.js';

export interface HubClientOptions {
  readonly url: string;
  readonly clientId: string;
  readonly reconnectMs: number;
  /**
   * One of several hub processes on shared subscriptions: no persistent session. A broker keeps queuing a
   * share of the messages for a member whose session outlives its connection; a dead process would then
   * hold them until it came back. What it had in flight (received, not ACKed) the agents resend after
   * their ACK timeout, to a live member.
   */
  readonly shared?: boolean;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onConnect: (client: MqttClient) => void;
  readonly onMessage: (topic: string, payload: Buffer) => void;
  /** Whether this client is still the one in use (not replaced, not stopped): only then is it replaced. */
  readonly isCurrent: (client: MqttClient) => boolean;
  /** Called with the new client when the broker refused MQTT 5 and 3.1.1 is used instead. */
  readonly onReplaced: (client: MqttClient) => void;
  /** Signs the Will (a retained hub/state) like every other hub/state. */
  readonly signer?: Signer | null;
  /** TLS material for an `mqtts://` broker (see HubTls). */
  readonly tls?: HubTls;
  /** MQTT username and password for a password listener (never in the URL: process arguments are readable by all). */
  readonly username?: string;
  readonly password?: string;
}

/**
 * The hub's TLS like an agent's: the broker's CA pinned (`ca`), and a client certificate whose CN is the hub's
 * identity in the broker's ACL (`hub`, `hub-2`, … per process; packaging/broker/mosquitto). No password needed.
 */
export interface HubTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/**
 * The hub consumer's MQTT connection: a persistent session, a retained "hub offline" Will, MQTT.js's
 * own reconnect (the hub is one long-lived process on a good network), and a fall back to 3.1.1 when
 * the broker refuses 5 (aedes).
 */
export function connectHubClient(o: HubClientOptions, version: 4 | 5): MqttClient {
  const client = mqtt.connect(o.url, {
    clientId: o.clientId,
    protocolVersion: version,
    clean: o.shared === true,
    reconnectPeriod: o.reconnectMs,
    will: { topic: topics.hubState, payload: maybeSign(o.signer, topics.hubState, buildHubState(false, false, o.clock.wall())), qos: 1, retain: true },
    // maximumPacketSize: the broker must not send us anything bigger than a snapshot (the largest
    // inbound limit); every topic's own limit is still checked on arrival, also on 3.1.1.
    ...(version === 5 && { properties: { sessionExpiryInterval: o.shared === true ? 0 : 86_400, maximumPacketSize: HUB_MAX_PACKET_BYTES } }),
    ...(o.username !== undefined && { username: o.username }),
    ...(o.password !== undefined && { password: o.password }),
    // Never configurable: a broker whose certificate does not chain to the pinned CA is not the national broker.
    ...(o.url.startsWith('mqtts:') && {
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2' as const,
      ...(o.tls?.ca && { ca: o.tls.ca }),
      ...(o.tls?.cert && { cert: o.tls.cert }),
      ...(o.tls?.key && { key: o.tls.key }),
    }),
  });
  client.on('connect', () => {
    noDelay(client); // see link.ts: the hub's ACKs must not wait for delayed TCP ACKs either
    o.onConnect(client);
  });
  client.on('message', (topic, payload) => o.onMessage(topic, payload));
  client.on('error', (err: Error & { code?: unknown }) => {
    if (version === 5 && (err.code === 1 || err.code === 132) && o.isCurrent(client)) {
      o.logger.info('hub: broker refused MQTT 5; using 3.1.1');
      client.end(true);
      o.onReplaced(connectHubClient(o, 4));
      return;
    }
    o.logger.warn({ err: redactText(err.message) }, 'hub: mqtt error');
  });
  return client;
}
