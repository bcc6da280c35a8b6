import type { EpochMs, RuleType, Severity, Violation } from '../shared/types.js';

/** The rows the guard dashboard reads and writes (agent/local), kept apart from the queries that make them. */

/** The dashboard's roles, the one list (the `users.role` CHECK of migration 3 spells the same three). */
export const USER_ROLES = ['guard', 'admin', 'auditor'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export interface UserRow {
  readonly name: string;
  readonly role: UserRole;
  /** Argon2id PHC string. */
  readonly hash: string;
  readonly disabled: boolean;
  readonly createdAt: EpochMs;
  readonly updatedAt: EpochMs;
}

export interface AckRow {
  readonly eventId: string;
  readonly by: string;
  readonly at: EpochMs;
  readonly note: string | null;
}

export interface SnoozeRow {
  readonly id: number;
  readonly cameraId: string;
  readonly until: EpochMs;
  readonly reason: string;
  readonly by: string;
  readonly createdAt: EpochMs;
  readonly endedAt: EpochMs | null;
  readonly endedBy: string | null;
}

/** A stored violation (its latest revision) with what the guards added to it. */
export interface DashboardEvent {
  readonly violation: Violation;
  readonly ack: AckRow | null;
  /** It started while its camera was snoozed. */
  readonly snoozed: boolean;
}

export interface EventFilter {
  /** Newest first; at most this many. */
  readonly limit: number;
  /** Only events whose `event_id` sorts before this one (the paging cursor; ids are UUIDv7, time-ordered). */
  readonly before?: string;
  readonly cameraId?: string;
  readonly type?: RuleType;
  readonly acked?: boolean;
  /** `started_at` bounds, wall ms, `from` inclusive, `to` exclusive. */
  readonly from?: EpochMs;
  readonly to?: EpochMs;
}

export interface AuditEntry {
  readonly id: number;
  readonly at: EpochMs;
  readonly user: string | null;
  readonly action: string;
  readonly target: string | null;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly ip: string | null;
}

export type AuditInput = Omit<AuditEntry, 'id'>;

/**
 * One review item: consecutive violations of one camera and one rule, each within the review window of the one
 * before; open (unacknowledged) or done (acknowledged in the shift). The violations stay separate rows.
 */
export interface ReviewGroup {
  /** The first violation's event id. */
  readonly itemId: string;
  readonly cameraId: string;
  readonly ruleId: string;
  /** The newest violation's event id (an acknowledgement "through" it leaves later arrivals open). */
  readonly lastId: string;
  readonly count: number;
  readonly firstAt: EpochMs;
  readonly lastAt: EpochMs;
  /** The highest severity among its violations. */
  readonly severity: Severity;
  /** One of its violations is still going on (no end yet). */
  readonly ongoing: boolean;
  /** Every one of its violations began while the camera was snoozed. */
  readonly snoozed: boolean;
  /** Latest acknowledgement time (done items); null for open ones. */
  readonly ackedAt: EpochMs | null;
  /** The newest violation, with its acknowledgement: its picture is the item's. */
  readonly latest: DashboardEvent;
}

/** Which unacknowledged violations a bulk acknowledgement takes: event ids up to `through` (and from `from`). */
export interface ReviewSelection {
  readonly through: string;
  readonly from?: string;
  readonly cameraId?: string;
  readonly ruleId?: string;
}
