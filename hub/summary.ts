import type Database from 'better-sqlite3';
import type { StoredEventRow } from './hub-db.js';
import type { BirthPayload, CamStatusPayload, EventPayload, HeartbeatPayload, StatusPayload } from '../contract/index.js';

/** What the hub stores about a facility (one row, replaced on every status/birth/heartbeat/camera). */
export interface FacilityRecord {
  readonly fid: string;
  readonly session: number;
  readonly status: StatusPayload['state'] | 'unknown';
  readonly birth: BirthPayload | null;
  readonly heartbeat: HeartbeatPayload | null;
  /** Hub wall time the last heartbeat arrived. */
  readonly heartbeatAt: number | null;
  readonly cameras: readonly CamStatusPayload[];
  readonly updatedAt: number;
}

/** One facility as `GET /facilities` and `qmon hub status` show it (contract-style snake_case). */
export interface FacilitySummary {
  readonly fid: string;
  /** The registry's name and province of the facility (null when not registered or not given). */
  readonly name: string | null;
  readonly province: string | null;
  readonly status: string;
  readonly session: number;
  readonly agent_version: string | null;
  readonly last_heartbeat_at: string | null;
  readonly heartbeat_stale: boolean;
  /** The agent's clock minus the hub's when the last heartbeat arrived, in seconds (transit time included). */
  readonly clock_skew_s: number | null;
  readonly outbox: HeartbeatPayload['outbox'] | null;
  readonly disk_free_mb: number | null;
  readonly cameras: readonly { id: string; state: string; reason: string | null; since: string }[];
  /** Distinct events stored (latest revision each). */
  readonly events: number;
  /** Distinct seqs delivered. */
  readonly deliveries: number;
  readonly max_seq: number | null;
  /** Seqs missing between the lowest and highest delivered. */
  readonly missing_seqs: number;
  /** When the hub last stored an event of this facility. */
  readonly last_event_at: string | null;
}

export interface RecentEvent {
  readonly fid: string;
  readonly event_id: string;
  readonly rev: number;
  readonly seq: number;
  readonly state: string;
  readonly type: string;
  readonly severity: string;
  readonly camera_id: string;
  readonly replay: boolean;
  /** Whether the revision names a snapshot or context picture (the hub may hold it: `snapshotImage`). */
  readonly picture: boolean;
  /** The event's own time (`ts` of the revision). */
  readonly ts: string;
  readonly received_at: string;
}

/** A `facilities` row as SQLite returns it (the JSON columns still text). */
export interface FacilityRow {
  fid: string;
  session: number;
  status: string;
  birth: string | null;
  heartbeat: string | null;
  heartbeat_at: number | null;
  cameras: string;
}

interface Counts {
  fid: string;
  deliveries: number;
  min_seq: number;
  max_seq: number;
}

const parse = <T>(json: string | null): T | null => (json === null ? null : (JSON.parse(json) as T));

/** One facility's stored state and delivery counts, as any store reads them (JSON columns already parsed). */
export interface SummaryInput {
  readonly fid: string;
  readonly status: string | null;
  readonly session: number | null;
  readonly birth: BirthPayload | null;
  readonly heartbeat: HeartbeatPayload | null;
  readonly heartbeatAt: number | null;
  readonly cameras: readonly CamStatusPayload[] | null;
  readonly events: number;
  readonly deliveries: number;
  readonly minSeq: number | null;
  readonly maxSeq: number | null;
  readonly name?: string | null;
  readonly province?: string | null;
  readonly lastEventAt?: number | null;
}

/** The one definition of a facility summary (SQLite and PostgreSQL stores both build theirs here). */
export function summaryOf(i: SummaryInput, nowWall: number, hbStaleMs: number): FacilitySummary {
  return {
    fid: i.fid,
    name: i.name ?? null,
    province: i.province ?? null,
    status: i.status ?? 'unknown',
    session: i.session ?? 0,
    agent_version: i.birth?.agent.version ?? null,
    last_heartbeat_at: i.heartbeatAt === null ? null : new Date(i.heartbeatAt).toISOString(),
    heartbeat_stale: i.heartbeatAt === null || nowWall - i.heartbeatAt > hbStaleMs,
    clock_skew_s: i.heartbeat === null || i.heartbeatAt === null ? null : Math.round((Date.parse(i.heartbeat.ts) - i.heartbeatAt) / 100) / 10,
    outbox: i.heartbeat?.outbox ?? null,
    disk_free_mb: i.heartbeat?.disk_free_mb ?? null,
    cameras: (i.cameras ?? []).map((cam) => ({ id: cam.camera_id, state: cam.state, reason: cam.reason, since: cam.since })),
    events: i.events,
    deliveries: i.deliveries,
    max_seq: i.maxSeq,
    missing_seqs: i.maxSeq === null || i.minSeq === null ? 0 : i.maxSeq - i.minSeq + 1 - i.deliveries,
    last_event_at: i.lastEventAt === null || i.lastEventAt === undefined ? null : new Date(Number(i.lastEventAt)).toISOString(),
  };
}

export function facilitySummaries(db: Database.Database, nowWall: number, hbStaleMs: number): FacilitySummary[] {
  const rows = new Map((db.prepare('SELECT * FROM facilities').all() as FacilityRow[]).map((r) => [r.fid, r]));
  const counts = new Map(
    (db.prepare('SELECT fid, count(*) AS deliveries, min(seq) AS min_seq, max(seq) AS max_seq FROM deliveries GROUP BY fid').all() as Counts[]).map(
      (c) => [c.fid, c],
    ),
  );
  const events = new Map(
    (db.prepare('SELECT fid, count(*) AS n, max(received_at) AS last FROM events GROUP BY fid').all() as { fid: string; n: number; last: number }[]).map((e) => [e.fid, e]),
  );
  const registry = new Map(
    (db.prepare('SELECT fid, name, province FROM registry').all() as { fid: string; name: string | null; province: string | null }[]).map((r) => [r.fid, r]),
  );
  const fids = [...new Set([...rows.keys(), ...counts.keys()])].sort();
  return fids.map((fid) => {
    const r = rows.get(fid);
    const c = counts.get(fid);
    return summaryOf(
      {
        fid,
        status: r?.status ?? null,
        session: r?.session ?? null,
        birth: parse<BirthPayload>(r?.birth ?? null),
        heartbeat: parse<HeartbeatPayload>(r?.heartbeat ?? null),
        heartbeatAt: r?.heartbeat_at ?? null,
        cameras: parse<CamStatusPayload[]>(r?.cameras ?? null),
        events: events.get(fid)?.n ?? 0,
        lastEventAt: events.get(fid)?.last ?? null,
        name: registry.get(fid)?.name ?? null,
        province: registry.get(fid)?.province ?? null,
        deliveries: c?.deliveries ?? 0,
        minSeq: c?.min_seq ?? null,
        maxSeq: c?.max_seq ?? null,
      },
      nowWall,
      hbStaleMs,
    );
  });
}

/**
 * Which events a read covers: one facility, the facilities registered with a province, or (neither) all; narrowed,
 * when given, to one rule type and one severity (the web view's alert filters, applied in the query).
 */
export interface EventScope {
  readonly fid?: string;
  readonly province?: string;
  readonly type?: string;
  readonly severity?: string;
}

export function recentEvents(db: Database.Database, scope: EventScope, limit: number): RecentEvent[] {
  const where: string[] = [];
  if (scope.fid !== undefined) where.push('fid = @fid');
  else if (scope.province !== undefined) where.push('fid IN (SELECT fid FROM registry WHERE province = @province)');
  if (scope.type !== undefined) where.push('type = @type');
  if (scope.severity !== undefined) where.push("json_extract(payload, '$.severity') = @severity");
  const sql = `SELECT fid, event_id, rev, seq, state, type, camera_id, replay, payload, received_at FROM events
               ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY received_at DESC, seq DESC LIMIT @limit`;
  const params = {
    limit,
    ...(scope.fid !== undefined ? { fid: scope.fid } : scope.province !== undefined && { province: scope.province }),
    ...(scope.type !== undefined && { type: scope.type }),
    ...(scope.severity !== undefined && { severity: scope.severity }),
  };
  const rows = db.prepare(sql).all(params) as StoredEventRow[];
  return rows.map((r) => {
    const p = JSON.parse(r.payload) as EventPayload;
    return {
      fid: r.fid,
      event_id: r.event_id,
      rev: r.rev,
      seq: r.seq,
      state: r.state,
      type: r.type,
      severity: p.severity,
      camera_id: r.camera_id,
      replay: r.replay === 1,
      picture: p.snapshot !== null || (p.context ?? null) !== null,
      ts: p.ts,
      received_at: new Date(r.received_at).toISOString(),
    };
  });
}

/** The alert-list form of one stored revision (the live feed builds it from the payload it just committed). */
export function recentEventOf(e: EventPayload, receivedAt: number): RecentEvent {
  return {
    fid: e.fid,
    event_id: e.event_id,
    rev: e.rev,
    seq: e.seq,
    state: e.state,
    type: e.type,
    severity: e.severity,
    camera_id: e.camera_id,
    replay: e.replay,
    picture: e.snapshot !== null || (e.context ?? null) !== null,
    ts: e.ts,
    received_at: new Date(receivedAt).toISOString(),
  };
}

/** One row of a report: the events of one facility and one rule type that started on one local day. */
export interface DailyCount {
  /** `YYYY-MM-DD` in the report's time zone. */
  readonly day: string;
  readonly province: string | null;
  readonly fid: string;
  readonly name: string | null;
  readonly type: string;
  readonly count: number;
}

/** What a report covers: [from, to) by the events' start, the day boundary at `offsetMin` east of UTC. */
/** The reports' day: Vietnam's time (UTC+7); PostgreSQL's `event_days` (migration 9) counts by it. */
export const REPORT_DAY_OFFSET_MIN = 7 * 60;

export interface ReportRange {
  readonly fromMs: number;
  readonly toMs: number;
  readonly offsetMin: number;
}

/** Events per local day, province, facility and type (latest revision each, i.e. each violation once). */
export function dailyCounts(db: Database.Database, scope: EventScope, range: ReportRange): DailyCount[] {
  const where = ["json_extract(e.payload, '$.started_at') >= @from", "json_extract(e.payload, '$.started_at') < @to"];
  if (scope.fid !== undefined) where.push('e.fid = @fid');
  else if (scope.province !== undefined) where.push('r.province = @province');
  const sql = `SELECT date(substr(json_extract(e.payload, '$.started_at'), 1, 19), @shift) AS day, r.province AS province, e.fid AS fid,
                      r.name AS name, e.type AS type, count(*) AS count
               FROM events e LEFT JOIN registry r ON r.fid = e.fid WHERE ${where.join(' AND ')}
               GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 5`;
  return db.prepare(sql).all({
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
    shift: `${range.offsetMin >= 0 ? '+' : ''}${range.offsetMin} minutes`,
    ...(scope.fid !== undefined ? { fid: scope.fid } : scope.province !== undefined && { province: scope.province }),
  }) as DailyCount[];
}
