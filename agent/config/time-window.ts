import type { TimeWindow } from './types.js';

/** `HH:MM-HH:MM` (already shape-checked by the schema) as minutes after local midnight. */
export function parseTimeWindow(text: string): TimeWindow {
  const [from, to] = text.split('-') as [string, string];
  const minutes = (hhmm: string): number => {
    const [h, m] = hhmm.split(':').map(Number) as [number, number];
    return h * 60 + m;
  };
  return { text, start_min: minutes(from), end_min: minutes(to) };
}

/** Whether `minuteOfDay` (0..1439, local) falls inside the window; windows may wrap past midnight. */
export function inTimeWindow(w: TimeWindow, minuteOfDay: number): boolean {
  return w.start_min < w.end_min
    ? minuteOfDay >= w.start_min && minuteOfDay < w.end_min
    : minuteOfDay >= w.start_min || minuteOfDay < w.end_min;
}
