import Database from 'better-sqlite3';
import type { EventPayload } from '../uplink/contract.js';

/** One stored event: the highest revision the hub has of (fid, event_id). */
export interface HubEventRow {
  readonly fid: string;
  readonly eventId: string;
  readonly rev: number;
  readonly seq: number;
  readonly state: string;
  readonly type: string;
  readonly cameraId: string;
  readonly replay: boolean;
  readonly payload: EventPayload;
  readonly receivedAt: number;
}

export interface IngestResult {
  /** This (fid, seq) was delivered before: a resend after a lost ACK, or a broker redelivery. */
  readonly duplicate: boolean;
  /** The event row now holds this revision (false when a higher rev was already stored). */
  readonly latest: boolean;
}

/**
 * The reference hub's database: `events` keeps the highest rev per (fid, event_id), the de-dup
 * key of the contract; `deliveries` keeps every (fid, seq) once, which is how "exactly once" and
 * "no gaps" can be counted.
 */
export class HubDb {
  private readonly db: Database.Database;
  private readonly insertDelivery;
  private readonly upsertEvent;

  constructor(file: string) {
    this.db = new Database(file);
    if (file !== ':memory:') {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
    }
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        fid TEXT NOT NULL, event_id TEXT NOT NULL, rev INTEGER NOT NULL, seq INTEGER NOT NULL,
        state TEXT NOT NULL, type TEXT NOT NULL, camera_id TEXT NOT NULL, replay INTEGER NOT NULL,
        payload TEXT NOT NULL, received_at INTEGER NOT NULL,
        PRIMARY KEY (fid, event_id)
      ) STRICT;
      CREATE TABLE IF NOT EXISTS deliveries (
        fid TEXT NOT NULL, seq INTEGER NOT NULL, event_id TEXT NOT NULL, rev INTEGER NOT NULL,
        replay INTEGER NOT NULL, received_at INTEGER NOT NULL,
        PRIMARY KEY (fid, seq)
      ) STRICT;
    `);
    this.insertDelivery = this.db.prepare(
      `INSERT OR IGNORE INTO deliveries (fid, seq, event_id, rev, replay, received_at) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.upsertEvent = this.db.prepare(
      `INSERT INTO events (fid, event_id, rev, seq, state, type, camera_id, replay, payload, received_at)
       VALUES (@fid, @eventId, @rev, @seq, @state, @type, @cameraId, @replay, @payload, @receivedAt)
       ON CONFLICT (fid, event_id) DO UPDATE SET
         rev = excluded.rev, seq = excluded.seq, state = excluded.state, type = excluded.type,
         camera_id = excluded.camera_id, replay = excluded.replay, payload = excluded.payload,
         received_at = excluded.received_at
       WHERE excluded.rev > events.rev`,
    );
  }

  /** Commits one event (both tables) in one transaction; the ACK may be sent once this returns. */
  ingest(e: EventPayload, receivedAt: number): IngestResult {
    return this.db.transaction(() => {
      const replay = e.replay ? 1 : 0;
      const fresh = this.insertDelivery.run(e.fid, e.seq, e.event_id, e.rev, replay, receivedAt).changes === 1;
      const latest =
        this.upsertEvent.run({
          fid: e.fid,
          eventId: e.event_id,
          rev: e.rev,
          seq: e.seq,
          state: e.state,
          type: e.type,
          cameraId: e.camera_id,
          replay,
          payload: JSON.stringify(e),
          receivedAt,
        }).changes === 1;
      return { duplicate: !fresh, latest };
    })();
  }

  events(fid?: string): HubEventRow[] {
    const sql = `SELECT * FROM events ${fid === undefined ? '' : 'WHERE fid = ?'} ORDER BY fid, seq`;
    const rows = (fid === undefined ? this.db.prepare(sql).all() : this.db.prepare(sql).all(fid)) as {
      fid: string;
      event_id: string;
      rev: number;
      seq: number;
      state: string;
      type: string;
      camera_id: string;
      replay: number;
      payload: string;
      received_at: number;
    }[];
    return rows.map((r) => ({
      fid: r.fid,
      eventId: r.event_id,
      rev: r.rev,
      seq: r.seq,
      state: r.state,
      type: r.type,
      cameraId: r.camera_id,
      replay: r.replay === 1,
      payload: JSON.parse(r.payload) as EventPayload,
      receivedAt: r.received_at,
    }));
  }

  /** Every delivered seq of a facility, ascending. */
  deliveredSeqs(fid: string): number[] {
    return this.db.prepare('SELECT seq FROM deliveries WHERE fid = ? ORDER BY seq').pluck().all(fid) as number[];
  }

  /** Highest delivered seq per facility, to resume gap tracking after a hub restart. */
  maxSeqs(): Map<string, number> {
    const rows = this.db.prepare('SELECT fid, max(seq) AS s FROM deliveries GROUP BY fid').all() as {
      fid: string;
      s: number;
    }[];
    return new Map(rows.map((r) => [r.fid, r.s]));
  }

  close(): void {
    this.db.close();
  }
}
