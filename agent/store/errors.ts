/** Base class so callers (the CLI) can tell a store problem the user can act on from a bug. */
export class StoreError extends Error {
  override name = 'StoreError';
}

/** The database was written by a newer qmon; opening it with this one could damage it. */
export class SchemaTooNewError extends StoreError {
  override name = 'SchemaTooNewError';
  constructor(
    readonly file: string,
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `${file} has schema version ${found}, but this qmon only knows versions up to ${known}: ` +
        `it was written by a newer qmon. Upgrade qmon (or restore a backup made by this version); ` +
        `the database was not opened, so nothing in it was changed.`,
    );
  }
}

/** A violation revision that does not move forward: the store keeps revisions strictly increasing. */
export class StaleRevisionError extends StoreError {
  override name = 'StaleRevisionError';
  constructor(
    readonly eventId: string,
    readonly rev: number,
    readonly storedRev: number,
  ) {
    super(`violation ${eventId}: rev ${rev} is not greater than the stored rev ${storedRev}`);
  }
}

/**
 * SQLite said SQLITE_FULL: the disk (or the database's page limit) has no room for this write. The
 * transaction was rolled back, the connection stays usable, and the next write is tried normally,
 * so the agent keeps running and recovers by itself once space returns.
 */
export class StoreFullError extends StoreError {
  override name = 'StoreFullError';
  constructor(
    readonly file: string,
    readonly operation: string,
  ) {
    super(`the store at ${file} is full (no disk space): ${operation} was not saved; it is retried when space returns`);
  }
}

/** True for better-sqlite3's SqliteError with code SQLITE_FULL (also raised when max_page_count is reached). */
export function isSqliteFull(e: unknown): boolean {
  return e instanceof Error && (e as { code?: unknown }).code === 'SQLITE_FULL';
}
