import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import type { z } from 'zod';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../ops/index.js';
import { redactText } from '../ops/index.js';
import {
  BirthPayload,
  CamStatusPayload,
  EventPayload,
  HeartbeatPayload,
  StatusPayload,
  decodePayload,
  hubFilters,
  parseTopic,
  topics,
} from '../uplink/contract.js';
import { buildHubState } from '../uplink/payloads.js';
import { noDelay } from '../uplink/link.js';
import { AckBatch } from './ack-batch.js';
import { FacilityTracker, type FacilityView, type ResendRange } from './facilities.js';
import { HubDb, type HubEventRow } from './hub-db.js';
import type { FacilitySummary, RecentEvent } from './summary.js';

export interface ReferenceHubOptions {
  readonly url: string;
  /** SQLite file of the hub's own database, or ':memory:'. */
  readonly dbFile: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Subscribe to events and heartbeats as `$share/hub/...`, for several hub consumers. */
  readonly shared?: boolean;
  readonly clientId?: string;
  /** 5 by default, with a fall back to 4 when the broker refuses 5 (aedes speaks 3.1.1). */
  readonly protocolVersion?: 4 | 5;
  readonly reconnectMs?: number;
  readonly hbStaleMs?: number;
  /** How long a seq may be missing before the hub asks for it (the backlog arrives late by design). */
  readonly gapGraceMs?: number;
  readonly gapCheckMs?: number;
}

export interface HubStats {
  /** Valid events received, duplicates included. */
  readonly received: number;
  readonly duplicates: number;
  readonly invalid: number;
  /** Seqs acknowledged to agents. */
  readonly acked: number;
}

export interface HubEvents {
  event: [{ fid: string; event: EventPayload; duplicate: boolean }];
  /** A status arrived; `ignored` when it was from an older session than one already seen (a late Will). */
  status: [{ fid: string; state: StatusPayload['state']; session: number; ignored: boolean }];
  invalid: [{ topic: string; error: string }];
  resend: [ResendRange];
}

/**
 * The reference hub consumer: what the national side runs behind its broker, here for the demo
 * and as the tests' oracle. Validates every event against the contract, commits it to SQLite,
 * and only then ACKs it to the agent by seq.
 */
export class ReferenceHub extends EventEmitter<HubEvents> {
  private readonly db: HubDb;
  private readonly tracker: FacilityTracker;
  private client: MqttClient | null = null;
  private accepting = true;
  private readonly acks = new AckBatch(
    () => this.client,
    (n) => (this.counters.acked += n),
  );
  private gapTimer: NodeJS.Timeout | null = null;
  private counters = { received: 0, duplicates: 0, invalid: 0, acked: 0 };
  private firstConnect: (() => void) | null = null;
  /** Hub wall time of each facility's last heartbeat, for the stored record. */
  private readonly hbWall = new Map<string, number>();

  constructor(private readonly opts: ReferenceHubOptions) {
    super();
    this.db = new HubDb(opts.dbFile);
    this.tracker = new FacilityTracker(opts.hbStaleMs ?? 180_000, opts.gapGraceMs ?? 120_000, this.db.maxSeqs());
  }

  /** Resolves once connected, subscribed and announced `online` (MQTT.js retries until then). */
  start(): Promise<void> {
    return new Promise((resolve) => {
      this.firstConnect = resolve;
      this.client = this.connect(this.opts.protocolVersion ?? 5);
      this.gapTimer = setInterval(() => this.checkGaps(), this.opts.gapCheckMs ?? 10_000);
    });
  }

  async stop(): Promise<void> {
    if (this.gapTimer) clearInterval(this.gapTimer);
    this.gapTimer = null;
    const client = this.client;
    this.client = null;
    if (client) {
      this.acks.flush(client);
      if (client.connected) {
        await client
          .publishAsync(topics.hubState, buildHubState(false, false, this.opts.clock.wall()), { qos: 1, retain: true })
          .catch(() => undefined);
      }
      await client.endAsync(!client.connected);
    }
    this.db.close();
  }

  /** Announces (retained) whether agents may send their backlog now. */
  async setAccepting(accepting: boolean): Promise<void> {
    this.accepting = accepting;
    await this.client?.publishAsync(topics.hubState, buildHubState(true, accepting, this.opts.clock.wall()), {
      qos: 1,
      retain: true,
    });
  }

  events(fid?: string): HubEventRow[] {
    return this.db.events(fid);
  }

  deliveredSeqs(fid: string): number[] {
    return this.db.deliveredSeqs(fid);
  }

  facilities(): FacilityView[] {
    return this.tracker.list(this.opts.clock.now());
  }

  stats(): HubStats {
    return { ...this.counters };
  }

  /** Facilities as stored (what `GET /facilities` serves). */
  summaries(): FacilitySummary[] {
    return this.db.facilitySummaries(this.opts.clock.wall(), this.opts.hbStaleMs ?? 180_000);
  }

  recentEvents(fid: string | undefined, limit: number): RecentEvent[] {
    return this.db.recentEvents(fid, limit);
  }

  /** Asks agents (cmd/resend) for seqs missing longer than the grace period; returns what it asked. */
  checkGaps(): ResendRange[] {
    const client = this.client;
    if (!client?.connected) return [];
    const due = this.tracker.dueResends(this.opts.clock.now());
    for (const r of due) {
      this.opts.logger.warn(r, 'hub: seqs missing; asking the agent to resend');
      client.publish(topics.cmd(r.fid, 'resend'), JSON.stringify({ schema: 'qmon.cmd/1', from_seq: r.from, to_seq: r.to }), {
        qos: 1,
      });
      this.emit('resend', r);
    }
    return due;
  }

  private connect(version: 4 | 5): MqttClient {
    const clientId = this.opts.clientId ?? 'qmon-hub';
    const client = mqtt.connect(this.opts.url, {
      clientId,
      protocolVersion: version,
      clean: false,
      reconnectPeriod: this.opts.reconnectMs ?? 1_000,
      will: { topic: topics.hubState, payload: buildHubState(false, false, this.opts.clock.wall()), qos: 1, retain: true },
      ...(version === 5 && { properties: { sessionExpiryInterval: 86_400 } }),
    });
    client.on('connect', () => {
      noDelay(client); // see link.ts: the hub's ACKs must not wait for delayed TCP ACKs either
      void this.onConnect(client);
    });
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', (err: Error & { code?: unknown }) => {
      if (version === 5 && (err.code === 1 || err.code === 132) && this.client === client) {
        this.opts.logger.info('hub: broker refused MQTT 5; using 3.1.1');
        client.end(true);
        this.client = this.connect(4);
        return;
      }
      this.opts.logger.warn({ err: redactText(err.message) }, 'hub: mqtt error');
    });
    return client;
  }

  private async onConnect(client: MqttClient): Promise<void> {
    const share = (f: string) => (this.opts.shared ? `$share/hub/${f}` : f);
    try {
      // Retained messages are not sent on shared subscriptions, so status/birth/cameras stay unshared.
      await client.subscribeAsync(
        [share(hubFilters.evt), share(hubFilters.hb), hubFilters.status, hubFilters.birth, hubFilters.camStatus],
        { qos: 1 },
      );
      await client.publishAsync(topics.hubState, buildHubState(true, this.accepting, this.opts.clock.wall()), {
        qos: 1,
        retain: true,
      });
      this.opts.logger.info('hub: connected');
      this.firstConnect?.();
      this.firstConnect = null;
    } catch (e) {
      this.opts.logger.warn({ err: (e as Error).message }, 'hub: subscribe failed');
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    const t = parseTopic(topic);
    if (!t?.fid) return;
    const now = this.opts.clock.now();
    let changed = false;
    switch (t.kind) {
      case 'evt':
        return this.onEvent(topic, t.fid, payload);
      case 'status': {
        const s = this.decode(StatusPayload, topic, t.fid, payload);
        if (s) {
          const ignored = !this.tracker.status(s);
          if (ignored) this.opts.logger.info({ fid: t.fid, session: s.session }, 'hub: old-session status ignored');
          this.emit('status', { fid: t.fid, state: s.state, session: s.session, ignored });
        }
        changed = s !== null;
        break;
      }
      case 'birth': {
        const b = this.decode(BirthPayload, topic, t.fid, payload);
        if (b) this.tracker.birth(b);
        changed = b !== null;
        break;
      }
      case 'hb': {
        const h = this.decode(HeartbeatPayload, topic, t.fid, payload);
        if (h) {
          this.tracker.heartbeat(h, now);
          this.hbWall.set(t.fid, this.opts.clock.wall());
        }
        changed = h !== null;
        break;
      }
      case 'cam-status': {
        const c = this.decode(CamStatusPayload, topic, t.fid, payload);
        if (c) this.tracker.camera(c);
        changed = c !== null;
        break;
      }
      default:
        return;
    }
    if (changed) this.saveFacility(t.fid);
  }

  private saveFacility(fid: string): void {
    const v = this.tracker.view(fid, this.opts.clock.now());
    this.db.saveFacility({
      fid,
      session: v.session,
      status: v.status,
      birth: v.birth,
      heartbeat: v.lastHeartbeat,
      heartbeatAt: this.hbWall.get(fid) ?? null,
      cameras: v.cameras,
      updatedAt: this.opts.clock.wall(),
    });
  }

  private onEvent(topic: string, fid: string, payload: Buffer): void {
    const e = this.decode(EventPayload, topic, fid, payload);
    if (!e) return;
    const { duplicate } = this.db.ingest(e, this.opts.clock.wall());
    this.counters.received++;
    if (duplicate) this.counters.duplicates++;
    this.tracker.seq(fid, e.seq, this.opts.clock.now());
    this.acks.add(fid, e.seq);
    this.emit('event', { fid, event: e, duplicate });
  }

  /** Validates a payload and that it names the facility of its topic (one agent cannot post as another). */
  private decode<S extends z.ZodType<{ fid: string }>>(schema: S, topic: string, fid: string, payload: Buffer): z.output<S> | null {
    const d = decodePayload(schema, topic, payload);
    const error = !d.ok ? d.error : d.value.fid !== fid ? `payload fid does not match topic ${topic}` : null;
    if (error === null && d.ok) return d.value;
    this.counters.invalid++;
    this.opts.logger.warn({ topic: topic.slice(0, 200), err: error }, 'hub: invalid payload rejected (not acked)');
    this.emit('invalid', { topic, error: error ?? 'invalid' });
    return null;
  }
}
