import { describe, expect, it } from 'vitest';
import { Backoff, fullJitterDelay } from '../../agent/camera/index.js';

describe('fullJitterDelay', () => {
  it('is random × min(cap, base·2^attempt)', () => {
    const half = (): number => 0.5;
    expect([0, 1, 2, 3, 7, 8, 9, 50].map((a) => fullJitterDelay(a, 2000, 300_000, half))).toEqual([
      1000, 2000, 4000, 8000, 128_000, 150_000, 150_000, 150_000,
    ]);
  });

  it('spans the whole window from 0 to just under the ceiling', () => {
    expect(fullJitterDelay(3, 2000, 300_000, () => 0)).toBe(0);
    expect(fullJitterDelay(3, 2000, 300_000, () => 0.999_999)).toBe(15_999);
    expect(fullJitterDelay(2000, 2000, 300_000, () => 0.999_999)).toBe(299_999); // 2^2000 overflows to Infinity: still capped
  });

  it('clamps a misbehaving random source into [0, 1]', () => {
    expect(fullJitterDelay(0, 2000, 300_000, () => 7)).toBe(2000);
    expect(fullJitterDelay(0, 2000, 300_000, () => -1)).toBe(0);
  });
});

describe('Backoff', () => {
  it('widens with each failure and caps at 5 minutes, using the injected random', () => {
    const rolls = [0.1, 0.9, 0.5, 0.25];
    let i = 0;
    const b = new Backoff({ random: () => rolls[i++ % rolls.length]! });
    const delays = Array.from({ length: 12 }, () => b.nextDelay());
    const ceilings = [2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300].map((s) => s * 1000);
    expect(delays).toEqual(ceilings.map((c, k) => Math.floor(rolls[k % 4]! * c)));
    expect(b.attempt).toBe(12);
  });

  it('resets only after a healthy stretch of healthyResetMs', () => {
    const b = new Backoff({ random: () => 0.5 });
    b.nextDelay();
    b.nextDelay();
    b.nextDelay();
    expect(b.noteHealthy(1_000)).toBe(false); // first frame starts the stretch
    expect(b.noteHealthy(60_999)).toBe(false);
    expect(b.attempt).toBe(3);
    expect(b.noteHealthy(61_000)).toBe(true);
    expect(b.attempt).toBe(0);
    expect(b.nextDelay()).toBe(1000);
  });

  it('a failure ends the stretch: flapping every few seconds keeps backing off', () => {
    const b = new Backoff({ random: () => 0.5 });
    let t = 0;
    for (let k = 0; k < 20; k++) {
      b.noteHealthy(t);
      b.noteHealthy(t + 30_000); // 30 s of frames, then a drop
      b.nextDelay();
      t += 40_000;
    }
    expect(b.attempt).toBe(20);
  });

  it('rejects inconsistent settings', () => {
    expect(() => new Backoff({ baseMs: 0 })).toThrow(/baseMs/);
    expect(() => new Backoff({ baseMs: 10_000, capMs: 5_000 })).toThrow(/capMs/);
  });
});
