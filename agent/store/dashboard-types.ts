import type { EpochMs, RuleType, Violation } from '../shared/types.js';

/** The rows the guard dashboard reads and writes (agent/local), kept apart from the queries that make them. */

export type UserRole = 'guard' | 'admin' | 'auditor';

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
