import type Database from 'better-sqlite3';
import type { EpochMs } from '../shared/types.js';

/**
 * The outbox: one row per violation revision, holding the exact bytes to publish, so every resend
 * is byte-identical. A row moves `pending` → `sent` (broker PUBACK) → `acked` (hub ACK after its DB
 * commit) and is never deleted before it is acked. Only a published row can be acked (see markAcked).
 */

export type Lane = 'live' | 'backlog';
export type OutboxStatus = 'pending' | 'sent' | 'acked';

export interface OutboxRow {
  readonly seq: number;
  readonly eventId: string;
  readonly rev: number;
  readonly lane: Lane;
  readonly status: OutboxStatus;
  readonly payload: Buffer;
  readonly createdAt: EpochMs;
  readonly sentAt: EpochMs | null;
  readonly ackedAt: EpochMs | null;
  readonly attempts: number;
  readonly nextAttemptAt: EpochMs;
}

export interface OutboxStats {
  readonly pending: number;
  readonly sent: number;
  readonly acked: number;
  /** created_at of the oldest pending or sent (not yet acked) row; null when everything is acked. */
  readonly oldestPendingAt: EpochMs | null;
  /** Highest seq ever handed out (0 when none); survives deletion of rows. */
  readonly lastSeq: number;
}

export interface AckResult {
  /** Rows that moved to `acked` now. */
  readonly acked: number;
  /** Seqs that were already acked (a repeated ACK). */
  readonly duplicate: number;
  /** Seqs this outbox never had (or has since deleted). */
  readonly unknown: number;
  /**
   * Seqs of rows never published (pending, no `sent_at`, not in flight): ignored, because the hub
   * cannot have committed what it never received. A non-zero count means a forged or confused ACK.
   */
  readonly unsent: number;
}

export const MAX_RETRY_DELAY_MS = 300_000;

/** Delay before retry number `attempts` (1-based): 5 s, 10 s, 20 s … capped at 5 min. */
export function retryDelayMs(attempts: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, 5_000 * 2 ** Math.max(0, attempts - 1));
}

interface SeqAttempts {
  seq: number;
  attempts: number;
}

interface RawRow {
  seq: number;
  event_id: string;
  rev: number;
  lane: Lane;
  status: OutboxStatus;
  payload: Buffer;
  created_at: number;
  sent_at: number | null;
  acked_at: number | null;
  attempts: number;
  next_attempt_at: number;
}

function toRow(r: RawRow): OutboxRow {
  return {
    seq: r.seq,
    eventId: r.event_id,
    rev: r.rev,
    lane: r.lane,
    status: r.status,
    payload: r.payload,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    ackedAt: r.acked_at,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
  };
}

const COLUMNS = 'seq, event_id, rev, lane, status, payload, created_at, sent_at, acked_at, attempts, next_attempt_at';

// A due row is one whose next_attempt_at has passed. A next_attempt_at further ahead than the
// longest backoff can only come from the wall clock having been stepped back (NTP after a dead RTC
// battery); treating it as due keeps such rows from being held for the size of the step.
const DUE = `status = 'pending' AND (next_attempt_at <= @now OR next_attempt_at > @now + ${MAX_RETRY_DELAY_MS})`;

/** Prepared statements over the outbox table; used by Store, which owns the connection. */
export class OutboxQueries {
  private readonly insertStmt;
  private readonly setPayloadStmt;
  private readonly dueStmt;
  private readonly markSentStmt;
  private readonly ackStmt;
  private readonly ackInFlightStmt;
  private readonly existsStmt;
  private readonly staleStmt;
  private readonly requeueStmt;
  private readonly countsStmt;
  private readonly oldestStmt;
  private readonly lastSeqStmt;
  private readonly rangeStmt;
  private readonly sentCountStmt;
  private readonly attemptsStmt;
  private readonly deferStmt;
  private readonly resendStmt;
  private readonly dueKeysStmt;
  private readonly payloadStmt;

  constructor(private readonly db: Database.Database) {
    // The payload is encoded with the row's own seq, so the row goes in first with an empty blob.
    this.insertStmt = db.prepare(
      `INSERT INTO outbox (event_id, rev, lane, status, payload, created_at, next_attempt_at)
       VALUES (?, ?, ?, 'pending', X'', ?, ?)`,
    );
    this.setPayloadStmt = db.prepare('UPDATE outbox SET payload = ? WHERE seq = ?');
    this.dueStmt = db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE ${DUE} AND lane = @lane ORDER BY seq LIMIT @limit`);
    this.dueKeysStmt = db.prepare(`SELECT seq FROM outbox WHERE ${DUE} AND lane = @lane ORDER BY seq LIMIT @limit`).pluck();
    this.payloadStmt = db.prepare(`SELECT payload FROM outbox WHERE seq = ? AND status = 'pending'`).pluck();
    this.markSentStmt = db.prepare(`UPDATE outbox SET status = 'sent', sent_at = ? WHERE seq = ? AND status = 'pending'`);
    // Only what was published can be acknowledged: `sent`, or pending again after a publish (sent_at set).
    this.ackStmt = db.prepare(
      `UPDATE outbox SET status = 'acked', acked_at = ? WHERE seq = ? AND (status = 'sent' OR (status = 'pending' AND sent_at IS NOT NULL))`,
    );
    this.ackInFlightStmt = db.prepare(`UPDATE outbox SET status = 'acked', acked_at = ? WHERE seq = ? AND status = 'pending'`);
    this.existsStmt = db.prepare('SELECT status FROM outbox WHERE seq = ?').pluck();
    this.staleStmt = db.prepare(`SELECT seq, attempts FROM outbox WHERE status = 'sent' AND sent_at < ?`);
    this.requeueStmt = db.prepare(
      `UPDATE outbox SET status = 'pending', attempts = ?, next_attempt_at = ?, lane = coalesce(?, lane) WHERE seq = ?`,
    );
    this.countsStmt = db.prepare('SELECT status, count(*) AS n FROM outbox GROUP BY status');
    this.oldestStmt = db.prepare(`SELECT min(created_at) FROM outbox WHERE status IN ('pending', 'sent')`).pluck();
    this.lastSeqStmt = db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'outbox'`).pluck();
    this.rangeStmt = db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE seq BETWEEN ? AND ? ORDER BY seq LIMIT ?`);
    this.sentCountStmt = db.prepare(`SELECT count(*) FROM outbox WHERE status = 'sent'`).pluck();
    this.attemptsStmt = db.prepare(`SELECT attempts FROM outbox WHERE seq = ? AND status = 'pending'`).pluck();
    this.deferStmt = db.prepare(`UPDATE outbox SET attempts = ?, next_attempt_at = ? WHERE seq = ?`);
    this.resendStmt = db.prepare(
      `SELECT seq, attempts FROM outbox WHERE seq BETWEEN ? AND ? AND status IN ('sent', 'acked')`,
    );
  }

  /** Inserts a pending row and returns its seq; call inside the caller's transaction. */
  insert(eventId: string, rev: number, lane: Lane, now: EpochMs): number {
    const info = this.insertStmt.run(eventId, rev, lane, now, now);
    return Number(info.lastInsertRowid);
  }

  setPayload(seq: number, payload: Buffer): void {
    this.setPayloadStmt.run(payload, seq);
  }

  /** Due pending rows: the live lane first, then the backlog, each oldest first by seq. */
  nextToSend(limit: number, now: EpochMs): OutboxRow[] {
    if (limit <= 0) return [];
    const live = (this.dueStmt.all({ now, lane: 'live', limit }) as RawRow[]).map(toRow);
    if (live.length >= limit) return live;
    const backlog = (this.dueStmt.all({ now, lane: 'backlog', limit: limit - live.length }) as RawRow[]).map(toRow);
    return live.concat(backlog);
  }

  /**
   * What `nextToSend` would return, without the payloads: the relay skips most of these rows (they
   * are already in flight), so copying their bytes on every pump would be most of its cost.
   */
  nextKeys(limit: number, now: EpochMs): { seq: number; lane: Lane }[] {
    if (limit <= 0) return [];
    const keys = (lane: Lane, n: number) => (this.dueKeysStmt.all({ now, lane, limit: n }) as number[]).map((seq) => ({ seq, lane }));
    const live = keys('live', limit);
    return live.length >= limit ? live : live.concat(keys('backlog', limit - live.length));
  }

  /** The bytes of a row that is still pending; undefined once it is sent, acked or gone. */
  pendingPayload(seq: number): Buffer | undefined {
    return this.payloadStmt.get(seq) as Buffer | undefined;
  }

  /** Broker PUBACK: pending → sent. False when the row is not pending (already acked, or unknown). */
  markSent(seq: number, now: EpochMs): boolean {
    return this.markSentStmt.run(now, seq).changes === 1;
  }

  /** Several PUBACKs in one transaction (one fsync); returns how many rows moved to `sent`. */
  markSentMany(seqs: readonly number[], now: EpochMs): number {
    return this.db.transaction(() => seqs.reduce((n, seq) => n + this.markSentStmt.run(now, seq).changes, 0))();
  }

  /**
   * A hub ACK. Moves to `acked` only rows that were published: `sent` ones, pending ones published
   * before (sent_at set: requeued after a timeout or a resend), and pending ones in `inFlight` (handed
   * to the broker on this connection, PUBACK not yet recorded: the hub's ACK may overtake the PUBACK).
   * A never-published row is left alone and counted as `unsent`: an ACK cannot confirm what was never sent.
   */
  markAcked(seqs: readonly number[], now: EpochMs, inFlight: ReadonlySet<number> = new Set()): AckResult {
    let acked = 0;
    let duplicate = 0;
    let unknown = 0;
    let unsent = 0;
    this.db.transaction(() => {
      for (const seq of new Set(seqs)) {
        if (this.ackStmt.run(now, seq).changes === 1) acked++;
        else if (inFlight.has(seq) && this.ackInFlightStmt.run(now, seq).changes === 1) acked++;
        else {
          const status = this.existsStmt.get(seq) as OutboxStatus | undefined;
          if (status === undefined) unknown++;
          else if (status === 'acked') duplicate++;
          else unsent++;
        }
      }
      // A seq repeated inside one ACK message is a duplicate too.
      duplicate += seqs.length - new Set(seqs).size;
    })();
    return { acked, duplicate, unknown, unsent };
  }

  /** Sent rows without an ACK since before `sentBefore` go back to pending, after a backoff. */
  requeueStale(sentBefore: EpochMs, now: EpochMs): number {
    return this.requeue(this.staleStmt.all(sentBefore) as SeqAttempts[], (attempts) => now + retryDelayMs(attempts));
  }

  /**
   * Every sent row back to pending, due now: the broker said it has no session for us, so ACKs
   * queued for us are gone and waiting for them would only stall the window.
   */
  requeueAllSent(now: EpochMs): number {
    return this.requeue(this.staleStmt.all(Number.MAX_SAFE_INTEGER) as SeqAttempts[], () => now);
  }

  /** A pending row whose publish failed (no subscribers, publish error): try again after a backoff. */
  defer(seq: number, now: EpochMs): void {
    const attempts = this.attemptsStmt.get(seq) as number | undefined;
    if (attempts === undefined) return;
    this.deferStmt.run(attempts + 1, now + retryDelayMs(attempts + 1), seq);
  }

  private requeue(rows: readonly SeqAttempts[], dueAt: (attempts: number) => EpochMs): number {
    this.db.transaction(() => {
      for (const r of rows) this.requeueStmt.run(r.attempts + 1, dueAt(r.attempts + 1), null, r.seq);
    })();
    return rows.length;
  }

  /**
   * `cmd/resend`: sent or acked rows in [fromSeq, toSeq] back to pending, due now, on the backlog
   * lane (so a large resend is rate-capped like any backlog). The bytes stay as they were written.
   */
  requeueRange(fromSeq: number, toSeq: number, now: EpochMs): number {
    const rows = this.resendStmt.all(fromSeq, toSeq) as SeqAttempts[];
    this.db.transaction(() => {
      for (const r of rows) this.requeueStmt.run(r.attempts, now, 'backlog', r.seq);
    })();
    return rows.length;
  }

  stats(): OutboxStats {
    const counts = { pending: 0, sent: 0, acked: 0 };
    for (const r of this.countsStmt.all() as { status: OutboxStatus; n: number }[]) counts[r.status] = r.n;
    const oldest = this.oldestStmt.get() as number | null;
    return { ...counts, oldestPendingAt: oldest, lastSeq: this.lastSeq() };
  }

  sentCount(): number {
    return this.sentCountStmt.get() as number;
  }

  /** See Store.rebaseSeqs; call inside the caller's transaction. */
  rebase(floor: number, reencode: (payload: Buffer, seq: number) => Buffer, now: EpochMs): { from: number; to: number }[] {
    const rows = this.db.prepare(`SELECT seq, payload FROM outbox WHERE seq <= ? AND status <> 'acked' ORDER BY seq`).all(floor) as { seq: number; payload: Buffer }[];
    // AUTOINCREMENT hands out max(sqlite_sequence, max(seq)) + 1: raising the sequence moves every new row above.
    this.db.prepare(`INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'outbox')`).run();
    let next = Math.max(this.lastSeq(), floor);
    const move = this.db.prepare(
      `UPDATE outbox SET seq = ?, payload = ?, status = 'pending', sent_at = NULL, attempts = 0, next_attempt_at = ? WHERE seq = ?`,
    );
    const moves = rows.map((r) => {
      next++;
      move.run(next, reencode(r.payload, next), now, r.seq);
      return { from: r.seq, to: next };
    });
    this.db.prepare(`UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'outbox'`).run(next);
    return moves;
  }

  lastSeq(): number {
    return (this.lastSeqStmt.get() as number | undefined) ?? 0;
  }

  rows(fromSeq: number, toSeq: number, limit: number): OutboxRow[] {
    return (this.rangeStmt.all(fromSeq, toSeq, limit) as RawRow[]).map(toRow);
  }
}
