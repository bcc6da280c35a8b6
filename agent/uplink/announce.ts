import type { MqttClient } from 'mqtt';
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/index.js';
import {
  buildBirth,
  buildCamStatus,
  buildHeartbeat,
  buildStatus,
  buildSurvey,
  HEARTBEAT_EXPIRY_S,
  maybeSign,
  topics,
  type Signer,
  type BirthInfo,
  type CameraHealth,
  type CameraStatus,
  type ClockInfo,
  type DashboardCounts,
  type SurveyInput,
} from '../../contract/index.js';

export interface AnnouncerOptions {
  readonly fid: string;
  readonly store: Store;
  readonly clock: Clock;
  readonly birth: () => BirthInfo;
  readonly cameraHealth?: () => readonly CameraHealth[];
  readonly clockInfo?: () => ClockInfo;
  readonly diskFreeMb?: () => number | null;
  /** The facility's key: everything announced is signed (docs/hub-contract.md, "Signatures"). */
  readonly signer?: Signer | null;
  /** Dashboard activity since the given wall time; absent (or null) leaves it out of the heartbeat. */
  readonly dashboardCounts?: (sinceWall: number) => DashboardCounts | null;
  /** The uplink's own refusal counters (set by the Uplink). */
  readonly uplinkCounters?: () => { readonly ackedUnsent: number; readonly dropped: number };
}

const UNKNOWN_CLOCK: ClockInfo = { synced: false, source: 'unknown' };

/**
 * What the agent says about itself: birth, status, camera statuses (all retained) and the
 * heartbeat. It remembers camera statuses so every new connection can repeat them.
 */
export class Announcer {
  private readonly cameras = new Map<string, CameraStatus>();
  private readonly startedAt: number;
  /** The session the message numbers count in, and the last number given (see `nextN`). */
  private nSession = -1;
  private n = 0;
  /** Wall time the previous heartbeat covered up to: the next one counts dashboard activity from here. */
  private hbSince: number;

  constructor(private readonly opts: AnnouncerOptions) {
    this.startedAt = opts.clock.now();
    this.hbSince = opts.clock.wall();
  }

  clockInfo(): ClockInfo {
    return this.opts.clockInfo?.() ?? UNKNOWN_CLOCK;
  }

  /**
   * The next number of a liveness message in `session` (1, 2, 3 …; the contract's `n`): the hub accepts one of the
   * session it holds only when it is higher than the last it accepted, so a replayed message cannot fake liveness.
   */
  private nextN(session: number): number {
    if (session !== this.nSession) {
      this.nSession = session;
      this.n = 0;
    }
    return ++this.n;
  }

  /** A status; the Will (`will`) is numbered 0: it is written before the session's first message. */
  statusPayload(state: 'online' | 'offline' | 'stopping', session: number, will = false): Buffer {
    const n = will ? 0 : this.nextN(session);
    return maybeSign(this.opts.signer, topics.status(this.opts.fid), buildStatus(this.opts.fid, state, session, this.opts.clock.wall(), n));
  }

  /** The contract's on-connect order: birth, status online, every camera status. */
  announceOnline(client: MqttClient, session: number): void {
    this.birth(client, session);
    client.publish(topics.status(this.opts.fid), this.statusPayload('online', session), { qos: 1, retain: true });
    for (const [id, s] of this.cameras) this.publishCamera(client, session, id, s);
  }

  birth(client: MqttClient, session: number): void {
    const { fid, clock, store } = this.opts;
    const payload = buildBirth(fid, session, clock.wall(), this.opts.birth(), store.lastSeq(), this.nextN(session));
    client.publish(topics.birth(fid), maybeSign(this.opts.signer, topics.birth(fid), payload), { qos: 1, retain: true });
  }

  /**
   * The camera survey (`qmon.survey/1`, retained like the birth). Not a liveness message: no session or `n`, the hub
   * orders surveys by `ts`. Throws (PayloadError) when the input does not fit the contract; the caller logs it.
   */
  survey(client: MqttClient, input: SurveyInput): void {
    const topic = topics.survey(this.opts.fid);
    client.publish(topic, maybeSign(this.opts.signer, topic, buildSurvey(input)), { qos: 1, retain: true });
  }

  /** Remembers the status; publishes it when a connected client is given. */
  camera(client: MqttClient | null, session: number, cameraId: string, status: CameraStatus): void {
    this.cameras.set(cameraId, status);
    if (client?.connected) this.publishCamera(client, session, cameraId, status);
  }

  heartbeat(client: MqttClient, session: number): void {
    const { fid, clock, store } = this.opts;
    const wall = clock.wall();
    const dashboard = this.opts.dashboardCounts?.(this.hbSince) ?? null;
    // Audit rows at exactly `wall` were in this count; the next heartbeat starts after them.
    this.hbSince = wall + 1;
    const uplink = this.opts.uplinkCounters?.();
    const payload = buildHeartbeat({
      fid,
      session,
      wall,
      uptimeS: (clock.now() - this.startedAt) / 1000,
      outbox: store.stats(),
      cameras: this.opts.cameraHealth?.() ?? [],
      diskFreeMb: this.opts.diskFreeMb?.() ?? null,
      clock: this.clockInfo(),
      ...(dashboard && { dashboard }),
      ...(uplink && { uplink }),
      n: this.nextN(session),
    });
    client.publish(topics.hb(fid), maybeSign(this.opts.signer, topics.hb(fid), payload), { qos: 0, properties: { messageExpiryInterval: HEARTBEAT_EXPIRY_S } });
  }

  private publishCamera(client: MqttClient, session: number, cameraId: string, s: CameraStatus): void {
    const topic = topics.camStatus(this.opts.fid, cameraId);
    const payload = buildCamStatus(this.opts.fid, session, cameraId, s, this.opts.clock.wall(), this.nextN(session));
    client.publish(topic, maybeSign(this.opts.signer, topic, payload), { qos: 1, retain: true });
  }
}
