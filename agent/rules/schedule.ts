import type { EpochMs } from '../shared/types.js';
import { RuleConfigError } from './errors.js';

/**
 * A daily window in the facility's local time, `[start_min, end_min)` in minutes after midnight;
 * `end_min < start_min` wraps past midnight. The config stage's `TimeWindow` is this type
 * (config depends on rules, never the reverse): config parses `"HH:MM-HH:MM"` once and rules
 * take the result as is.
 */
export interface DailyWindow {
  /** As written, e.g. `11:00-12:00`; only used in messages. */
  readonly text: string;
  /** 0..1439. */
  readonly start_min: number;
  /** 1..1440, or 0 for a window that ends at midnight. */
  readonly end_min: number;
}

/**
 * A window as rules accept it. The string form is the pre-config call in `app.ts`
 * (`allow_lines: windows.map((w) => w.text)`); it goes away once the app passes `cam.rules` as is.
 */
export type WindowInput = DailyWindow | string;

const MIN_PER_DAY = 24 * 60;
const WINDOW_RE = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;

/**
 * Parses `"HH:MM-HH:MM"` (24-hour, local time) for callers that still hand strings.
 * @deprecated Config parses windows (`TimeWindow`); pass those. Kept only for the string form above.
 */
export function parseWindow(text: string, where = 'schedule window'): DailyWindow {
  const m = WINDOW_RE.exec(text.trim());
  if (!m) throw new RuleConfigError(`${where} "${text}" must look like "HH:MM-HH:MM", e.g. "11:00-12:00"`);
  const [sh, sm, eh, em] = m.slice(1).map(Number) as [number, number, number, number];
  if (sh > 23 || sm > 59 || em > 59 || eh > 24 || (eh === 24 && em !== 0)) {
    throw new RuleConfigError(`${where} "${text}" has a time out of range (00:00 to 23:59, or 24:00 as an end)`);
  }
  return checkWindow({ text, start_min: sh * 60 + sm, end_min: eh * 60 + em }, where);
}

/**
 * Rejects a window no config would produce: out-of-range minutes, or equal start and end (it is
 * unclear whether that means "never" or "all day").
 */
export function checkWindow(w: DailyWindow, where = 'schedule window'): DailyWindow {
  const okStart = Number.isInteger(w.start_min) && w.start_min >= 0 && w.start_min < MIN_PER_DAY;
  const okEnd = Number.isInteger(w.end_min) && w.end_min >= 0 && w.end_min <= MIN_PER_DAY;
  if (!okStart || !okEnd) {
    throw new RuleConfigError(`${where} "${w.text}" has a time out of range (00:00 to 23:59, or 24:00 as an end)`);
  }
  if (w.start_min === w.end_min % MIN_PER_DAY) {
    throw new RuleConfigError(`${where} "${w.text}" starts and ends at the same time; give a real window`);
  }
  return w;
}

/** Minutes after local midnight at `wallTs`, for a facility `utcOffsetMin` minutes east of UTC. */
export function localMinuteOfDay(wallTs: EpochMs, utcOffsetMin: number): number {
  const minutes = Math.floor((wallTs + utcOffsetMin * 60_000) / 60_000);
  return ((minutes % MIN_PER_DAY) + MIN_PER_DAY) % MIN_PER_DAY;
}

export function inWindow(w: DailyWindow, minuteOfDay: number): boolean {
  return w.start_min < w.end_min
    ? minuteOfDay >= w.start_min && minuteOfDay < w.end_min
    : minuteOfDay >= w.start_min || minuteOfDay < w.end_min;
}

/**
 * From `schedule.allow_lines` / `allow_zones` windows, the `activeAt` predicate a rule takes: true
 * when the rule reports violations, i.e. outside every allowed window. The offset is injected (not
 * read from the machine) because the box may run in UTC while the facility keeps local time;
 * Vietnam is UTC+7 (420) with no daylight saving.
 */
export function activeOutsideWindows(
  windows: readonly WindowInput[],
  utcOffsetMin: number,
  where = 'schedule',
): (wallTs: EpochMs) => boolean {
  if (!Number.isFinite(utcOffsetMin) || Math.abs(utcOffsetMin) > 14 * 60) {
    throw new RuleConfigError(`${where}: UTC offset must be minutes in [-840, 840] (got ${String(utcOffsetMin)})`);
  }
  const parsed = windows.map((w, i) =>
    typeof w === 'string' ? parseWindow(w, `${where}[${i}]`) : checkWindow(w, `${where}[${i}]`),
  );
  if (parsed.length === 0) return () => true;
  return (wallTs) => {
    const minute = localMinuteOfDay(wallTs, utcOffsetMin);
    return !parsed.some((w) => inWindow(w, minute));
  };
}
