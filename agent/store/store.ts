import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Clock } from '../shared/clock.js';
import type { EpochMs, Violation } from '../shared/types.js';
import type { Logger } from '../ops/index.js';
import { StaleRevisionError, StoreError } from './errors.js';
import { migrate } from './migrations.js';
import { OutboxQueries, type AckResult, type Lane, type OutboxRow, type OutboxStats } from './outbox.js';

export interface StoreOptions {
  /** Storage directory; the database is `<dir>/qmon.db`. Created when missing. */
  readonly dir: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface RecordOptions {
  /**
   * `live` when the uplink was connected at enqueue time, `backlog` otherwise. Decided by the
   * caller because it also decides the payload's `replay` flag, which is part of the stored bytes.
   */
  readonly lane?: Lane;
}

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
  private readonly upsertViolation;
  private readonly revOf;
  private readonly metaGet;
  private readonly metaSet;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.outbox = new OutboxQueries(db);
    this.upsertViolation = db.prepare(
      `INSERT INTO violations (event_id, rev, state, type, camera_id, started_at, ended_at, updated_at, json)
       VALUES (@eventId, @rev, @state, @type, @cameraId, @startedAt, @endedAt, @updatedAt, @json)
       ON CONFLICT (event_id) DO UPDATE SET
         rev = excluded.rev, state = excluded.state, type = excluded.type, camera_id = excluded.camera_id,
         started_at = excluded.started_at, ended_at = excluded.ended_at, updated_at = excluded.updated_at,
         json = excluded.json
       WHERE excluded.rev > violations.rev`,
    );
    this.revOf = db.prepare('SELECT rev FROM violations WHERE event_id = ?').pluck();
    this.metaGet = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    this.metaSet = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  static open(opts: StoreOptions): Store {
    const file = join(opts.dir, DB_FILE);
    let db: Database.Database;
    try {
      mkdirSync(opts.dir, { recursive: true });
      db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    } catch (e) {
      throw new StoreError(`cannot open the store at ${file}: ${(e as Error).message}`);
    }
    try {
      // WAL: readers (dashboard, CLI) never block the writer. FULL: the WAL is fsynced on every
      // commit; NORMAL could lose the last commits on power loss, and those are the alerts.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      const { from, to } = migrate(db, file);
      if (from !== to) opts.logger.info({ file, from, to }, 'store schema migrated');
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
   */
  recordViolation(v: Violation, encode: (seq: number) => Buffer, opts: RecordOptions = {}): { seq: number } {
    if (!Number.isSafeInteger(v.rev) || v.rev < 1) {
      throw new StoreError(`violation ${v.eventId}: rev must be a positive integer, got ${v.rev}`);
    }
    const now = this.clock.wall();
    return this.db.transaction(() => {
      const res = this.upsertViolation.run({
        eventId: v.eventId,
        rev: v.rev,
        state: v.state,
        type: v.type,
        cameraId: v.cameraId,
        startedAt: v.startedAt,
        endedAt: v.endedAt,
        updatedAt: v.updatedAt,
        json: JSON.stringify(v),
      });
      if (res.changes === 0) throw new StaleRevisionError(v.eventId, v.rev, this.revOf.get(v.eventId) as number);
      const seq = this.outbox.insert(v.eventId, v.rev, opts.lane ?? 'live', now);
      const payload = encode(seq);
      if (!Buffer.isBuffer(payload) || payload.length === 0) {
        throw new StoreError(`violation ${v.eventId} rev ${v.rev}: the encoder returned no bytes`);
      }
      this.outbox.setPayload(seq, payload);
      return { seq };
    })();
  }

  /** The connection's durability settings, for `qmon doctor` and tests. */
  settings(): { journalMode: string; synchronous: number; foreignKeys: boolean; schemaVersion: number } {
    return {
      journalMode: this.db.pragma('journal_mode', { simple: true }) as string,
      synchronous: this.db.pragma('synchronous', { simple: true }) as number,
      foreignKeys: this.db.pragma('foreign_keys', { simple: true }) === 1,
      schemaVersion: this.db.pragma('user_version', { simple: true }) as number,
    };
  }

  /** The stored latest revision of a violation, or undefined. */
  violation(eventId: string): Violation | undefined {
    const json = this.db.prepare('SELECT json FROM violations WHERE event_id = ?').pluck().get(eventId) as
      | string
      | undefined;
    return json === undefined ? undefined : (JSON.parse(json) as Violation);
  }

  nextToSend(limit: number, now: EpochMs): OutboxRow[] {
    return this.outbox.nextToSend(limit, now);
  }

  markSent(seq: number, now: EpochMs): boolean {
    return this.outbox.markSent(seq, now);
  }

  markAcked(seqs: readonly number[], now: EpochMs): AckResult {
    return this.outbox.markAcked(seqs, now);
  }

  requeueStale(sentBefore: EpochMs, now: EpochMs): number {
    return this.outbox.requeueStale(sentBefore, now);
  }

  requeueAllSent(now: EpochMs): number {
    return this.outbox.requeueAllSent(now);
  }

  requeueRange(fromSeq: number, toSeq: number, now: EpochMs): number {
    return this.outbox.requeueRange(fromSeq, toSeq, now);
  }

  defer(seq: number, now: EpochMs): void {
    this.outbox.defer(seq, now);
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

  /** Increments and persists the MQTT session counter; called before every connect attempt. */
  nextSession(): number {
    return this.db.transaction(() => {
      const next = this.currentSession() + 1;
      this.metaSet.run('session', String(next));
      return next;
    })();
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
