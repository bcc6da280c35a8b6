import type { Clock } from '../shared/clock.js';
import type { Violation } from '../shared/types.js';
import type { Logger } from '../ops/index.js';
import type { Lane } from './outbox.js';

/** The Store's options and the shapes it takes and reports; kept apart so store.ts is the behaviour only. */

export interface StoreOptions {
  /** Storage directory; the database is `<dir>/qmon.db`. Created when missing. */
  readonly dir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Caps the database at this many pages (`PRAGMA max_page_count`); writes past it fail with
   * SQLITE_FULL exactly as on a full disk. For tests of the disk-full path where no small
   * filesystem can be mounted; unset in production.
   */
  readonly maxPageCount?: number;
}

export interface RecordOptions {
  /**
   * `live` when the uplink was connected at enqueue time, `backlog` otherwise. Decided by the
   * caller because it also decides the payload's `replay` flag, which is part of the stored bytes.
   */
  readonly lane?: Lane;
}

/** One item of `recordViolations`. */
export interface RecordItem {
  readonly violation: Violation;
  readonly encode: (seq: number) => Buffer;
  readonly lane?: Lane;
}

export interface StoreSettings {
  readonly journalMode: string;
  readonly synchronous: number;
  readonly foreignKeys: boolean;
  readonly schemaVersion: number;
  /** 2 = INCREMENTAL: deleted pages can be handed back to the filesystem. */
  readonly autoVacuum: number;
  /** Deleted content is overwritten with zeros, not left in free pages. */
  readonly secureDelete: boolean;
}
