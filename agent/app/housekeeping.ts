import { RetentionManager, diskAlarmRuleEvent } from '../store/index.js';
import type { Store } from '../store/index.js';
import type { ViolationLifecycle } from '../events/index.js';
import type { Logger } from '../ops/index.js';
import type { Clock } from '../shared/clock.js';
import { realTimers, type Timers } from '../shared/index.js';
import type { StorageConfig } from '../config/index.js';
import type { Violation } from '../shared/types.js';

export const SWEEP_EVERY_MS = 60_000;
/** Camera id the contract carries for agent-wide alarms (`agent_alarm`, e.g. `disk_low`). */
export const AGENT_CAMERA_ID = 'agent';

/**
 * Retention and disk pressure, run once at start (orphans from a crash, expired rows) and every minute. A `disk_low`
 * alarm goes through the normal violation path, so the hub and the guards see it like any other alert.
 */
/** Test seams; production uses the real timers and statfs. */
export interface HousekeepingHooks {
  readonly timers?: Timers;
  /** Free bytes on the filesystem holding the storage dir. */
  readonly diskFree?: (dir: string) => number;
}

export class Housekeeping {
  readonly retention: RetentionManager;
  private readonly timers: Timers;
  private timer: unknown = null;
  private stopped = false;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    store: Store,
    storage: StorageConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly alarms: ViolationLifecycle,
    private readonly onViolation: (v: Violation) => void,
    hooks: HousekeepingHooks = {},
  ) {
    this.timers = hooks.timers ?? realTimers;
    this.retention = new RetentionManager({
      ...(hooks.diskFree && { diskFree: hooks.diskFree }),
      store,
      dir: storage.dir,
      clock,
      logger,
      snapshotRetentionDays: storage.snapshot_retention_days,
      eventRetentionDays: storage.event_retention_days,
      minFreeMb: storage.min_free_mb,
      onAlarm: (kind, state, previous) => {
        const ev = diskAlarmRuleEvent(kind, state, previous, { cameraId: AGENT_CAMERA_ID, clock: this.clock });
        if (!ev) return;
        try {
          const v = this.alarms.handle(ev);
          if (v) this.onViolation(v);
        } catch (err) {
          // The disk is what is failing: log it, the next sweep raises the alarm again if it still holds.
          this.logger.error({ err, kind }, 'agent alarm could not be recorded');
        }
      },
    });
  }

  async start(): Promise<void> {
    await this.retention.sweepOrphans();
    await this.sweep();
    this.scheduleNext();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** The next sweep a minute after this one ended, so a slow sweep on a full disk never overlaps the next. */
  private scheduleNext(): void {
    if (this.stopped) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.sweep().then(() => this.scheduleNext());
    }, SWEEP_EVERY_MS);
    // A real timer must not keep the process alive on its own (the agent stops it, but a crash path may not).
    (this.timer as { unref?: () => void } | null)?.unref?.();
  }

  private sweep(): Promise<unknown> {
    this.running = this.retention.run().catch((err: unknown) => this.logger.error({ err }, 'retention sweep failed'));
    return this.running;
  }
}
