import type { MqttClient, Packet } from 'mqtt';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../ops/index.js';
import type { AckResult, Store } from '../store/index.js';
import type { Timers } from './reconnect.js';
import { TokenBucket } from '../shared/token-bucket.js';
import { topics } from '../../contract/index.js';

/** PUBACK reason 0x10 (MQTT 5): the broker took the message but nobody subscribes to it. */
const NO_MATCHING_SUBSCRIBERS = 16;
/** After a store write fails (disk full), sending pauses this long by default: see `storeWrite`. */
export const STORE_RETRY_MS = 5_000;
/** Published-but-unconfirmed seqs remembered for late ACKs, at most (a few windows' worth is typical). */
const MAX_UNCONFIRMED = 10_000;

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
  /** Pause after a failed store write; STORE_RETRY_MS by default. */
  readonly storeRetryMs?: number;
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
  /** PUBACK received, `sent` not yet committed: written in one transaction per turn (see flushSent). */
  private readonly pubacked = new Set<number>();
  private flushQueued = false;
  private pumpQueued = false;
  private readonly noSubscribers = new Set<number>();
  /**
   * Seqs handed to the broker whose `sent` mark is not committed yet, kept across reconnects (the hub
   * may have them and ACK on the next connection). With `sent`/`sent_at` in the store this is what
   * lets an ACK confirm only what was actually published; see OutboxQueries.markAcked.
   */
  private readonly unconfirmed = new Set<number>();
  private hubState: HubState | null = null;
  private readonly bucket: TokenBucket;
  private wakeTimer: unknown = null;
  private published = 0;
  /** Monotonic time before which nothing is sent, after a failed store write. */
  private blockedUntil = Number.NEGATIVE_INFINITY;

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
    this.flushSent();
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
    return this.awaitingPuback.size + this.pubacked.size + this.opts.store.sentCount();
  }

  publishedCount(): number {
    return this.published;
  }

  /** A new backlog rate cap (cmd/set-policy), effective at once. */
  setReplayRate(ratePerS: number): void {
    this.bucket.setRate(ratePerS);
    if (this.wakeTimer !== null) this.opts.timers.clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    this.pump();
  }

  onAck(seqs: readonly number[]): AckResult | null {
    // Not recorded (disk full): the rows stay `sent`, time out, are resent, and the hub ACKs again.
    const result = this.storeWrite('recording a hub ACK', () => this.opts.store.markAcked(seqs, this.opts.clock.wall(), this.unconfirmed));
    if (result === undefined) return null;
    for (const seq of seqs) this.unconfirmed.delete(seq);
    this.hooks.onAcked(seqs, result);
    this.schedulePump();
    return result;
  }

  /** Periodic: rows sent without ACK for too long go back to pending; then send what is due. */
  tick(): void {
    const wall = this.opts.clock.wall();
    const n = this.storeWrite('requeueing rows without ACK', () => this.opts.store.requeueStale(wall - this.opts.ackTimeoutMs, wall));
    if (n !== undefined && n > 0) this.opts.logger.warn({ rows: n }, 'no hub ACK in time; rows go back to pending');
    this.pump();
  }

  /**
   * Runs a store write from a timer or MQTT callback, where a throw would crash the agent. When it
   * fails (SQLITE_FULL, or any other store error) sending pauses for `storeRetryMs`: otherwise a
   * row whose `markSent` failed would still look pending and be published again at once, in a loop.
   * Every row keeps a state from which it is resent, so nothing is lost, only repeated.
   */
  private storeWrite<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      const first = this.opts.clock.now() >= this.blockedUntil;
      this.blockedUntil = this.opts.clock.now() + (this.opts.storeRetryMs ?? STORE_RETRY_MS);
      if (first) this.opts.logger.warn({ err: (e as Error).message, what }, 'store write failed; pausing sends');
      return undefined;
    }
  }

  pump(): void {
    const client = this.client;
    if (!client?.connected || client.disconnecting) return;
    const blockedFor = this.blockedUntil - this.opts.clock.now();
    if (blockedFor > 0) {
      this.wakeAfter(blockedFor);
      return;
    }
    let free = this.opts.maxInFlight - this.inFlight();
    if (free <= 0) return;
    const rows = this.opts.store.nextKeys(free + this.awaitingPuback.size + this.pubacked.size, this.opts.clock.wall());
    for (const row of rows) {
      if (free <= 0) break;
      if (this.awaitingPuback.has(row.seq) || this.pubacked.has(row.seq)) continue;
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

  private publish(client: MqttClient, row: { seq: number }): void {
    const payload = this.opts.store.pendingPayload(row.seq);
    if (payload === undefined) return; // acked meanwhile (an ACK can overtake the PUBACK)
    const gen = this.generation;
    this.awaitingPuback.add(row.seq);
    this.noteUnconfirmed(row.seq);
    this.published++;
    client.publish(topics.evt(this.opts.fid), payload, { qos: 1 }, (err, packet) => {
      if (gen !== this.generation) return; // the connection this was sent on is gone; the row is still pending
      this.awaitingPuback.delete(row.seq);
      const messageId = (packet as { messageId?: number } | undefined)?.messageId;
      const wall = this.opts.clock.wall();
      if (err) {
        this.unconfirmed.delete(row.seq);
        this.opts.logger.warn({ seq: row.seq, err: err.message }, 'event publish refused by the broker');
        this.storeWrite('deferring a refused row', () => this.opts.store.defer(row.seq, wall));
      } else if (messageId !== undefined && this.noSubscribers.delete(messageId)) {
        // The broker would drop it: no hub consumer is subscribed. Keep it pending and say so.
        this.unconfirmed.delete(row.seq);
        this.storeWrite('deferring a row nobody subscribes to', () => this.opts.store.defer(row.seq, wall));
        this.hooks.onNoSubscribers(row.seq);
      } else {
        this.pubacked.add(row.seq);
        this.queueFlush();
        return;
      }
      this.schedulePump();
    });
  }

  /**
   * PUBACKs of one read from the socket come in one burst: their `sent` marks are committed together
   * at the end of it (a microtask), one fsync instead of one each. Until then the rows count as in
   * flight and are not picked again. A crash before the commit leaves them `pending`: they are sent
   * again and the hub de-duplicates them, which is the contract's at-least-once anyway.
   */
  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flushSent();
      this.pump();
    });
  }

  private flushSent(): void {
    if (this.pubacked.size === 0) return;
    const seqs = [...this.pubacked];
    this.pubacked.clear();
    const done = this.storeWrite('marking rows sent', () => this.opts.store.markSentMany(seqs, this.opts.clock.wall()));
    if (done !== undefined) for (const seq of seqs) this.unconfirmed.delete(seq);
  }

  /** Bounded: forgetting the oldest only means its late ACK is ignored and the row is sent again. */
  private noteUnconfirmed(seq: number): void {
    this.unconfirmed.add(seq);
    for (const old of this.unconfirmed) {
      if (this.unconfirmed.size <= MAX_UNCONFIRMED) break;
      this.unconfirmed.delete(old);
    }
  }

  /** One pump for all the ACKs and PUBACKs handled in this turn, not one query per message. */
  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
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
