import type Database from 'better-sqlite3';
import type { EpochMs, Violation } from '../shared/types.js';
import type { AckRow, AuditEntry, AuditInput, DashboardEvent, EventFilter, SnoozeRow, UserRole, UserRow } from './dashboard-types.js';
import { ReviewQueries, SNOOZED_SQL } from './review-queries.js';

interface UserDb {
  name: string;
  role: UserRole;
  hash: string;
  disabled: number;
  created_at: number;
  updated_at: number;
}
interface SnoozeDb {
  id: number;
  camera_id: string;
  until: number;
  reason: string;
  by: string;
  created_at: number;
  ended_at: number | null;
  ended_by: string | null;
}
interface EventDb {
  json: string;
  ack_by: string | null;
  ack_at: number | null;
  note: string | null;
  snoozed: number;
}
interface AuditDb {
  id: number;
  at: number;
  user: string | null;
  action: string;
  target: string | null;
  detail: string;
  ip: string | null;
}

/** The event columns every listing selects: the violation, its acknowledgement, and whether it began snoozed. */
const EVENT_SELECT = `SELECT v.json, a.by AS ack_by, a.at AS ack_at, a.note, ${SNOOZED_SQL} AS snoozed
  FROM violations v LEFT JOIN acks a ON a.event_id = v.event_id`;

/**
 * Prepared statements for the guard dashboard (users, acknowledgements, snoozes, the audit log, and
 * event listings); used by Store, which owns the connection and wraps writes.
 */
export class DashboardQueries {
  private readonly s;
  /** Review items (grouped alerts) and bulk acknowledgement. */
  readonly review: ReviewQueries;

  constructor(private readonly db: Database.Database) {
    this.s = {
      user: db.prepare('SELECT * FROM users WHERE name = ?'),
      users: db.prepare('SELECT * FROM users ORDER BY name'),
      addUser: db.prepare('INSERT OR IGNORE INTO users (name, role, hash, disabled, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)'),
      setHash: db.prepare('UPDATE users SET hash = ?, updated_at = ? WHERE name = ?'),
      setRole: db.prepare('UPDATE users SET role = ?, updated_at = ? WHERE name = ?'),
      setDisabled: db.prepare('UPDATE users SET disabled = ?, updated_at = ? WHERE name = ?'),
      admins: db.prepare("SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0").pluck(),
      ack: db.prepare('INSERT OR IGNORE INTO acks (event_id, by, at, note) VALUES (?, ?, ?, ?)'),
      event: db.prepare(`${EVENT_SELECT} WHERE v.event_id = ?`),
      activeSnoozes: db.prepare('SELECT * FROM snoozes WHERE ended_at IS NULL AND until > ? ORDER BY camera_id'),
      endSnoozes: db.prepare('UPDATE snoozes SET ended_at = ?, ended_by = ? WHERE camera_id = ? AND ended_at IS NULL AND until > ?'),
      addSnooze: db.prepare('INSERT INTO snoozes (camera_id, until, reason, by, created_at) VALUES (?, ?, ?, ?, ?)'),
      snooze: db.prepare('SELECT * FROM snoozes WHERE id = ?'),
      audit: db.prepare('INSERT INTO audit (at, user, action, target, detail, ip) VALUES (?, ?, ?, ?, ?, ?)'),
      auditPage: db.prepare('SELECT * FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?'),
      auditCounts: db.prepare('SELECT action, count(*) AS n FROM audit WHERE at >= ? GROUP BY action'),
    };
    this.review = new ReviewQueries(db, (id) => this.event(id));
  }

  user(name: string): UserRow | undefined {
    const r = this.s.user.get(name) as UserDb | undefined;
    return r && toUser(r);
  }

  users(): UserRow[] {
    return (this.s.users.all() as UserDb[]).map(toUser);
  }

  /** Adds a user; false when the name is taken. */
  addUser(name: string, role: UserRole, hash: string, now: EpochMs): boolean {
    return this.s.addUser.run(name, role, hash, now, now).changes === 1;
  }

  setPassword(name: string, hash: string, now: EpochMs): boolean {
    return this.s.setHash.run(hash, now, name).changes === 1;
  }

  setRole(name: string, role: UserRole, now: EpochMs): boolean {
    return this.s.setRole.run(role, now, name).changes === 1;
  }

  setDisabled(name: string, disabled: boolean, now: EpochMs): boolean {
    return this.s.setDisabled.run(disabled ? 1 : 0, now, name).changes === 1;
  }

  /** Enabled admins (the first-start setup code is offered while there are none). */
  enabledAdmins(): number {
    return this.s.admins.get() as number;
  }

  /** Records an acknowledgement; false when the event was acknowledged already (the first one stands). */
  acknowledge(ack: AckRow): boolean {
    return this.s.ack.run(ack.eventId, ack.by, ack.at, ack.note).changes === 1;
  }

  event(eventId: string): DashboardEvent | undefined {
    const r = this.s.event.get(eventId) as EventDb | undefined;
    return r && toEvent(r);
  }

  /** Events newest first (by event id: UUIDv7 from the start time), filtered; the filter's values are bound, never spliced. */
  events(f: EventFilter): DashboardEvent[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (f.before !== undefined) {
      where.push('v.event_id < ?');
      args.push(f.before);
    }
    if (f.cameraId !== undefined) {
      where.push('v.camera_id = ?');
      args.push(f.cameraId);
    }
    if (f.type !== undefined) {
      where.push('v.type = ?');
      args.push(f.type);
    }
    if (f.from !== undefined) {
      where.push('v.started_at >= ?');
      args.push(f.from);
    }
    if (f.to !== undefined) {
      where.push('v.started_at < ?');
      args.push(f.to);
    }
    if (f.acked !== undefined) where.push(f.acked ? 'a.event_id IS NOT NULL' : 'a.event_id IS NULL');
    const sql = `${EVENT_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY v.event_id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, f.limit) as EventDb[]).map(toEvent);
  }

  activeSnoozes(now: EpochMs): SnoozeRow[] {
    return (this.s.activeSnoozes.all(now) as SnoozeDb[]).map(toSnooze);
  }

  /** Starts a snooze for a camera, ending the one active (one per camera at a time). */
  snooze(s: Omit<SnoozeRow, 'id' | 'endedAt' | 'endedBy'>): SnoozeRow {
    return this.db.transaction(() => {
      this.s.endSnoozes.run(s.createdAt, s.by, s.cameraId, s.createdAt);
      const id = Number(this.s.addSnooze.run(s.cameraId, s.until, s.reason, s.by, s.createdAt).lastInsertRowid);
      return toSnooze(this.s.snooze.get(id) as SnoozeDb);
    })();
  }

  /** Ends a camera's active snooze early; false when none was active. */
  endSnooze(cameraId: string, by: string, now: EpochMs): boolean {
    return this.s.endSnoozes.run(now, by, cameraId, now).changes > 0;
  }

  audit(e: AuditInput): void {
    this.s.audit.run(e.at, e.user, e.action, e.target, JSON.stringify(e.detail), e.ip);
  }

  /** Audit entries newest first, with ids below `before`. */
  auditPage(limit: number, before = Number.MAX_SAFE_INTEGER): AuditEntry[] {
    return (this.s.auditPage.all(before, limit) as AuditDb[]).map((r) => ({
      ...r,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }));
  }

  /** How many audit entries of each action since `since` (counts only: what the hub may see). */
  auditCounts(since: EpochMs): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.s.auditCounts.all(since) as { action: string; n: number }[]) out[r.action] = r.n;
    return out;
  }
}

function toUser(r: UserDb): UserRow {
  return { name: r.name, role: r.role, hash: r.hash, disabled: r.disabled === 1, createdAt: r.created_at, updatedAt: r.updated_at };
}

function toSnooze(r: SnoozeDb): SnoozeRow {
  return {
    id: r.id,
    cameraId: r.camera_id,
    until: r.until,
    reason: r.reason,
    by: r.by,
    createdAt: r.created_at,
    endedAt: r.ended_at,
    endedBy: r.ended_by,
  };
}

function toEvent(r: EventDb): DashboardEvent {
  const violation = JSON.parse(r.json) as Violation;
  return {
    violation,
    ack: r.ack_by === null ? null : { eventId: violation.eventId, by: r.ack_by, at: r.ack_at ?? 0, note: r.note },
    snoozed: r.snoozed === 1,
  };
}
