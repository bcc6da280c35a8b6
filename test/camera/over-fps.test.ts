import { describe, expect, it } from 'vitest';
import { OverFpsDetector } from '../../agent/camera/index.js';

/** Feed frames at `fps` for `seconds` starting at `t0`; returns the times at which it fired. */
function feed(d: OverFpsDetector, fps: number, seconds: number, t0 = 0): number[] {
  const fired: number[] = [];
  const n = Math.round(fps * seconds);
  for (let i = 0; i < n; i++) {
    const t = t0 + (i * 1000) / fps;
    if (d.update(t)) fired.push(t);
  }
  return fired;
}

describe('OverFpsDetector', () => {
  it('allows fps × factor × window frames per window: 150 at 5 fps, ×3, 10 s', () => {
    expect(new OverFpsDetector(5).limit).toBe(150);
    expect(new OverFpsDetector(2, { factor: 2, windowMs: 5_000 }).limit).toBe(20);
  });

  it('never fires at the detect rate, nor at twice it, over an hour', () => {
    expect(feed(new OverFpsDetector(5), 5, 3600)).toEqual([]);
    expect(feed(new OverFpsDetector(5), 10, 3600)).toEqual([]);
  });

  it('fires within the window when a 25 fps stream comes through unreduced', () => {
    const fired = feed(new OverFpsDetector(5), 25, 20);
    expect(fired.length).toBeGreaterThan(0);
    // the 151st frame at 25 fps arrives at 6 s: the first moment more than 150 fit in 10 s
    expect(fired[0]).toBe(6000);
  });

  it('tolerates a short burst of filled-in frames after a network gap', () => {
    const d = new OverFpsDetector(5);
    expect(feed(d, 5, 30)).toEqual([]);
    // 20 s gap, then ffmpeg's fps filter emits the 100 missing frames at once, then normal again
    for (let i = 0; i < 100; i++) expect(d.update(50_000)).toBe(false);
    expect(feed(d, 5, 30, 50_200)).toEqual([]);
  });

  it('counts a flood that arrives all at one instant (a frozen test clock sees this)', () => {
    const d = new OverFpsDetector(5);
    const results = Array.from({ length: 151 }, () => d.update(1000));
    expect(results.indexOf(true)).toBe(150);
  });

  it('forgets everything on reset (a new ffmpeg starts a new count)', () => {
    const d = new OverFpsDetector(5);
    for (let i = 0; i < 150; i++) d.update(0);
    d.reset();
    expect(d.update(0)).toBe(false);
  });

  it('rejects nonsense settings', () => {
    expect(() => new OverFpsDetector(0)).toThrow(/targetFps > 0/);
    expect(() => new OverFpsDetector(5, { factor: 1 })).toThrow(/factor > 1/);
    expect(() => new OverFpsDetector(5, { windowMs: 0 })).toThrow(/windowMs > 0/);
  });
});
