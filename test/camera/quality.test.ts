import { describe, expect, it } from 'vitest';
import { gradeQuality, IncidentWindow, QUALITY_THRESHOLDS } from '../../agent/camera/index.js';

const H = 3_600_000;
const counts = (reconnects: number, stalls = 0, overFps = 0) => ({ reconnects, stalls, overFps });

describe('gradeQuality', () => {
  it.each([
    [counts(0), 'excellent'],
    [counts(1), 'excellent'], // one nightly reboot
    [counts(1, 1), 'fair'], // a stall and its reconnect
    [counts(2, 2), 'fair'],
    [counts(3, 2), 'poor'],
    [counts(6, 6), 'poor'],
    [counts(7, 6), 'unusable'],
    [counts(0, 0, 13), 'unusable'],
  ] as const)('%j → %s', (c, grade) => {
    expect(gradeQuality(c, false)).toBe(grade);
  });

  it('is unusable while offline, whatever the history', () => {
    expect(gradeQuality(counts(0), true)).toBe('unusable');
  });

  it('takes other thresholds', () => {
    const strict = { ...QUALITY_THRESHOLDS, excellentMax: 0 };
    expect(gradeQuality(counts(1), false, strict)).toBe('fair');
  });
});

describe('IncidentWindow', () => {
  it('counts by kind within the last hour and forgets older ones exactly at the hour', () => {
    const w = new IncidentWindow();
    w.record('reconnect', 0);
    w.record('stall', 10_000);
    w.record('over_fps', 20_000);
    expect(w.counts(H - 1)).toEqual(counts(1, 1, 1));
    expect(w.counts(H)).toEqual(counts(0, 1, 1));
    expect(w.counts(H + 20_000)).toEqual(counts(0, 0, 0));
    expect(w.size).toBe(0);
  });

  it('stays bounded however fast a camera flaps', () => {
    const w = new IncidentWindow(H, 64);
    for (let t = 0; t < 10_000; t++) w.record('reconnect', t);
    expect(w.size).toBe(64);
    expect(gradeQuality(w.counts(10_000), false)).toBe('unusable');
  });

  it('rejects a window that is not positive', () => {
    expect(() => new IncidentWindow(0)).toThrow(/windowMs/);
  });
});
