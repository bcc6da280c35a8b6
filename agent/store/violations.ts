import type Database from 'better-sqlite3';
import type { EpochMs, Violation } from '../shared/types.js';
import { StaleRevisionError } from './errors.js';
import { snapshotPathProblem } from './snapshot-paths.js';

/**
 * Prepared statements over `violations` and `snapshot_files`; used by Store, which owns the
 * connection and the transactions.
 */
export class ViolationQueries {
  private readonly upsertStmt;
  private readonly revStmt;
  private readonly jsonStmt;
  private readonly trackSnapshotStmt;

  constructor(db: Database.Database) {
    this.upsertStmt = db.prepare(
      `INSERT INTO violations (event_id, rev, state, type, camera_id, started_at, ended_at, updated_at, json)
       VALUES (@eventId, @rev, @state, @type, @cameraId, @startedAt, @endedAt, @updatedAt, @json)
       ON CONFLICT (event_id) DO UPDATE SET
         rev = excluded.rev, state = excluded.state, type = excluded.type, camera_id = excluded.camera_id,
         started_at = excluded.started_at, ended_at = excluded.ended_at, updated_at = excluded.updated_at,
         json = excluded.json
       WHERE excluded.rev > violations.rev`,
    );
    this.revStmt = db.prepare('SELECT rev FROM violations WHERE event_id = ?').pluck();
    this.jsonStmt = db.prepare('SELECT json FROM violations WHERE event_id = ?').pluck();
    this.trackSnapshotStmt = db.prepare(
      `INSERT OR IGNORE INTO snapshot_files (file, event_id, rev, bytes, created_at) VALUES (?, ?, ?, ?, ?)`,
    );
  }

  /**
   * Writes the revision (call inside the caller's transaction); a rev that does not grow throws.
   * Returns the problem with the snapshot's path when it is not one the store may manage (then it
   * is not tracked for retention), else null.
   */
  upsert(v: Violation, now: EpochMs): string | null {
    const res = this.upsertStmt.run({
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
    if (res.changes === 0) throw new StaleRevisionError(v.eventId, v.rev, this.revStmt.get(v.eventId) as number);
    let problem: string | null = null;
    // The snapshot and the context picture, kept by the same retention rules. A later revision often carries the same
    // files as the one before: tracked once.
    for (const ref of [v.snapshot, v.context ?? null]) {
      if (ref === null) continue;
      const p = snapshotPathProblem(ref.file);
      if (p === null) this.trackSnapshotStmt.run(ref.file, v.eventId, v.rev, ref.bytes, now);
      else problem ??= p;
    }
    return problem;
  }

  get(eventId: string): Violation | undefined {
    const json = this.jsonStmt.get(eventId) as string | undefined;
    return json === undefined ? undefined : (JSON.parse(json) as Violation);
  }
}
