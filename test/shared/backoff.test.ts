import { describe, expect, it } from 'vitest';
import { CAMERA_BACKOFF } from '../../agent/camera/index.js';
import { Backoff, fullJitterDelay } from '../../agent/shared/index.js';

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
    const b = new Backoff({ ...CAMERA_BACKOFF, random: () => rolls[i++ % rolls.length]! });
    const delays = Array.from({ length: 12 }, () => b.nextDelay());
    const ceilings = [2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300].map((s) => s * 1000);
    expect(delays).toEqual(ceilings.map((c, k) => Math.floor(rolls[k % 4]! * c)));
    expect(b.attempt).toBe(12);
  });

  it('resets only after a healthy stretch of resetAfterMs', () => {
    const b = new Backoff({ ...CAMERA_BACKOFF, random: () => 0.5 });
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
    const b = new Backoff({ ...CAMERA_BACKOFF, random: () => 0.5 });
    let t = 0;
    for (let k = 0; k < 20; k++) {
      b.noteHealthy(t);
      b.noteHealthy(t + 30_000); // 30 s of frames, then a drop
      b.nextDelay();
      t += 40_000;
    }
    expect(b.attempt).toBe(20);
  });

  it('starts from 1 s by default (the uplink) and from 2 s with the camera settings', () => {
    expect(new Backoff({ random: () => 0.5 }).nextDelay()).toBe(500);
    expect(new Backoff({ ...CAMERA_BACKOFF, random: () => 0.5 }).nextDelay()).toBe(1000);
  });

  it('connected/disconnected: a connection that lasted resetAfterMs forgives, a shorter one does not', () => {
    const b = new Backoff({ random: () => 0.5 });
    b.nextDelay();
    b.nextDelay();
    b.connected(0);
    b.disconnected(59_999);
    expect(b.attempt).toBe(2);
    b.connected(100_000);
    b.disconnected(160_000);
    expect(b.attempt).toBe(0);
    b.disconnected(500_000); // without a connected(): no stretch, nothing forgiven or broken
    expect(b.attempt).toBe(0);
  });

  it('penalize() jumps to the cap but keeps counting failures', () => {
    const b = new Backoff({ random: () => 0.5 });
    b.penalize();
    expect(b.ceiling()).toBe(300_000);
    expect(b.nextDelay()).toBe(150_000);
    expect(b.nextDelay()).toBe(150_000);
  });

  it('rejects inconsistent settings', () => {
    expect(() => new Backoff({ baseMs: 0 })).toThrow(/baseMs/);
    expect(() => new Backoff({ baseMs: 10_000, capMs: 5_000 })).toThrow(/capMs/);
    expect(() => new Backoff({ resetAfterMs: 0 })).toThrow(/resetAfterMs/);
  });
});
