export { Store, DB_FILE, type StoreOptions, type RecordOptions } from './store.js';
export {
  retryDelayMs,
  MAX_RETRY_DELAY_MS,
  type Lane,
  type OutboxStatus,
  type OutboxRow,
  type OutboxStats,
  type AckResult,
} from './outbox.js';
export { StoreError, SchemaTooNewError, StaleRevisionError } from './errors.js';
export { LATEST_SCHEMA_VERSION } from './migrations.js';
