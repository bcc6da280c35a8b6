/**
 * What the hub does with an agent's message once it is subscribed: admission (size, registry, signature), then
 * per facility in arrival order: validate against the contract, commit to the store, and only then ACK (events)
 * or note (status, birth, heartbeat, camera status, snapshot).
 */
import type { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import type { z } from 'zod';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../ops/index.js';
import {
  BirthPayload,
  CamStatusPayload,
  EventPayload,
  HeartbeatPayload,
  StatusPayload,
  decodePayload,
  maybeSign,
  parseTopic,
  type Signer,
  type TopicKind,
} from '../contract/index.js';
import type { AckBatch } from './ack-batch.js';
import type { Admission } from './admission.js';
import type { FacilityTracker } from './facilities.js';
import { SerialByKey } from './serial.js';
import type { HubStore } from './store.js';
import type { HubSnapshots } from './snapshots.js';
import type { HubEvents } from './hub-types.js';

/** The hub's counters this side moves (the hub's stats() reports them). */
export interface InboundCounters {
  received: number;
  duplicates: number;
  invalid: number;
  storeErrors: number;
}

export interface InboundWiring {
  readonly store: HubStore;
  readonly tracker: FacilityTracker;
  readonly admission: Admission;
  /** Null when the hub does not collect snapshots. */
  readonly snapshots: HubSnapshots | null;
  readonly acks: AckBatch;
  readonly signer: Signer | null;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly counters: InboundCounters;
  /** The hub's current MQTT client (replaced on reconnect); null once stopped. */
  client(): MqttClient | null;
  /** The hub, whose listeners hear each event, status, invalid payload. */
  readonly events: EventEmitter<HubEvents>;
}

export class HubInbound {
  private readonly serial = new SerialByKey();

  constructor(private readonly w: InboundWiring) {}

  /** One message from an agent topic (not `hub/state`). */
  receive(topic: string, payload: Buffer): void {
    const t = parseTopic(topic);
    if (!t?.fid) return;
    if (t.kind === 'ack' || t.kind === 'cmd' || t.kind === 'hub-state') return; // not subscribed: the agents' inbound topics
    const admitted = this.w.admission.admit(t.kind, t.fid, topic, payload);
    if (admitted === null) return;
    // One facility's messages are handled in arrival order (the store is async); facilities run in parallel.
    const fid = t.fid;
    void this.serial.run(fid, () => this.handle(t.kind, t.eventId, topic, fid, admitted)).catch((e: unknown) => {
      this.w.counters.storeErrors++;
      this.w.logger.warn({ fid, err: (e as Error).message }, 'hub: database write failed (not acked)');
    });
  }

  /** Resolves once every message received so far is handled. */
  idle(): Promise<void> {
    return this.serial.idle();
  }

  /** `payload` has passed admission (size, registry, signature) and is without its signature. */
  private async handle(kind: TopicKind, eventId: string | undefined, topic: string, fid: string, payload: Buffer): Promise<void> {
    const { w } = this;
    const wall = w.clock.wall();
    switch (kind) {
      case 'evt':
        return this.onEvent(topic, fid, payload);
      case 'snap':
        return void w.snapshots?.receive(fid, eventId!, payload, wall); // subscribed only when collecting
      case 'status': {
        const s = w.admission.plausibleSession(this.decode(StatusPayload, topic, fid, payload));
        if (!s) return;
        const ignored = !(await w.store.applyStatus(s, wall));
        w.tracker.status(s);
        if (ignored) w.logger.info({ fid, session: s.session }, 'hub: old-session status ignored');
        w.events.emit('status', { fid, state: s.state, session: s.session, ignored });
        return;
      }
      case 'birth': {
        const b = w.admission.plausibleBirth(this.decode(BirthPayload, topic, fid, payload));
        if (!b) return;
        await w.store.applyBirth(b, wall);
        w.tracker.birth(b);
        return;
      }
      case 'hb': {
        const h = this.decode(HeartbeatPayload, topic, fid, payload);
        if (h) await w.store.applyHeartbeat(h, wall);
        return;
      }
      case 'cam-status': {
        const c = this.decode(CamStatusPayload, topic, fid, payload);
        if (c) await w.store.applyCamera(c, wall);
        return;
      }
      default:
        return;
    }
  }

  private async onEvent(topic: string, fid: string, payload: Buffer): Promise<void> {
    const { w } = this;
    const e = this.decode(EventPayload, topic, fid, payload);
    if (!e) return;
    // Not stored, not acked, the persisted maximum unchanged: a forged seq cannot switch off gap detection.
    if (!w.admission.plausibleSeq(fid, e.seq)) return;
    const { duplicate } = await w.store.ingest(e, w.clock.wall());
    w.counters.received++;
    if (duplicate) w.counters.duplicates++;
    w.tracker.seq(fid, e.seq);
    w.acks.add(fid, e.seq); // only after the commit
    w.events.emit('event', { fid, event: e, duplicate });
    const ask = w.snapshots?.request(fid, e.event_id, w.clock.now());
    const client = w.client();
    if (ask && client?.connected) client.publish(ask.topic, maybeSign(w.signer, ask.topic, ask.payload), { qos: 1 });
  }

  /** Validates a payload and that it names the facility of its topic (one agent cannot post as another). */
  private decode<S extends z.ZodType<{ fid: string }>>(schema: S, topic: string, fid: string, payload: Buffer): z.output<S> | null {
    const d = decodePayload(schema, topic, payload);
    const error = !d.ok ? d.error : d.value.fid !== fid ? `payload fid does not match topic ${topic}` : null;
    if (error === null && d.ok) return d.value;
    this.w.counters.invalid++;
    this.w.logger.warn({ topic: topic.slice(0, 200), err: error }, 'hub: invalid payload rejected (not acked)');
    this.w.events.emit('invalid', { topic, error: error ?? 'invalid' });
    return null;
  }
}
