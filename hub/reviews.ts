import type Database from 'better-sqlite3';
import { openHubSqlite } from './sqlite-file.js';

/**
 * A province or national officer's "reviewed" mark on an alert, with a note: kept at the hub (every hub process and
 * every session sees it), never sent to the facility. Each mark is a row; the newest is the alert's review. SQLite
 * (`SqliteAlertReviews`, the hub's file) or PostgreSQL (`PgAlertReviews`, reviews-pg.ts, migration 6).
 */
export interface AlertReview {
  readonly fid: string;
  readonly event_id: string;
  readonly reviewer: string;
  readonly note: string;
  /** ISO time of the mark. */
  readonly at: string;
}

export const MAX_REVIEW_NOTE = 500;

export interface AlertReviewStore {
  /** Stores a mark; on PostgreSQL it is also announced to every hub process after commit (see feed.ts). */
  add(r: { fid: string; eventId: string; reviewer: string; note: string; at: number }): AlertReview | Promise<AlertReview>;
  /** The newest mark of each of these alerts. */
  latest(keys: readonly { fid: string; event_id: string }[]): Map<string, AlertReview> | Promise<Map<string, AlertReview>>;
}

export const reviewKey = (fid: string, eventId: string): string => `${fid}/${eventId}`;

export function reviewOf(r: { fid: string; event_id: string; reviewer: string; note: string; at: number | string }): AlertReview {
  return { fid: r.fid, event_id: r.event_id, reviewer: r.reviewer, note: r.note, at: new Date(Number(r.at)).toISOString() };
}

const DDL = `
  CREATE TABLE IF NOT EXISTS alert_reviews (
    id INTEGER PRIMARY KEY, fid TEXT NOT NULL, event_id TEXT NOT NULL, reviewer TEXT NOT NULL, note TEXT NOT NULL,
    at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS alert_reviews_event ON alert_reviews (fid, event_id, id);
`;

export class SqliteAlertReviews implements AlertReviewStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openHubSqlite(file);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(DDL);
  }

  add(r: { fid: string; eventId: string; reviewer: string; note: string; at: number }): AlertReview {
    this.db.prepare('INSERT INTO alert_reviews (fid, event_id, reviewer, note, at) VALUES (?, ?, ?, ?, ?)').run(r.fid, r.eventId, r.reviewer, r.note, r.at);
    return reviewOf({ fid: r.fid, event_id: r.eventId, reviewer: r.reviewer, note: r.note, at: r.at });
  }

  latest(keys: readonly { fid: string; event_id: string }[]): Map<string, AlertReview> {
    const out = new Map<string, AlertReview>();
    const q = this.db.prepare('SELECT fid, event_id, reviewer, note, at FROM alert_reviews WHERE fid = ? AND event_id = ? ORDER BY id DESC LIMIT 1');
    for (const k of keys) {
      const row = q.get(k.fid, k.event_id) as { fid: string; event_id: string; reviewer: string; note: string; at: number } | undefined;
      if (row) out.set(reviewKey(row.fid, row.event_id), reviewOf(row));
    }
    return out;
  }

  close(): void {
    this.db.close();
  }
}
