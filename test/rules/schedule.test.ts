import { describe, expect, it } from 'vitest';
import { activeOutsideWindows, parseWindow, RuleConfigError } from '../../agent/rules/index.js';

const VN = 420; // UTC+7
/** Epoch ms of a local (UTC+7) time on 2026-03-10. */
const local = (hh: number, mm: number): number => Date.UTC(2026, 2, 10, hh, mm) - VN * 60_000;

describe('parseWindow', () => {
  it('parses HH:MM-HH:MM into minutes, allowing 24:00 as an end', () => {
    expect(parseWindow('11:00-12:30')).toMatchObject({ startMin: 660, endMin: 750 });
    expect(parseWindow('22:00-06:00')).toMatchObject({ startMin: 1320, endMin: 360 });
    expect(parseWindow('18:00-24:00')).toMatchObject({ startMin: 1080, endMin: 1440 });
  });

  it.each([
    ['11-12', /must look like "HH:MM-HH:MM"/],
    ['11:00 - 12:00', /must look like/],
    ['25:00-26:00', /out of range/],
    ['11:60-12:00', /out of range/],
    ['24:00-06:00', /out of range/],
    ['24:30', /must look like/],
    ['10:00-10:00', /starts and ends at the same time/],
    ['00:00-24:00', /starts and ends at the same time/],
  ])('rejects %s', (text, msg) => {
    expect(() => parseWindow(text, 'schedule.allow_lines[0]')).toThrow(RuleConfigError);
    expect(() => parseWindow(text, 'schedule.allow_lines[0]')).toThrow(msg);
    expect(() => parseWindow(text, 'schedule.allow_lines[0]')).toThrow(/schedule\.allow_lines\[0\]/);
  });
});

describe('activeOutsideWindows', () => {
  const active = activeOutsideWindows(['11:00-12:00', '22:00-06:00'], VN);
  it.each<[string, number, boolean]>([
    ['10:59 (before the meal window)', local(10, 59), true],
    ['11:00 (window start is inside)', local(11, 0), false],
    ['11:59', local(11, 59), false],
    ['12:00 (window end is outside)', local(12, 0), true],
    ['21:59', local(21, 59), true],
    ['23:30 (overnight window, before midnight)', local(23, 30), false],
    ['00:00', local(0, 0), false],
    ['05:59 (overnight window, after midnight)', local(5, 59), false],
    ['06:00', local(6, 0), true],
  ])('at %s local → active %s', (_name, wall, want) => {
    expect(active(wall)).toBe(want);
  });

  it('uses the injected offset, not the machine time zone', () => {
    // 04:30 UTC is 11:30 in Hà Nội (inside) but 04:30 in UTC (outside).
    const wall = Date.UTC(2026, 2, 10, 4, 30);
    expect(activeOutsideWindows(['11:00-12:00'], VN)(wall)).toBe(false);
    expect(activeOutsideWindows(['11:00-12:00'], 0)(wall)).toBe(true);
    // West of UTC, before the epoch's day boundary, still a valid minute of the day.
    expect(activeOutsideWindows(['20:00-21:00'], -300)(Date.UTC(2026, 2, 11, 1, 30))).toBe(false);
  });

  it('is always active with no windows, and rejects a bad offset or window naming it', () => {
    expect(activeOutsideWindows([], VN)(local(11, 30))).toBe(true);
    expect(() => activeOutsideWindows([], 900)).toThrow(/UTC offset must be minutes in \[-840, 840\] \(got 900\)/);
    expect(() => activeOutsideWindows(['11:00-12:00', 'noon'], VN, 'schedule.allow_lines')).toThrow(
      /schedule\.allow_lines\[1\] "noon"/,
    );
  });
});
