import type { Clock } from '../shared/clock.js';
import { Backoff, realTimers, type BackoffOptions, type Timers } from '../shared/index.js';

// Defined once in agent/shared/ (the camera supervisor paces its restarts with the same class); re-exported for the
// uplink's own modules.
export { Backoff, realTimers, type BackoffOptions, type Timers };

/** Waits for `p` (its failure ignored) or `ms`, whichever comes first: for goodbyes that must not hang a stop. */
export async function raceTimeout(timers: Timers, p: Promise<unknown>, ms: number): Promise<void> {
  let handle: unknown;
  const timeout = new Promise<void>((resolve) => (handle = timers.setTimeout(resolve, ms)));
  await Promise.race([p.catch(() => undefined), timeout]);
  timers.clearTimeout(handle);
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
      const delay = backoff.nextDelay();
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
