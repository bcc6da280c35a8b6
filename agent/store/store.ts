import { join } from 'node:path';
import { makePrivateDir, makeSqliteFilesPrivate } from '../shared/permissions.js';
import Database from 'better-sqlite3';
import type { Clock } from '../shared/clock.js';
import type { EpochMs, Violation } from '../shared/types.js';
import type { Logger } from '../ops/index.js';
import { StoreError, StoreFullError, isSqliteFull } from './errors.js';
import { migrate } from './migrations.js';
import { OutboxQueries, type AckResult, type Lane, type OutboxRow, type OutboxStats } from './outbox.js';
import { RetentionQueries } from './retention-queries.js';
import { convertToIncrementalVacuum, databaseBytes, reclaimPages } from './space.js';
import { ViolationQueries } from './violations.js';
import { DashboardQueries } from './dashboard.js';
import { PictureQueries, type PictureOutcomeRow } from './pictures.js';
import type { RecordItem, RecordOptions, StoreOptions, StoreSettings } from './store-types.js';

export const DB_FILE = 'qmon.db';
const BUSY_TIMEOUT_MS = 5_000;

/**
 * The agent's durable state: violations and the outbox in one SQLite file. Every method is
 * synchronous (better-sqlite3): a call that returns has committed, with `synchronous=FULL`, so a
 * power cut or SIGKILL right after it cannot lose the row. Times passed in and stored are wall
 * epoch ms, because they must mean the same thing after a restart.
 */
export class Store {
  private readonly outbox: OutboxQueries;
  private readonly violations: ViolationQueries;
  private readonly pictures: PictureQueries;
  private readonly retention: RetentionQueries;
  private readonly dash: DashboardQueries;
  private readonly metaGet;
  private readonly metaSet;
  private closed = false;
  /** Wall time of the SQLITE_FULL not yet followed by a successful write; null when writes work. */
  private fullAt: EpochMs | null = null;

  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.outbox = new OutboxQueries(db);
    this.violations = new ViolationQueries(db);
    this.pictures = new PictureQueries(db);
    this.retention = new RetentionQueries(db);
    this.dash = new DashboardQueries(db);
    this.metaGet = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    this.metaSet = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  static open(opts: StoreOptions): Store {
    const file = join(opts.dir, DB_FILE);
    let db: Database.Database;
    try {
      makePrivateDir(opts.dir);
      db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    } catch (e) {
      throw new StoreError(`cannot open the store at ${file}: ${(e as Error).message}`);
    }
    try {
      // INCREMENTAL auto-vacuum lets retention hand deleted pages back to the filesystem (a plain
      // delete only moves them to a free list). It must be chosen before the first table exists,
      // so before WAL mode writes the header.
      const fresh = db.prepare(`SELECT count(*) FROM sqlite_master`).pluck().get() === 0;
      if (fresh) db.pragma('auto_vacuum = INCREMENTAL');
      // WAL: readers (dashboard, CLI) never block the writer. FULL: the WAL is fsynced on every
      // commit; NORMAL could lose the last commits on power loss, and those are the alerts.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      // Deleted rows are overwritten, not left readable in free pages: deletion is real.
      db.pragma('secure_delete = ON');
      if (opts.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.floor(opts.maxPageCount)}`);
      const { from, to } = migrate(db, file);
      if (from !== to) opts.logger.info({ file, from, to }, 'store schema migrated');
      if (!fresh) convertToIncrementalVacuum(db, file, opts.logger);
      makeSqliteFilesPrivate(file);
    } catch (e) {
      db.close();
      if (e instanceof StoreError) throw e;
      throw new StoreError(`cannot prepare the store at ${file}: ${(e as Error).message}`);
    }
    return new Store(db, file, opts.clock, opts.logger);
  }

  /**
   * Stores one violation revision and its outbox row in ONE transaction. `encode` gets the row's
   * seq and returns the exact bytes to publish; if it throws (the payload failed its schema),
   * nothing is written and the error propagates. A rev not greater than the stored one is refused.
   * A full disk throws StoreFullError (nothing written; the store keeps working).
   */
  recordViolation(v: Violation, encode: (seq: number) => Buffer, opts: RecordOptions = {}): { seq: number } {
    checkRev(v);
    const now = this.clock.wall();
    return this.write(`violation ${v.eventId} rev ${v.rev}`, () =>
      this.db.transaction(() => this.recordOne(v, encode, opts.lane ?? 'live', now))(),
      true,
    );
  }

  /**
   * Stores many revisions in ONE transaction (one fsync for all of them): all or nothing, so one
   * stale rev or failing encoder leaves none of the batch written. For bursts and replays where a
   * commit per revision would be the bottleneck; seqs are handed out in the order given.
   */
  recordViolations(items: readonly RecordItem[]): { seq: number }[] {
    for (const it of items) checkRev(it.violation);
    if (items.length === 0) return [];
    const now = this.clock.wall();
    return this.write(`${items.length} violation revisions`, () =>
      this.db.transaction(() => items.map((it) => this.recordOne(it.violation, it.encode, it.lane ?? 'live', now)))(),
      true,
    );
  }

  private recordOne(v: Violation, encode: (seq: number) => Buffer, lane: Lane, now: EpochMs): { seq: number } {
    const pathProblem = this.violations.upsert(v, now);
    if (pathProblem !== null) {
      this.logger.warn({ eventId: v.eventId, problem: pathProblem }, 'snapshot path is outside snapshots/; not managed by retention');
    }
    const seq = this.outbox.insert(v.eventId, v.rev, lane, now);
    const payload = encode(seq);
    if (!Buffer.isBuffer(payload) || payload.length === 0) {
      throw new StoreError(`violation ${v.eventId} rev ${v.rev}: the encoder returned no bytes`);
    }
    this.outbox.setPayload(seq, payload);
    return { seq };
  }

  /**
   * Runs a write; SQLITE_FULL becomes StoreFullError and is remembered (see `fullSince`). Only a
   * write that adds data (`grows`) clears it when it succeeds: a delete or an update that needed
   * no new page says nothing about whether there is room again.
   */
  private write<T>(operation: string, fn: () => T, grows = false): T {
    try {
      const out = fn();
      if (grows && this.fullAt !== null) {
        this.logger.info({ file: this.file }, 'store writable again after running out of space');
        this.fullAt = null;
      }
      return out;
    } catch (e) {
      if (!isSqliteFull(e)) throw e;
      if (this.fullAt === null) this.logger.error({ file: this.file, operation }, 'store is full (SQLITE_FULL); write not saved');
      this.fullAt ??= this.clock.wall();
      throw new StoreFullError(this.file, operation);
    }
  }

  /** When the store last ran out of space, if no write adding data has succeeded since; else null. */
  fullSince(): EpochMs | null {
    return this.fullAt;
  }

  /**
   * Hands deleted pages back to the filesystem (incremental vacuum) and truncates the WAL, so freed
   * space shows up as free disk space. Returns the database's bytes before and after.
   */
  reclaim(): { before: number; after: number } {
    const before = databaseBytes(this.db, this.file);
    this.write('reclaiming free pages', () => reclaimPages(this.db));
    return { before, after: databaseBytes(this.db, this.file) };
  }

  /** Bytes of the database file plus its WAL. */
  /** True when the database answers `SELECT 1` (the service watchdog's store check); false when closed or broken. */
  alive(): boolean {
    try {
      return this.db.prepare('SELECT 1').pluck().get() === 1;
    } catch {
      return false;
    }
  }

  sizeBytes(): number {
    return databaseBytes(this.db, this.file);
  }

  /** The connection's durability settings, for `qmon doctor` and tests. */
  settings(): StoreSettings {
    return {
      journalMode: this.db.pragma('journal_mode', { simple: true }) as string,
      synchronous: this.db.pragma('synchronous', { simple: true }) as number,
      foreignKeys: this.db.pragma('foreign_keys', { simple: true }) === 1,
      schemaVersion: this.db.pragma('user_version', { simple: true }) as number,
      autoVacuum: this.db.pragma('auto_vacuum', { simple: true }) as number,
      secureDelete: this.db.pragma('secure_delete', { simple: true }) === 1,
    };
  }

  /**
   * The camera outages (`camera_offline` violations) that end at or after `since`, or have not ended: what the camera
   * survey's uptime over 24 h is computed from. A scan of the violations table, run once a day off the frame path.
   */
  cameraOfflineSpans(since: EpochMs): { cameraId: string; startedAt: EpochMs; endedAt: EpochMs | null }[] {
    return this.db
      .prepare(
        `SELECT camera_id AS cameraId, started_at AS startedAt, ended_at AS endedAt FROM violations
         WHERE type = 'camera_offline' AND (ended_at IS NULL OR ended_at >= ?)`,
      )
      .all(since) as { cameraId: string; startedAt: EpochMs; endedAt: EpochMs | null }[];
  }

  /** The stored latest revision of a violation, or undefined. */
  violation(eventId: string): Violation | undefined {
    return this.violations.get(eventId);
  }

  nextToSend(limit: number, now: EpochMs): OutboxRow[] {
    return this.outbox.nextToSend(limit, now);
  }

  /** `nextToSend` without the payloads (seq and lane only), for the relay's hot path. */
  nextKeys(limit: number, now: EpochMs): { seq: number; lane: Lane }[] {
    return this.outbox.nextKeys(limit, now);
  }

  /** The exact bytes of a still-pending row; undefined once it is sent, acked or gone. */
  pendingPayload(seq: number): Buffer | undefined {
    return this.outbox.pendingPayload(seq);
  }

  markSent(seq: number, now: EpochMs): boolean {
    return this.write(`marking seq ${seq} sent`, () => this.outbox.markSent(seq, now));
  }

  /** `markSent` for many rows in one transaction: PUBACKs arrive in bursts, one fsync covers them all. */
  markSentMany(seqs: readonly number[], now: EpochMs): number {
    return this.write(`marking ${seqs.length} seq(s) sent`, () => this.outbox.markSentMany(seqs, now));
  }

  /** See OutboxQueries.markAcked: only published rows (or those in `inFlight`) can be acked. */
  markAcked(seqs: readonly number[], now: EpochMs, inFlight?: ReadonlySet<number>): AckResult {
    return this.write(`an ACK of ${seqs.length} seq(s)`, () => this.outbox.markAcked(seqs, now, inFlight));
  }

  requeueStale(sentBefore: EpochMs, now: EpochMs): number {
    return this.write('requeueing rows without ACK', () => this.outbox.requeueStale(sentBefore, now));
  }

  requeueAllSent(now: EpochMs): number {
    return this.write('requeueing sent rows', () => this.outbox.requeueAllSent(now));
  }

  requeueRange(fromSeq: number, toSeq: number, now: EpochMs): number {
    return this.write(`resend of seqs ${fromSeq}..${toSeq}`, () => this.outbox.requeueRange(fromSeq, toSeq, now));
  }

  defer(seq: number, now: EpochMs): void {
    this.write(`deferring seq ${seq}`, () => this.outbox.defer(seq, now));
  }

  stats(): OutboxStats {
    return this.outbox.stats();
  }

  sentCount(): number {
    return this.outbox.sentCount();
  }

  lastSeq(): number {
    return this.outbox.lastSeq();
  }

  rows(range: { fromSeq: number; toSeq: number; limit?: number }): OutboxRow[] {
    return this.outbox.rows(range.fromSeq, range.toSeq, range.limit ?? 10_000);
  }

  /** The MQTT session counter as last persisted (0 before the first connect). */
  currentSession(): number {
    return Number((this.metaGet.get('session') as string | undefined) ?? 0);
  }

  /**
   * Increments and persists the MQTT session counter, to at least `floor` (the uplink's clock-based value, see
   * uplink/session.ts); called before every connect attempt.
   */
  nextSession(floor = 0): number {
    return this.write('the session counter', () =>
      this.db.transaction(() => {
        const next = Math.max(this.currentSession() + 1, floor);
        this.metaSet.run('session', String(next));
        return next;
      })(),
      true,
    );
  }

  /** Raises the persisted session counter to at least `min` (cmd/rebase); returns it. Never lowers it. */
  raiseSession(min: number): number {
    return this.write('the session counter', () =>
      this.db.transaction(() => {
        const next = Math.max(this.currentSession(), min);
        this.metaSet.run('session', String(next));
        return next;
      })(),
      true,
    );
  }

  /**
   * Moves this store's seqs above `floor` (cmd/rebase: the hub holds seqs up to there from an earlier store of
   * this facility): new rows get seqs above it, and rows not acked whose seq is at or below it are renumbered above
   * it, in order, each re-encoded by `reencode(payload, seq)` (the seq is inside the signed bytes) and due at once.
   * One transaction. Returns the moves, oldest first.
   */
  rebaseSeqs(floor: number, reencode: (payload: Buffer, seq: number) => Buffer): { from: number; to: number }[] {
    return this.write(`re-basing seqs above ${floor}`, () => this.db.transaction(() => this.outbox.rebase(floor, reencode, this.clock.wall()))(), true);
  }

  /** A value from the key/value `meta` table (e.g. the hub's persisted policy), or undefined. */
  meta(key: string): string | undefined {
    return this.metaGet.get(key) as string | undefined;
  }

  setMeta(key: string, value: string): void {
    this.write(`meta ${key}`, () => this.metaSet.run(key, value), true);
  }

  /**
   * Runs retention's queries (RetentionManager; they never delete anything un-acked) with the same
   * SQLITE_FULL handling as every other write.
   */
  housekeeping<T>(operation: string, fn: (q: RetentionQueries) => T): T {
    return this.write(operation, () => fn(this.retention));
  }

  /**
   * Runs the guard dashboard's queries (users, acknowledgements, snoozes, audit, event listings) with the same
   * SQLITE_FULL handling as every other write; `grows` for those that add rows.
   */
  dashboard<T>(operation: string, fn: (q: DashboardQueries) => T, grows = false): T {
    return this.write(operation, () => fn(this.dash), grows);
  }

  /**
   * Records what became of a picture the pipeline asked for (made, failed or skipped, and why), so a violation
   * without a picture always says why. Returns its number within the violation.
   */
  recordPictureOutcome(row: Omit<PictureOutcomeRow, 'n' | 'at'>): number {
    const at = this.clock.wall();
    return this.write(`picture outcome of ${row.eventId}`, () => this.pictures.insert({ ...row, at }), true);
  }

  /** The picture outcomes of one violation, oldest first. */
  pictureOutcomes(eventId: string): PictureOutcomeRow[] {
    return this.pictures.list(eventId);
  }

  /** Checkpoints the WAL into the main file and closes; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (e) {
      // The data is already durable in the WAL; a failed checkpoint only leaves a larger -wal file.
      this.logger.warn({ err: e, file: this.file }, 'store checkpoint failed on close');
    }
    this.db.close();
  }
}

function checkRev(v: Violation): void {
  if (!Number.isSafeInteger(v.rev) || v.rev < 1) {
    throw new StoreError(`violation ${v.eventId}: rev must be a positive integer, got ${v.rev}`);
  }
}
