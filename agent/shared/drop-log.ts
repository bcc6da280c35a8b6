import type { Clock } from './clock.js';

/** What DropLog needs of a logger (pino's shape), so `shared/` does not import `ops/`. */
export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

/** Within this window after a logged drop, further drops of the same reason are only counted. */
export const DROP_LOG_QUIET_MS = 60_000;

/**
 * Counts messages dropped unread (per reason) and logs them once per burst: the first drop of a
 * reason is logged at once, later ones within DROP_LOG_QUIET_MS only counted, and the next log line
 * says how many were suppressed. A flood of hostile messages can thus not flood the log, and the
 * counters still tell the truth. Never logs a payload.
 */
export class DropLog<R extends string> {
  private readonly counts = new Map<R, number>();
  private readonly lastLogged = new Map<R, number>();
  private readonly suppressed = new Map<R, number>();

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly logger: WarnLogger,
    private readonly what: string,
  ) {}

  drop(reason: R, detail: Record<string, string | number>): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    const now = this.clock.now();
    const last = this.lastLogged.get(reason);
    if (last !== undefined && now - last < DROP_LOG_QUIET_MS) {
      this.suppressed.set(reason, (this.suppressed.get(reason) ?? 0) + 1);
      return;
    }
    this.lastLogged.set(reason, now);
    const more = this.suppressed.get(reason) ?? 0;
    this.suppressed.delete(reason);
    this.logger.warn({ reason, ...detail, ...(more > 0 && { suppressedSinceLast: more }) }, `${this.what}: message dropped (${reason})`);
  }

  count(reason: R): number {
    return this.counts.get(reason) ?? 0;
  }

  /** Every reason seen so far with its count. */
  snapshot(): Partial<Record<R, number>> {
    return Object.fromEntries(this.counts) as Partial<Record<R, number>>;
  }
}
