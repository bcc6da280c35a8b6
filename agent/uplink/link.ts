import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from '../ops/index.js';
import { redactText } from '../ops/index.js';
import { noDelay } from '../shared/index.js';

/** TLS material for the hub: the hub CA pinned, a per-facility client certificate. */
export interface TlsOptions {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Expected certificate name when the URL holds an IP address. */
  readonly servername?: string;
}

export type ProtocolVersion = 4 | 5;

export interface LinkConfig {
  readonly url: string;
  readonly clientId: string;
  readonly protocolVersion: ProtocolVersion;
  readonly keepaliveS: number;
  readonly sessionExpiryS: number;
  readonly connectTimeoutMs: number;
  readonly will: { readonly topic: string; readonly payload: Buffer; readonly delayS: number };
  /** MQTT 5 CONNECT `maximumPacketSize`: the broker must not send us anything larger (3.1.1 has no such property). */
  readonly maximumPacketSize?: number;
  readonly tls?: TlsOptions;
  readonly username?: string;
  readonly password?: string;
  /**
   * Attached before CONNECT is even sent: with a resumed session the broker may deliver queued
   * messages (ACKs) in the same read as CONNACK, before the caller could add a listener.
   */
  readonly onMessage: (client: MqttClient, topic: string, payload: Buffer, packet: IPublishPacket) => void;
  /** Aborting gives up the attempt at once (agent shutdown during a slow connect). */
  readonly signal?: AbortSignal;
}

/** One established MQTT connection. A new Link (and MqttClient) is made for every attempt. */
export interface Link {
  readonly client: MqttClient;
  readonly sessionPresent: boolean;
  readonly protocolVersion: ProtocolVersion;
  /** Resolves once, when the connection is gone. */
  readonly closed: Promise<void>;
}

/** The broker answered CONNACK with a refusal (bad credentials, not authorised, old protocol). */
export class ConnectRefusedError extends Error {
  override name = 'ConnectRefusedError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** 1 (3.1.1 "unacceptable protocol version") or 132 (5.0 "unsupported protocol version"). */
/** Throws a plain reason when the hub URL or its TLS pairing cannot work. */
export function assertHubUrl(url: string, tls: TlsOptions | undefined): void {
  const scheme = /^(mqtts?):\/\//.exec(url)?.[1];
  if (!scheme) throw new Error(`hub url must start with mqtt:// or mqtts:// (got "${redactText(url)}")`);
  if (scheme === 'mqtt' && (tls?.cert || tls?.key)) {
    throw new Error('hub TLS certificate/key given, but the hub url is mqtt:// (plain TCP); use mqtts://');
  }
}

export function isProtocolRefusal(err: unknown): boolean {
  return err instanceof ConnectRefusedError && (err.code === 1 || err.code === 132);
}

/** Credential or authorisation refusals: retrying fast will not fix them. */
export function isAuthRefusal(err: unknown): boolean {
  return err instanceof ConnectRefusedError && [4, 5, 134, 135, 138].includes(err.code);
}

function clientOptions(cfg: LinkConfig): IClientOptions {
  const opts: IClientOptions = {
    clientId: cfg.clientId,
    protocolVersion: cfg.protocolVersion,
    clean: false,
    keepalive: cfg.keepaliveS,
    // Our own reconnect loop owns retries; MQTT.js must never reconnect (and queue) on its own.
    reconnectPeriod: 0,
    connectTimeout: cfg.connectTimeoutMs,
    queueQoSZero: false,
    // With one client per connection nothing is ever resent from MQTT.js's memory: the outbox does it.
    resubscribe: false,
    will: {
      topic: cfg.will.topic,
      payload: cfg.will.payload,
      qos: 1,
      retain: true,
      ...(cfg.protocolVersion === 5 && { properties: { willDelayInterval: cfg.will.delayS } }),
    },
    ...(cfg.protocolVersion === 5 && {
      properties: {
        sessionExpiryInterval: cfg.sessionExpiryS,
        ...(cfg.maximumPacketSize !== undefined && { maximumPacketSize: cfg.maximumPacketSize }),
      },
    }),
    ...(cfg.username !== undefined && { username: cfg.username }),
    ...(cfg.password !== undefined && { password: cfg.password }),
  };
  if (cfg.url.startsWith('mqtts:')) {
    Object.assign(opts, {
      // Never configurable: a hub whose certificate does not chain to the pinned CA is not the hub.
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      ...(cfg.tls?.ca && { ca: cfg.tls.ca }),
      ...(cfg.tls?.cert && { cert: cfg.tls.cert }),
      ...(cfg.tls?.key && { key: cfg.tls.key }),
      ...(cfg.tls?.servername && { servername: cfg.tls.servername }),
    });
  }
  return opts;
}

/**
 * Opens one connection and resolves at CONNACK; rejects (and cleans up) on any failure before it.
 * The returned client keeps an 'error' listener for its whole life, because an unhandled 'error'
 * event would crash the agent.
 */
export function openLink(cfg: LinkConfig, logger: Logger): Promise<Link> {
  const client = mqtt.connect(cfg.url, clientOptions(cfg));
  let connected = false;
  client.on('message', (topic, payload, packet) => cfg.onMessage(client, topic, payload, packet));
  client.on('error', (err: Error & { code?: unknown }) => {
    if (connected) logger.warn({ err: redactText(err.message), code: err.code }, 'mqtt connection error');
  });
  return new Promise<Link>((resolve, reject) => {
    const fail = (err: Error) => {
      cfg.signal?.removeEventListener('abort', onAbort);
      client.removeListener('connect', onConnect);
      client.removeListener('close', onClose);
      client.removeListener('error', onError);
      client.end(true);
      reject(err);
    };
    const onError = (err: Error & { code?: unknown }) => {
      const message = redactText(err.message);
      fail(typeof err.code === 'number' ? new ConnectRefusedError(err.code, message) : new Error(message));
    };
    const onClose = () => fail(new Error(`connection to ${redactText(cfg.url)} closed before CONNACK`));
    const onAbort = () => fail(new Error('connection attempt aborted'));
    const onConnect = (connack: { sessionPresent: boolean }) => {
      connected = true;
      noDelay(client);
      cfg.signal?.removeEventListener('abort', onAbort);
      client.removeListener('close', onClose);
      client.removeListener('error', onError);
      const closed = new Promise<void>((done) => client.once('close', () => done()));
      resolve({ client, sessionPresent: connack.sessionPresent, protocolVersion: cfg.protocolVersion, closed });
    };
    client.once('connect', onConnect);
    client.once('close', onClose);
    client.once('error', onError);
    if (cfg.signal?.aborted) onAbort();
    else cfg.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
