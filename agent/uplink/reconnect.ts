import type { Clock } from '../shared/clock.js';
import type { MonoMs } from '../shared/types.js';

/** setTimeout/clearTimeout, injectable so tests drive the reconnect loop and relay without waiting. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Waits for `p` (its failure ignored) or `ms`, whichever comes first: for goodbyes that must not hang a stop. */
export async function raceTimeout(timers: Timers, p: Promise<unknown>, ms: number): Promise<void> {
  let handle: unknown;
  const timeout = new Promise<void>((resolve) => (handle = timers.setTimeout(resolve, ms)));
  await Promise.race([p.catch(() => undefined), timeout]);
  timers.clearTimeout(handle);
}

export interface BackoffOptions {
  readonly baseMs?: number;
  readonly capMs?: number;
  /** A connection that lasted this long resets the schedule to `baseMs`. */
  readonly resetAfterMs?: number;
  /** Uniform [0, 1); injectable for exact tests. */
  readonly random?: () => number;
}

/**
 * Exponential backoff with full jitter: the delay is uniform in [0, min(cap, base·2^n)]. Full
 * jitter rather than a fixed step because 2,000 agents that lost the hub at the same moment must
 * not all come back at the same moment.
 */
export class Backoff {
  readonly baseMs: number;
  readonly capMs: number;
  readonly resetAfterMs: number;
  private readonly random: () => number;
  private attempt = 0;
  private connectedAt: MonoMs | null = null;

  constructor(opts: BackoffOptions = {}) {
    this.baseMs = opts.baseMs ?? 1_000;
    this.capMs = opts.capMs ?? 300_000;
    this.resetAfterMs = opts.resetAfterMs ?? 60_000;
    this.random = opts.random ?? Math.random;
    if (!(this.baseMs > 0 && this.capMs >= this.baseMs)) {
      throw new RangeError(`backoff needs 0 < baseMs <= capMs (got ${this.baseMs}, ${this.capMs})`);
    }
  }

  /** The upper bound of the next delay. */
  ceiling(): number {
    return Math.min(this.capMs, this.baseMs * 2 ** this.attempt);
  }

  /** The delay before the next attempt; each call moves the schedule one step up. */
  next(): number {
    const ceiling = this.ceiling();
    if (ceiling < this.capMs) this.attempt++;
    return Math.floor(this.random() * ceiling);
  }

  connected(at: MonoMs): void {
    this.connectedAt = at;
  }

  disconnected(at: MonoMs): void {
    if (this.connectedAt !== null && at - this.connectedAt >= this.resetAfterMs) this.attempt = 0;
    this.connectedAt = null;
  }

  /** After a refusal (bad credentials, not authorised): retry slowly from now on. */
  penalize(): void {
    while (this.ceiling() < this.capMs) this.attempt++;
  }
}

export interface Connected {
  /** Settles when this connection is over. */
  readonly closed: Promise<unknown>;
}

export interface ReconnectLoopOptions {
  /** One connection attempt; rejects when it fails. It must settle: `stop()` waits for it. */
  readonly connect: () => Promise<Connected>;
  readonly backoff: Backoff;
  readonly clock: Clock;
  readonly timers: Timers;
  /** Called with each failed attempt's error (for logging and alarms). */
  readonly onError?: (err: unknown) => void;
  /** Called with each delay chosen, before waiting it. */
  readonly onWait?: (delayMs: number) => void;
}

/**
 * Connect, wait for the connection to end, back off, repeat, until stopped. MQTT.js's own retry
 * (a fixed 1 s) is off; this loop is the only thing that reconnects.
 */
export class ReconnectLoop {
  private stopped = true;
  private sleeping: { handle: unknown; wake: () => void } | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly opts: ReconnectLoopOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.run();
  }

  /** Stops scheduling attempts; the current connection (if any) is closed by its owner. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sleeping) {
      this.opts.timers.clearTimeout(this.sleeping.handle);
      this.sleeping.wake();
    }
    await this.running;
  }

  private async run(): Promise<void> {
    const { backoff, clock } = this.opts;
    while (!this.stopped) {
      try {
        const conn = await this.opts.connect();
        backoff.connected(clock.now());
        await conn.closed;
        backoff.disconnected(clock.now());
      } catch (err) {
        this.opts.onError?.(err);
      }
      if (this.stopped) break;
      const delay = backoff.next();
      this.opts.onWait?.(delay);
      await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.sleeping = null;
        resolve();
      };
      this.sleeping = { handle: this.opts.timers.setTimeout(wake, ms), wake };
    });
  }
}
