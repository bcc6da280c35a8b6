import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { EventPayload } from '../contract/index.js';
import { FacilityRegistry, REGISTRY_DDL } from './registry.js';
import { openHubSqlite } from './sqlite-file.js';
import { facilitySummaries, recentEvents, type FacilityRecord, type FacilitySummary, type RecentEvent } from './summary.js';

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

/** A snapshot image the hub received and verified; `file` is relative to the hub's snapshot folder. */
export interface HubSnapshotRow {
  readonly fid: string;
  readonly eventId: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly file: string;
  readonly receivedAt: number;
}

export interface IngestResult {
  /** This (fid, seq) was delivered before: a resend after a lost ACK, or a broker redelivery. */
  readonly duplicate: boolean;
  /** The event row now holds this revision (false when a higher rev was already stored). */
  readonly latest: boolean;
  /**
   * This (fid, seq) was delivered before with ANOTHER event or revision: the agent's store went back (a disk swap,
   * a purge and reinstall) and reuses seqs. Nothing was written and the seq must not be ACKed: the agent is told to
   * re-base (`cmd/rebase`) and sends the row again under a new seq. Only present (true) when it happened.
   */
  readonly reused?: true;
}

/** One event waiting for a group commit, with the hub wall time it arrived. */
export interface IngestItem {
  readonly e: EventPayload;
  readonly at: number;
}

/**
 * The reference hub's database: `events` keeps the highest rev per (fid, event_id), the de-dup
 * key of the contract; `deliveries` keeps every (fid, seq) once, which is how "exactly once" and
 * "no gaps" can be counted.
 */
/** An `events` row as SQLite returns it (column names as stored). */
export interface StoredEventRow {
  readonly fid: string;
  readonly event_id: string;
  readonly rev: number;
  readonly seq: number;
  readonly state: string;
  readonly type: string;
  readonly camera_id: string;
  readonly replay: number;
  readonly payload: string;
  readonly received_at: number;
}

export class HubDb {
  private readonly db: Database.Database;
  private readonly insertDelivery;
  private readonly priorDelivery;
  private readonly upsertSeqState;
  private readonly upsertEvent;
  private readonly upsertFacility;
  /** The operator's list of facilities allowed to post (see registry.ts). */
  readonly registry: FacilityRegistry;

  /** Opens (and creates) the hub's database; `readonly` opens an existing one for `qmon hub status`. */
  constructor(file: string, opts: { readonly?: boolean } = {}) {
    if (opts.readonly && (file === ':memory:' || !existsSync(file))) throw new Error(`hub database ${file} does not exist`);
    this.db = openHubSqlite(file, { readonly: opts.readonly === true });
    if (!opts.readonly && file !== ':memory:') this.db.pragma('synchronous = FULL');
    if (!opts.readonly) this.createTables();
    const hasTables = this.db.prepare(`SELECT count(*) FROM sqlite_master WHERE name IN ('events', 'deliveries', 'facilities')`).pluck().get();
    if (hasTables !== 3) {
      this.db.close();
      throw new Error(`${file} is not a qmon hub database (no events/deliveries/facilities tables)`);
    }
    if (!opts.readonly) this.migrateColumns();
    this.priorDelivery = this.db.prepare('SELECT event_id, rev FROM deliveries WHERE fid = ? AND seq = ?');
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
    this.registry = new FacilityRegistry(this.db);
    this.upsertSeqState = opts.readonly
      ? null
      : this.db.prepare(
          `INSERT INTO seq_state (fid, max_seq, contiguous_upto) VALUES (?, ?, ?)
           ON CONFLICT (fid) DO UPDATE SET max_seq = max(max_seq, excluded.max_seq)`,
        );
    this.upsertFacility = this.db.prepare(
      `INSERT INTO facilities (fid, session, status, birth, heartbeat, heartbeat_at, cameras, updated_at)
       VALUES (@fid, @session, @status, @birth, @heartbeat, @heartbeatAt, @cameras, @updatedAt)
       ON CONFLICT (fid) DO UPDATE SET
         session = excluded.session, status = excluded.status, birth = excluded.birth, heartbeat = excluded.heartbeat,
         heartbeat_at = excluded.heartbeat_at, cameras = excluded.cameras, updated_at = excluded.updated_at`,
    );
  }

  private createTables(): void {
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
      -- What the hub last heard from each facility, so "qmon hub status" can show it from the file alone.
      CREATE TABLE IF NOT EXISTS facilities (
        fid TEXT PRIMARY KEY, session INTEGER NOT NULL, status TEXT NOT NULL,
        birth TEXT, heartbeat TEXT, heartbeat_at INTEGER, cameras TEXT NOT NULL, updated_at INTEGER NOT NULL,
        status_n INTEGER
      ) STRICT;
      CREATE INDEX IF NOT EXISTS events_recent ON events (received_at);
      -- Per facility: highest delivered seq, the gap watermark (contiguous from the first seq up to here) and
      -- when the hub last asked for a resend (see store.ts).
      CREATE TABLE IF NOT EXISTS seq_state (
        fid TEXT PRIMARY KEY, max_seq INTEGER NOT NULL, contiguous_upto INTEGER NOT NULL, last_resend_at INTEGER
      ) STRICT;
      -- The snapshot image the hub holds for an event (the file is beside the database), by sha256.
      CREATE TABLE IF NOT EXISTS snapshots (
        fid TEXT NOT NULL, event_id TEXT NOT NULL, sha256 TEXT NOT NULL, bytes INTEGER NOT NULL,
        file TEXT NOT NULL, received_at INTEGER NOT NULL,
        PRIMARY KEY (fid, event_id)
      ) STRICT;
      ${REGISTRY_DDL}
    `);
  }

  /**
   * Additive migrations of a database made by an older version (`CREATE TABLE IF NOT EXISTS` leaves its tables as
   * they were): `facilities.status_n`, the number within its session of the last status accepted (freshness).
   */
  private migrateColumns(): void {
    const columns = this.db.prepare(`SELECT name FROM pragma_table_info('facilities')`).pluck().all() as string[];
    if (!columns.includes('status_n')) this.db.exec('ALTER TABLE facilities ADD COLUMN status_n INTEGER');
  }

  /** Commits one event (both tables) in one transaction; the ACK may be sent once this returns. */
  ingest(e: EventPayload, receivedAt: number): IngestResult {
    return this.ingestMany([{ e, at: receivedAt }])[0]!;
  }

  /**
   * Commits many events in ONE transaction (one fsync: the hub's group commit); the ACKs may be sent once this
   * returns. Results in the order given.
   */
  ingestMany(items: readonly IngestItem[]): IngestResult[] {
    return this.db.transaction(() => items.map(({ e, at }) => this.ingestOne(e, at)))();
  }

  private ingestOne(e: EventPayload, receivedAt: number): IngestResult {
    const prior = this.priorDelivery.get(e.fid, e.seq) as { event_id: string; rev: number } | undefined;
    if (prior && (prior.event_id !== e.event_id || prior.rev !== e.rev)) return { duplicate: false, latest: false, reused: true };
    const replay = e.replay ? 1 : 0;
    const fresh = this.insertDelivery.run(e.fid, e.seq, e.event_id, e.rev, replay, receivedAt).changes === 1;
    this.upsertSeqState?.run(e.fid, e.seq, e.seq);
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
  }

  events(fid?: string): HubEventRow[] {
    const sql = `SELECT * FROM events ${fid === undefined ? '' : 'WHERE fid = ?'} ORDER BY fid, seq`;
    const rows = (fid === undefined ? this.db.prepare(sql).all() : this.db.prepare(sql).all(fid)) as StoredEventRow[];
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

  /** The sha256 of the snapshot the event's stored (highest) revision names, or null. */
  eventSnapshotSha(fid: string, eventId: string): string | null {
    const sha = this.db
      .prepare(`SELECT json_extract(payload, '$.snapshot.sha256') FROM events WHERE fid = ? AND event_id = ?`)
      .pluck()
      .get(fid, eventId);
    return typeof sha === 'string' ? sha : null;
  }

  snapshot(fid: string, eventId: string): HubSnapshotRow | undefined {
    const r = this.db.prepare('SELECT * FROM snapshots WHERE fid = ? AND event_id = ?').get(fid, eventId) as
      | { sha256: string; bytes: number; file: string; received_at: number }
      | undefined;
    return r && { fid, eventId, sha256: r.sha256, bytes: r.bytes, file: r.file, receivedAt: r.received_at };
  }

  saveSnapshot(s: HubSnapshotRow): void {
    this.db
      .prepare(
        `INSERT INTO snapshots (fid, event_id, sha256, bytes, file, received_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (fid, event_id) DO UPDATE SET sha256 = excluded.sha256, bytes = excluded.bytes,
           file = excluded.file, received_at = excluded.received_at`,
      )
      .run(s.fid, s.eventId, s.sha256, s.bytes, s.file, s.receivedAt);
  }

  /** Every delivered seq of a facility, ascending. */
  deliveredSeqs(fid: string): number[] {
    return this.db.prepare('SELECT seq FROM deliveries WHERE fid = ? ORDER BY seq').pluck().all(fid) as number[];
  }

  /** Highest delivered seq per facility, to resume gap tracking after a hub restart. */
  maxSeqs(): Map<string, number> {
    return new Map([...this.seqBases()].map(([fid, b]) => [fid, b.seq]));
  }

  /** Highest delivered seq per facility and when it arrived: the bases of the seq bound after a restart. */
  seqBases(): Map<string, { seq: number; at: number }> {
    // SQLite returns the other columns of the row that holds the max() (a documented bare-column rule).
    const rows = this.db.prepare('SELECT fid, max(seq) AS s, received_at AS at FROM deliveries GROUP BY fid').all() as { fid: string; s: number; at: number }[];
    return new Map(rows.map((r) => [r.fid, { seq: r.s, at: r.at }]));
  }

  /** Highest session stored per facility, so the session bound survives a hub restart. */
  sessions(): Map<string, number> {
    const rows = this.db.prepare('SELECT fid, session FROM facilities').all() as { fid: string; session: number }[];
    return new Map(rows.map((r) => [r.fid, r.session]));
  }

  /** Stores what the hub knows of one facility now (replacing the previous record). */
  saveFacility(f: FacilityRecord): void {
    this.upsertFacility.run({
      fid: f.fid,
      session: f.session,
      status: f.status,
      birth: f.birth === null ? null : JSON.stringify(f.birth),
      heartbeat: f.heartbeat === null ? null : JSON.stringify(f.heartbeat),
      heartbeatAt: f.heartbeatAt,
      cameras: JSON.stringify(f.cameras),
      updatedAt: f.updatedAt,
    });
  }

  /** Every facility with its counts, for `GET /facilities` and `qmon hub status`. */
  facilitySummaries(nowWall: number, hbStaleMs: number): FacilitySummary[] {
    return facilitySummaries(this.db, nowWall, hbStaleMs);
  }

  /** The newest events (latest revision of each), newest first. */
  recentEvents(fid: string | undefined, limit: number, province?: string): RecentEvent[] {
    return recentEvents(this.db, { ...(fid !== undefined && { fid }), ...(province !== undefined && { province }) }, limit);
  }

  /** The connection, for the SQLite HubStore (store-sqlite.ts) only. */
  get connection(): Database.Database {
    return this.db;
  }

  close(): void {
    this.db.close();
  }
}
