import type Database from 'better-sqlite3';
import type { EpochMs, PictureOutcome } from '../shared/index.js';

/** The kinds of picture a violation can have. */
export type PictureKind = 'snapshot' | 'context';

/** What became of one picture the pipeline asked for. */
export interface PictureOutcomeRow {
  readonly eventId: string;
  /** 1, 2, … per violation, in the order asked for. */
  readonly n: number;
  readonly kind: PictureKind;
  readonly outcome: PictureOutcome;
  /** Why it was not made (machine-readable, e.g. `queue_full`, `worker_failed`, `disk_pressure`); null when made. */
  readonly reason: string | null;
  /** The file, relative to the storage dir, when made. */
  readonly file: string | null;
  readonly at: EpochMs;
}

/** Prepared statements over `pictures`; used by Store, which owns the connection. */
export class PictureQueries {
  private readonly insertStmt;
  private readonly nextStmt;
  private readonly listStmt;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare(
      'INSERT INTO pictures (event_id, n, kind, outcome, reason, file, at) VALUES (@eventId, @n, @kind, @outcome, @reason, @file, @at)',
    );
    this.nextStmt = db.prepare('SELECT coalesce(max(n), 0) + 1 FROM pictures WHERE event_id = ?').pluck();
    this.listStmt = db.prepare('SELECT event_id AS eventId, n, kind, outcome, reason, file, at FROM pictures WHERE event_id = ? ORDER BY n');
  }

  /** Records an outcome as the violation's next picture; returns its number. */
  insert(row: Omit<PictureOutcomeRow, 'n'>): number {
    const n = this.nextStmt.get(row.eventId) as number;
    this.insertStmt.run({ ...row, n });
    return n;
  }

  list(eventId: string): PictureOutcomeRow[] {
    return this.listStmt.all(eventId) as PictureOutcomeRow[];
  }
}
