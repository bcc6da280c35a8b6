import type Database from 'better-sqlite3';
import type { EpochMs, Severity } from '../shared/types.js';
import type { AuditInput, DashboardEvent, ReviewGroup, ReviewSelection } from './dashboard-types.js';

interface GroupDb {
  camera_id: string;
  rule_id: string;
  first_id: string;
  last_id: string;
  n: number;
  first_at: number;
  last_at: number;
  sev: number;
  ongoing: number;
  snoozed: number;
  acked_at: number | null;
  total: number;
}

const SEVERITY_BY_RANK: readonly Severity[] = ['info', 'info', 'warning', 'critical'];

/** Whether a violation began while its camera was snoozed (the same test as the event listing's). */
export const SNOOZED_SQL = `EXISTS (SELECT 1 FROM snoozes s WHERE s.camera_id = v.camera_id AND s.created_at <= v.started_at
          AND v.started_at < coalesce(min(s.ended_at, s.until), s.until))`;

const RULE_ID = "json_extract(v.json, '$.rule.id')";

/**
 * The guards' review items, computed in SQL from the stored violations (nothing is stored twice): consecutive
 * violations of one camera and one rule, each starting within `windowMs` of the one before, are one item. Open items
 * are made of unacknowledged violations, done items of violations acknowledged since a time (the shift); so an
 * acknowledgement takes violations out of an open item and a new violation after it starts a new one. An item is
 * named by its first violation's event id; `lastId` is its newest (UUIDv7 ids sort by start time).
 */
export class ReviewQueries {
  private readonly openAll: Database.Statement;
  private readonly openOne: Database.Statement;
  private readonly doneAll: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly event: (eventId: string) => DashboardEvent | undefined,
  ) {
    this.openAll = db.prepare(groupsSql('open', ''));
    this.openOne = db.prepare(groupsSql('open', `AND v.camera_id = @camera AND ${RULE_ID} = @rule`, 'HAVING min(event_id) <= @id AND max(event_id) >= @id'));
    this.doneAll = db.prepare(groupsSql('done', 'AND a.at >= @since'));
  }

  /** Open items, most urgent first (not snoozed, severity, newest), at most `limit`; `total` counts them all. */
  open(windowMs: number, limit: number): { items: ReviewGroup[]; total: number } {
    return this.page(this.openAll.all({ win: windowMs, limit }) as GroupDb[]);
  }

  /** The open item `eventId` belongs to now; undefined when it is acknowledged (or unknown). */
  openItemOf(eventId: string, windowMs: number): ReviewGroup | undefined {
    const e = this.event(eventId);
    if (!e || e.ack) return undefined;
    const rows = this.openOne.all({ win: windowMs, limit: 1, camera: e.violation.cameraId, rule: e.violation.rule.id, id: eventId }) as GroupDb[];
    return this.page(rows).items[0];
  }

  /** Items of violations acknowledged at or after `since`, latest acknowledgement first. */
  done(windowMs: number, since: EpochMs, limit: number): { items: ReviewGroup[]; total: number } {
    return this.page(this.doneAll.all({ win: windowMs, since, limit }) as GroupDb[]);
  }

  /**
   * Acknowledges every unacknowledged violation the selection names, and writes one audit row (built from the
   * count), in ONE transaction: all or nothing, one fsync, whether it is 1 violation or 10,000.
   */
  acknowledgeMany(sel: ReviewSelection, ack: { by: string; at: EpochMs; note: string | null }, audit: (count: number) => AuditInput): number {
    const where = ['a.event_id IS NULL', 'v.event_id <= @through'];
    if (sel.from !== undefined) where.push('v.event_id >= @from');
    if (sel.cameraId !== undefined) where.push('v.camera_id = @camera');
    if (sel.ruleId !== undefined) where.push(`${RULE_ID} = @rule`);
    const insert = this.db.prepare(
      `INSERT INTO acks (event_id, by, at, note) SELECT v.event_id, @by, @at, @note
       FROM violations v LEFT JOIN acks a ON a.event_id = v.event_id WHERE ${where.join(' AND ')}`,
    );
    const writeAudit = this.db.prepare('INSERT INTO audit (at, user, action, target, detail, ip) VALUES (?, ?, ?, ?, ?, ?)');
    return this.db.transaction(() => {
      const count = insert.run({
        through: sel.through,
        ...(sel.from !== undefined && { from: sel.from }),
        ...(sel.cameraId !== undefined && { camera: sel.cameraId }),
        ...(sel.ruleId !== undefined && { rule: sel.ruleId }),
        by: ack.by,
        at: ack.at,
        note: ack.note,
      }).changes;
      const e = audit(count);
      writeAudit.run(e.at, e.user, e.action, e.target, JSON.stringify(e.detail), e.ip);
      return count;
    })();
  }

  private page(rows: GroupDb[]): { items: ReviewGroup[]; total: number } {
    const items: ReviewGroup[] = [];
    for (const r of rows) {
      const latest = this.event(r.last_id);
      // Retention may delete the newest row between the two reads; the item is simply left out this time.
      if (!latest) continue;
      items.push({
        itemId: r.first_id,
        cameraId: r.camera_id,
        ruleId: r.rule_id,
        lastId: r.last_id,
        count: r.n,
        firstAt: r.first_at,
        lastAt: r.last_at,
        severity: SEVERITY_BY_RANK[r.sev] ?? 'info',
        ongoing: r.ongoing === 1,
        snoozed: r.snoozed === 1,
        ackedAt: r.acked_at,
        latest,
      });
    }
    return { items, total: rows[0]?.total ?? 0 };
  }
}

/**
 * The grouping, in one statement: `lag()` over each (camera, rule) in event-id order marks a break where a violation
 * started more than `@win` ms after the previous one, a running `sum()` of the breaks numbers the groups.
 */
function groupsSql(kind: 'open' | 'done', filter: string, having = ''): string {
  const join = kind === 'open' ? 'LEFT JOIN acks a ON a.event_id = v.event_id WHERE a.event_id IS NULL' : 'JOIN acks a ON a.event_id = v.event_id WHERE 1';
  const order = kind === 'open' ? 'snoozed ASC, sev DESC, last_at DESC' : 'acked_at DESC';
  return `WITH u AS (
      SELECT v.event_id, v.camera_id, ${RULE_ID} AS rule_id, v.started_at,
        CASE json_extract(v.json, '$.severity') WHEN 'critical' THEN 3 WHEN 'warning' THEN 2 ELSE 1 END AS sev,
        v.ended_at IS NULL AS ongoing, ${SNOOZED_SQL} AS snoozed, a.at AS ack_at
      FROM violations v ${join} ${filter}
    ), g AS (
      SELECT *, CASE WHEN started_at - lag(started_at) OVER (PARTITION BY camera_id, rule_id ORDER BY event_id) <= @win THEN 0 ELSE 1 END AS brk
      FROM u
    ), n AS (
      SELECT *, sum(brk) OVER (PARTITION BY camera_id, rule_id ORDER BY event_id ROWS UNBOUNDED PRECEDING) AS grp FROM g
    )
    SELECT camera_id, rule_id, min(event_id) AS first_id, max(event_id) AS last_id, count(*) AS n,
      min(started_at) AS first_at, max(started_at) AS last_at, max(sev) AS sev, max(ongoing) AS ongoing,
      min(snoozed) AS snoozed, max(ack_at) AS acked_at, count(*) OVER () AS total
    FROM n GROUP BY camera_id, rule_id, grp ${having}
    ORDER BY ${order} LIMIT @limit`;
}
