import { statfsSync } from 'node:fs';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../ops/index.js';
import { sweepSnapshotDir, unlinkSnapshots, type SweepResult } from './janitor.js';
import type { SnapshotFileRow } from './retention-queries.js';
import type { Store } from './store.js';

const MIB = 1024 * 1024;
const DAY_MS = 86_400_000;

/**
 * How far disk pressure has pushed the agent. `ok`: nothing given up. `snapshots_stopped`: every
 * acked snapshot and row is gone and free space is still under `min_free_mb`, so new snapshots are
 * not saved. `critical`: under the hard floor; snapshots of un-acked events are being deleted too
 * (the events themselves never are).
 */
export type DiskLevel = 'ok' | 'snapshots_stopped' | 'critical';

export interface DiskAlarmState {
  /** True while the level is not `ok` or the store's last write failed for lack of space. */
  readonly active: boolean;
  readonly level: DiskLevel;
  /** SQLite refused a write with SQLITE_FULL and no write has succeeded since. */
  readonly storeFull: boolean;
  readonly freeBytes: number;
  readonly minFreeBytes: number;
}

export type AlarmKind = 'disk_low';

export interface RetentionOptions {
  readonly store: Store;
  /** The storage dir (`storage.dir`): the database and `snapshots/` are in it. */
  readonly dir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly snapshotRetentionDays: number;
  readonly eventRetentionDays: number;
  readonly minFreeMb: number;
  /** Below this, snapshots of un-acked events are deleted too (oldest first). Default min_free_mb / 5. */
  readonly hardFloorMb?: number;
  /** Free bytes for an unprivileged user on the filesystem holding `dir`; `statfsFreeBytes` by default. */
  readonly diskFree?: (dir: string) => number;
  /** Called when the alarm turns on, changes level, or clears; `previous` is the state before. */
  readonly onAlarm?: (kind: AlarmKind, state: DiskAlarmState, previous: DiskAlarmState) => void;
  /** Rows per delete transaction and files per unlink round (default 500 / 50). */
  readonly rowBatch?: number;
  readonly fileBatch?: number;
  /** Unreferenced snapshot files younger than this are left alone while running (a write may be in flight). */
  readonly orphanMinAgeMs?: number;
}

export interface RetentionReport {
  /** Snapshot files past `snapshot_retention_days` (event fully acked) unlinked. */
  readonly expiredSnapshots: number;
  /** Acked outbox rows past `event_retention_days`, and the violations left without rows. */
  readonly expiredRows: number;
  readonly expiredViolations: number;
  /** Deleted because free space was under `min_free_mb`, before their retention ran out. */
  readonly evictedSnapshots: number;
  readonly evictedRows: number;
  /** Deleted under the hard floor: snapshots of events the hub has not acked yet. */
  readonly evictedUnackedSnapshots: number;
  readonly orphans: number;
  readonly freeBytesBefore: number;
  readonly freeBytesAfter: number;
  readonly state: DiskAlarmState;
}

/** Free bytes for unprivileged writers on the filesystem holding `dir` (statfs `bavail × bsize`). */
export function statfsFreeBytes(dir: string): number {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/**
 * Retention and disk pressure for the storage dir. The app calls `sweepOrphans()` once at start
 * (before cameras write snapshots) and `run()` periodically (every 60 s). Each run: expire acked
 * snapshots and rows past their retention; then, while free space is under `min_free_mb`, delete
 * acked snapshots (oldest first), then acked rows, then stop new snapshots and raise the alarm;
 * under the hard floor, delete un-acked snapshots too. Un-acked events are never deleted here:
 * only the hub's ACK makes a row deletable. Deleted rows are overwritten (secure_delete) and their
 * pages handed back to the filesystem.
 */
export class RetentionManager {
  private readonly minFree: number;
  private readonly resumeAt: number;
  private readonly hardFloor: number;
  private readonly diskFree: (dir: string) => number;
  private state: DiskAlarmState;
  private running = false;

  constructor(private readonly opts: RetentionOptions) {
    for (const [name, v] of [
      ['snapshot_retention_days', opts.snapshotRetentionDays],
      ['event_retention_days', opts.eventRetentionDays],
    ] as const) {
      if (!(v > 0)) throw new RangeError(`storage.${name} must be > 0 (got ${v})`);
    }
    if (!(opts.minFreeMb >= 0)) throw new RangeError(`storage.min_free_mb must be >= 0 (got ${opts.minFreeMb})`);
    this.minFree = opts.minFreeMb * MIB;
    // Hysteresis: snapshots resume (and eviction stops) 10 % above the threshold, so a disk hovering
    // at the line does not flip the alarm every minute.
    this.resumeAt = this.minFree * 1.1;
    this.hardFloor = (opts.hardFloorMb ?? opts.minFreeMb / 5) * MIB;
    if (!(this.hardFloor >= 0 && this.hardFloor <= this.minFree)) {
      throw new RangeError(`hard floor must be between 0 and min_free_mb (got ${opts.hardFloorMb} MB)`);
    }
    this.diskFree = opts.diskFree ?? statfsFreeBytes;
    this.state = { active: false, level: 'ok', storeFull: false, freeBytes: Number.NaN, minFreeBytes: this.minFree };
  }

  /** False while free space is short: the app then saves violations without a snapshot. */
  snapshotsAllowed(): boolean {
    return this.state.level === 'ok';
  }

  alarmState(): DiskAlarmState {
    return this.state;
  }

  /** Free space at the last measurement, in MiB (for the heartbeat); null before the first. */
  diskFreeMb(): number | null {
    return Number.isNaN(this.state.freeBytes) ? null : this.state.freeBytes / MIB;
  }

  /**
   * Removes snapshot files nothing refers to: temp files of interrupted writes, `.jpg` files no
   * stored violation revision names (written, then the process died before the commit), and files
   * of violations already deleted. At start `minAgeMs` is 0; later calls leave young files alone.
   */
  async sweepOrphans(minAgeMs = 0): Promise<SweepResult> {
    const { store, dir, clock, logger } = this.opts;
    const rows = store.housekeeping('listing orphan snapshot rows', (q) => q.orphanSnapshotRows(10_000));
    const fromRows = await this.unlink(rows);
    const swept = await sweepSnapshotDir(dir, store.housekeeping('listing snapshots', (q) => q.trackedFiles()), clock.wall(), minAgeMs);
    const result = { files: swept.files + fromRows.files, bytes: swept.bytes + fromRows.bytes, skipped: swept.skipped };
    if (result.files > 0) logger.info(result, 'removed orphan snapshot files');
    return result;
  }

  /** One retention pass; concurrent calls return the current state without a second pass. */
  async run(): Promise<RetentionReport> {
    const empty = { expiredSnapshots: 0, expiredRows: 0, expiredViolations: 0, evictedSnapshots: 0, evictedRows: 0 };
    if (this.running) {
      return { ...empty, evictedUnackedSnapshots: 0, orphans: 0, freeBytesBefore: NaN, freeBytesAfter: NaN, state: this.state };
    }
    this.running = true;
    try {
      return await this.pass();
    } finally {
      this.running = false;
    }
  }

  private async pass(): Promise<RetentionReport> {
    const { store, clock } = this.opts;
    const wall = clock.wall();
    const expiredSnapshots = await this.deleteSnapshots((limit) =>
      store.housekeeping('expiring snapshots', (q) => q.expirableSnapshots(wall - this.opts.snapshotRetentionDays * DAY_MS, limit)),
    );
    const expired = await this.deleteRows(wall - this.opts.eventRetentionDays * DAY_MS, () => false);
    const orphans = (await this.unlink(store.housekeeping('orphan rows', (q) => q.orphanSnapshotRows(10_000)))).files;

    const freeBytesBefore = this.measure();
    let evictedSnapshots = 0;
    let evictedRows = 0;
    let evictedUnackedSnapshots = 0;
    let level: DiskLevel = this.state.level;
    let orphansUnderPressure = 0;
    if (freeBytesBefore < this.minFree) {
      const enough = () => this.measure() >= this.resumeAt;
      orphansUnderPressure = (await this.sweepOrphans(this.opts.orphanMinAgeMs ?? 600_000)).files;
      if (!enough()) {
        evictedSnapshots = await this.deleteSnapshots(
          (limit) => store.housekeeping('evicting acked snapshots', (q) => q.expirableSnapshots(Number.MAX_SAFE_INTEGER, limit)),
          enough,
        );
      }
      if (!enough()) evictedRows = (await this.deleteRows(Number.MAX_SAFE_INTEGER, enough)).rows;
      const free = this.measure();
      if (free < this.minFree && level === 'ok') level = 'snapshots_stopped';
      if (free < this.hardFloor) {
        level = 'critical';
        evictedUnackedSnapshots = await this.deleteSnapshots(
          (limit) => store.housekeeping('evicting snapshots', (q) => q.oldestSnapshots(limit)),
          () => this.measure() >= this.hardFloor,
        );
      }
    }
    const freeBytesAfter = this.measure();
    if (freeBytesAfter >= this.resumeAt) level = 'ok';
    // Critical stays until free space is back over the threshold, not just over the floor.
    else if (level === 'critical' && freeBytesAfter >= this.minFree) level = 'snapshots_stopped';
    this.setState(level, freeBytesAfter);
    return {
      expiredSnapshots,
      expiredRows: expired.rows,
      expiredViolations: expired.violations,
      evictedSnapshots,
      evictedRows,
      evictedUnackedSnapshots,
      orphans: orphans + orphansUnderPressure,
      freeBytesBefore,
      freeBytesAfter,
      state: this.state,
    };
  }

  private measure(): number {
    try {
      return this.diskFree(this.opts.dir);
    } catch (e) {
      // Unknown free space is treated as plenty: deleting data on a guess would be worse.
      this.opts.logger.warn({ err: (e as Error).message }, 'cannot measure free disk space');
      return Number.POSITIVE_INFINITY;
    }
  }

  /**
   * Unlinks batches from `next` until it returns none. With `enough` (disk pressure) it goes one
   * file at a time and stops as soon as `enough()` holds, so no more is deleted than the space needs.
   */
  private async deleteSnapshots(next: (limit: number) => SnapshotFileRow[], enough?: () => boolean): Promise<number> {
    const batch = this.opts.fileBatch ?? 50;
    let total = 0;
    for (;;) {
      const rows = next(batch);
      if (rows.length === 0) return total;
      if (enough === undefined) {
        total += (await this.unlink(rows)).files;
      } else {
        for (const row of rows) {
          total += (await this.unlink([row])).files;
          if (enough()) return total;
        }
      }
      if (rows.length < batch) return total;
    }
  }

  /** Deletes acked rows acked before `before` in batches (then their violations' snapshot files). */
  private async deleteRows(before: number, enough: () => boolean): Promise<{ rows: number; violations: number }> {
    const { store, logger } = this.opts;
    const batch = this.opts.rowBatch ?? 500;
    let rows = 0;
    let violations = 0;
    for (;;) {
      const r = store.housekeeping('deleting acked rows', (q) => q.deleteAcked(before, batch));
      rows += r.rows;
      violations += r.violations;
      await this.unlink(r.snapshotFiles);
      if (r.rows < batch) break;
      if (enough()) break;
      // Reclaim as we go under pressure, so `enough()` sees the space the rows held.
      if (before === Number.MAX_SAFE_INTEGER) this.reclaim();
    }
    if (rows > 0) {
      this.reclaim();
      logger.info({ rows, violations }, 'deleted acked outbox rows');
    }
    return { rows, violations };
  }

  private reclaim(): void {
    try {
      this.opts.store.reclaim();
    } catch (e) {
      this.opts.logger.warn({ err: (e as Error).message }, 'could not hand freed database pages back to the filesystem');
    }
  }

  private async unlink(rows: readonly SnapshotFileRow[]): Promise<{ files: number; bytes: number }> {
    if (rows.length === 0) return { files: 0, bytes: 0 };
    const res = await unlinkSnapshots(this.opts.dir, rows, this.opts.logger);
    this.opts.store.housekeeping('forgetting deleted snapshots', (q) => q.forgetSnapshots(res.forget));
    return { files: res.files, bytes: res.bytes };
  }

  private setState(level: DiskLevel, freeBytes: number): void {
    const storeFull = this.opts.store.fullSince() !== null;
    const previous = this.state;
    const next: DiskAlarmState = { active: level !== 'ok' || storeFull, level, storeFull, freeBytes, minFreeBytes: this.minFree };
    this.state = next;
    if (next.active === previous.active && next.level === previous.level && next.storeFull === previous.storeFull) return;
    const log = next.active ? this.opts.logger.warn.bind(this.opts.logger) : this.opts.logger.info.bind(this.opts.logger);
    log({ level, storeFull, freeMb: Math.floor(freeBytes / MIB), minFreeMb: this.opts.minFreeMb }, next.active ? 'disk low' : 'disk space recovered');
    try {
      this.opts.onAlarm?.('disk_low', next, previous);
    } catch (e) {
      this.opts.logger.error({ err: (e as Error).message }, 'disk alarm handler failed');
    }
  }
}
