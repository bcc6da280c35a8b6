import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import {
  buildHubState,
  buildResendCommand,
  HubStatePayload,
  decodePayload,
  hubFilters,
  maybeSign,
  signerOf,
  topics,
  type Signer,
} from '../contract/index.js';
import { makePrivateDir, securePrivateTree } from '../agent/shared/permissions.js';
import { AckBatch } from './ack-batch.js';
import { Admission } from './admission.js';
import { connectHubClient } from './hub-client.js';
import { FacilityTracker, type FacilityView, type ResendRange } from './facilities.js';
import type { HubEventRow, HubSnapshotRow } from './hub-db.js';
import type { HubEvents, HubStats, ReferenceHubOptions } from './hub-types.js';
import { HubInbound } from './inbound.js';
import { Rebaser } from './rebase.js';
import type { FacilityState, HubStore } from './store.js';
import { SqliteHubStore } from './store-sqlite.js';
import { HubSnapshots, type SnapshotReceipt, type UploadAnswer } from './snapshots.js';
import type { RegisteredFacility } from './registry.js';
import type { HeartbeatPoint } from './heartbeat-log.js';
import type { DailyCount, EventScope, FacilitySummary, RecentEvent, ReportRange } from './summary.js';
import type { SurveyStore } from './survey-store.js';

export type { ReferenceHubOptions, HubStats, HubEvents } from './hub-types.js';
export type { HubDrop } from './admission.js';

/**
 * The reference hub consumer: what the national side runs behind its broker, here for the demo
 * and as the tests' oracle. Validates every event against the contract, commits it to SQLite,
 * and only then ACKs it to the agent by seq.
 */
export class ReferenceHub extends EventEmitter<HubEvents> {
  /** Where everything the hub decides from is kept (shared by all hub processes on one database). */
  readonly store: HubStore;
  private readonly tracker: FacilityTracker;
  private readonly snapshots: HubSnapshots | null;
  private client: MqttClient | null = null;
  private accepting = true;
  private readonly signer: Signer | null;
  private readonly acks: AckBatch;
  private gapTimer: NodeJS.Timeout | null = null;
  private readonly counters = { received: 0, duplicates: 0, invalid: 0, acked: 0, snapshots: 0, storeErrors: 0 };
  private firstConnect: (() => void) | null = null;
  private readonly admission: Admission;
  private readonly inbound: HubInbound;

  constructor(private readonly opts: ReferenceHubOptions) {
    super();
    this.signer = opts.signingKey ? signerOf(opts.signingKey) : null;
    this.acks = new AckBatch(
      () => this.client,
      (n) => (this.counters.acked += n),
      this.signer,
    );
    this.store = opts.store ?? new SqliteHubStore(opts.dbFile);
    this.tracker = new FacilityTracker(() => opts.clock.wall());
    if (this.store instanceof SqliteHubStore) {
      for (const fid of opts.facilities ?? []) this.store.registry.add(fid, null, opts.clock.wall());
      for (const [fid, key] of opts.facilityKeys ?? []) {
        this.store.registry.add(fid, null, opts.clock.wall(), key);
        this.store.registry.setKey(fid, 'set', key);
      }
      this.tracker.load(this.store.db.seqBases(), this.store.db.sessions());
    }
    this.admission = new Admission(this.store.registry, this.tracker, {
      clock: opts.clock,
      logger: opts.logger,
      ...(opts.openRegistry !== undefined && { openRegistry: opts.openRegistry }),
      ...(opts.requireSignatures !== undefined && { requireSignatures: opts.requireSignatures }),
      ...(opts.facilityBudget !== undefined && { budget: opts.facilityBudget }),
    });
    const rebaser = new Rebaser({
      store: this.store,
      clock: opts.clock,
      logger: opts.logger,
      signer: this.signer,
      client: () => this.client,
      sent: (r) => this.emit('rebase', r),
    });
    if (opts.snapshotDir !== undefined && !(this.store instanceof SqliteHubStore)) throw new Error('snapshot collection needs the SQLite store (not yet on PostgreSQL)');
    if (opts.snapshotDir !== undefined) {
      // Images of people: the folder 0700 and everything in it private, also what an older version left readable.
      makePrivateDir(opts.snapshotDir);
      securePrivateTree(opts.snapshotDir, opts.logger);
    }
    this.snapshots =
      opts.snapshotDir === undefined ? null : new HubSnapshots(this.local().db, opts.snapshotDir, (...a) => this.noteSnapshot(...a), opts.uploadUrl);
    this.inbound = new HubInbound({
      store: this.store,
      tracker: this.tracker,
      admission: this.admission,
      snapshots: this.snapshots,
      acks: this.acks,
      rebaser,
      signer: this.signer,
      clock: opts.clock,
      logger: opts.logger,
      counters: this.counters,
      client: () => this.client,
      events: this,
    });
  }

  /** The SQLite store, for the synchronous read API (tests, demo, HTTP); the PostgreSQL one is read through `store`. */
  private local(): SqliteHubStore {
    if (this.store instanceof SqliteHubStore) return this.store;
    throw new Error('this hub runs on PostgreSQL: read it through hub.store (async)');
  }

  /** Resolves once connected, subscribed and announced `online` (MQTT.js retries until then). */
  async start(): Promise<void> {
    if (!(this.store instanceof SqliteHubStore)) {
      for (const fid of this.opts.facilities ?? []) await this.store.register(fid, null, null, this.opts.clock.wall());
      await this.store.registry.refresh?.();
      const b = await this.store.bases();
      this.tracker.load(b.maxSeqs, b.sessions);
    }
    return new Promise((resolve) => {
      this.firstConnect = resolve;
      this.client = this.connect(this.opts.protocolVersion ?? 5);
      this.gapTimer = setInterval(() => void this.checkGaps(), this.opts.gapCheckMs ?? 10_000);
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
          .publishAsync(topics.hubState, this.hubState(false, false), { qos: 1, retain: true })
          .catch(() => undefined);
      }
      await client.endAsync(!client.connected);
    }
    await this.inbound.idle();
    await this.store.close();
  }

  /** Announces (retained) whether agents may send their backlog now. */
  async setAccepting(accepting: boolean): Promise<void> {
    this.accepting = accepting;
    await this.client?.publishAsync(topics.hubState, this.hubState(true, accepting), {
      qos: 1,
      retain: true,
    });
  }

  /** The retained hub/state payload, signed when the hub has a key. */
  private hubState(online: boolean, accepting: boolean): Buffer {
    return maybeSign(this.signer, topics.hubState, buildHubState(online, accepting, this.opts.clock.wall()));
  }

  events(fid?: string): HubEventRow[] {
    return this.local().db.events(fid);
  }

  /** The snapshot image the hub holds for an event (file relative to `snapshotDir`). */
  snapshot(fid: string, eventId: string): HubSnapshotRow | undefined {
    return this.local().db.snapshot(fid, eventId);
  }

  /** Null when this hub does not collect snapshots (never on PostgreSQL yet) or has none of that event. */
  snapshotImage(fid: string, eventId: string): Promise<{ bytes: Buffer; sha256: string } | null> {
    return Promise.resolve(this.snapshots?.image(fid, eventId) ?? null);
  }

  deliveredSeqs(fid: string): number[] {
    return this.local().db.deliveredSeqs(fid);
  }

  /** Every facility the hub has heard from, as stored (SQLite store; see `facilityViews` for both). */
  facilities(): FacilityView[] {
    const local = this.local();
    const states = local.facilityStatesNow();
    const seqOnly = local.seqOnlyFids().map((fid) => emptyState(fid, local.db.maxSeqs().get(fid) ?? 0));
    return [...states, ...seqOnly].map((f) => this.view(f, local.missingNow(f.fid)));
  }

  /** The same as `facilities()` for any store (PostgreSQL included). */
  async facilityViews(): Promise<FacilityView[]> {
    const states = await this.store.facilityStates();
    return Promise.all(states.map(async (f) => this.view(f, await this.store.missingSeqs(f.fid))));
  }

  private view(f: FacilityState, missingSeqs: number[]): FacilityView {
    const stale = f.heartbeatAt === null || this.opts.clock.wall() - f.heartbeatAt > (this.opts.hbStaleMs ?? 180_000);
    return {
      fid: f.fid,
      session: f.session,
      status: f.status,
      birth: f.birth,
      lastHeartbeat: f.lastHeartbeat,
      heartbeatStale: stale,
      maxSeq: f.maxSeq,
      missingSeqs,
      cameras: f.cameras,
    };
  }

  stats(): HubStats {
    return { ...this.counters, dropped: this.admission.dropped() };
  }

  /** Registers a facility (the hub operator's job: `qmon hub facility add`); false if it was already. */
  register(fid: string, name: string | null = null, publicKey: string | null = null): boolean {
    return this.local().registry.add(fid, name, this.opts.clock.wall(), publicKey);
  }

  /** Facilities as stored (what `GET /facilities` serves), on either store. */
  summaries(): Promise<FacilitySummary[]> {
    return this.store.summaries(this.opts.clock.wall(), this.opts.hbStaleMs ?? 180_000);
  }

  /** The camera surveys the hub keeps (the HTTP API's survey routes read them). */
  get surveys(): SurveyStore {
    return this.store.surveys;
  }

  /** The province a facility is registered with, for the HTTP API's province tier. */
  provinceOf(fid: string): Promise<string | null> {
    return this.store.provinceOf(fid);
  }

  recentEvents(scope: EventScope, limit: number): Promise<RecentEvent[]> {
    return this.store.recentEvents(scope, limit);
  }

  dailyCounts(scope: EventScope, range: ReportRange): Promise<DailyCount[]> {
    return this.store.dailyCounts(scope, range);
  }

  heartbeatHistory(fid: string, sinceMs: number): Promise<HeartbeatPoint[]> {
    return this.store.heartbeatHistory(fid, sinceMs);
  }

  /** The registry (the web view: facilities never heard from, a facility's entry and keys). */
  registered(): Promise<RegisteredFacility[]> {
    return this.store.registered();
  }

  /**
   * Asks agents (cmd/resend) for seqs missing longer than the grace period; returns what it asked. Every
   * hub process runs this; the store lets only one of them ask a facility per grace period.
   */
  async checkGaps(): Promise<ResendRange[]> {
    const client = this.client;
    if (!client?.connected) return [];
    let due: ResendRange[];
    try {
      due = await this.store.claimResends(this.opts.clock.wall(), this.opts.gapGraceMs ?? 120_000);
    } catch (e) {
      this.opts.logger.warn({ err: (e as Error).message }, 'hub: gap check failed');
      return [];
    }
    for (const r of due) {
      this.opts.logger.warn(r, 'hub: seqs missing; asking the agent to resend');
      const topic = topics.cmd(r.fid, 'resend');
      client.publish(topic, maybeSign(this.signer, topic, buildResendCommand(r.from, r.to)), { qos: 1 });
      this.emit('resend', r);
    }
    return due;
  }

  private connect(version: 4 | 5): MqttClient {
    return connectHubClient(
      {
        url: this.opts.url,
        clientId: this.opts.clientId ?? 'qmon-hub',
        reconnectMs: this.opts.reconnectMs ?? 1_000,
        ...(this.opts.shared === true && { shared: true }),
        clock: this.opts.clock,
        logger: this.opts.logger,
        onConnect: (client) => void this.onConnect(client),
        onMessage: (topic, payload) => this.onMessage(topic, payload),
        isCurrent: (client) => this.client === client,
        signer: this.signer,
        onReplaced: (client) => (this.client = client),
        ...(this.opts.tls && { tls: this.opts.tls }),
        ...(this.opts.username !== undefined && { username: this.opts.username }),
        ...(this.opts.password !== undefined && { password: this.opts.password }),
      },
      version,
    );
  }

  private async onConnect(client: MqttClient): Promise<void> {
    const share = (f: string) => (this.opts.shared ? `$share/hub/${f}` : f);
    try {
      // Retained messages are not sent on shared subscriptions, so status/birth/cameras stay unshared.
      await client.subscribeAsync(
        [
          ...[hubFilters.evt, hubFilters.hb, ...(this.snapshots ? [hubFilters.snap] : [])].map(share),
          ...[hubFilters.status, hubFilters.birth, hubFilters.survey, hubFilters.camStatus],
          topics.hubState, // to answer an `offline` it did not send (another process's Will, or a replay)
        ],
        { qos: 1 },
      );
      await client.publishAsync(topics.hubState, this.hubState(true, this.accepting), {
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
    if (topic === topics.hubState) return this.onHubState(payload);
    this.inbound.receive(topic, payload);
  }

  /**
   * The retained `hub/state` says `offline` while this hub runs: another hub process died (its Will) or stopped,
   * or someone replayed an old signed `offline` (which held every agent's backlog until the hub restarted). A
   * running hub answers at once with its own state, so agents keep sending. It never hears its own Will (that is
   * published after it is gone), and its clean stop's `offline` comes after it let go of the client.
   */
  private onHubState(payload: Buffer): void {
    const client = this.client;
    if (!client?.connected) return;
    // Read without verifying (the tolerant reader drops `sig`): whoever said offline, the answer is this hub's own signed state.
    const s = decodePayload(HubStatePayload, topics.hubState, payload);
    if (!s.ok || s.value.online) return;
    this.opts.logger.info('hub: hub/state says offline (another process, or a replay); announcing this one online');
    this.emit('reannounced');
    client.publish(topics.hubState, this.hubState(true, this.accepting), { qos: 1, retain: true });
  }

  /** For the upload service: an image PUT with a one-time token (see startHubUpload). */
  async acceptUpload(fid: string, eventId: string, token: string, bytes: Buffer): Promise<UploadAnswer> {
    if (!this.snapshots) return { ok: false, status: 404, error: 'this hub does not collect snapshots' };
    return this.snapshots.acceptUpload(fid, eventId, token, bytes, this.opts.clock.now(), this.opts.clock.wall());
  }

  private noteSnapshot(fid: string, eventId: string, bytes: number, r: SnapshotReceipt): void {
    if (r.ok) this.counters.snapshots++;
    else this.opts.logger.warn({ fid, eventId, err: r.error }, 'hub: snapshot refused');
    this.emit('snapshot', { fid, eventId, ok: r.ok, error: r.ok ? null : r.error, bytes });
  }
}

/** A facility known only from its deliveries (no status, birth or heartbeat yet). */
function emptyState(fid: string, maxSeq: number): FacilityState {
  return { fid, session: 0, status: 'unknown', birth: null, lastHeartbeat: null, heartbeatAt: null, cameras: [], maxSeq, contiguousUpto: 0 };
}
