import { describe, expect, it } from 'vitest';
import { activeOutsideWindows, checkWindow, parseWindow, RuleConfigError, type DailyWindow } from '../../agent/rules/index.js';

const VN = 420; // UTC+7
/** Epoch ms of a local (UTC+7) time on 2026-03-10. */
const local = (hh: number, mm: number): number => Date.UTC(2026, 2, 10, hh, mm) - VN * 60_000;

describe('parseWindow', () => {
  it('parses HH:MM-HH:MM into minutes, allowing 24:00 as an end', () => {
    expect(parseWindow('11:00-12:30')).toMatchObject({ start_min: 660, end_min: 750 });
    expect(parseWindow('22:00-06:00')).toMatchObject({ start_min: 1320, end_min: 360 });
    expect(parseWindow('18:00-24:00')).toMatchObject({ start_min: 1080, end_min: 1440 });
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

describe('windows as config parses them (TimeWindow: text, start_min, end_min)', () => {
  const win = (text: string, start_min: number, end_min: number): DailyWindow => ({ text, start_min, end_min });

  it('takes parsed windows as they are, with the same meaning as the text form', () => {
    const parsed = activeOutsideWindows([win('11:00-12:00', 660, 720), win('22:00-06:00', 1320, 360)], VN);
    const text = activeOutsideWindows(['11:00-12:00', '22:00-06:00'], VN);
    for (let m = 0; m < 24 * 60; m += 7) {
      const wall = local(Math.floor(m / 60), m % 60);
      expect(parsed(wall)).toBe(text(wall));
    }
    expect(parsed(local(11, 30))).toBe(false);
    expect(parsed(local(23, 30))).toBe(false);
    expect(parsed(local(13, 0))).toBe(true);
  });

  it('accepts a window ending at midnight written either way (24:00 → 1440, or 0 as config gives for 00:00)', () => {
    expect(activeOutsideWindows([win('18:00-24:00', 1080, 1440)], VN)(local(23, 59))).toBe(false);
    expect(activeOutsideWindows([win('18:00-00:00', 1080, 0)], VN)(local(23, 59))).toBe(false);
    expect(activeOutsideWindows([win('18:00-00:00', 1080, 0)], VN)(local(0, 1))).toBe(true);
  });

  it.each<[string, DailyWindow, RegExp]>([
    ['a start past midnight', win('25:00-26:00', 1500, 1560), /out of range/],
    ['a fractional minute', win('odd', 60.5, 120), /out of range/],
    ['equal start and end', win('10:00-10:00', 600, 600), /starts and ends at the same time/],
    ['the whole day', win('00:00-24:00', 0, 1440), /starts and ends at the same time/],
  ])('rejects %s, naming the key', (_name, w, msg) => {
    expect(() => checkWindow(w, 'schedule.allow_zones[2]')).toThrow(RuleConfigError);
    expect(() => activeOutsideWindows([w], VN, 'schedule.allow_zones')).toThrow(msg);
    expect(() => activeOutsideWindows([w], VN, 'schedule.allow_zones')).toThrow(/schedule\.allow_zones\[0\]/);
  });
});
