/**
 * The facility's UTC offset as the agent computes it at start (agent/app.ts) and hands to every schedule.
 * Schedule tests pass the offset in, so a sign or unit error here would shift every window: Vietnam's
 * 22:00 curfew would open at 08:00 (14 h off). Checked against the zone database through the schedules'
 * own `localMinuteOfDay`, with a zone east of UTC without DST, zones west of UTC, and DST transitions.
 */
import { describe, expect, it } from 'vitest';
import { utcOffsetMinutes } from '../../agent/app/timezone.js';
import { localMinuteOfDay } from '../../agent/rules/schedule.js';

const at = (iso: string): number => Date.parse(iso);
const hhmm = (minuteOfDay: number): string => `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;

describe('utcOffsetMinutes', () => {
  it('Asia/Ho_Chi_Minh is 7 h east of UTC all year (no daylight saving)', () => {
    for (const iso of ['2026-01-15T00:00:00Z', '2026-07-15T12:34:56.789Z', '2026-03-29T01:30:00Z', '2026-12-31T23:59:59.999Z']) {
      expect(utcOffsetMinutes('Asia/Ho_Chi_Minh', at(iso)), iso).toBe(420);
    }
  });

  it('with the schedules: 15:00 UTC is 22:00 in Vietnam (a curfew window opens then, not at 08:00)', () => {
    const ts = at('2026-11-23T15:00:00Z');
    expect(hhmm(localMinuteOfDay(ts, utcOffsetMinutes('Asia/Ho_Chi_Minh', ts)))).toBe('22:00');
    // 23:30 UTC is 06:30 the next morning there.
    const late = at('2026-11-23T23:30:00Z');
    expect(hhmm(localMinuteOfDay(late, utcOffsetMinutes('Asia/Ho_Chi_Minh', late)))).toBe('06:30');
  });

  it('a zone west of UTC is negative: America/Bogota is 5 h behind', () => {
    expect(utcOffsetMinutes('America/Bogota', at('2026-06-01T03:00:00Z'))).toBe(-300);
    const ts = at('2026-06-01T03:00:00Z');
    expect(hhmm(localMinuteOfDay(ts, utcOffsetMinutes('America/Bogota', ts)))).toBe('22:00'); // the day before, locally
  });

  it('follows daylight saving at the instant it is asked about (America/New_York, Europe/Berlin)', () => {
    // New York springs forward at 2026-03-08 07:00 UTC (02:00 EST → 03:00 EDT).
    expect(utcOffsetMinutes('America/New_York', at('2026-03-08T06:59:59Z'))).toBe(-300);
    expect(utcOffsetMinutes('America/New_York', at('2026-03-08T07:00:00Z'))).toBe(-240);
    expect(utcOffsetMinutes('America/New_York', at('2026-11-01T06:00:00Z'))).toBe(-300); // back on EST
    // Berlin: CET +60 in winter, CEST +120 from 2026-03-29 01:00 UTC.
    expect(utcOffsetMinutes('Europe/Berlin', at('2026-01-10T12:00:00Z'))).toBe(60);
    expect(utcOffsetMinutes('Europe/Berlin', at('2026-03-29T00:59:59Z'))).toBe(60);
    expect(utcOffsetMinutes('Europe/Berlin', at('2026-03-29T01:00:00Z'))).toBe(120);
  });

  it('keeps offsets that are not whole hours (India +5:30, Newfoundland −3:30) and UTC itself', () => {
    expect(utcOffsetMinutes('Asia/Kolkata', at('2026-05-05T05:05:05.500Z'))).toBe(330);
    expect(utcOffsetMinutes('America/St_Johns', at('2026-01-05T12:00:00Z'))).toBe(-210);
    expect(utcOffsetMinutes('UTC', at('2026-05-05T05:05:05.999Z'))).toBe(0);
  });

  it('names an unknown zone instead of returning a guess', () => {
    expect(() => utcOffsetMinutes('Asia/Saigonn', at('2026-01-01T00:00:00Z'))).toThrow(/Asia\/Saigonn/);
  });
});
