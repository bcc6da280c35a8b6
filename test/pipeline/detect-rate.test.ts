import { describe, expect, it } from 'vitest';
import { DetectRateMonitor } from '../../agent/pipeline/index.js';

/** Feeds `seconds` of frames at `inFps`, losing every `loseEvery`-th one (0: none). */
function feed(m: DetectRateMonitor, fromMs: number, seconds: number, inFps: number, loseEvery = 0): { changes: boolean[]; endMs: number } {
  const changes: boolean[] = [];
  const step = 1000 / inFps;
  let t = fromMs;
  for (let i = 0; i < seconds * inFps; i++, t += step) {
    const answered = loseEvery === 0 || i % loseEvery !== 1;
    if (m.note(t, answered, answered ? 0 : 1)) changes.push(m.overloaded);
  }
  return { changes, endMs: t };
}

describe('DetectRateMonitor', () => {
  it('does not flag a camera answered at its full detect fps', () => {
    const m = new DetectRateMonitor({ fps: 5 });
    expect(feed(m, 0, 120, 5).changes).toEqual([]);
    expect(m.overloaded).toBe(false);
    expect(m.effectiveFps(120_000)).toBeCloseTo(5, 1);
  });

  it('flags a camera losing half its frames once enough time is seen, and clears it a window after it recovers', () => {
    const m = new DetectRateMonitor({ fps: 5 });
    const overloaded = feed(m, 0, 30, 5, 2);
    expect(overloaded.changes).toEqual([true]);
    expect(m.effectiveFps(overloaded.endMs)).toBeCloseTo(2.5, 0);
    // Back to full rate: the lost frames must leave the one-minute window before the verdict clears.
    const half = feed(m, overloaded.endMs, 30, 5);
    expect(half.changes).toEqual([]);
    const recovered = feed(m, half.endMs, 40, 5);
    expect(recovered.changes).toEqual([false]);
  });

  it('gives no verdict before 10 s of frames, and never flags a slow camera that loses nothing', () => {
    const early = new DetectRateMonitor({ fps: 5 });
    expect(feed(early, 0, 9, 5, 2).changes).toEqual([]);
    const slow = new DetectRateMonitor({ fps: 5 });
    // 2 fps delivered, every one answered: the camera's own rate, shown by fps_in, not an agent overload.
    expect(feed(slow, 0, 120, 2).changes).toEqual([]);
  });

  it('tolerates a few lost frames while the rate stays above 90 %', () => {
    const m = new DetectRateMonitor({ fps: 5 });
    expect(feed(m, 0, 120, 5, 20).changes).toEqual([]); // 95 % answered
  });

  it('refuses a non-positive fps', () => {
    expect(() => new DetectRateMonitor({ fps: 0 })).toThrow(/fps must be positive/);
  });
});
