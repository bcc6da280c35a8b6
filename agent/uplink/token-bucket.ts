import type { Clock } from '../shared/clock.js';

/**
 * Rate cap for the backlog lane, on the injected monotonic clock. Capacity is one second's worth
 * (at least one token), so a reconnect does not start with a burst bigger than the rate.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private rate: number;
  private cap: number;

  constructor(
    ratePerS: number,
    private readonly clock: Clock,
  ) {
    this.rate = TokenBucket.check(ratePerS);
    this.cap = Math.max(1, ratePerS);
    this.tokens = this.cap;
    this.last = clock.now();
  }

  private static check(ratePerS: number): number {
    if (!(ratePerS > 0)) throw new RangeError(`replay rate must be > 0 per second (got ${ratePerS})`);
    return ratePerS;
  }

  get ratePerS(): number {
    return this.rate;
  }

  get capacity(): number {
    return this.cap;
  }

  /** A new rate (cmd/set-policy) from now on; tokens already earned are kept up to the new capacity. */
  setRate(ratePerS: number): void {
    this.refill();
    this.rate = TokenBucket.check(ratePerS);
    this.cap = Math.max(1, ratePerS);
    this.tokens = Math.min(this.tokens, this.cap);
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.cap, this.tokens + ((now - this.last) * this.rate) / 1000);
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
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.rate);
  }
}
