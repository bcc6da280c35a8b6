/**
 * What the hub does with an agent's message once it is subscribed: admission on arrival (size, registry, the
 * facility's budget), then in the facility's turn (FairQueue: round-robin over facilities) the signature, the
 * contract's schema, the store, and only then the ACK (events) or the liveness rules (status, birth, heartbeat,
 * camera status: freshness by session and `n`), or the snapshot.
 */
import type { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import type { z } from 'zod';
import type { Clock } from '../agent/shared/clock.js';
import type { Logger } from '../agent/ops/index.js';
import {
  BirthPayload,
  CamStatusPayload,
  EventPayload,
  HeartbeatPayload,
  StatusPayload,
  SurveyPayload,
  decodePayload,
  MAX_IN_FLIGHT,
  maybeSign,
  parseTopic,
  type Signer,
  type TopicKind,
} from '../contract/index.js';
import type { AckBatch } from './ack-batch.js';
import type { Admission } from './admission.js';
import type { FacilityTracker } from './facilities.js';
import { FairQueue } from './fair-queue.js';
import type { Rebaser } from './rebase.js';
import type { HubStore, LivenessOutcome } from './store.js';
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
  /** Tells agents whose store went back to re-base (`cmd/rebase`). */
  readonly rebaser: Rebaser;
  readonly signer: Signer | null;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly counters: InboundCounters;
  /** The hub's current MQTT client (replaced on reconnect); null once stopped. */
  client(): MqttClient | null;
  /** The hub, whose listeners hear each event, status, invalid payload. */
  readonly events: EventEmitter<HubEvents>;
}

/** Tasks queued per facility in one process at most: more than its message burst means the database lags. */
const MAX_QUEUED_PER_FACILITY = 256;

export class HubInbound {
  private readonly queue: FairQueue;

  constructor(private readonly w: InboundWiring) {
    this.queue = new FairQueue({
      maxQueued: MAX_QUEUED_PER_FACILITY,
      // An agent has at most MAX_IN_FLIGHT events unacknowledged: as many may commit at once (they commute).
      concurrency: MAX_IN_FLIGHT,
      onError: (fid, e) => {
        this.w.counters.storeErrors++;
        this.w.logger.warn({ fid, err: (e as Error).message }, 'hub: database write failed (not acked)');
      },
    });
  }

  /**
   * One message from an agent topic (not `hub/state`). On arrival only what is cheap and bounded (size, registry,
   * the facility's budget); the signature, parsing and the database run in the facility's turn (FairQueue).
   */
  receive(topic: string, payload: Buffer): void {
    const t = parseTopic(topic);
    if (!t?.fid) return;
    if (t.kind === 'ack' || t.kind === 'cmd' || t.kind === 'hub-state') return; // not subscribed: the agents' inbound topics
    const { kind, fid, eventId } = t;
    if (!this.w.admission.gate(kind, fid, topic, payload)) return;
    const queued = this.queue.push(fid, {
      exclusive: kind !== 'evt', // liveness keeps its arrival order; events commit in parallel
      run: async () => {
        const body = await this.w.admission.verify(kind, fid, topic, payload);
        if (body !== null) await this.handle(kind, eventId, topic, fid, body);
      },
    });
    if (!queued) this.w.admission.drop('queue_full', { fid });
  }

  /** Resolves once every message received so far is handled. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** `payload` has passed admission (size, registry, budget, signature) and is without its signature. */
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
        const outcome = await w.store.applyStatus(s, wall);
        this.liveness(outcome, fid, 'status', s.session);
        if (outcome === 'applied') w.tracker.status(s);
        // An online status of an older or an ended session: the agent's session went back (its store was replaced
        // within the same second of its clock), or a replay (then the re-base is a no-op for the agent, rate-limited).
        else if (s.state !== 'offline' && outcome !== 'duplicate') void w.rebaser.ask(fid, outcome === 'older' ? 'older_session' : 'same_session');
        w.events.emit('status', { fid, state: s.state, session: s.session, ignored: outcome !== 'applied' });
        return;
      }
      case 'birth': {
        const b = w.admission.plausibleBirth(this.decode(BirthPayload, topic, fid, payload));
        if (!b) return;
        const highest = w.tracker.highestSeq(fid);
        const outcome = await w.store.applyBirth(b, wall);
        this.liveness(outcome, fid, 'birth', b.session);
        // Only a birth this hub has not seen: a retained one delivered again (a hub restart) is old by nature.
        if (outcome === 'older') void w.rebaser.ask(fid, 'older_session');
        else if (outcome === 'applied' && b.last_seq < highest) void w.rebaser.ask(fid, 'seq_went_back');
        return;
      }
      case 'hb': {
        const h = this.decode(HeartbeatPayload, topic, fid, payload);
        if (h) this.liveness(await w.store.applyHeartbeat(h, wall), fid, 'hb', h.session);
        return;
      }
      case 'survey': {
        const s = this.decode(SurveyPayload, topic, fid, payload);
        if (!s) return;
        const outcome = await w.store.surveys.apply(s, wall);
        // An older survey is a replay (a retained one delivered again is a `duplicate`); one dated a day ahead of the
        // hub's clock would hide every later real survey.
        if (outcome === 'older' || outcome === 'ahead') w.admission.drop('stale', { fid, kind: 'survey', why: outcome });
        w.events.emit('survey', { fid, outcome, cameras: s.cameras.length });
        return;
      }
      case 'cam-status': {
        const c = this.decode(CamStatusPayload, topic, fid, payload);
        if (c) this.liveness(await w.store.applyCamera(c, wall), fid, 'cam-status', c.session);
        return;
      }
      default:
        return;
    }
  }

  /** A replayed liveness message (not newer than one accepted, or of a session that ended) is counted. */
  private liveness(outcome: LivenessOutcome, fid: string, kind: string, session: number): void {
    if (outcome === 'stale') this.w.admission.drop('stale', { fid, kind, session });
    else if (outcome === 'older') this.w.logger.info({ fid, kind, session }, 'hub: message of an older session ignored');
  }

  private async onEvent(topic: string, fid: string, payload: Buffer): Promise<void> {
    const { w } = this;
    const e = this.decode(EventPayload, topic, fid, payload);
    if (!e) return;
    // Not stored, not acked, the persisted maximum unchanged: a forged seq cannot switch off gap detection.
    if (!w.admission.plausibleSeq(fid, e.seq)) return;
    const r = await w.store.ingest(e, w.clock.wall());
    if (r.reused === true) {
      // Never ACKed: an ACK would name another revision's seq. The agent re-bases and sends it under a new seq.
      w.admission.drop('seq_reused', { fid, seq: e.seq });
      void w.rebaser.ask(fid, 'seq_reused');
      return;
    }
    w.counters.received++;
    if (r.duplicate) w.counters.duplicates++;
    w.acks.add(fid, e.seq); // only after the commit
    w.events.emit('event', { fid, event: e, duplicate: r.duplicate });
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
