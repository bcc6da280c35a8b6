import type { BirthPayload, CamStatusPayload, EventPayload, HeartbeatPayload, StatusPayload } from '../contract/index.js';
import type { EpochMs } from '../agent/shared/types.js';
import { assessGaps, expand, gapQuery, type GapRow } from './gaps.js';
import { HubDb, type HubEventRow, type IngestItem, type IngestResult } from './hub-db.js';
import type { SeqBase } from './facilities.js';
import type { RegisteredFacility } from './registry.js';
import type { FacilityState, HubStore, ResendRange } from './store.js';
import { cameraFreshness, notAppliedOutcome, type LivenessKind, type LivenessOutcome, type LivenessRow } from './freshness.js';
import { SqliteHeartbeatLog, type HeartbeatPoint } from './heartbeat-log.js';
import { dailyCounts, recentEvents, type DailyCount, type EventScope, type FacilityRow, type FacilitySummary, type RecentEvent, type ReportRange } from './summary.js';
import { SqliteSurveys } from './survey-sqlite.js';

interface FacilityDbRow extends FacilityRow {
  max_seq: number | null;
  contiguous_upto: number | null;
}

const FACILITY_SELECT = `SELECT f.fid, f.session, f.status, f.birth, f.heartbeat, f.heartbeat_at, f.cameras, s.max_seq, s.contiguous_upto
  FROM facilities f LEFT JOIN seq_state s ON s.fid = f.fid`;

export function facilityFromRow(r: FacilityDbRow | { [K in keyof FacilityDbRow]: unknown }): FacilityState {
  const json = <T>(v: unknown): T | null => (v === null || v === undefined ? null : typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
  return {
    fid: String(r.fid),
    session: Number(r.session),
    status: String(r.status) as FacilityState['status'],
    birth: json<BirthPayload>(r.birth),
    lastHeartbeat: json<HeartbeatPayload>(r.heartbeat),
    heartbeatAt: r.heartbeat_at === null ? null : Number(r.heartbeat_at),
    cameras: json<CamStatusPayload[]>(r.cameras) ?? [],
    maxSeq: r.max_seq === null ? 0 : Number(r.max_seq),
    contiguousUpto: r.contiguous_upto === null ? 0 : Number(r.contiguous_upto),
  };
}

/**
 * The SQLite HubStore (the demo, tests, single-site use): the same rules as the PostgreSQL store, run
 * synchronously inside better-sqlite3 transactions and returned as resolved promises. The sync `*Now`
 * methods serve the hub's synchronous read API (tests, `qmon hub status`).
 */
export class SqliteHubStore implements HubStore {
  readonly kind = 'sqlite';
  readonly db: HubDb;
  readonly surveys: SqliteSurveys;
  /** Each facility's heartbeats over 48 h (the web view's facility page). */
  readonly heartbeats: SqliteHeartbeatLog;
  /** Events waiting for the group commit at the end of this turn (see `ingest`). */
  private pending: { item: IngestItem; resolve: (r: IngestResult) => void; reject: (e: Error) => void }[] = [];

  constructor(file: string) {
    this.db = new HubDb(file);
    this.surveys = new SqliteSurveys(this.db.connection);
    this.heartbeats = new SqliteHeartbeatLog(this.db.connection);
  }

  get registry(): HubDb['registry'] {
    return this.db.registry;
  }

  private get sql(): HubDb['connection'] {
    return this.db.connection;
  }

  /**
   * Group commit: every event handed in during one turn of the event loop is written in ONE transaction (one
   * fsync) at the end of it (a microtask); each promise resolves after that commit, so the ACK still follows it.
   */
  ingest(e: EventPayload, receivedAt: EpochMs): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item: { e, at: receivedAt }, resolve, reject });
      if (this.pending.length === 1) queueMicrotask(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    try {
      const results = this.db.ingestMany(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i]!));
    } catch (e) {
      for (const b of batch) b.reject(e as Error);
    }
  }

  /** Makes sure the facility has a row (liveness updates below only ever UPDATE it). */
  private ensure(fid: string, at: EpochMs): void {
    this.sql
      .prepare(`INSERT OR IGNORE INTO facilities (fid, session, status, cameras, updated_at) VALUES (?, 0, 'unknown', '[]', ?)`)
      .run(fid, at);
  }

  /** Why a liveness message was not applied (see freshness.ts). */
  private notApplied(kind: LivenessKind, fid: string, session: number, n: number | undefined): LivenessOutcome {
    const row = this.sql
      .prepare(
        `SELECT session, status, status_n AS statusN, json_extract(birth, '$.session') AS birthSession, json_extract(birth, '$.n') AS birthN,
           json_extract(heartbeat, '$.session') AS hbSession, json_extract(heartbeat, '$.n') AS hbN FROM facilities WHERE fid = ?`,
      )
      .get(fid) as LivenessRow | undefined;
    return notAppliedOutcome(kind, row, session, n);
  }

  applyStatus(s: StatusPayload, at: EpochMs): Promise<LivenessOutcome> {
    return Promise.resolve(
      this.sql.transaction((): LivenessOutcome => {
        this.ensure(s.fid, at);
        const n = s.n ?? null;
        const changed = this.sql
          .prepare(
            `UPDATE facilities SET session = @session, status = @state, status_n = @n, updated_at = @at
             WHERE fid = @fid AND (session < @session OR (session = @session AND (@state = 'offline'
               OR (status <> 'offline' AND (@n IS NULL OR status_n IS NULL OR @n > status_n)))))`,
          )
          .run({ fid: s.fid, session: s.session, state: s.state, n, at }).changes;
        return changed === 1 ? 'applied' : this.notApplied('status', s.fid, s.session, s.n);
      })(),
    );
  }

  applyBirth(b: BirthPayload, at: EpochMs): Promise<LivenessOutcome> {
    return Promise.resolve(
      this.sql.transaction((): LivenessOutcome => {
        this.ensure(b.fid, at);
        const changed = this.sql
          .prepare(
            `UPDATE facilities SET status = CASE WHEN @session > session THEN 'online' ELSE status END,
               status_n = CASE WHEN @session > session THEN NULL ELSE status_n END,
               session = max(session, @session), birth = @birth, updated_at = @at
             WHERE fid = @fid AND (session < @session OR (session = @session AND (@n IS NULL OR birth IS NULL
               OR json_extract(birth, '$.session') < @session OR json_extract(birth, '$.n') IS NULL OR @n > json_extract(birth, '$.n'))))`,
          )
          .run({ fid: b.fid, session: b.session, n: b.n ?? null, birth: JSON.stringify(b), at }).changes;
        return changed === 1 ? 'applied' : this.notApplied('birth', b.fid, b.session, b.n);
      })(),
    );
  }

  applyHeartbeat(h: HeartbeatPayload, at: EpochMs): Promise<LivenessOutcome> {
    return Promise.resolve(
      this.sql.transaction((): LivenessOutcome => {
        this.ensure(h.fid, at);
        const changed = this.sql
          .prepare(
            `UPDATE facilities SET heartbeat = @hb, heartbeat_at = @at, updated_at = @at
             WHERE fid = @fid AND (heartbeat_at IS NULL OR heartbeat_at <= @at)
               AND @session >= session AND NOT (@session = session AND status = 'offline')
               AND (heartbeat IS NULL OR @session > json_extract(heartbeat, '$.session') OR (@session = json_extract(heartbeat, '$.session')
                 AND (@n IS NULL OR json_extract(heartbeat, '$.n') IS NULL OR @n > json_extract(heartbeat, '$.n'))))`,
          )
          .run({ fid: h.fid, session: h.session, n: h.n ?? null, hb: JSON.stringify(h), at }).changes;
        if (changed === 1) this.heartbeats.record(h, at);
        return changed === 1 ? 'applied' : this.notApplied('hb', h.fid, h.session, h.n);
      })(),
    );
  }

  applyCamera(c: CamStatusPayload, at: EpochMs): Promise<LivenessOutcome> {
    return Promise.resolve(
      this.sql.transaction((): LivenessOutcome => {
        this.ensure(c.fid, at);
        const cams = JSON.parse(this.sql.prepare('SELECT cameras FROM facilities WHERE fid = ?').pluck().get(c.fid) as string) as CamStatusPayload[];
        const outcome = cameraFreshness(cams.find((x) => x.camera_id === c.camera_id), c);
        if (outcome !== 'applied') return outcome;
        const next = [...cams.filter((x) => x.camera_id !== c.camera_id), c];
        this.sql.prepare('UPDATE facilities SET cameras = ?, updated_at = ? WHERE fid = ?').run(JSON.stringify(next), at, c.fid);
        return 'applied';
      })(),
    );
  }

  private assess(fid: string, now: EpochMs, graceMs: number): ReturnType<typeof assessGaps> | null {
    const st = this.sql.prepare('SELECT max_seq, contiguous_upto FROM seq_state WHERE fid = ?').get(fid) as
      | { max_seq: number; contiguous_upto: number }
      | undefined;
    if (!st) return null;
    const rows = this.sql.prepare(gapQuery(() => '?')).all(fid, st.contiguous_upto) as GapRow[];
    const a = assessGaps(fid, rows, st.max_seq, now, graceMs);
    if (a.watermark > st.contiguous_upto) this.sql.prepare('UPDATE seq_state SET contiguous_upto = max(contiguous_upto, ?) WHERE fid = ?').run(a.watermark, fid);
    return a;
  }

  claimResends(now: EpochMs, graceMs: number): Promise<ResendRange[]> {
    const out: ResendRange[] = [];
    const candidates = this.sql
      .prepare(
        `SELECT s.fid, f.heartbeat FROM seq_state s LEFT JOIN facilities f ON f.fid = s.fid
         WHERE s.contiguous_upto < s.max_seq AND (s.last_resend_at IS NULL OR s.last_resend_at <= ?)`,
      )
      .all(now - graceMs) as { fid: string; heartbeat: string | null }[];
    for (const c of candidates) {
      const hb = c.heartbeat === null ? null : (JSON.parse(c.heartbeat) as HeartbeatPayload);
      if (hb && hb.outbox.pending > 0) continue; // the agent is still sending: the backlog arrives late by design
      this.sql.transaction(() => {
        const a = this.assess(c.fid, now, graceMs);
        if (!a || a.due.length === 0) return;
        const claimed = this.sql
          .prepare('UPDATE seq_state SET last_resend_at = ? WHERE fid = ? AND (last_resend_at IS NULL OR last_resend_at <= ?)')
          .run(now, c.fid, now - graceMs).changes;
        if (claimed === 1) out.push(...a.due);
      })();
    }
    return Promise.resolve(out);
  }

  facilityNow(fid: string): FacilityState | null {
    const r = this.sql.prepare(`${FACILITY_SELECT} WHERE f.fid = ?`).get(fid) as FacilityDbRow | undefined;
    return r ? facilityFromRow(r) : null;
  }

  facilityStatesNow(): FacilityState[] {
    return (this.sql.prepare(`${FACILITY_SELECT} ORDER BY f.fid`).all() as FacilityDbRow[]).map(facilityFromRow);
  }

  /** Facilities that delivered events but never sent status/birth/heartbeat have no facilities row. */
  seqOnlyFids(): string[] {
    return this.sql.prepare('SELECT fid FROM seq_state WHERE fid NOT IN (SELECT fid FROM facilities) ORDER BY fid').pluck().all() as string[];
  }

  missingNow(fid: string): number[] {
    return expand(this.assess(fid, 0, Number.POSITIVE_INFINITY)?.missing ?? []);
  }

  facility(fid: string): Promise<FacilityState | null> {
    return Promise.resolve(this.facilityNow(fid));
  }

  facilityStates(): Promise<FacilityState[]> {
    return Promise.resolve(this.facilityStatesNow());
  }

  missingSeqs(fid: string): Promise<number[]> {
    return Promise.resolve(this.missingNow(fid));
  }

  events(fid?: string): Promise<HubEventRow[]> {
    return Promise.resolve(this.db.events(fid));
  }

  deliveredSeqs(fid: string): Promise<number[]> {
    return Promise.resolve(this.db.deliveredSeqs(fid));
  }

  bases(): Promise<{ maxSeqs: Map<string, SeqBase>; sessions: Map<string, number> }> {
    return Promise.resolve({ maxSeqs: this.db.seqBases(), sessions: this.db.sessions() });
  }

  registered(): Promise<RegisteredFacility[]> {
    return Promise.resolve(this.db.registry.list());
  }

  register(fid: string, name: string | null, publicKey: string | null, at: EpochMs): Promise<boolean> {
    const added = this.db.registry.add(fid, name, at);
    if (publicKey !== null) this.sql.prepare('UPDATE registry SET public_key = ? WHERE fid = ?').run(publicKey, fid);
    return Promise.resolve(added);
  }

  summaries(nowWall: EpochMs, hbStaleMs: number): Promise<FacilitySummary[]> {
    return Promise.resolve(this.db.facilitySummaries(nowWall, hbStaleMs));
  }

  recentEvents(scope: EventScope, limit: number): Promise<RecentEvent[]> {
    return Promise.resolve(recentEvents(this.db.connection, scope, limit));
  }

  provinceOf(fid: string): Promise<string | null> {
    return Promise.resolve(this.db.registry.provinceOf(fid));
  }

  dailyCounts(scope: EventScope, range: ReportRange): Promise<DailyCount[]> {
    return Promise.resolve(dailyCounts(this.db.connection, scope, range));
  }

  heartbeatHistory(fid: string, sinceMs: number): Promise<HeartbeatPoint[]> {
    return Promise.resolve(this.heartbeats.history(fid, sinceMs));
  }

  close(): Promise<void> {
    this.flush();
    this.db.close();
    return Promise.resolve();
  }
}

