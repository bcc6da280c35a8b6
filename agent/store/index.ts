export { Store, DB_FILE } from './store.js';
// The data dir's privacy helpers live in shared/ (the hub's database uses them too); re-exported for the agent's callers.
export { makePrivateDir, securePrivateTree, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, type PermissionReport } from '../shared/permissions.js';
export type { StoreOptions, RecordOptions, RecordItem, StoreSettings } from './store-types.js';
export {
  retryDelayMs,
  MAX_RETRY_DELAY_MS,
  type Lane,
  type OutboxStatus,
  type OutboxRow,
  type OutboxStats,
  type AckResult,
} from './outbox.js';
export { StoreError, SchemaTooNewError, StaleRevisionError, StoreFullError } from './errors.js';
export { LATEST_SCHEMA_VERSION } from './migrations.js';
export {
  RetentionManager,
  statfsFreeBytes,
  type RetentionOptions,
  type RetentionReport,
  type DiskAlarmState,
  type DiskLevel,
  type AlarmKind,
} from './retention.js';
export type { SweepResult } from './janitor.js';
export { diskAlarmRuleEvent, DISK_ALARM_RULE_VERSION } from './alarm.js';
export type { PictureKind, PictureOutcomeRow } from './pictures.js';
export { SNAPSHOT_DIR, snapshotPathProblem, readSnapshotFile } from './snapshot-paths.js';
export type { DashboardQueries } from './dashboard.js';
export type { ReviewQueries } from './review-queries.js';
export { USER_ROLES } from './dashboard-types.js';
export type {
  ReviewGroup,
  ReviewSelection,
  UserRole,
  UserRow,
  AckRow,
  SnoozeRow,
  DashboardEvent,
  EventFilter,
  AuditEntry,
  AuditInput,
} from './dashboard-types.js';
