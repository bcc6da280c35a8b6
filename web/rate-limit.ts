import type { Clock } from '../agent/shared/clock.js';

export const LOCKOUT = { perUser: 5, perIp: 20, windowMs: 15 * 60_000, lockMs: 15 * 60_000 } as const;

interface Bucket {
  failures: number[];
  lockedUntil: number;
}

/**
 * Login failures per user name and per client address. After 5 failures for a name (or 20 from an address)
 * within 15 minutes, that name (address) is locked for 15 minutes: every attempt gets 429, even with the right
 * password, so a guesser learns nothing while locked. Counters live in memory (a restart clears them).
 */
export class LoginLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** Attempts refused because of a lock, for the health view. */
  refused = 0;

  constructor(private readonly clock: Clock) {}

  /** Seconds until `user` from `ip` may try again, or 0 when allowed now. */
  retryAfterS(user: string, ip: string): number {
    const now = this.clock.wall();
    const until = Math.max(this.bucket(`u:${user.toLowerCase()}`).lockedUntil, this.bucket(`i:${ip}`).lockedUntil);
    if (until > now) {
      this.refused++;
      return Math.ceil((until - now) / 1000);
    }
    return 0;
  }

  failed(user: string, ip: string): void {
    this.count(`u:${user.toLowerCase()}`, LOCKOUT.perUser);
    this.count(`i:${ip}`, LOCKOUT.perIp);
  }

  succeeded(user: string): void {
    this.buckets.delete(`u:${user.toLowerCase()}`);
  }

  private count(key: string, max: number): void {
    const now = this.clock.wall();
    const b = this.bucket(key);
    b.failures = b.failures.filter((t) => now - t < LOCKOUT.windowMs);
    b.failures.push(now);
    if (b.failures.length >= max) {
      b.lockedUntil = now + LOCKOUT.lockMs;
      b.failures = [];
    }
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.prune(now);
  }

  private bucket(key: string): Bucket {
    return this.buckets.get(key) ?? { failures: [], lockedUntil: 0 };
  }

  /** A flood of random names must not grow memory without bound. */
  private prune(now: number): void {
    for (const [k, b] of this.buckets) if (b.lockedUntil < now && b.failures.every((t) => now - t >= LOCKOUT.windowMs)) this.buckets.delete(k);
  }
}
