import { EventEmitter } from 'node:events';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { AGENT_MAX_PACKET_BYTES, DEFAULT_UPLOAD_PORT, WILL_DELAY_S } from '../../contract/index.js';
import { redactText } from '../ops/index.js';
import { DropLog } from '../shared/index.js';
import type { Lane } from '../store/index.js';
import { Announcer } from './announce.js';
import { responseBytes, runCommand } from './commands.js';
import { rebaseStore } from './rebase.js';
import { nextSession } from './session.js';
import { clampedTimers } from './clamp-timers.js';
import { routeMessage, type InboxDrop } from './inbox.js';
import { assertHubUrl, isAuthRefusal, isProtocolRefusal, openLink, type Link, type ProtocolVersion } from './link.js';
import { assertFid, maybeSign, topics, type CameraStatus, type ClockInfo } from '../../contract/index.js';
import { PolicyState, policyResult, type Policy } from './policy.js';
import { Backoff, ReconnectLoop, raceTimeout, realTimers, type Connected, type Timers } from './reconnect.js';
import { Relay } from './relay.js';
import { deliverSnapshot } from './snapshot-upload.js';
import type { UplinkEvents, UplinkOptions, UplinkStats } from './uplink-types.js';

/** How often the camera survey is sent while connected (and once after every connect). */
export const SURVEY_INTERVAL_MS = 86_400_000;
/** How long `surveySoon` waits, so cameras resolving together make one survey. */
export const SURVEY_SOON_MS = 5_000;

/**
 * The MQTT side of the agent: one connection at a time, re-made by its own backoff loop; on each
 * connect it announces itself (birth, status, cameras), subscribes, then drains the outbox.
 */
export class Uplink extends EventEmitter<UplinkEvents> {
  private readonly relay: Relay;
  private readonly loop: ReconnectLoop;
  private readonly backoff: Backoff;
  private readonly timers: Timers;
  private readonly announcer: Announcer;
  private readonly policyState: PolicyState;
  private link: Link | null = null;
  private live = false;
  private stopped = true;
  private session: number;
  private protocolVersion: ProtocolVersion;
  private abort = new AbortController();
  private tickTimer: unknown = null;
  private hbTimer: unknown = null;
  private surveyTimer: unknown = null;
  /** Received messages dropped unread (oversized, retained cmd/ack, malformed, not ours), logged once per burst. */
  private readonly drops: DropLog<InboxDrop>;
  /** Seqs named by hub ACKs that were never published: ignored (see OutboxQueries.markAcked). */
  private ackedUnsent = 0;
  /** `cmd/snapshot` upload URLs refused because they do not point at the hub's upload service. */
  private uploadRefused = 0;

  constructor(private readonly opts: UplinkOptions) {
    super();
    assertFid(opts.fid);
    assertHubUrl(opts.url, opts.tls);
    // Every delay the uplink schedules (token bucket, backoff, heartbeat, retries) is clamped below 2^31 ms.
    this.timers = clampedTimers(opts.timers ?? realTimers);
    this.drops = new DropLog(opts.clock, opts.logger, 'uplink');
    this.protocolVersion = opts.protocolVersion ?? 5;
    this.session = opts.store.currentSession();
    this.policyState = new PolicyState(
      opts.store,
      { replayRatePerS: opts.replayRatePerS ?? 5, heartbeatS: opts.heartbeatS ?? 60, snapshotUpload: opts.snapshotUpload ?? true },
      opts.logger,
    );
    this.announcer = new Announcer({
      ...opts,
      uplinkCounters: () => ({ ackedUnsent: this.ackedUnsent, dropped: Object.values(this.drops.snapshot()).reduce<number>((a, n) => a + (n ?? 0), 0) }),
    });
    this.backoff = new Backoff(opts.backoff);
    this.relay = new Relay(
      {
        fid: opts.fid,
        store: opts.store,
        clock: opts.clock,
        logger: opts.logger,
        timers: this.timers,
        maxInFlight: opts.maxInFlight ?? 16,
        replayRatePerS: this.policyState.get().replayRatePerS,
        ackTimeoutMs: opts.ackTimeoutMs ?? 60_000,
        ...(opts.storeRetryMs !== undefined && { storeRetryMs: opts.storeRetryMs }),
      },
      {
        onAcked: (seqs, result) => {
          if (result.unsent > 0) {
            this.ackedUnsent += result.unsent;
            this.drops.drop('ack_unsent', { seqs: result.unsent });
          }
          this.emit('acked', { seqs, ...result });
        },
        onNoSubscribers: (seq) => {
          opts.logger.warn({ seq }, 'hub has no subscriber for events (PUBACK 0x10); keeping the row pending');
          this.emit('no_subscribers', { seq });
        },
      },
    );
    this.loop = new ReconnectLoop({
      connect: () => this.connectOnce(),
      backoff: this.backoff,
      clock: opts.clock,
      timers: this.timers,
      onError: (err) => this.onConnectError(err),
      onWait: (ms) => opts.logger.debug({ ms }, 'next hub connection attempt'),
    });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.abort = new AbortController();
    this.loop.start();
    this.scheduleTick();
  }

  /** Announces `offline` (retained) and disconnects cleanly, so the broker does not send the Will. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    this.clearTimers();
    const link = this.link;
    this.live = false;
    this.relay.detach();
    if (link?.client.connected) {
      const payload = this.announcer.statusPayload('offline', this.session);
      await raceTimeout(this.timers, link.client.publishAsync(topics.status(this.opts.fid), payload, { qos: 1, retain: true }), 2_000);
      await raceTimeout(this.timers, link.client.endAsync(), 2_000);
    }
    this.onLinkClosed(link);
    await this.loop.stop();
  }

  /**
   * What an event stored now must carry (the pipeline's recorder asks while writing the row): the lane (and with
   * it the payload's `replay` flag, part of the stored bytes) is `live` if connected, else `backlog`; the session
   * and clock are the ones announced.
   */
  outboxContext(): { lane: Lane; session: number; clock: ClockInfo } {
    return { lane: this.live ? 'live' : 'backlog', session: this.session, clock: this.announcer.clockInfo() };
  }

  /** New rows were stored: send what the relay may send now (live lane at once, backlog at its rate). */
  pump(): void {
    this.relay.pump();
  }

  /** The policy in force: the config's defaults with the hub's (persisted) set-policy overrides. */
  policy(): Policy {
    return this.policyState.get();
  }

  isLive(): boolean {
    return this.live;
  }

  stats(): UplinkStats {
    return {
      connected: this.link?.client.connected ?? false,
      live: this.live,
      session: this.session,
      protocolVersion: this.protocolVersion,
      hubState: this.relay.getHubState(),
      inFlight: this.relay.inFlight(),
      published: this.relay.publishedCount(),
      outbox: this.opts.store.stats(),
      dropped: this.drops.snapshot(),
      ackedUnsent: this.ackedUnsent,
      uploadRefused: this.uploadRefused,
    };
  }

  /** Remembers the camera's status and publishes it (retained) now if connected, and on every connect. */
  setCameraStatus(cameraId: string, status: CameraStatus): void {
    this.announcer.camera(this.live ? (this.link?.client ?? null) : null, this.session, cameraId, status);
  }

  private async connectOnce(): Promise<Connected> {
    const link = await this.open().catch(async (err: unknown) => {
      if (!isProtocolRefusal(err) || this.protocolVersion === 4) throw err;
      this.opts.logger.warn('hub broker refused MQTT 5; using MQTT 3.1.1 from now on (no Will delay, no 0x10)');
      this.protocolVersion = 4;
      return this.open();
    });
    if (this.stopped) {
      link.client.end(true);
      throw new Error('uplink stopped');
    }
    this.link = link;
    const { client } = link;
    const fid = this.opts.fid;
    // Order per the contract: birth, status, cameras (all retained), then subscribe, then drain.
    this.announcer.announceOnline(client, this.session);
    try {
      // Retain-as-published (MQTT 5): a command or ACK someone published retained keeps its flag even when
      // forwarded live or queued for us, so inbox.ts can refuse it every time, not only on re-subscribe.
      await client.subscribeAsync([topics.ack(fid), topics.cmdFilter(fid), topics.hubState], {
        qos: 1,
        ...(link.protocolVersion === 5 && { rap: true }),
      });
      if (this.stopped) throw new Error('uplink stopped');
    } catch (err) {
      this.onLinkClosed(link);
      throw err;
    }
    if (!link.sessionPresent) {
      // The broker kept no session: ACKs queued for us are lost, so resend every un-acked row now.
      const n = this.opts.store.requeueAllSent(this.opts.clock.wall());
      if (n > 0) this.opts.logger.info({ rows: n }, 'broker session lost; resending rows not yet acked');
    }
    this.live = true;
    this.relay.attach(client);
    this.heartbeat();
    this.survey();
    this.opts.logger.info({ session: this.session, sessionPresent: link.sessionPresent }, 'connected to the hub');
    this.emit('connected', { session: this.session, sessionPresent: link.sessionPresent, protocolVersion: link.protocolVersion });
    const current = link;
    return { closed: link.closed.then(() => this.onLinkClosed(current)) };
  }

  private open(): Promise<Link> {
    this.session = nextSession(this.opts.store, this.session, this.opts.clock.wall(), this.opts.logger);
    const fid = this.opts.fid;
    return openLink(
      {
        url: this.opts.url,
        clientId: fid,
        protocolVersion: this.protocolVersion,
        keepaliveS: 30,
        sessionExpiryS: this.opts.sessionExpiryS ?? 86_400,
        connectTimeoutMs: 30_000,
        will: { topic: topics.status(fid), payload: this.announcer.statusPayload('offline', this.session, true), delayS: WILL_DELAY_S },
        ...(this.opts.tls && { tls: this.opts.tls }),
        ...(this.opts.username !== undefined && { username: this.opts.username }),
        ...(this.opts.password !== undefined && { password: this.opts.password }),
        onMessage: (client, topic, payload, packet) => this.onMessage(client, topic, payload, packet),
        maximumPacketSize: AGENT_MAX_PACKET_BYTES,
        signal: this.abort.signal,
      },
      this.opts.logger,
    );
  }

  private onConnectError(err: unknown): void {
    const message = redactText(err instanceof Error ? err.message : String(err));
    if (isAuthRefusal(err)) {
      // Retrying fast will not fix credentials; alarm locally and keep trying slowly.
      this.backoff.penalize();
      const code = (err as { code: number }).code;
      this.opts.logger.error({ code, err: message }, 'hub refused the connection (credentials or authorisation)');
      this.emit('refused', { code, message });
    } else if (!this.stopped) {
      this.opts.logger.warn({ err: message }, 'hub connection attempt failed');
    }
  }

  private onLinkClosed(link: Link | null): void {
    if (!link || this.link !== link) return;
    this.link = null;
    const wasLive = this.live;
    this.live = false;
    this.relay.detach();
    link.client.end(true);
    if (wasLive) {
      this.opts.logger.warn({ session: this.session }, 'hub connection lost');
      this.emit('disconnected', { session: this.session });
    }
  }

  private onMessage(client: MqttClient, topic: string, payload: Buffer, packet: IPublishPacket): void {
    routeMessage(
      this.opts.fid,
      topic,
      payload,
      { correlationData: packet.properties?.correlationData, retain: packet.retain },
      {
        hubState: (state) => this.relay.setHubState(state),
        ack: (seqs) => this.relay.onAck(seqs),
        command: (name, body, corr) => this.onCommand(client, name, body, corr),
      },
      this.drops,
      this.opts.hubKeys ?? null,
    );
  }

  private onCommand(client: MqttClient, name: string, payload: Buffer, correlationData?: Buffer): void {
    const wall = this.opts.clock.wall();
    const link = {
      fid: this.opts.fid,
      hubUrl: this.opts.url,
      tls: this.opts.tls,
      protocolVersion: this.protocolVersion,
      uploadPort: this.opts.uploadPort ?? DEFAULT_UPLOAD_PORT,
      logger: this.opts.logger,
      onUploadRefused: () => this.uploadRefused++,
    };
    void runCommand(name, payload, {
      rebirth: () => this.announcer.birth(client, this.session),
      resend: (from, to) => {
        const n = this.opts.store.requeueRange(from, to, wall);
        this.relay.pump();
        return n;
      },
      setPolicy: (cmd) => policyResult(this.applyPolicy(cmd)),
      snapshot: (cmd) =>
        deliverSnapshot(client, link, cmd, { store: this.opts.store, files: this.opts.snapshotFiles, allowed: this.policyState.get().snapshotUpload }),
      rebase: (cmd) => this.rebase(cmd.session, cmd.seq),
    }).then((outcome) => {
      const log = outcome.ok ? this.opts.logger.info.bind(this.opts.logger) : this.opts.logger.warn.bind(this.opts.logger);
      log({ cmd: name.slice(0, 64), ok: outcome.ok, error: outcome.error }, 'hub command');
      this.emit('command', { name, ok: outcome.ok, error: outcome.error, result: outcome.result });
      if (!client.connected) return;
      const response = responseBytes(this.opts.fid, name, outcome, wall, (err) =>
        this.opts.logger.error({ cmd: name.slice(0, 64), err }, 'command response invalid; sending a bare error'),
      );
      const topic = topics.res(this.opts.fid);
      client.publish(topic, maybeSign(this.opts.signer, topic, response), { qos: 1, ...(correlationData && { properties: { correlationData } }) });
    });
  }

  /** `cmd/rebase` (see rebase.ts); the connection is ended after the response when a new session is needed. */
  private rebase(session: number, seq: number): Record<string, number | boolean> {
    const r = rebaseStore(this.opts.store, this.opts.fid, this.opts.signer ?? null, this.session, session, seq);
    this.opts.logger.warn({ session, seq, renumbered: r.renumbered, reconnect: r.reconnect }, 'hub says this facility was above this store: re-based');
    this.emit('rebased', { session, seq, renumbered: r.renumbered });
    // After the response is published (the caller publishes it next): a clean end, the broker sends no Will.
    if (r.reconnect) setImmediate(() => this.link?.client.end(false));
    return { ...r };
  }

  private applyPolicy(cmd: Parameters<PolicyState['set']>[0]): Policy {
    const before = this.policyState.get();
    const after = this.policyState.set(cmd);
    if (after.replayRatePerS !== before.replayRatePerS) this.relay.setReplayRate(after.replayRatePerS);
    if (after.heartbeatS !== before.heartbeatS) this.heartbeat();
    this.opts.logger.info({ policy: after }, 'hub policy applied');
    this.emit('policy', after);
    return after;
  }

  private heartbeat(): void {
    if (this.hbTimer !== null) this.timers.clearTimeout(this.hbTimer);
    this.hbTimer = null;
    const client = this.link?.client;
    if (!this.live || !client?.connected) return;
    this.announcer.heartbeat(client, this.session);
    this.hbTimer = this.timers.setTimeout(() => this.heartbeat(), this.policyState.get().heartbeatS * 1000);
  }

  /**
   * Sends the camera survey after `delayMs` (then daily again): what the agent knows of its cameras changed (an ONVIF
   * camera answered for the first time, after the survey of the connect). Calls within the delay are merged into one.
   */
  surveySoon(delayMs = SURVEY_SOON_MS): void {
    if (!this.opts.survey || !this.live) return;
    if (this.surveyTimer !== null) this.timers.clearTimeout(this.surveyTimer);
    this.surveyTimer = this.timers.setTimeout(() => this.survey(), delayMs);
  }

  /** Sends the camera survey now and again after the interval (each connect restarts the interval). */
  private survey(): void {
    if (this.surveyTimer !== null) this.timers.clearTimeout(this.surveyTimer);
    this.surveyTimer = null;
    const client = this.link?.client;
    if (!this.opts.survey || !this.live || !client?.connected) return;
    try {
      this.announcer.survey(client, this.opts.survey());
    } catch (err) {
      // Off the event path: a survey that cannot be built is logged and tried again at the next interval.
      this.opts.logger.warn({ err: (err as Error).message }, 'camera survey not sent');
    }
    this.surveyTimer = this.timers.setTimeout(() => this.survey(), this.opts.surveyIntervalMs ?? SURVEY_INTERVAL_MS);
  }

  private scheduleTick(): void {
    this.tickTimer = this.timers.setTimeout(() => {
      this.relay.tick();
      if (!this.stopped) this.scheduleTick();
    }, this.opts.tickMs ?? 1_000);
  }

  private clearTimers(): void {
    if (this.tickTimer !== null) this.timers.clearTimeout(this.tickTimer);
    if (this.hbTimer !== null) this.timers.clearTimeout(this.hbTimer);
    if (this.surveyTimer !== null) this.timers.clearTimeout(this.surveyTimer);
    this.tickTimer = this.hbTimer = this.surveyTimer = null;
  }

}
