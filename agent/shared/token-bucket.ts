import type { Clock } from './clock.js';

/**
 * A token bucket on the injected monotonic clock: `ratePerS` tokens a second up to `capacity`, starting full.
 * The uplink caps its backlog lane with one (capacity one second's worth, at least one token, so a reconnect does
 * not start with a burst bigger than the rate); the hub admits each facility's messages and bytes with two.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private rate: number;
  private cap: number;

  /** @param capacity the largest burst; by default one second's worth (at least one token). */
  constructor(
    ratePerS: number,
    private readonly clock: Clock,
    capacity?: number,
  ) {
    this.rate = TokenBucket.check(ratePerS);
    this.cap = capacity ?? Math.max(1, ratePerS);
    this.tokens = this.cap;
    this.last = clock.now();
  }

  private static check(ratePerS: number): number {
    if (!(ratePerS > 0)) throw new RangeError(`a rate must be > 0 per second (got ${ratePerS})`);
    return ratePerS;
  }

  get ratePerS(): number {
    return this.rate;
  }

  get capacity(): number {
    return this.cap;
  }

  /** A new rate (cmd/set-policy) from now on, capacity one second's worth; tokens already earned are kept up to it. */
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

  /** Takes `n` tokens when there are that many (false, nothing taken, otherwise). */
  take(n = 1): boolean {
    this.refill();
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Milliseconds until one token is available (0 when one is). */
  msUntilToken(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.rate);
  }
}
