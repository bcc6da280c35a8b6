import type { PgQuery } from './api-access-pg.js';
import { WEB_CHANNEL } from './feed.js';
import { reviewKey, reviewOf, type AlertReview, type AlertReviewStore } from './reviews.js';

type Row = { fid: string; event_id: string; reviewer: string; note: string; at: number };

/** Reviews in the PostgreSQL hub database (migration 6); each mark is NOTIFYed on commit to every hub process. */
export class PgAlertReviews implements AlertReviewStore {
  constructor(private readonly q: PgQuery) {}

  async add(r: { fid: string; eventId: string; reviewer: string; note: string; at: number }): Promise<AlertReview> {
    const review = reviewOf({ fid: r.fid, event_id: r.eventId, reviewer: r.reviewer, note: r.note, at: r.at });
    // One statement, one transaction: the notification goes out when the row is committed, never before.
    await this.q(
      `WITH i AS (INSERT INTO alert_reviews (fid, event_id, reviewer, note, at) VALUES ($1, $2, $3, $4, $5) RETURNING id)
       SELECT pg_notify($6, $7) FROM i`,
      [r.fid, r.eventId, r.reviewer, r.note, r.at, WEB_CHANNEL, JSON.stringify({ kind: 'review', review })],
    );
    return review;
  }

  async latest(keys: readonly { fid: string; event_id: string }[]): Promise<Map<string, AlertReview>> {
    const out = new Map<string, AlertReview>();
    if (keys.length === 0) return out;
    const r = await this.q<Row>(
      `SELECT DISTINCT ON (fid, event_id) fid, event_id, reviewer, note, at FROM alert_reviews
       WHERE (fid, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY fid, event_id, id DESC`,
      [keys.map((k) => k.fid), keys.map((k) => k.event_id)],
    );
    for (const row of r.rows) out.set(reviewKey(row.fid, row.event_id), reviewOf(row));
    return out;
  }
}
