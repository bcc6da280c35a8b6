import type { BirthPayload, CamStatusPayload, HeartbeatPayload } from '../contract/index.js';
import { fidProblem, parsePublicKey, publicKeyBase64 } from '../contract/index.js';
import type { PgQuery } from './api-access-pg.js';
import { REPORT_DAY_OFFSET_MIN, summaryOf, type DailyCount, type EventScope, type FacilitySummary, type RecentEvent, type ReportRange } from './summary.js';

const DAY_MS = 86_400_000;

/**
 * What the HTTP read model and `qmon hub facility` need of the PostgreSQL hub database, beside what
 * store-pg.ts does for ingest: facility summaries, the newest events (scoped to a facility or a
 * province's registered facilities), and the registry's administration.
 */
export class PgHubReader {
  constructor(private readonly q: PgQuery) {}

  /** One row per facility that has a facilities row or delivered anything, by fid. */
  async summaries(nowWall: number, hbStaleMs: number): Promise<FacilitySummary[]> {
    const r = await this.q<{
      fid: string; status: string | null; session: number | null; birth: BirthPayload | null; heartbeat: HeartbeatPayload | null;
      heartbeat_at: number | null; cameras: CamStatusPayload[] | null; events: number; deliveries: number | null; min_seq: number | null; max_seq: number | null;
      last_event_at: number | null; name: string | null; province: string | null;
    }>(
      // The counters come from facility_counts, kept at ingest (migration 9): counting the events and deliveries here
      // took seconds at a national month's scale.
      `SELECT coalesce(f.fid, c.fid) AS fid, f.status, f.session, f.birth, f.heartbeat, f.heartbeat_at, f.cameras,
              coalesce(c.events, 0) AS events, c.deliveries, c.min_seq, c.max_seq, c.last_event_at, r.name, r.province
       FROM facilities f FULL JOIN facility_counts c ON c.fid = f.fid
            LEFT JOIN registry r ON r.fid = coalesce(f.fid, c.fid)
       WHERE f.fid IS NOT NULL OR c.deliveries > 0
       ORDER BY 1`,
    );
    return r.rows.map((x) =>
      summaryOf(
        {
          fid: x.fid, status: x.status, session: x.session, birth: x.birth, heartbeat: x.heartbeat, heartbeatAt: x.heartbeat_at,
          cameras: x.cameras, events: Number(x.events), deliveries: x.deliveries ?? 0, minSeq: x.min_seq, maxSeq: x.max_seq,
          lastEventAt: x.last_event_at, name: x.name, province: x.province,
        },
        nowWall,
        hbStaleMs,
      ),
    );
  }

  /**
   * The newest events (latest revision each), newest received first, as SQLite orders them. National:
   * the events_received index; a facility: events_fid_started narrows to its rows; a province: its
   * registered facilities' rows (never read wider and filtered).
   */
  async recentEvents(scope: EventScope, limit: number): Promise<RecentEvent[]> {
    const params: unknown[] = [limit];
    const where: string[] = [];
    if (scope.fid !== undefined) where.push(`fid = $${params.push(scope.fid)}`);
    else if (scope.province !== undefined) where.push(`fid IN (SELECT fid FROM registry WHERE province = $${params.push(scope.province)})`);
    if (scope.type !== undefined) where.push(`type = $${params.push(scope.type)}`);
    if (scope.severity !== undefined) where.push(`payload->>'severity' = $${params.push(scope.severity)}`);
    const r = await this.q<{
      fid: string; event_id: string; rev: number; seq: number; state: string; type: string; severity: string; camera_id: string; replay: boolean;
      picture: boolean; ts: string; received_at: number;
    }>(
      `SELECT fid, event_id, rev, seq, state, type, payload->>'severity' AS severity, camera_id, replay,
              (jsonb_typeof(payload->'snapshot') = 'object' OR coalesce(jsonb_typeof(payload->'context'), 'null') = 'object') AS picture,
              payload->>'ts' AS ts, received_at FROM events ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY received_at DESC, seq DESC LIMIT $1`,
      params,
    );
    return r.rows.map((x) => ({
      fid: x.fid, event_id: x.event_id, rev: x.rev, seq: x.seq, state: x.state, type: x.type, severity: x.severity, camera_id: x.camera_id,
      replay: x.replay, picture: x.picture, ts: x.ts, received_at: new Date(x.received_at).toISOString(),
    }));
  }

  /**
   * Events per local day, province, facility and type (see `dailyCounts` in summary.ts); range by `started_at`.
   * Whole days of the reports' time zone are read from `event_days` (kept at ingest); any other range counts events.
   */
  async dailyCounts(scope: EventScope, range: ReportRange): Promise<DailyCount[]> {
    const shift = range.offsetMin * 60_000;
    if (range.offsetMin === REPORT_DAY_OFFSET_MIN && (range.fromMs + shift) % DAY_MS === 0 && (range.toMs + shift) % DAY_MS === 0) {
      return this.dailyCountsByDay(scope, new Date(range.fromMs + shift).toISOString().slice(0, 10), new Date(range.toMs + shift).toISOString().slice(0, 10));
    }
    const params: unknown[] = [new Date(range.fromMs).toISOString(), new Date(range.toMs).toISOString(), range.offsetMin];
    const where = ['e.started_at >= $1', 'e.started_at < $2'];
    if (scope.fid !== undefined) where.push(`e.fid = $${params.push(scope.fid)}`);
    else if (scope.province !== undefined) where.push(`r.province = $${params.push(scope.province)}`);
    const r = await this.q<{ day: string; province: string | null; fid: string; name: string | null; type: string; count: string }>(
      `SELECT to_char((e.started_at AT TIME ZONE 'UTC') + make_interval(mins => $3::int), 'YYYY-MM-DD') AS day, r.province, e.fid, r.name, e.type,
              count(*) AS count
       FROM events e LEFT JOIN registry r ON r.fid = e.fid WHERE ${where.join(' AND ')}
       GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 5`,
      params,
    );
    return r.rows.map((x) => ({ day: x.day, province: x.province, fid: x.fid, name: x.name, type: x.type, count: Number(x.count) }));
  }

  private async dailyCountsByDay(scope: EventScope, fromDay: string, toDay: string): Promise<DailyCount[]> {
    const params: unknown[] = [fromDay, toDay];
    const where = ['d.day >= $1::date', 'd.day < $2::date'];
    if (scope.fid !== undefined) where.push(`d.fid = $${params.push(scope.fid)}`);
    else if (scope.province !== undefined) where.push(`r.province = $${params.push(scope.province)}`);
    const r = await this.q<{ day: string; province: string | null; fid: string; name: string | null; type: string; count: number }>(
      `SELECT to_char(d.day, 'YYYY-MM-DD') AS day, r.province, d.fid, r.name, d.type, d.n AS count
       FROM event_days d LEFT JOIN registry r ON r.fid = d.fid WHERE ${where.join(' AND ')}
       ORDER BY 1, 2, 3, 5`,
      params,
    );
    return r.rows.map((x) => ({ day: x.day, province: x.province, fid: x.fid, name: x.name, type: x.type, count: Number(x.count) }));
  }

  async provinceOf(fid: string): Promise<string | null> {
    return (await this.q<{ province: string | null }>('SELECT province FROM registry WHERE fid = $1', [fid])).rows[0]?.province ?? null;
  }

  /** `qmon hub facility add`: false when registered already (nothing changed). Throws on a bad fid or key. */
  async addFacility(fid: string, name: string | null, at: number, publicKey: string | null, province: string | null): Promise<boolean> {
    const problem = fidProblem(fid);
    if (problem) throw new Error(problem);
    const key = publicKey === null ? null : publicKeyBase64(parsePublicKey(publicKey));
    const r = await this.q('INSERT INTO registry (fid, name, added_at, public_key, province) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [
      fid, name, at, key, province,
    ]);
    return r.rowCount === 1;
  }

  /** Key rotation as `FacilityRegistry.setKey` (registry.ts) does it on SQLite. */
  async setKey(fid: string, action: 'set' | 'next' | 'promote', publicKey?: string): Promise<boolean> {
    if (action === 'promote') {
      return (await this.q('UPDATE registry SET public_key = next_public_key, next_public_key = NULL WHERE fid = $1 AND next_public_key IS NOT NULL', [fid])).rowCount === 1;
    }
    if (publicKey === undefined) throw new Error(`a public key is needed to ${action} a key`);
    const column = action === 'set' ? 'public_key' : 'next_public_key';
    return (await this.q(`UPDATE registry SET ${column} = $2 WHERE fid = $1`, [fid, publicKeyBase64(parsePublicKey(publicKey))])).rowCount === 1;
  }

  async removeFacility(fid: string): Promise<boolean> {
    return (await this.q('DELETE FROM registry WHERE fid = $1', [fid])).rowCount === 1;
  }
}
