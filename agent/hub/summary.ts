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
  readonly status: string;
  readonly session: number;
  readonly agent_version: string | null;
  readonly last_heartbeat_at: string | null;
  readonly heartbeat_stale: boolean;
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
}

export interface RecentEvent {
  readonly fid: string;
  readonly event_id: string;
  readonly rev: number;
  readonly seq: number;
  readonly state: string;
  readonly type: string;
  readonly camera_id: string;
  readonly replay: boolean;
  /** The event's own time (`ts` of the revision). */
  readonly ts: string;
  readonly received_at: string;
}

interface FacilityRow {
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

export function facilitySummaries(db: Database.Database, nowWall: number, hbStaleMs: number): FacilitySummary[] {
  const rows = new Map((db.prepare('SELECT * FROM facilities').all() as FacilityRow[]).map((r) => [r.fid, r]));
  const counts = new Map(
    (db.prepare('SELECT fid, count(*) AS deliveries, min(seq) AS min_seq, max(seq) AS max_seq FROM deliveries GROUP BY fid').all() as Counts[]).map(
      (c) => [c.fid, c],
    ),
  );
  const events = new Map(
    (db.prepare('SELECT fid, count(*) AS n FROM events GROUP BY fid').all() as { fid: string; n: number }[]).map((e) => [e.fid, e.n]),
  );
  const fids = [...new Set([...rows.keys(), ...counts.keys()])].sort();
  return fids.map((fid) => {
    const r = rows.get(fid);
    const c = counts.get(fid);
    const birth = parse<BirthPayload>(r?.birth ?? null);
    const hb = parse<HeartbeatPayload>(r?.heartbeat ?? null);
    const hbAt = r?.heartbeat_at ?? null;
    return {
      fid,
      status: r?.status ?? 'unknown',
      session: r?.session ?? 0,
      agent_version: birth?.agent.version ?? null,
      last_heartbeat_at: hbAt === null ? null : new Date(hbAt).toISOString(),
      heartbeat_stale: hbAt === null || nowWall - hbAt > hbStaleMs,
      outbox: hb?.outbox ?? null,
      disk_free_mb: hb?.disk_free_mb ?? null,
      cameras: (parse<CamStatusPayload[]>(r?.cameras ?? null) ?? []).map((cam) => ({
        id: cam.camera_id,
        state: cam.state,
        reason: cam.reason,
        since: cam.since,
      })),
      events: events.get(fid) ?? 0,
      deliveries: c?.deliveries ?? 0,
      max_seq: c?.max_seq ?? null,
      missing_seqs: c ? c.max_seq - c.min_seq + 1 - c.deliveries : 0,
    };
  });
}

export function recentEvents(db: Database.Database, fid: string | undefined, limit: number): RecentEvent[] {
  const sql = `SELECT fid, event_id, rev, seq, state, type, camera_id, replay, payload, received_at FROM events
               ${fid === undefined ? '' : 'WHERE fid = @fid'} ORDER BY received_at DESC, seq DESC LIMIT @limit`;
  const rows = db.prepare(sql).all({ limit, ...(fid !== undefined && { fid }) }) as StoredEventRow[];
  return rows.map((r) => ({
    fid: r.fid,
    event_id: r.event_id,
    rev: r.rev,
    seq: r.seq,
    state: r.state,
    type: r.type,
    camera_id: r.camera_id,
    replay: r.replay === 1,
    ts: (JSON.parse(r.payload) as EventPayload).ts,
    received_at: new Date(r.received_at).toISOString(),
  }));
}
