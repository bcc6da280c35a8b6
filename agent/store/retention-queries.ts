import type Database from 'better-sqlite3';
import type { EpochMs } from '../shared/types.js';

/** A snapshot file the store tracks (path relative to the storage dir). */
export interface SnapshotFileRow {
  readonly file: string;
  readonly eventId: string;
  readonly bytes: number;
}

export interface DeleteAckedResult {
  /** Outbox rows deleted (all of them acked). */
  readonly rows: number;
  /** Violations deleted because none of their outbox rows is left. */
  readonly violations: number;
  /**
   * Snapshot files of the deleted violations: still tracked, so a crash before they are unlinked
   * leaves them findable. Unlink them, then `forgetSnapshots`.
   */
  readonly snapshotFiles: readonly SnapshotFileRow[];
}

interface RawFile {
  file: string;
  event_id: string;
  bytes: number;
}

const toFile = (r: RawFile): SnapshotFileRow => ({ file: r.file, eventId: r.event_id, bytes: r.bytes });

/** Nothing of the event is still waiting for the hub. */
const ALL_ACKED = `NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = f.event_id AND o.status != 'acked')`;

/**
 * What retention and the janitor ask of the database. Nothing here deletes an outbox row that is
 * not acked, or a violation that still has one: un-acked events are only ever removed by the hub's
 * ACK. Used by Store, which owns the connection.
 */
export class RetentionQueries {
  private readonly expirableStmt;
  private readonly oldestSnapshotsStmt;
  private readonly forgetStmt;
  private readonly deleteAckedStmt;
  private readonly deleteViolationStmt;
  private readonly filesOfStmt;
  private readonly orphanRowsStmt;
  private readonly trackedStmt;
  private readonly knownStmt;

  constructor(private readonly db: Database.Database) {
    this.expirableStmt = db.prepare(
      `SELECT f.file, f.event_id, f.bytes FROM snapshot_files f
       WHERE f.created_at <= @before AND ${ALL_ACKED}
       ORDER BY f.created_at, f.file LIMIT @limit`,
    );
    this.oldestSnapshotsStmt = db.prepare(
      'SELECT file, event_id, bytes FROM snapshot_files ORDER BY created_at, file LIMIT ?',
    );
    this.forgetStmt = db.prepare('DELETE FROM snapshot_files WHERE file = ?');
    this.deleteAckedStmt = db.prepare(
      `DELETE FROM outbox WHERE seq IN (
         SELECT seq FROM outbox WHERE status = 'acked' AND acked_at <= @before ORDER BY acked_at, seq LIMIT @limit
       ) RETURNING event_id`,
    );
    this.deleteViolationStmt = db.prepare(
      'DELETE FROM violations WHERE event_id = ? AND NOT EXISTS (SELECT 1 FROM outbox WHERE event_id = ?)',
    );
    this.filesOfStmt = db.prepare('SELECT file, event_id, bytes FROM snapshot_files WHERE event_id = ?');
    this.orphanRowsStmt = db.prepare(
      `SELECT f.file, f.event_id, f.bytes FROM snapshot_files f
       WHERE NOT EXISTS (SELECT 1 FROM violations v WHERE v.event_id = f.event_id) LIMIT ?`,
    );
    this.trackedStmt = db.prepare('SELECT file FROM snapshot_files').pluck();
    this.knownStmt = db.prepare('SELECT 1 FROM snapshot_files WHERE file = ?').pluck();
  }

  /** Snapshots taken at or before `before` whose event is fully acked; oldest first. */
  expirableSnapshots(before: EpochMs, limit: number): SnapshotFileRow[] {
    return (this.expirableStmt.all({ before, limit }) as RawFile[]).map(toFile);
  }

  /** Every tracked snapshot, acked or not, oldest first: only for the hard floor. */
  oldestSnapshots(limit: number): SnapshotFileRow[] {
    return (this.oldestSnapshotsStmt.all(limit) as RawFile[]).map(toFile);
  }

  forgetSnapshots(files: readonly string[]): void {
    this.db.transaction(() => {
      for (const f of files) this.forgetStmt.run(f);
    })();
  }

  /**
   * Deletes up to `limit` outbox rows acked at or before `before` (oldest ACK first), then every
   * violation of theirs that has no outbox row left, in one transaction.
   */
  deleteAcked(before: EpochMs, limit: number): DeleteAckedResult {
    return this.db.transaction(() => {
      const deleted = this.deleteAckedStmt.all({ before, limit }) as { event_id: string }[];
      let violations = 0;
      const snapshotFiles: SnapshotFileRow[] = [];
      for (const id of new Set(deleted.map((r) => r.event_id))) {
        if (this.deleteViolationStmt.run(id, id).changes === 1) {
          violations++;
          snapshotFiles.push(...(this.filesOfStmt.all(id) as RawFile[]).map(toFile));
        }
      }
      return { rows: deleted.length, violations, snapshotFiles };
    })();
  }

  /** Tracked snapshot files whose violation is gone (a crash between deleting it and unlinking them). */
  orphanSnapshotRows(limit: number): SnapshotFileRow[] {
    return (this.orphanRowsStmt.all(limit) as RawFile[]).map(toFile);
  }

  trackedFiles(): Set<string> {
    return new Set(this.trackedStmt.all() as string[]);
  }

  isTracked(file: string): boolean {
    return this.knownStmt.get(file) !== undefined;
  }
}
