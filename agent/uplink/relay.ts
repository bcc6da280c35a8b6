import type { MqttClient, Packet } from 'mqtt';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../ops/index.js';
import type { AckResult, OutboxRow, Store } from '../store/index.js';
import type { Timers } from './reconnect.js';
import { TokenBucket } from './token-bucket.js';
import { topics } from './topics.js';

/** PUBACK reason 0x10 (MQTT 5): the broker took the message but nobody subscribes to it. */
const NO_MATCHING_SUBSCRIBERS = 16;

export interface RelayOptions {
  readonly fid: string;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timers: Timers;
  /** Rows published and not yet acked by the hub (awaiting PUBACK or ACK), at most. */
  readonly maxInFlight: number;
  readonly replayRatePerS: number;
  readonly ackTimeoutMs: number;
}

export interface RelayHooks {
  onAcked(seqs: readonly number[], result: AckResult): void;
  onNoSubscribers(seq: number): void;
}

export interface HubState {
  readonly online: boolean;
  readonly accepting: boolean;
}

/**
 * Moves outbox rows to the broker: live lane first, the backlog rate-capped and only while the
 * hub says it is online and accepting. It holds a client only while connected; `detach` on the
 * first sign of a lost connection, so nothing is ever handed to MQTT.js to queue offline.
 */
export class Relay {
  private client: MqttClient | null = null;
  /** Bumped on every attach/detach, so a PUBACK callback from an old connection is ignored. */
  private generation = 0;
  private readonly awaitingPuback = new Set<number>();
  private readonly noSubscribers = new Set<number>();
  private hubState: HubState | null = null;
  private readonly bucket: TokenBucket;
  private wakeTimer: unknown = null;
  private published = 0;

  constructor(
    private readonly opts: RelayOptions,
    private readonly hooks: RelayHooks,
  ) {
    this.bucket = new TokenBucket(opts.replayRatePerS, opts.clock);
  }

  /** Starts relaying on a new connection (after subscribe, so a retained hub/state is already known). */
  attach(client: MqttClient): void {
    this.release();
    this.client = client;
    this.generation++;
    client.on('packetreceive', this.onPacket);
    this.pump();
  }

  /** The connection is gone: forget everything that belonged to it. */
  detach(): void {
    this.release();
    // Unknown until the broker hands us the retained hub/state again: after a broker restart
    // without persistence there may be none until the hub is back.
    this.hubState = null;
  }

  private release(): void {
    if (this.client) this.client.removeListener('packetreceive', this.onPacket);
    this.client = null;
    this.generation++;
    this.awaitingPuback.clear();
    this.noSubscribers.clear();
    if (this.wakeTimer !== null) this.opts.timers.clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
  }

  setHubState(state: HubState): void {
    const was = this.backlogAllowed();
    this.hubState = state;
    if (!was && this.backlogAllowed()) this.pump();
  }

  getHubState(): HubState | null {
    return this.hubState;
  }

  backlogAllowed(): boolean {
    return this.hubState !== null && this.hubState.online && this.hubState.accepting;
  }

  inFlight(): number {
    return this.awaitingPuback.size + this.opts.store.sentCount();
  }

  publishedCount(): number {
    return this.published;
  }

  onAck(seqs: readonly number[]): AckResult {
    const result = this.opts.store.markAcked(seqs, this.opts.clock.wall());
    this.hooks.onAcked(seqs, result);
    this.pump();
    return result;
  }

  /** Periodic: rows sent without ACK for too long go back to pending; then send what is due. */
  tick(): void {
    const wall = this.opts.clock.wall();
    const n = this.opts.store.requeueStale(wall - this.opts.ackTimeoutMs, wall);
    if (n > 0) this.opts.logger.warn({ rows: n }, 'no hub ACK in time; rows go back to pending');
    this.pump();
  }

  pump(): void {
    const client = this.client;
    if (!client?.connected || client.disconnecting) return;
    let free = this.opts.maxInFlight - this.inFlight();
    if (free <= 0) return;
    const rows = this.opts.store.nextToSend(free + this.awaitingPuback.size, this.opts.clock.wall());
    for (const row of rows) {
      if (free <= 0) break;
      if (this.awaitingPuback.has(row.seq)) continue;
      if (row.lane === 'backlog') {
        if (!this.backlogAllowed()) break;
        if (!this.bucket.take()) {
          this.wakeAfter(this.bucket.msUntilToken());
          break;
        }
      }
      this.publish(client, row);
      free--;
    }
  }

  private wakeAfter(ms: number): void {
    if (this.wakeTimer !== null) return;
    this.wakeTimer = this.opts.timers.setTimeout(() => {
      this.wakeTimer = null;
      this.pump();
    }, Math.max(1, ms));
  }

  private publish(client: MqttClient, row: OutboxRow): void {
    const gen = this.generation;
    this.awaitingPuback.add(row.seq);
    this.published++;
    client.publish(topics.evt(this.opts.fid), row.payload, { qos: 1 }, (err, packet) => {
      if (gen !== this.generation) return; // the connection this was sent on is gone; the row is still pending
      this.awaitingPuback.delete(row.seq);
      const messageId = (packet as { messageId?: number } | undefined)?.messageId;
      const wall = this.opts.clock.wall();
      if (err) {
        this.opts.logger.warn({ seq: row.seq, err: err.message }, 'event publish refused by the broker');
        this.opts.store.defer(row.seq, wall);
      } else if (messageId !== undefined && this.noSubscribers.delete(messageId)) {
        // The broker would drop it: no hub consumer is subscribed. Keep it pending and say so.
        this.opts.store.defer(row.seq, wall);
        this.hooks.onNoSubscribers(row.seq);
      } else {
        this.opts.store.markSent(row.seq, wall);
      }
      this.pump();
    });
  }

  // MQTT.js hides a PUBACK's reason code 0x10 from the publish callback; the raw packet shows it.
  private readonly onPacket = (packet: Packet): void => {
    if (packet.cmd === 'puback' && packet.reasonCode === NO_MATCHING_SUBSCRIBERS && packet.messageId !== undefined) {
      this.noSubscribers.add(packet.messageId);
    }
  };
}
