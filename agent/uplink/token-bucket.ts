import type { Clock } from '../shared/clock.js';

/**
 * Rate cap for the backlog lane, on the injected monotonic clock. Capacity is one second's worth
 * (at least one token), so a reconnect does not start with a burst bigger than the rate.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly capacity: number;

  constructor(
    readonly ratePerS: number,
    private readonly clock: Clock,
  ) {
    if (!(ratePerS > 0)) throw new RangeError(`replay rate must be > 0 per second (got ${ratePerS})`);
    this.capacity = Math.max(1, ratePerS);
    this.tokens = this.capacity;
    this.last = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.ratePerS) / 1000);
    this.last = now;
  }

  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until one token is available (0 when one is). */
  msUntilToken(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.ratePerS);
  }
}
