import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { Logger } from '../ops/index.js';

/** Bytes of the database file (pages × page size) plus its WAL file. */
export function databaseBytes(db: Database.Database, file: string): number {
  let walBytes = 0;
  try {
    walBytes = statSync(`${file}-wal`).size;
  } catch {
    // no WAL file (just checkpointed and truncated, or never written)
  }
  const pages = db.pragma('page_count', { simple: true }) as number;
  return pages * (db.pragma('page_size', { simple: true }) as number) + walBytes;
}

/**
 * Frees pages for real: checkpoint and truncate the WAL (so the vacuum has room), hand the free
 * list back to the filesystem (incremental auto-vacuum), then checkpoint and truncate again so the
 * WAL frames the vacuum wrote are gone too. May throw SQLITE_FULL on a completely full disk.
 */
export function reclaimPages(db: Database.Database): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
  if (db.pragma('auto_vacuum', { simple: true }) === 2) db.pragma('incremental_vacuum');
  db.pragma('wal_checkpoint(TRUNCATE)');
}

/**
 * A database made before auto-vacuum was chosen (schema 1 era) is rebuilt once with VACUUM so
 * deleted pages can be reclaimed. VACUUM needs free space about the size of the database; when it
 * fails the store keeps working, only without giving space back, and it is tried on the next open.
 */
export function convertToIncrementalVacuum(db: Database.Database, file: string, logger: Logger): void {
  if (db.pragma('auto_vacuum', { simple: true }) === 2) return;
  try {
    db.pragma('auto_vacuum = INCREMENTAL');
    db.exec('VACUUM');
    logger.info({ file }, 'store rebuilt with incremental auto-vacuum');
  } catch (e) {
    logger.warn({ file, err: (e as Error).message }, 'could not switch the store to incremental auto-vacuum; will retry at next open');
  }
}
