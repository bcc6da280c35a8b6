import type { KeyObject } from 'node:crypto';
import type { BirthPayload, CamStatusPayload, EventPayload, HeartbeatPayload, StatusPayload } from '../contract/index.js';
import type { EpochMs } from '../agent/shared/types.js';
import type { HubEventRow, IngestResult } from './hub-db.js';
import type { RegisteredFacility } from './registry.js';
import type { HeartbeatPoint } from './heartbeat-log.js';
import type { DailyCount, EventScope, FacilitySummary, RecentEvent, ReportRange } from './summary.js';
import type { SeqBase } from './facilities.js';
import type { LivenessOutcome } from './freshness.js';
import type { SurveyStore } from './survey-store.js';

export type { LivenessOutcome } from './freshness.js';

/** A run of seqs the hub asks an agent to resend (`cmd/resend {from, to}`). */
export interface ResendRange {
  readonly fid: string;
  readonly from: number;
  readonly to: number;
}

/** A facility's liveness and delivery state, as every hub process computes it from the database. */
export interface FacilityState {
  readonly fid: string;
  readonly session: number;
  readonly status: StatusPayload['state'] | 'unknown';
  readonly birth: BirthPayload | null;
  readonly lastHeartbeat: HeartbeatPayload | null;
  /** Hub wall time of the last heartbeat (any hub process), or null. */
  readonly heartbeatAt: EpochMs | null;
  readonly cameras: readonly CamStatusPayload[];
  /** Highest delivered seq (0 when none). */
  readonly maxSeq: number;
  /** Delivered seqs are contiguous from the facility's first seq up to here (the gap watermark). */
  readonly contiguousUpto: number;
}

/** The registry as admission reads it: synchronous (the PostgreSQL store answers from a refreshed cache). */
export interface RegistryView {
  accepts(fid: string): boolean;
  add(fid: string, name: string | null, addedAt: number): boolean;
  /** The public keys a facility's messages may be signed with (its key and, during a rotation, the next one). */
  keys(fid: string): KeyObject[];
  /** Re-reads the registry table (the PostgreSQL store's cache); absent where `accepts` reads the table itself. */
  refresh?(): Promise<void>;
}

/** A jump bigger than this is an agent whose store was reset, not a gap worth asking for. */
export const MAX_TRACKED_GAP = 100_000;

/**
 * The hub's storage: one interface, two implementations (SQLite for the demo and single-site use,
 * PostgreSQL for several hub processes). Everything a hub process decides from is in the database, so
 * processes sharing one database (MQTT shared subscriptions) compute the same answers:
 * - `ingest` commits the event (highest `rev` per `(fid, event_id)`), its delivery row and the facility's
 *   highest seq in ONE transaction; the ACK is sent only after it resolves.
 * - liveness: status/birth apply only if their session is not older than the stored one (`WHERE session <= $new`),
 *   so any order of arrival, at any process, ends in the same row.
 * - gaps: computed from `deliveries` above a per-facility watermark; `claimResends` atomically stamps
 *   `last_resend_at`, so only one process asks per grace period.
 */
export interface HubStore {
  readonly kind: 'sqlite' | 'postgres';
  readonly registry: RegistryView;
  /** The camera surveys (`qmon.survey/1`): the latest per facility and one per day. */
  readonly surveys: SurveyStore;
  /** Group-committed: events arriving together are written in one transaction; resolves after its COMMIT. */
  ingest(e: EventPayload, receivedAt: EpochMs): Promise<IngestResult>;
  /**
   * Freshness of liveness (docs/hub-contract.md, "Freshness"): a message of an older session is ignored (`older`);
   * of the stored session it must carry a higher `n` than the last accepted of its kind, and the session must not
   * have ended (an `offline` ends it: nothing of it is accepted afterwards) — else `stale`. An `offline` of the
   * stored or a newer session is always applied (the Will is written before the session's first message).
   */
  applyStatus(s: StatusPayload, at: EpochMs): Promise<LivenessOutcome>;
  /** A birth from a newer session marks the facility online (see README: retained Wills); freshness as above. */
  applyBirth(b: BirthPayload, at: EpochMs): Promise<LivenessOutcome>;
  applyHeartbeat(h: HeartbeatPayload, at: EpochMs): Promise<LivenessOutcome>;
  /** Freshness per camera: by the camera's stored (session, n). */
  applyCamera(c: CamStatusPayload, at: EpochMs): Promise<LivenessOutcome>;
  /**
   * Gaps missing longer than `graceMs` (revealed by a delivery received before `now − graceMs`), of
   * facilities whose last heartbeat has nothing pending and that were not asked within `graceMs` by any
   * process; each returned facility is stamped as asked in the same statement.
   */
  claimResends(now: EpochMs, graceMs: number): Promise<ResendRange[]>;
  facility(fid: string): Promise<FacilityState | null>;
  facilityStates(): Promise<FacilityState[]>;
  /** Missing seqs of a facility above its watermark (gaps over MAX_TRACKED_GAP are not tracked). */
  missingSeqs(fid: string): Promise<number[]>;
  events(fid?: string): Promise<HubEventRow[]>;
  deliveredSeqs(fid: string): Promise<number[]>;
  /** Highest delivered seq (and when it arrived) and stored session per facility: the bases of admission's bounds. */
  bases(): Promise<{ maxSeqs: Map<string, SeqBase>; sessions: Map<string, number> }>;
  registered(): Promise<RegisteredFacility[]>;
  /** Registers (or re-keys) a facility; false when it was registered already with that key. */
  register(fid: string, name: string | null, publicKey: string | null, at: EpochMs): Promise<boolean>;
  /** The HTTP read model: every facility as `GET /facilities` shows it, by fid. */
  summaries(nowWall: EpochMs, hbStaleMs: number): Promise<FacilitySummary[]>;
  /** The newest events in a scope (latest revision each), newest received first. */
  recentEvents(scope: EventScope, limit: number): Promise<RecentEvent[]>;
  /** The province a facility is registered with (null: none, or not registered). */
  provinceOf(fid: string): Promise<string | null>;
  /** Events per local day, province, facility and type (the web view's reports). */
  dailyCounts(scope: EventScope, range: ReportRange): Promise<DailyCount[]>;
  /** A facility's heartbeats since `sinceMs`, oldest first (the web view's facility page). */
  heartbeatHistory(fid: string, sinceMs: number): Promise<HeartbeatPoint[]>;
  close(): Promise<void>;
}
