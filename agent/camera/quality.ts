import type { MonoMs } from '../shared/types.js';

/**
 * How usable a camera's stream has been over the last hour, for the heartbeat and the dashboard:
 * the state says what the camera is doing now; the grade says whether it can be trusted to watch.
 */
export type QualityGrade = 'excellent' | 'fair' | 'poor' | 'unusable';

/** Things that interrupt watching: the stream came back after a drop, froze its frames, or ran wild. */
export type IncidentKind = 'reconnect' | 'stall' | 'over_fps';

export interface IncidentCounts {
  readonly reconnects: number;
  readonly stalls: number;
  readonly overFps: number;
}

/**
 * Incidents per hour (reconnects + stalls + over-fps restarts) at which the grade drops:
 * - excellent: at most `excellentMax` (one blip an hour, e.g. the camera's nightly reboot);
 * - fair: at most `fairMax` (a drop every quarter hour; the gaps are seconds to a minute);
 * - poor: at most `poorMax` (a drop every 5 minutes: alerts get missed in the gaps);
 * - unusable: more than that, or the camera is offline right now.
 * A stall is usually followed by a reconnect, so one real outage counts as two incidents: that is
 * intended, a stall costs `stall_s` of blindness on top of the reconnect.
 */
export interface QualityThresholds {
  readonly excellentMax: number;
  readonly fairMax: number;
  readonly poorMax: number;
}

export const QUALITY_THRESHOLDS: QualityThresholds = { excellentMax: 1, fairMax: 4, poorMax: 12 };

export const QUALITY_WINDOW_MS = 3_600_000;

/** The grade for one hour's incident counts. Pure; thresholds as documented on QualityThresholds. */
export function gradeQuality(
  counts: IncidentCounts,
  offlineNow: boolean,
  t: QualityThresholds = QUALITY_THRESHOLDS,
): QualityGrade {
  if (offlineNow) return 'unusable';
  const n = counts.reconnects + counts.stalls + counts.overFps;
  if (n <= t.excellentMax) return 'excellent';
  if (n <= t.fairMax) return 'fair';
  if (n <= t.poorMax) return 'poor';
  return 'unusable';
}

/**
 * Incident times within a sliding window (an hour by default). Bounded: beyond `maxEntries` the
 * oldest are forgotten, which can only happen far past the `unusable` threshold, so the grade is
 * the same; memory stays flat however long a camera flaps.
 */
export class IncidentWindow {
  private readonly times: MonoMs[] = [];
  private readonly kinds: IncidentKind[] = [];

  constructor(
    readonly windowMs: number = QUALITY_WINDOW_MS,
    private readonly maxEntries = 1024,
  ) {
    if (!(windowMs > 0)) throw new RangeError(`IncidentWindow: windowMs must be > 0 (got ${windowMs})`);
    if (!(maxEntries >= 1)) throw new RangeError(`IncidentWindow: maxEntries must be >= 1 (got ${maxEntries})`);
  }

  record(kind: IncidentKind, now: MonoMs): void {
    this.prune(now);
    this.times.push(now);
    this.kinds.push(kind);
    if (this.times.length > this.maxEntries) {
      this.times.shift();
      this.kinds.shift();
    }
  }

  counts(now: MonoMs): IncidentCounts {
    this.prune(now);
    let reconnects = 0;
    let stalls = 0;
    let overFps = 0;
    for (const k of this.kinds) {
      if (k === 'reconnect') reconnects++;
      else if (k === 'stall') stalls++;
      else overFps++;
    }
    return { reconnects, stalls, overFps };
  }

  /** Entries held (for tests of the memory bound). */
  get size(): number {
    return this.times.length;
  }

  private prune(now: MonoMs): void {
    let drop = 0;
    while (drop < this.times.length && now - this.times[drop]! >= this.windowMs) drop++;
    if (drop > 0) {
      this.times.splice(0, drop);
      this.kinds.splice(0, drop);
    }
  }
}
