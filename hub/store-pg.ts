import pg from 'pg';
import type { BirthPayload, CamStatusPayload, EventPayload, HeartbeatPayload, StatusPayload } from '../contract/index.js';
import type { EpochMs } from '../agent/shared/types.js';
import { assessGaps, expand, gapQuery, type GapRow } from './gaps.js';
import type { HubEventRow, IngestResult } from './hub-db.js';
import { ingestBatch } from './ingest-pg.js';
import { PgRegistryCache } from './registry-pg.js';
import { migrate } from './pg-migrations.js';
import { kidOf, type RegisteredFacility } from './registry.js';
import { facilityFromRow } from './store-sqlite.js';
import { cameraFreshness, notAppliedOutcome, type LivenessKind, type LivenessOutcome, type LivenessRow } from './freshness.js';
import type { SeqBase } from './facilities.js';
import type { FacilityState, HubStore, ResendRange } from './store.js';
import { recentEventOf, type DailyCount, type EventScope, type FacilitySummary, type RecentEvent, type ReportRange } from './summary.js';
import { fidProblem } from '../contract/index.js';
import { PgApiAccess, type PgQuery } from './api-access-pg.js';
import { PgHubUsers } from './users-pg.js';
import { PgAlertReviews } from './reviews-pg.js';
import { PgHeartbeatLog, type HeartbeatPoint } from './heartbeat-log.js';
import { EVENTS_PER_NOTIFY, WEB_CHANNEL } from './feed.js';
import { PgHubReader } from './read-pg.js';
import { PgSurveys } from './survey-pg.js';

/** Whether a `--db` value names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(?:ql)?:\/\//.test(db);
}

/** bigint columns (seq, session, epoch ms) come back as numbers: every value the hub stores is < 2^53. */
const textParser = (oid: number) => pg.types.getTypeParser(oid, 'text') as (v: string) => unknown;
const types = {
  getTypeParser: ((oid: number) => (oid === 20 ? (v: string) => Number(v) : textParser(oid))) as pg.CustomTypesConfig['getTypeParser'],
};

/** Most events in one group commit. */
const MAX_BATCH = 500;

/** Deadlock or serialization failure: the statement is retried (each is one short transaction). */
const RETRYABLE = new Set(['40P01', '40001']);

const FACILITY_SELECT = `SELECT f.fid, f.session, f.status, f.birth, f.heartbeat, f.heartbeat_at, f.cameras,
    (SELECT max(seq) FROM deliveries d WHERE d.fid = f.fid) AS max_seq, s.contiguous_upto
  FROM facilities f LEFT JOIN seq_state s ON s.fid = f.fid`;

/**
 * The PostgreSQL HubStore: several hub processes share it (see store.ts for the rules). Opened with
 * `PgHubStore.open(url)`, which applies the migrations and loads the registry cache (refreshed every
 * `registryRefreshMs`, so a facility added while hubs run is accepted within that time).
 */
export class PgHubStore implements HubStore {
  readonly kind = 'postgres';
  readonly registry: PgRegistryCache;
  /** The HTTP API's tokens and access log (migration 3). */
  readonly access: PgApiAccess;
  /** People who sign in to the web view (migration 5). */
  readonly users: PgHubUsers;
  /** Officers' "reviewed" marks on alerts (migration 6), NOTIFYed to every process. */
  readonly reviews: PgAlertReviews;
  /** Each facility's heartbeats over 48 h (migration 8, the web view's facility page). */
  readonly heartbeats: PgHeartbeatLog;
  /** Summaries, newest events and registry administration (the HTTP read model, `qmon hub facility`). */
  readonly reader: PgHubReader;
  /** The camera surveys (migration 7). */
  readonly surveys: PgSurveys;
  private readonly months = new Set<string>();
  /** Events waiting for the next group commit (see `ingest`). */
  private queue: { e: EventPayload; at: EpochMs; resolve: (r: IngestResult) => void; reject: (err: Error) => void }[] = [];
  private flushScheduled = false;
  private flushing = 0;
  private readonly maxFlushing: number;
  private refreshTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly pool: pg.Pool,
    poolSize: number,
  ) {
    this.registry = new PgRegistryCache(this);
    const query: PgQuery = async (sql, params) => this.q(sql, params);
    this.access = new PgApiAccess(query);
    this.users = new PgHubUsers(query);
    this.reviews = new PgAlertReviews(query);
    this.heartbeats = new PgHeartbeatLog(query);
    this.reader = new PgHubReader(query);
    this.surveys = new PgSurveys(query);
    this.maxFlushing = Math.max(1, poolSize - 2); // leave connections for liveness writes and gap checks
  }

  static async open(url: string, opts: { poolSize?: number; registryRefreshMs?: number } = {}): Promise<PgHubStore> {
    const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 8, types });
    pool.on('error', () => undefined); // an idle client's connection dropped: the pool replaces it on next use
    const client = await pool.connect().catch(async (e: unknown) => {
      await pool.end();
      throw new Error(`cannot connect to the hub database: ${(e as Error).message}`);
    });
    try {
      await migrate(client);
    } finally {
      client.release();
    }
    const store = new PgHubStore(pool, opts.poolSize ?? 8);
    await store.registry.refresh();
    store.refreshTimer = setInterval(() => void store.registry.refresh().catch(() => undefined), opts.registryRefreshMs ?? 2_000);
    store.refreshTimer.unref();
    return store;
  }

  private async q<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.pool.query<R>(sql, params);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (attempt < 5 && code !== undefined && RETRYABLE.has(code)) continue;
        throw e;
      }
    }
  }

  private async ensurePartition(startedAt: string): Promise<void> {
    const month = `${startedAt.slice(0, 7)}-01`;
    if (this.months.has(month)) return;
    await this.q('SELECT qmon_events_partition($1::date)', [month]);
    this.months.add(month);
  }

  /**
   * Group commit: events arriving while earlier ones are being committed are written together in one
   * transaction (one WAL flush for up to MAX_BATCH events instead of one each); each caller's promise
   * resolves after that transaction's COMMIT, so the ACK still follows the commit. A failed batch (after
   * retries of deadlocks between processes) rejects every event in it: none is ACKed, the agents resend.
   */
  ingest(e: EventPayload, receivedAt: EpochMs): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ e, at: receivedAt, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.queue.length === 0 || this.flushing >= this.maxFlushing) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const batch = this.queue.splice(0, MAX_BATCH);
      if (batch.length === 0) return;
      this.flushing++;
      void this.commitBatch(batch).finally(() => {
        this.flushing--;
        this.scheduleFlush();
      });
      this.scheduleFlush();
    });
  }

  private async commitBatch(batch: PgHubStore['queue']): Promise<void> {
    try {
      for (const b of batch) await this.ensurePartition(new Date(b.e.started_at).toISOString());
      const results = await this.inTransaction(async (c) => {
        const r = await ingestBatch(c, batch);
        // The web view's live list on every hub process: delivered by PostgreSQL when this transaction commits.
        const fresh = batch.filter((_, i) => !r[i]!.duplicate && r[i]!.reused !== true && r[i]!.latest).map((b) => recentEventOf(b.e, b.at));
        for (let i = 0; i < fresh.length; i += EVENTS_PER_NOTIFY) {
          await c.query('SELECT pg_notify($1, $2)', [WEB_CHANNEL, JSON.stringify({ kind: 'event', events: fresh.slice(i, i + EVENTS_PER_NOTIFY) })]);
        }
        return r;
      });
      batch.forEach((b, i) => b.resolve(results[i]!));
    } catch (err) {
      for (const b of batch) b.reject(err as Error);
    }
  }

  /** One transaction on one pooled connection, retried on deadlock/serialization failure. */
  private async inTransaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const c = await this.pool.connect();
      try {
        await c.query('BEGIN');
        const out = await fn(c);
        await c.query('COMMIT');
        return out;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        const code = (e as { code?: string }).code;
        if (attempt < 5 && code !== undefined && RETRYABLE.has(code)) continue;
        throw e;
      } finally {
        c.release();
      }
    }
  }

  private async ensure(fid: string, at: EpochMs): Promise<void> {
    await this.q(`INSERT INTO facilities (fid, session, status, updated_at) VALUES ($1, 0, 'unknown', $2) ON CONFLICT DO NOTHING`, [fid, at]);
  }

  /** Why a liveness message was not applied (see freshness.ts). */
  private async notApplied(kind: LivenessKind, fid: string, session: number, n: number | undefined): Promise<LivenessOutcome> {
    const row = (
      await this.q<LivenessRow>(
        `SELECT session, status, status_n AS "statusN", (birth->>'session')::bigint AS "birthSession", (birth->>'n')::bigint AS "birthN",
           (heartbeat->>'session')::bigint AS "hbSession", (heartbeat->>'n')::bigint AS "hbN" FROM facilities WHERE fid = $1`,
        [fid],
      )
    ).rows[0];
    return notAppliedOutcome(kind, row, session, n);
  }

  async applyStatus(s: StatusPayload, at: EpochMs): Promise<LivenessOutcome> {
    await this.ensure(s.fid, at);
    const r = await this.q(
      `UPDATE facilities SET session = $2, status = $3, status_n = $5, updated_at = $4
       WHERE fid = $1 AND (session < $2 OR (session = $2 AND ($3 = 'offline'
         OR (status <> 'offline' AND ($5::bigint IS NULL OR status_n IS NULL OR $5 > status_n)))))`,
      [s.fid, s.session, s.state, at, s.n ?? null],
    );
    return r.rowCount === 1 ? 'applied' : this.notApplied('status', s.fid, s.session, s.n);
  }

  async applyBirth(b: BirthPayload, at: EpochMs): Promise<LivenessOutcome> {
    await this.ensure(b.fid, at);
    const r = await this.q(
      `UPDATE facilities SET status = CASE WHEN $2 > session THEN 'online' ELSE status END,
         status_n = CASE WHEN $2 > session THEN NULL ELSE status_n END,
         session = greatest(session, $2), birth = $3::jsonb, updated_at = $4
       WHERE fid = $1 AND (session < $2 OR (session = $2 AND ($5::bigint IS NULL OR birth IS NULL
         OR (birth->>'session')::bigint < $2 OR birth->>'n' IS NULL OR $5 > (birth->>'n')::bigint)))`,
      [b.fid, b.session, JSON.stringify(b), at, b.n ?? null],
    );
    return r.rowCount === 1 ? 'applied' : this.notApplied('birth', b.fid, b.session, b.n);
  }

  async applyHeartbeat(h: HeartbeatPayload, at: EpochMs): Promise<LivenessOutcome> {
    await this.ensure(h.fid, at);
    const r = await this.q(
      `UPDATE facilities SET heartbeat = $2::jsonb, heartbeat_at = $3, updated_at = $3
       WHERE fid = $1 AND (heartbeat_at IS NULL OR heartbeat_at <= $3)
         AND $4 >= session AND NOT ($4 = session AND status = 'offline')
         AND (heartbeat IS NULL OR $4 > (heartbeat->>'session')::bigint OR ($4 = (heartbeat->>'session')::bigint
           AND ($5::bigint IS NULL OR heartbeat->>'n' IS NULL OR $5 > (heartbeat->>'n')::bigint)))`,
      [h.fid, JSON.stringify(h), at, h.session, h.n ?? null],
    );
    if (r.rowCount === 1) await this.heartbeats.record(h, at);
    return r.rowCount === 1 ? 'applied' : this.notApplied('hb', h.fid, h.session, h.n);
  }

  async applyCamera(c: CamStatusPayload, at: EpochMs): Promise<LivenessOutcome> {
    await this.ensure(c.fid, at);
    return this.inTransaction(async (tx) => {
      const row = (await tx.query<{ cameras: CamStatusPayload[] }>('SELECT cameras FROM facilities WHERE fid = $1 FOR UPDATE', [c.fid])).rows[0];
      const cams = row?.cameras ?? [];
      const outcome = cameraFreshness(cams.find((x) => x.camera_id === c.camera_id), c);
      if (outcome !== 'applied') return outcome;
      const next = [...cams.filter((x) => x.camera_id !== c.camera_id), c];
      await tx.query('UPDATE facilities SET cameras = $2::jsonb, updated_at = $3 WHERE fid = $1', [c.fid, JSON.stringify(next), at]);
      return 'applied';
    });
  }

  private async assess(fid: string, now: EpochMs, graceMs: number): Promise<ReturnType<typeof assessGaps> | null> {
    const st = await this.q<{ contiguous_upto: number; max_seq: number }>(
      'SELECT contiguous_upto, (SELECT max(seq) FROM deliveries d WHERE d.fid = s.fid) AS max_seq FROM seq_state s WHERE fid = $1',
      [fid],
    );
    const s = st.rows[0];
    if (!s) return null;
    const rows = (await this.q<GapRow>(gapQuery((n) => `$${n}`), [fid, s.contiguous_upto])).rows;
    const a = assessGaps(fid, rows, s.max_seq, now, graceMs);
    if (a.watermark > s.contiguous_upto) await this.q('UPDATE seq_state SET contiguous_upto = greatest(contiguous_upto, $2) WHERE fid = $1', [fid, a.watermark]);
    return a;
  }

  async claimResends(now: EpochMs, graceMs: number): Promise<ResendRange[]> {
    const candidates = await this.q<{ fid: string; pending: number | null }>(
      `SELECT s.fid, (f.heartbeat->'outbox'->>'pending')::int AS pending FROM seq_state s LEFT JOIN facilities f ON f.fid = s.fid
       WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.fid = s.fid AND d.seq > s.contiguous_upto)`,
    );
    const out: ResendRange[] = [];
    for (const c of candidates.rows) {
      const a = await this.assess(c.fid, now, graceMs); // advances the watermark even while the agent still sends
      if (!a || a.due.length === 0 || (c.pending ?? 0) > 0) continue;
      const claimed = await this.q(
        'UPDATE seq_state SET last_resend_at = $2 WHERE fid = $1 AND (last_resend_at IS NULL OR last_resend_at <= $3)',
        [c.fid, now, now - graceMs],
      );
      if (claimed.rowCount === 1) out.push(...a.due);
    }
    return out;
  }

  async facility(fid: string): Promise<FacilityState | null> {
    const r = (await this.q(`${FACILITY_SELECT} WHERE f.fid = $1`, [fid])).rows[0];
    return r ? facilityFromRow(r as Parameters<typeof facilityFromRow>[0]) : null;
  }

  async facilityStates(): Promise<FacilityState[]> {
    return (await this.q(`${FACILITY_SELECT} ORDER BY f.fid`)).rows.map((r) => facilityFromRow(r as Parameters<typeof facilityFromRow>[0]));
  }

  async missingSeqs(fid: string): Promise<number[]> {
    return expand((await this.assess(fid, 0, Number.POSITIVE_INFINITY))?.missing ?? []);
  }

  async events(fid?: string): Promise<HubEventRow[]> {
    const r = await this.q<{ fid: string; event_id: string; rev: number; seq: number; state: string; type: string; camera_id: string; replay: boolean; payload: EventPayload; received_at: number }>(
      `SELECT fid, event_id, rev, seq, state, type, camera_id, replay, payload, received_at FROM events ${fid === undefined ? '' : 'WHERE fid = $1'} ORDER BY fid, seq`,
      fid === undefined ? [] : [fid],
    );
    return r.rows.map((x) => ({
      fid: x.fid, eventId: x.event_id, rev: x.rev, seq: x.seq, state: x.state, type: x.type, cameraId: x.camera_id,
      replay: x.replay, payload: x.payload, receivedAt: x.received_at,
    }));
  }

  async deliveredSeqs(fid: string): Promise<number[]> {
    return (await this.q<{ seq: number }>('SELECT seq FROM deliveries WHERE fid = $1 ORDER BY seq', [fid])).rows.map((r) => r.seq);
  }

  async bases(): Promise<{ maxSeqs: Map<string, SeqBase>; sessions: Map<string, number> }> {
    const seqs = await this.q<{ fid: string; seq: number; at: number }>('SELECT DISTINCT ON (fid) fid, seq, received_at AS at FROM deliveries ORDER BY fid, seq DESC');
    const sess = await this.q<{ fid: string; session: number }>('SELECT fid, session FROM facilities');
    return { maxSeqs: new Map(seqs.rows.map((r) => [r.fid, { seq: r.seq, at: r.at }])), sessions: new Map(sess.rows.map((r) => [r.fid, r.session])) };
  }

  async registered(): Promise<RegisteredFacility[]> {
    const r = await this.q<{
      fid: string; name: string | null; added_at: number; disabled: boolean; public_key: string | null; next_public_key: string | null; province: string | null;
    }>('SELECT * FROM registry ORDER BY fid');
    return r.rows.map((x) => ({
      fid: x.fid, name: x.name, addedAt: x.added_at, disabled: x.disabled, publicKey: x.public_key, kid: kidOf(x.public_key),
      nextPublicKey: x.next_public_key, nextKid: kidOf(x.next_public_key), province: x.province,
    }));
  }

  async register(fid: string, name: string | null, publicKey: string | null, at: EpochMs): Promise<boolean> {
    const problem = fidProblem(fid);
    if (problem) throw new Error(problem);
    const r = await this.q(
      `INSERT INTO registry (fid, name, added_at, public_key) VALUES ($1, $2, $3, $4)
       ON CONFLICT (fid) DO UPDATE SET public_key = excluded.public_key
       WHERE excluded.public_key IS NOT NULL AND registry.public_key IS DISTINCT FROM excluded.public_key`,
      [fid, name, at, publicKey],
    );
    return r.rowCount === 1;
  }

  summaries(nowWall: EpochMs, hbStaleMs: number): Promise<FacilitySummary[]> {
    return this.reader.summaries(nowWall, hbStaleMs);
  }

  recentEvents(scope: EventScope, limit: number): Promise<RecentEvent[]> {
    return this.reader.recentEvents(scope, limit);
  }

  provinceOf(fid: string): Promise<string | null> {
    return this.reader.provinceOf(fid);
  }

  dailyCounts(scope: EventScope, range: ReportRange): Promise<DailyCount[]> {
    return this.reader.dailyCounts(scope, range);
  }

  heartbeatHistory(fid: string, sinceMs: number): Promise<HeartbeatPoint[]> {
    return this.heartbeats.history(fid, sinceMs);
  }

  /**
   * LISTENs on the web channel on a connection of its own (held from the pool) and hands each notification's text
   * to `onText`; a lost connection is replaced after a second. Notifications sent while it was lost are not
   * replayed (the page reloads its list on reconnect). Returns the stop.
   */
  async listenWeb(onText: (text: string) => void): Promise<() => Promise<void>> {
    let stopped = false;
    let client: pg.PoolClient | null = null;
    const connect = async (): Promise<void> => {
      const c = await this.pool.connect();
      c.on('notification', (n) => {
        if (n.channel === WEB_CHANNEL && n.payload !== undefined) onText(n.payload);
      });
      c.on('error', () => {
        c.release(true);
        if (client === c) client = null;
        if (!stopped) setTimeout(() => void connect().catch(() => undefined), 1000).unref();
      });
      await c.query(`LISTEN ${WEB_CHANNEL}`);
      client = c;
    };
    await connect();
    return async () => {
      stopped = true;
      const c = client;
      client = null;
      if (c) {
        await c.query(`UNLISTEN ${WEB_CHANNEL}`).catch(() => undefined);
        c.release();
      }
    };
  }

  async close(): Promise<void> {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    while (this.queue.length > 0 || this.flushing > 0) await new Promise((r) => setTimeout(r, 10));
    await this.pool.end();
  }
}

