import type Database from 'better-sqlite3';
import type { HeartbeatPayload } from '../contract/index.js';
import type { PgQuery } from './api-access-pg.js';

/**
 * Each facility's heartbeats over time, for its page in the web view (heartbeat history, the outbox backlog chart):
 * one small row per heartbeat the hub applied (not the payload), kept KEEP_MS. Pruned per facility at most once
 * per PRUNE_EVERY_MS, by the process that records (so the table stays ~2 days × 1/min × facilities rows).
 * SQLite: a table in the hub's file; PostgreSQL: migration 8.
 */
export interface HeartbeatPoint {
  /** Hub wall time the heartbeat arrived (ISO). */
  readonly at: string;
  readonly pending: number;
  readonly oldest_age_s: number | null;
  readonly cameras_online: number;
  readonly cameras_total: number;
}

export const HEARTBEAT_KEEP_MS = 48 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;
/** The most points one read returns (a day at one heartbeat a minute). */
export const MAX_HEARTBEAT_POINTS = 1440;

function pointOf(h: HeartbeatPayload): [number, number | null, number, number] {
  return [h.outbox.pending, h.outbox.oldest_age_s, h.cameras.filter((c) => c.state === 'online').length, h.cameras.length];
}

type Row = { at: number | string; pending: number; oldest_age_s: number | null; cameras_online: number; cameras_total: number };
const toPoint = (r: Row): HeartbeatPoint => ({ at: new Date(Number(r.at)).toISOString(), pending: r.pending, oldest_age_s: r.oldest_age_s, cameras_online: r.cameras_online, cameras_total: r.cameras_total });

/** When each facility was last pruned by this process. */
class PruneClock {
  private readonly last = new Map<string, number>();
  due(fid: string, at: number): boolean {
    if (at - (this.last.get(fid) ?? -Infinity) < PRUNE_EVERY_MS) return false;
    this.last.set(fid, at);
    return true;
  }
}

export class SqliteHeartbeatLog {
  private readonly prune = new PruneClock();

  constructor(private readonly db: Database.Database) {
    if (!db.readonly) {
      db.exec(`CREATE TABLE IF NOT EXISTS heartbeat_log (
        fid TEXT NOT NULL, at INTEGER NOT NULL, pending INTEGER NOT NULL, oldest_age_s INTEGER, cameras_online INTEGER NOT NULL,
        cameras_total INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX IF NOT EXISTS heartbeat_log_fid_at ON heartbeat_log (fid, at);`);
    }
  }

  /** Called inside the transaction that applied the heartbeat. */
  record(h: HeartbeatPayload, at: number): void {
    this.db.prepare('INSERT INTO heartbeat_log (fid, at, pending, oldest_age_s, cameras_online, cameras_total) VALUES (?, ?, ?, ?, ?, ?)').run(h.fid, at, ...pointOf(h));
    if (this.prune.due(h.fid, at)) this.db.prepare('DELETE FROM heartbeat_log WHERE fid = ? AND at < ?').run(h.fid, at - HEARTBEAT_KEEP_MS);
  }

  history(fid: string, sinceMs: number): HeartbeatPoint[] {
    const rows = this.db
      .prepare('SELECT at, pending, oldest_age_s, cameras_online, cameras_total FROM heartbeat_log WHERE fid = ? AND at >= ? ORDER BY at DESC LIMIT ?')
      .all(fid, sinceMs, MAX_HEARTBEAT_POINTS) as Row[];
    return rows.reverse().map(toPoint);
  }
}

export class PgHeartbeatLog {
  private readonly prune = new PruneClock();

  constructor(private readonly q: PgQuery) {}

  async record(h: HeartbeatPayload, at: number): Promise<void> {
    await this.q('INSERT INTO heartbeat_log (fid, at, pending, oldest_age_s, cameras_online, cameras_total) VALUES ($1, $2, $3, $4, $5, $6)', [h.fid, at, ...pointOf(h)]);
    if (this.prune.due(h.fid, at)) await this.q('DELETE FROM heartbeat_log WHERE fid = $1 AND at < $2', [h.fid, at - HEARTBEAT_KEEP_MS]);
  }

  async history(fid: string, sinceMs: number): Promise<HeartbeatPoint[]> {
    const r = await this.q<Row>(
      'SELECT at, pending, oldest_age_s, cameras_online, cameras_total FROM heartbeat_log WHERE fid = $1 AND at >= $2 ORDER BY at DESC LIMIT $3',
      [fid, sinceMs, MAX_HEARTBEAT_POINTS],
    );
    return r.rows.reverse().map(toPoint);
  }
}
