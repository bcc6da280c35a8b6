import type { EpochMs } from '../shared/types.js';
import { RuleConfigError } from './errors.js';

/** A daily window in the facility's local time, `[start, end)` in minutes after midnight. */
export interface DailyWindow {
  readonly text: string;
  readonly startMin: number;
  readonly endMin: number;
}

const MIN_PER_DAY = 24 * 60;
const WINDOW_RE = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;

/**
 * Parses `"HH:MM-HH:MM"` (24-hour, local time). The end is exclusive and may be `24:00`. An end
 * before the start wraps past midnight (`"22:00-06:00"`). Equal start and end is rejected: it is
 * unclear whether it means "never" or "all day".
 */
export function parseWindow(text: string, where = 'schedule window'): DailyWindow {
  const m = WINDOW_RE.exec(text.trim());
  if (!m) throw new RuleConfigError(`${where} "${text}" must look like "HH:MM-HH:MM", e.g. "11:00-12:00"`);
  const [sh, sm, eh, em] = m.slice(1).map(Number) as [number, number, number, number];
  if (sh > 23 || sm > 59 || em > 59 || eh > 24 || (eh === 24 && em !== 0)) {
    throw new RuleConfigError(`${where} "${text}" has a time out of range (00:00 to 23:59, or 24:00 as an end)`);
  }
  const startMin = sh * 60 + sm;
  const endMin = eh * 60 + em;
  if (startMin === endMin % MIN_PER_DAY) {
    throw new RuleConfigError(`${where} "${text}" starts and ends at the same time; give a real window`);
  }
  return { text, startMin, endMin };
}

/** Minutes after local midnight at `wallTs`, for a facility `utcOffsetMin` minutes east of UTC. */
export function localMinuteOfDay(wallTs: EpochMs, utcOffsetMin: number): number {
  const minutes = Math.floor((wallTs + utcOffsetMin * 60_000) / 60_000);
  return ((minutes % MIN_PER_DAY) + MIN_PER_DAY) % MIN_PER_DAY;
}

export function inWindow(w: DailyWindow, minuteOfDay: number): boolean {
  return w.startMin < w.endMin
    ? minuteOfDay >= w.startMin && minuteOfDay < w.endMin
    : minuteOfDay >= w.startMin || minuteOfDay < w.endMin;
}

/**
 * From `schedule.allow_lines`-style windows, the `activeAt` predicate a rule takes: true when the
 * rule reports violations, i.e. outside every allowed window. The offset is injected (not read
 * from the machine) because the box may run in UTC while the facility keeps local time; Vietnam is
 * UTC+7 (420) with no daylight saving.
 */
export function activeOutsideWindows(
  windows: readonly string[],
  utcOffsetMin: number,
  where = 'schedule',
): (wallTs: EpochMs) => boolean {
  if (!Number.isFinite(utcOffsetMin) || Math.abs(utcOffsetMin) > 14 * 60) {
    throw new RuleConfigError(`${where}: UTC offset must be minutes in [-840, 840] (got ${String(utcOffsetMin)})`);
  }
  const parsed = windows.map((w, i) => parseWindow(w, `${where}[${i}]`));
  if (parsed.length === 0) return () => true;
  return (wallTs) => {
    const minute = localMinuteOfDay(wallTs, utcOffsetMin);
    return !parsed.some((w) => inWindow(w, minute));
  };
}
