import mqtt, { type MqttClient } from 'mqtt';
import {
  AckPayload,
  buildBirth,
  buildHeartbeat,
  buildStatus,
  decodePayload,
  encodeEvent,
  HubStatePayload,
  maybeSign,
  parseTopic,
  ResendCommand,
  signerOf,
  topics,
  WILL_DELAY_S,
  type BirthInfo,
  type Signer,
} from '../../contract/index.js';
import { simKey } from './keys.js';
import { simSurvey } from './survey.js';
import { uuidv7 } from '../../agent/shared/ids.js';
import type { Violation } from '../../agent/shared/types.js';

/** What a simulated facility does; the fleet gives every facility the same. */
export interface SimFacilityOptions {
  readonly url: string;
  readonly fid: string;
  /** Rows in flight (sent, not acked) at most, as the agent's relay (16). */
  readonly window: number;
  /** A sent row without ACK for this long goes back to pending (the agent: 60 s). */
  readonly ackTimeoutMs: number;
  /** Backlog (replay) rows per second at most (the agent's backlog cap). */
  readonly replayRatePerS: number;
  readonly heartbeatMs: number;
  /** For an `mqtts://` broker: the pinned CA and this facility's client certificate (CN = its fid). */
  readonly tls?: SimTls;
}

/** TLS material of one simulated facility. */
export interface SimTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

interface Row {
  readonly seq: number;
  readonly payload: Buffer;
  readonly replay: boolean;
  state: 'pending' | 'sent' | 'acked';
  sentAt: number;
  /** Acked at least once (a row resent on `cmd/resend` is acked again: counted as a duplicate). */
  ackedOnce: boolean;
}

const BIRTH: BirthInfo = {
  version: 'sim',
  configHash: '51a1c0de',
  cameras: [{ id: 'cam-1' }, { id: 'cam-2' }, { id: 'cam-3' }],
  rules: [{ id: 'corridor-exit', type: 'line_cross', version: 1 }],
  models: [],
};

/**
 * One facility at the contract level, without video: its own MQTT session (client id = fid, Will =
 * status offline), an in-memory outbox with seqs, the agent's lanes (live rows at once, backlog rows only
 * while the hub says accepting, at the replay cap), birth, camera survey and heartbeat on connect, ACK by seq, `cmd/resend`.
 * Lighter than the agent's real Store + Uplink so that 2,000 fit in one process (see README).
 */
export class SimFacility {
  private client: MqttClient | null = null;
  private session = 0;
  private live = false;
  private hubAccepting = false;
  private readonly rows = new Map<number, Row>();
  /** Rows not acked yet (what the relay looks at), and how many of them are in flight. */
  private readonly open = new Map<number, Row>();
  private sent = 0;
  private ackedPrefix = 0;
  private nextSeq = 1;
  private pumpTimer: NodeJS.Timeout | null = null;
  private hbTimer: NodeJS.Timeout | null = null;
  private replayTokens = 0;
  /** The number of the last liveness message in this session (the contract's `n`). */
  private n = 0;
  private readonly startedAt = Date.now();
  readonly counts = { produced: 0, acked: 0, duplicateAcks: 0, resendRequests: 0, resent: 0 };

  /** Signs everything it publishes, as a real agent with `facility.signing_key` does (see keys.ts). */
  private readonly signer: Signer;

  constructor(private readonly o: SimFacilityOptions) {
    this.signer = signerOf(simKey(o.fid));
  }

  /** The payload as published on `topic`: signed. */
  private signed(topic: string, body: Buffer): Buffer {
    return maybeSign(this.signer, topic, body);
  }

  get fid(): string {
    return this.o.fid;
  }

  /** Seqs recorded so far (one per revision). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  get currentSession(): number {
    return this.session;
  }

  /** Whether every seq up to `seq` is acked. */
  ackedUpTo(seq: number): boolean {
    while (this.ackedPrefix < seq && this.rows.get(this.ackedPrefix + 1)?.state === 'acked') this.ackedPrefix++;
    return this.ackedPrefix >= seq;
  }

  /** Rows not acked yet. */
  pending(): number {
    return this.open.size;
  }

  private setState(r: Row, state: Row['state']): void {
    if (r.state === 'sent') this.sent--;
    if (state === 'sent') this.sent++;
    if (state === 'acked') this.open.delete(r.seq);
    else this.open.set(r.seq, r);
    r.state = state;
  }

  /** Records one violation as two revisions (`new`, then `end`): two seqs, one event. */
  produce(): void {
    const now = Date.now();
    const v: Violation = {
      eventId: uuidv7(now),
      rev: 1,
      state: 'new',
      type: 'line_cross',
      severity: 'warning',
      cameraId: 'cam-1',
      rule: { id: 'corridor-exit', version: 1 },
      lineId: 'corridor-exit',
      direction: 'out',
      people: 1,
      confidence: 0.9,
      startedAt: now,
      endedAt: null,
      updatedAt: now,
      model: null,
      snapshot: null,
    };
    this.record(v);
    this.record({ ...v, rev: 2, state: 'end', endedAt: now, updatedAt: now });
    this.counts.produced++;
    this.pump();
  }

  private record(v: Violation): void {
    const seq = this.nextSeq++;
    const replay = !this.live;
    const payload = this.signed(
      topics.evt(this.o.fid),
      encodeEvent(v, { fid: this.o.fid, session: Math.max(1, this.session), seq, replay, clock: { synced: true, source: 'chrony' } }),
    );
    const row: Row = { seq, payload, replay, state: 'pending', sentAt: 0, ackedOnce: false };
    this.rows.set(seq, row);
    this.open.set(seq, row);
  }

  connect(): Promise<void> {
    this.session++;
    this.n = 0;
    const session = this.session;
    const client = mqtt.connect(this.o.url, {
      ...(this.o.tls && { rejectUnauthorized: true, ...this.o.tls }),
      clientId: this.o.fid,
      protocolVersion: 5,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 30_000,
      keepalive: 30,
      will: {
        topic: topics.status(this.o.fid),
        payload: this.signed(topics.status(this.o.fid), buildStatus(this.o.fid, 'offline', session, Date.now(), 0)),
        qos: 1,
        retain: true,
        properties: { willDelayInterval: WILL_DELAY_S },
      },
    });
    this.client = client;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', () => undefined); // a refused or dropped connection ends in 'close'
    client.on('close', () => (this.live = false));
    return new Promise((resolve, reject) => {
      client.once('connect', () => {
        void (async () => {
          await client.subscribeAsync([topics.ack(this.o.fid), topics.cmdFilter(this.o.fid), topics.hubState], { qos: 1 });
          await client.publishAsync(topics.status(this.o.fid), this.signed(topics.status(this.o.fid), buildStatus(this.o.fid, 'online', session, Date.now(), ++this.n)), {
            qos: 1,
            retain: true,
          });
          await client.publishAsync(topics.birth(this.o.fid), this.signed(topics.birth(this.o.fid), buildBirth(this.o.fid, session, Date.now(), BIRTH, this.lastSeq, ++this.n)), {
            qos: 1,
            retain: true,
          });
          const survey = topics.survey(this.o.fid);
          await client.publishAsync(survey, this.signed(survey, simSurvey(this.o.fid, Date.now(), BIRTH.version)), { qos: 1, retain: true });
          this.live = true;
          this.heartbeat();
          this.hbTimer = setInterval(() => this.heartbeat(), this.o.heartbeatMs);
          this.pumpTimer = setInterval(() => this.tick(), 100);
          resolve();
        })().catch(reject);
      });
      client.once('close', () => reject(new Error(`${this.o.fid}: connection closed before it was up`)));
    });
  }

  /** A clean stop: status offline (retained), then disconnect. */
  async disconnect(): Promise<void> {
    this.stopTimers();
    const client = this.client;
    this.client = null;
    this.live = false;
    if (!client) return;
    const offline = this.signed(topics.status(this.o.fid), buildStatus(this.o.fid, 'offline', this.session, Date.now(), ++this.n));
    if (client.connected) await client.publishAsync(topics.status(this.o.fid), offline, { qos: 1, retain: true }).catch(() => undefined);
    await client.endAsync();
  }

  private stopTimers(): void {
    if (this.hbTimer) clearInterval(this.hbTimer);
    if (this.pumpTimer) clearInterval(this.pumpTimer);
    this.hbTimer = this.pumpTimer = null;
  }

  private heartbeat(): void {
    if (!this.client?.connected) return;
    const pending = this.pending();
    const topic = topics.hb(this.o.fid);
    this.client.publish(
      topic,
      this.signed(topic, buildHeartbeat({
        fid: this.o.fid,
        session: this.session,
        wall: Date.now(),
        uptimeS: Math.round((Date.now() - this.startedAt) / 1000),
        outbox: { pending, sent: this.counts.acked, oldestPendingAt: pending > 0 ? Date.now() : null },
        cameras: [],
        diskFreeMb: null,
        clock: { synced: true, source: 'chrony' },
        n: ++this.n,
      })),
      { qos: 0 },
    );
  }

  /** Every 100 ms: requeue rows without ACK, refill the replay budget, send. */
  private tick(): void {
    const now = Date.now();
    for (const r of this.open.values()) if (r.state === 'sent' && now - r.sentAt > this.o.ackTimeoutMs) this.setState(r, 'pending');
    this.replayTokens = Math.min(this.o.replayRatePerS, this.replayTokens + this.o.replayRatePerS / 10);
    this.pump();
  }

  private pump(): void {
    const client = this.client;
    if (!client?.connected || !this.live) return;
    let room = this.o.window - this.sent;
    for (const r of this.open.values()) {
      if (room <= 0) break;
      if (r.state !== 'pending') continue;
      if (r.replay) {
        if (!this.hubAccepting || this.replayTokens < 1) continue;
        this.replayTokens--;
      }
      this.setState(r, 'sent');
      r.sentAt = Date.now();
      room--;
      client.publish(topics.evt(this.o.fid), r.payload, { qos: 1 });
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === topics.hubState) {
      const s = decodePayload(HubStatePayload, topic, payload);
      if (s.ok) this.hubAccepting = s.value.online && s.value.accepting;
      return;
    }
    const t = parseTopic(topic);
    if (t?.kind === 'ack') {
      const a = decodePayload(AckPayload, topic, payload);
      if (!a.ok) return;
      for (const seq of a.value.seqs) {
        const r = this.rows.get(seq);
        if (!r || r.state === 'acked') this.counts.duplicateAcks++;
        else {
          this.setState(r, 'acked');
          if (r.ackedOnce) this.counts.duplicateAcks++;
          else this.counts.acked++;
          r.ackedOnce = true;
        }
      }
      this.pump();
    } else if (t?.kind === 'cmd' && topic.endsWith('/resend')) {
      const c = decodePayload(ResendCommand, topic, payload);
      if (!c.ok) return;
      this.counts.resendRequests++;
      for (let s = c.value.from_seq; s <= c.value.to_seq; s++) {
        const r = this.rows.get(s);
        if (r && r.state !== 'sent') {
          this.setState(r, 'pending');
          this.counts.resent++;
        }
      }
      this.pump();
    }
  }
}
