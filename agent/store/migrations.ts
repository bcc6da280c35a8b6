import type Database from 'better-sqlite3';
import { SchemaTooNewError } from './errors.js';

/**
 * Schema versions, applied in order inside one transaction each. `PRAGMA user_version` records the
 * last one applied. Never edit a migration that has shipped: add a new one, because agents in the
 * field already ran the old text.
 */
const MIGRATIONS: readonly string[] = [
  // 1: violations (latest revision of each), outbox (one row per revision, the exact bytes to publish), meta.
  `
  CREATE TABLE violations (
    event_id   TEXT PRIMARY KEY,
    rev        INTEGER NOT NULL CHECK (rev >= 1),
    state      TEXT NOT NULL CHECK (state IN ('new', 'update', 'end')),
    type       TEXT NOT NULL,
    camera_id  TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER,
    updated_at INTEGER NOT NULL,
    json       TEXT NOT NULL
  ) STRICT;

  -- AUTOINCREMENT (not just INTEGER PRIMARY KEY) so a seq is never handed out twice, even after the
  -- newest rows are deleted: the hub uses seq to see gaps, and a reused seq would hide one.
  -- No ON DELETE CASCADE on purpose: deleting a violation that still has outbox rows must fail
  -- rather than silently drop un-acked revisions.
  CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id        TEXT NOT NULL REFERENCES violations(event_id),
    rev             INTEGER NOT NULL,
    lane            TEXT NOT NULL CHECK (lane IN ('live', 'backlog')),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'acked')),
    payload         BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    acked_at        INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    UNIQUE (event_id, rev)
  ) STRICT;
  CREATE INDEX outbox_status ON outbox (status, lane, seq);

  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;
  `,
  // 2: snapshot files the store knows of (for retention and the orphan janitor), backfilled from the
  // violations already stored; an index so retention finds acked rows by age without a scan.
  `
  CREATE TABLE snapshot_files (
    file       TEXT PRIMARY KEY,
    event_id   TEXT NOT NULL,
    rev        INTEGER NOT NULL,
    bytes      INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX snapshot_files_event ON snapshot_files (event_id);
  INSERT OR IGNORE INTO snapshot_files (file, event_id, rev, bytes, created_at)
    SELECT json_extract(json, '$.snapshot.file'), event_id, rev,
           coalesce(json_extract(json, '$.snapshot.bytes'), 0), updated_at
    FROM violations
    WHERE json_type(json, '$.snapshot.file') = 'text';
  CREATE INDEX outbox_acked_at ON outbox (acked_at) WHERE status = 'acked';
  `,
  // 3: the guard dashboard: users (Argon2id hashes), acknowledgements, per-camera snoozes and the append-only
  // audit log. An acknowledgement goes with its violation when retention deletes it; audit rows never go.
  `
  CREATE TABLE users (
    name       TEXT PRIMARY KEY,
    role       TEXT NOT NULL CHECK (role IN ('guard', 'admin', 'auditor')),
    hash       TEXT NOT NULL,
    disabled   INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE acks (
    event_id TEXT PRIMARY KEY,
    by       TEXT NOT NULL,
    at       INTEGER NOT NULL,
    note     TEXT
  ) STRICT;
  CREATE TRIGGER acks_follow_violations AFTER DELETE ON violations
  BEGIN
    DELETE FROM acks WHERE event_id = old.event_id;
  END;

  CREATE TABLE snoozes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    camera_id  TEXT NOT NULL,
    until      INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    by         TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    ended_at   INTEGER,
    ended_by   TEXT
  ) STRICT;
  CREATE INDEX snoozes_camera ON snoozes (camera_id, created_at);

  CREATE TABLE audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    user   TEXT,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT NOT NULL DEFAULT '{}',
    ip     TEXT
  ) STRICT;
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
  END;
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
  END;

  CREATE INDEX violations_camera ON violations (camera_id, event_id);
  `,
  // 4: what became of each picture the pipeline asked for (made, or why not), so that every violation that should
  // have one shows either its picture or a recorded reason; forgotten with its violation.
  `
  CREATE TABLE pictures (
    event_id TEXT NOT NULL,
    n        INTEGER NOT NULL CHECK (n >= 1),
    kind     TEXT NOT NULL CHECK (kind IN ('snapshot', 'context')),
    outcome  TEXT NOT NULL CHECK (outcome IN ('made', 'failed', 'skipped')),
    reason   TEXT,
    file     TEXT,
    at       INTEGER NOT NULL,
    PRIMARY KEY (event_id, n)
  ) STRICT;
  CREATE TRIGGER pictures_follow_violations AFTER DELETE ON violations
  BEGIN
    DELETE FROM pictures WHERE event_id = old.event_id;
  END;
  `,
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

/** Brings `db` to the latest schema; refuses a database written by a newer agent. */
export function migrate(db: Database.Database, file: string): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > LATEST_SCHEMA_VERSION) throw new SchemaTooNewError(file, from, LATEST_SCHEMA_VERSION);
  for (let v = from; v < LATEST_SCHEMA_VERSION; v++) {
    const sql = MIGRATIONS[v]!;
    db.transaction(() => {
      db.exec(sql);
      // user_version cannot be bound as a parameter; v is our own integer, not input.
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return { from, to: LATEST_SCHEMA_VERSION };
}
